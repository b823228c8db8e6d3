"""Faults around the index: a read-only folder, a full disk, a damaged index under the app.

A read-only folder is a read-only bind mount and a full disk a small tmpfs (as root, which
ignores file permissions), or a folder without write permission (as anyone else).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess

import pytest
from conftest import ARTICLE, start_app
from test_cli import citeqa

from citeqa import Assistant

ROOT_USER = os.geteuid() == 0


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount here ({done.stderr.strip()}); run the tests as root")


@contextlib.contextmanager
def read_only(folder):
    if not ROOT_USER:
        folder.chmod(0o555)
        yield
        folder.chmod(0o755)
        return
    _mount("--bind", str(folder), str(folder))
    try:
        _mount("-o", "remount,bind,ro", str(folder))
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextlib.contextmanager
def small_disk(folder, size: str):
    if not ROOT_USER:
        pytest.skip("a full disk is simulated with a tmpfs, which needs root")
    folder.mkdir()
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def second_document(tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("The second document is about something else entirely. It has two sentences.\n")
    return other


def test_index_into_a_read_only_folder(tmp_path, encoder):
    folder = tmp_path / "ro"
    folder.mkdir()
    Assistant.from_paths([ARTICLE], folder / "index", encoder=encoder)
    with read_only(folder):
        done = citeqa("index", str(ARTICLE), str(second_document(tmp_path)), "--index-dir",
                      str(folder / "index"), cwd=tmp_path)  # fmt: skip
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.startswith("citeqa: error: cannot write the index to")
        assert "Read-only file system" in done.stderr or "Permission denied" in done.stderr
        assert "--index-dir" in done.stderr
        asked = citeqa("ask", "Who did Putin invite to Moscow?", "--index-dir", str(folder / "index"),
                       cwd=tmp_path)  # fmt: skip
        assert asked.returncode == 0 and "foreign ministers" in asked.stdout  # reading still works


def test_a_full_disk_keeps_the_old_index(tmp_path, encoder):
    with small_disk(tmp_path / "disk", "400k") as disk:
        Assistant.from_paths([ARTICLE], disk / "index", encoder=encoder)
        filler = disk / "filler"
        with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 4096)
        done = citeqa("index", str(ARTICLE), str(second_document(tmp_path)), "--index-dir",
                      str(disk / "index"), cwd=tmp_path)  # fmt: skip
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "cannot write the index" in done.stderr and "No space left on device" in done.stderr
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "index"]  # no half-written folder
        old = Assistant.load(disk / "index", encoder=encoder)
        assert [d.doc_id for d in old.documents] == [ARTICLE.name]


def app_answer(index_dir, question: str) -> tuple[dict, str]:
    """Start app.py on ``index_dir``, ask ``question`` through /ask, stop it: (answer, output)."""
    from gradio_client import Client

    proc, url = start_app(env={"CITEQA_INDEX_DIR": str(index_dir)})
    try:
        answer = Client(url, verbose=False).predict(question, [], api_name="/ask")
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert "Traceback" not in output
    return answer, output


def test_the_app_rebuilds_a_damaged_index(tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(ARTICLE.parents[1] / "index", index_dir)
    (index_dir / "sentences.faiss").write_bytes(b"garbage")
    answer, output = app_answer(index_dir, "Who did Putin invite to Moscow?")
    assert "foreign ministers" in answer["citations"][0]["quote"]
    assert "rebuilding" in output
    Assistant.load(index_dir)  # rebuilt on disk


def test_the_app_answers_from_memory_when_it_cannot_write(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        answer, output = app_answer(folder / "index", "How many people fled their homes?")
    assert "70,000" in answer["citations"][0]["quote"]
    assert "citeqa: warning: cannot write the index" in output and "kept in memory" in output

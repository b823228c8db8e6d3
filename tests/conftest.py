from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "data" / "nagorno-karabakh-ceasefire.txt"
EVAL_SET = ROOT / "eval" / "article_qa.jsonl"


@pytest.fixture(scope="session")
def encoder():
    """The real packaged MiniLM, loaded once for the whole run."""
    from citeqa.embed import default_encoder

    return default_encoder()


@pytest.fixture(scope="session")
def article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def assistant(encoder, article_text):
    from citeqa import Assistant

    return Assistant.from_texts({ARTICLE.name: article_text}, encoder=encoder)


def assert_citations_exact(assistant, answer) -> None:
    """The invariant: every quote is the document's text at its offsets, numbered 1, 2, 3."""
    for n, c in enumerate(answer.citations, start=1):
        assert c.number == n
        assert assistant.document(c.doc_id).text[c.start : c.end] == c.quote
        assert f"[{n}]" in answer.text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(*args: str, env: dict | None = None):
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *args],
                            cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited: {proc.stdout.read()}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except urllib.error.HTTPError:  # up, but e.g. asking for a login
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("app.py did not start within 180 s")

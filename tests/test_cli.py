import json
import os
import subprocess
import sys

from conftest import ARTICLE, ROOT


def citeqa(*args, cwd):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "citeqa.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_index_then_ask_then_json(tmp_path):
    done = citeqa("index", str(ARTICLE), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "indexed 1 document," in done.stdout and (tmp_path / "index" / "manifest.json").exists()

    asked = citeqa("ask", "Who did Putin invite to Moscow?", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert "foreign ministers" in asked.stdout and "[1] nagorno-karabakh-ceasefire.txt" in asked.stdout

    as_json = citeqa("ask", "--json", "How many people fled their homes?", cwd=tmp_path)
    answer = json.loads(as_json.stdout)
    text = ARTICLE.read_text(encoding="utf-8")
    assert "70,000" in answer["citations"][0]["quote"]
    for c in answer["citations"]:
        assert text[c["start"] : c["end"]] == c["quote"]


def test_errors_are_one_line_messages(tmp_path):
    missing = citeqa("ask", "Who?", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith("citeqa: error: no index in index") and "Traceback" not in missing.stderr
    (tmp_path / "bad.bin.txt").write_bytes(b"\x00\x00")
    bad = citeqa("index", "bad.bin.txt", cwd=tmp_path)
    assert bad.returncode == 1 and "binary" in bad.stderr and "Traceback" not in bad.stderr
    citeqa("index", str(ARTICLE), cwd=tmp_path)
    empty = citeqa("ask", " ", cwd=tmp_path)
    assert empty.returncode == 1 and "question is empty" in empty.stderr


def test_chat_reads_follow_ups_in_context_and_goes_on_after_a_bad_question(tmp_path):
    citeqa("index", str(ARTICLE), cwd=tmp_path)
    lines = ["Who did Putin invite to Moscow?", "", "x" * 3000, "And who will receive the Armenian one?"]
    chat = subprocess.run(
        [sys.executable, "-m", "citeqa.cli", "chat", "--json"], input="\n".join(lines) + "\n",
        cwd=tmp_path, env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    assert "citeqa: error: the question is 3,000 characters long" in chat.stderr
    answers = [json.loads(line) for line in chat.stdout.splitlines()]
    assert [a["question"] for a in answers] == [lines[0], lines[3]]
    assert "foreign ministers" in answers[0]["citations"][0]["quote"]
    assert "Lavrov" in answers[1]["citations"][0]["quote"]
    text = ARTICLE.read_text(encoding="utf-8")
    for c in answers[0]["citations"] + answers[1]["citations"]:
        assert text[c["start"] : c["end"]] == c["quote"]


def test_a_folder_of_other_files_is_never_replaced_by_an_index(tmp_path):
    """``--index-dir`` pointed at a folder of the user's own files: refused, every file kept."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("buy milk", encoding="utf-8")
    (notes / "sentences.jsonl").write_text("mine", encoding="utf-8")
    for args in (["index"], ["index", "--rebuild"]):
        done = citeqa(*args, "--index-dir", "notes", str(ARTICLE), cwd=tmp_path)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "not part of a citeqa index (todo.txt)" in done.stderr and "--index-dir" in done.stderr
    assert sorted(p.name for p in notes.iterdir()) == ["sentences.jsonl", "todo.txt"]
    assert (notes / "todo.txt").read_text(encoding="utf-8") == "buy milk"
    assert [p.name for p in tmp_path.iterdir()] == ["notes"]  # no temporary folder left

    (tmp_path / "notes.txt").write_text("a file, not a folder", encoding="utf-8")
    done = citeqa("index", "--index-dir", "notes.txt", str(ARTICLE), cwd=tmp_path)
    assert done.returncode == 1 and "notes.txt is a file, not a folder" in done.stderr
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "a file, not a folder"

    (tmp_path / "index").mkdir()
    (tmp_path / "index" / ".DS_Store").write_bytes(b"\0")  # a file manager's, not the user's
    done = citeqa("index", str(ARTICLE), cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_working_folder_itself_can_be_the_index(tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    (tmp_path / "note.txt").write_text("The meeting is on Tuesday.", encoding="utf-8")
    done = citeqa("index", "--index-dir", ".", str(ARTICLE), str(tmp_path / "note.txt"), cwd=here)
    assert done.returncode == 0 and done.stdout.startswith("indexed 2 documents, "), done.stderr
    asked = citeqa("ask", "--index-dir", "./", "Who did Putin invite to Moscow?", cwd=here)
    assert asked.returncode == 0 and "foreign ministers" in asked.stdout, asked.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """``citeqa ask --json ... | head``: the pipe closes before the answer is written."""
    citeqa("index", str(ARTICLE), cwd=tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "citeqa.cli", "ask", "--json", "Who did Putin invite to Moscow?"],
        cwd=tmp_path, env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=300) == 1
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr


def test_the_shipped_index_is_current():
    """index/ in the repository is what `citeqa index` builds for the bundled article."""
    from citeqa import Assistant

    assistant = Assistant.load(ROOT / "index")
    assert list(assistant.index.documents) == [ARTICLE.name]
    assert assistant.index.manifest["sources_relative_to"] == "index"  # so its source is checked
    assert assistant.document(ARTICLE.name).text == ARTICLE.read_text(encoding="utf-8")


def test_ctrl_c_while_indexing_says_so_and_keeps_the_old_index(tmp_path):
    import signal
    import time

    assert citeqa("index", str(ARTICLE), cwd=tmp_path).returncode == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "index").iterdir()}
    # A shell that runs the tests in the background (``make test &``) ignores SIGINT for all it
    # starts, and so would this child: give it the default, as a terminal's Ctrl-C finds it.
    proc = subprocess.Popen(
        [sys.executable, "-m", "citeqa.cli", "index", "--rebuild", str(ARTICLE)], cwd=tmp_path,
        env={**os.environ, "HF_HUB_OFFLINE": "1"}, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    time.sleep(3)  # somewhere in loading the model or embedding; any moment must do
    proc.send_signal(signal.SIGINT)
    stderr = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130 and stderr.strip().endswith("citeqa: interrupted"), stderr
    assert "Traceback" not in stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "index").iterdir()} == before


def test_eval_names_bad_data_and_options_without_a_traceback(tmp_path):
    missing = citeqa("eval", "squad", "nothing.json", cwd=tmp_path)
    assert missing.returncode == 2 and "citeqa eval: error: cannot read the benchmark data" in missing.stderr
    (tmp_path / "set.jsonl").write_text('{"id": "q1", "question": "Who?"\n', encoding="utf-8")
    broken = citeqa("eval", "article", "set.jsonl", str(ARTICLE), cwd=tmp_path)
    assert broken.returncode == 2 and "JSONDecodeError" in broken.stderr
    too_high = citeqa("eval", "--threshold", "2", "article", "set.jsonl", str(ARTICLE), cwd=tmp_path)
    assert too_high.returncode == 2 and "between 0 and 1" in too_high.stderr
    assert "Traceback" not in missing.stderr + broken.stderr + too_high.stderr


def test_eval_counts_a_question_without_words_as_refused_and_skips_an_empty_article(tmp_path):
    governor = [{"text": "The governor", "answer_start": 0}]
    qas = [{"id": "a", "question": "Who signed the charter?", "answers": governor},
           {"id": "b", "question": "???", "answers": []}]  # fmt: skip
    charter = {
        "title": "Charter",
        "paragraphs": [{"context": "The governor signed the charter.", "qas": qas}],
    }
    data = {"data": [charter, {"title": "Empty", "paragraphs": [{"context": " ", "qas": qas}]}]}
    (tmp_path / "tiny.json").write_text(json.dumps(data), encoding="utf-8")
    done = citeqa("eval", "--systems", "citeqa", "--out", "out", "squad", "tiny.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "skipping Empty" in done.stderr and "Traceback" not in done.stderr
    records = [json.loads(line) for line in (tmp_path / "out" / "records.jsonl").read_text().splitlines()]
    assert [(r["id"], r["quotes"] == []) for r in records] == [("a", False), ("b", True)]

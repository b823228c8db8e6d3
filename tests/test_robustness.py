"""Odd input, crashes and threads: the quote invariant and the index survive all of them."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import ARTICLE, ROOT, assert_citations_exact
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from citeqa import Assistant, DocumentError, QuestionError
from citeqa.lexical import WORD

ODD = st.sampled_from(
    ["e\u0301", "👩‍👩‍👧", "שלום עולם.", "مرحبا.", "\x00", "\x07", "\r\n", "\n\n", "\t", "[ad_1]",
     "Dr. J. R. Smith paid 3.50.", "“Quoted!” he said.", "x" * 900, " "]
)  # fmt: skip
TEXTS = st.lists(st.one_of(ODD, st.text(max_size=60)), max_size=25).map("".join)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=TEXTS, question=st.text(min_size=1, max_size=200))
def test_any_document_and_question_keep_the_invariant(encoder, doc, question):
    try:
        assistant = Assistant.from_texts({"doc.txt": doc}, encoder=encoder)
    except DocumentError as e:  # empty, or nothing but noise: refused with a clear message
        assert "empty" in str(e) or "no text to index" in str(e)
        return
    for s in assistant.index.sentences:
        assert doc[s.start : s.end] == s.text and len(s.text) <= 400
    if not question.strip():
        return
    if not WORD.search(question):  # only signs or emoji: refused with a clear message
        with pytest.raises(QuestionError, match="no words"):
            assistant.ask(question)
        return
    assert_citations_exact(assistant, assistant.ask(question))


def test_concurrent_questions_get_the_single_threaded_answers(assistant):
    lines = (ROOT / "eval" / "article_qa.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines]
    alone = [assistant.ask(q).to_dict() for q in questions]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: assistant.ask(q).to_dict(), questions * 2))
    assert together == alone * 2


def test_killing_the_indexer_never_leaves_a_broken_index(tmp_path, encoder):
    """SIGKILL `citeqa index --rebuild` at random moments, 20 times: the old index always loads."""
    big = tmp_path / "big.txt"
    big.write_text(ARTICLE.read_text(encoding="utf-8") * 12, encoding="utf-8")
    index_dir = tmp_path / "index"
    Assistant.from_paths([ARTICLE], index_dir, encoder=encoder)
    rng = random.Random(7)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    survived = 0
    for _ in range(20):
        command = [
            sys.executable,
            "-m",
            "citeqa.cli",
            "index",
            "--rebuild",
            str(big),
            "--index-dir",
            str(index_dir),
        ]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 9.0))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        loaded = Assistant.load(index_dir, encoder=encoder)  # never half-written
        assert list(loaded.documents[0].doc_id for _ in [0]) in (
            ["nagorno-karabakh-ceasefire.txt"],
            ["big.txt"],
        )
        assert_citations_exact(loaded, loaded.ask("Who did Putin invite to Moscow?"))
        survived += not finished
    assert survived >= 10  # most kills landed while the indexer was still running
    Assistant.from_paths([ARTICLE], index_dir, encoder=encoder, rebuild=True)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # killed writers' folders go


def test_a_sentence_the_reranker_reads_as_nothing_still_gets_an_answer(encoder):
    """Combining accents alone: the reranker's tokenizer strips them all, so its span head has no
    token to point at (its score once came out as -10,000 and overflowed the answerability)."""
    assistant = Assistant.from_texts({"accents": "\u0301\u0301\u0301"}, encoder=encoder)
    answer = assistant.ask("0")
    assert answer.abstained and 0.0 < answer.confidence < 1.0

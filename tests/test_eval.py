import hashlib
import json

import numpy as np
import pytest
from conftest import ARTICLE, EVAL_SET, ROOT

from citeqa.eval import abstention_rates, hit_rank, load_article_set, normalize, run, summarize, threshold_for


def test_normalize_follows_squad():
    assert normalize("The  U.S. Army!") == "us army"
    assert normalize("“Sergei Lavrov”") == "sergei lavrov"


def test_hit_rank():
    quotes = ["Nothing here.", "Sergei Lavrov will receive him.", "x" * 401 + " Lavrov"]
    assert hit_rank(quotes, ["Sergei Lavrov"]) == 2
    assert hit_rank(quotes, ["Lavrov"]) == 2
    assert hit_rank(quotes[2:], ["Lavrov"]) is None  # too long to count
    assert hit_rank(quotes[2:], ["Lavrov"], max_chars=None) == 1
    assert hit_rank(quotes, ["rov"]) is None  # whole words only
    assert hit_rank(quotes, []) is None


def test_abstention_and_threshold():
    confidence = np.array([0.9, 0.8, 0.7, 0.2, 0.1, 0.6])
    answerable = np.array([True, True, True, False, False, False])
    assert abstention_rates(confidence, answerable, 0.5) == (pytest.approx(2 / 3), 0.0)
    assert threshold_for(confidence, answerable, 0.0) == 0.7
    assert threshold_for(confidence, answerable, 0.34) == 0.8  # one of three may be refused


def test_article_quality_does_not_regress(assistant):
    """The article's own set, measured with the real model at the default threshold.

    These are floors a little under what is measured today (README, "Quality"), so that a
    change that makes answers worse fails here. The core issue's bar (hit@1 0.95, hit@3 1.0,
    abstention 0.9 at 0.05 false abstention, follow-ups 0.95) is not reached yet.
    """
    article = load_article_set(EVAL_SET, ARTICLE)
    summary = summarize(run(assistant, article), assistant.settings.abstain_threshold)
    assert summary["answerable"] >= 40 and summary["unanswerable"] >= 12
    assert summary["followup_turns"] >= 10
    assert summary["citation_validity"] == 1.0
    assert summary["hit@1"] >= 0.70, summary
    assert summary["hit@3"] >= 0.80, summary
    assert summary["followup_hit@3"] >= 0.75, summary
    assert summary["abstention_unanswerable"] >= 0.15, summary
    assert summary["false_abstention"] <= 0.15, summary


def test_end_to_end_on_a_tiny_squad_file(tmp_path, capsys):
    from citeqa.eval import main

    out = tmp_path / "report"
    data = ROOT / "tests" / "data" / "tiny-squad.json"
    assert (
        main(["--out", str(out), "squad", str(data), "--limit-articles", "2", "--limit-questions", "3"]) == 0
    )
    table = capsys.readouterr().out
    for name in ("citeqa", "citeqa-linear", "hybrid", "rag500"):
        assert f"| {name} |" in table
    assert sorted(p.name for p in out.iterdir()) == [
        "abstention.png",
        "hit_at_k.png",
        "records.jsonl",
        "report.json",
        "report.md",
    ]
    assert (out / "hit_at_k.png").read_bytes().startswith(b"\x89PNG")
    report = json.loads((out / "report.json").read_text())
    assert report["dataset"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert report["versions"]["faiss-cpu"] and report["settings"]["thresholds"]["citeqa"] > 0
    assert table.strip() in (out / "report.md").read_text()
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert len(records) == 6 * 5  # six systems, five questions
    report["records"] = {}
    for row in records:
        report["records"].setdefault(row["system"], []).append(row)
    assert set(report["summary"]) == {"citeqa", "citeqa-linear", "bm25", "dense", "hybrid", "rag500"}
    citeqa = report["summary"]["citeqa"]
    assert citeqa["answerable"] == 4 and citeqa["unanswerable"] == 1
    assert citeqa["citation_validity"] == 1.0
    assert citeqa["hit@3"] >= 0.75
    for name, rows in report["records"].items():
        assert len(rows) == 5, name


def test_a_false_abstention_rate_no_threshold_keeps_within_is_refused_clearly(tmp_path, capsys, monkeypatch):
    """When the refusal rules alone refuse more than 2 % of the fit split's answerable questions
    (2.1 % until December 2026's fourth round), no threshold keeps within 2 %: fit_abstention.py
    then stores 0, which would refuse nothing."""
    import citeqa.settings
    from citeqa.eval import main
    from citeqa.settings import MODELS

    for model in MODELS.glob("answerability*.json"):
        stored = json.loads(model.read_text())
        stored["fit_split_curve"]["0.02"]["threshold"] = 0.0
        (tmp_path / model.name).write_text(json.dumps(stored))
    monkeypatch.setattr(citeqa.settings, "MODELS", tmp_path)  # main reads it from there
    data = ROOT / "tests" / "data" / "tiny-squad.json"
    with pytest.raises(SystemExit) as exit_:
        main(["--out", str(tmp_path / "r"), "--fit-false-abstention", "0.02", "squad", str(data)])
    assert exit_.value.code == 2
    assert "no threshold keeps citeqa's false abstention within 2 %" in capsys.readouterr().err.replace(
        "2%", "2 %"
    )
    assert not (tmp_path / "r").exists()


def _record(answers, quotes, confidence=0.9, conversation=None, turn=0):
    return {"answerable": bool(answers), "conversation": conversation, "turn": turn, "confidence": confidence,
            "quotes": quotes, "valid": [True] * len(quotes),
            "rank": hit_rank(quotes, answers), "rank_any_length": hit_rank(quotes, answers, None),
            "supported": [hit_rank([q], answers, None) is not None for q in quotes],
            "seconds": 0.01}  # fmt: skip


def test_summarize_on_hand_made_records():
    long = "x " * 250 + "Paris"
    records = [
        _record(["Paris"], ["Paris is the capital.", "Lyon."]),  # hit at 1
        _record(["Lyon"], ["Paris.", "Nice.", "Lyon is big."]),  # hit at 3
        _record(["Paris"], [long]),  # only without the length cap
        _record([], ["Paris."], confidence=0.1),  # unanswerable, abstained at 0.5
        _record([], ["Nice."], confidence=0.8),  # unanswerable, answered
        _record(["Rome"], ["Rome."], conversation="c", turn=1),
        _record(["Milan"], ["Turin."], conversation="c", turn=2),
    ]
    m = summarize(records, threshold=0.5)
    assert m["answerable"] == 3 and m["unanswerable"] == 2
    assert m["hit@1"] == pytest.approx(1 / 3) and m["hit@3"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert m["hit@1_any_length"] == pytest.approx(2 / 3)
    assert m["abstention_unanswerable"] == 0.5 and m["false_abstention"] == 0.0
    assert m["followup_turns"] == 1 and m["followup_hit@3"] == 0.0
    assert m["followup_hit@3_by_turn"] == {1: 1.0, 2: 0.0}
    # of the 8 quotes given to answerable questions (conversations included), 4 hold a gold answer
    assert m["citation_precision"] == pytest.approx(4 / 8)
    assert m["abstention_curve"][0] == [0.0, 0.0, 0.0]


def test_switched_records_count_only_in_switch_metrics():
    records = [
        _record(["Paris"], ["Paris is the capital."]),
        _record([], ["Nice."], confidence=0.1),
        {**_record(["Paris"], ["Lyon.", "Paris is the capital."]), "after": "q2", "same": False},
        {**_record([], ["Nice."], confidence=0.1), "after": "q1", "same": True},
    ]
    m = summarize(records, threshold=0.5)
    assert m["answerable"] == 1 and m["unanswerable"] == 1 and m["hit@1"] == 1.0
    assert m["citation_precision"] == 1.0  # the switched answer's "Lyon." is not counted
    assert m["switch_questions"] == 2 and m["switch_hit@1"] == 0.0 and m["switch_same"] == 0.5


def test_switching_topic_asks_each_question_after_another(assistant):
    article = load_article_set(EVAL_SET, ARTICLE)
    article.questions = [q for q in article.questions if not q.conversation][:6]
    records = run(assistant, article, switch=True)
    switched = [r for r in records if r.get("after")]
    assert [r["id"] for r in switched] == [q.qid for q in article.questions]
    assert [r["after"] for r in switched] == [q.qid for q in article.questions[3:] + article.questions[:3]]
    assert all(all(r["valid"]) for r in records)


@pytest.mark.parametrize("name", ["article_qa.jsonl", "article_qa_heldout.jsonl"])
def test_every_answer_phrase_is_verbatim_in_the_article(name):
    article = load_article_set(ROOT / "eval" / name, ARTICLE)
    text = ARTICLE.read_text(encoding="utf-8")
    assert len({q.qid for q in article.questions}) == len(article.questions)
    assert sum(bool(q.answers) for q in article.questions) >= 40
    for q in article.questions:
        assert q.question.strip() and all(a in text for a in q.answers), q.qid

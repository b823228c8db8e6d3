"""The training scripts' pure logic: how unanswerable questions are made from answerable ones."""

import sys

import numpy as np
from conftest import ROOT

sys.path.insert(0, str(ROOT / "training"))
from train_reranker import swapped, synthetic_unanswerable  # noqa: E402

POSITIVE = "Napoleon forced Spain to return Louisiana to France in 1802."
OTHERS = ["The United States bought it in 1803.", "Then Jefferson sent Lewis and Clark west."]


def test_a_shared_name_is_swapped_for_one_the_answer_lacks():
    rng = np.random.default_rng(0)
    question = "Who forced Spain to give Louisiana to France?"
    made = {swapped(question, POSITIVE, OTHERS, rng) for _ in range(50)}
    assert made and None not in made
    # names that open a sentence ("The United States", "Then Jefferson") are not taken
    assert made == {
        f"Who forced {a} to give {b} to {c}?"
        for a, b, c in [("Lewis", "Louisiana", "France"), ("Clark", "Louisiana", "France"),
                        ("Spain", "Lewis", "France"), ("Spain", "Clark", "France"),
                        ("Spain", "Louisiana", "Lewis"), ("Spain", "Louisiana", "Clark")]
    }  # fmt: skip


def test_a_number_is_swapped_for_a_number():
    rng = np.random.default_rng(0)
    made = {swapped("What happened in 1802?", POSITIVE, OTHERS, rng) for _ in range(20)}
    assert made == {"What happened in 1803?"}


def test_nothing_is_made_without_a_shared_detail_or_a_replacement():
    rng = np.random.default_rng(0)
    assert swapped("Who was forced to return it?", POSITIVE, OTHERS, rng) is None
    # the question's first word is not a detail
    assert swapped("Napoleon did what?", POSITIVE, OTHERS, rng) is None
    # mid-sentence common words ("The", "There") are not details to swap in
    assert swapped("Who forced Spain?", POSITIVE, ["It was sold. The end", "So There it was."], rng) is None
    assert swapped("Who forced Spain?", POSITIVE, ["It was sold to The Clark"], rng) is None


def test_a_shared_detail_is_matched_as_a_substring():
    """The rough edge the shipped model was trained with (see train_reranker.py): "I" counts as
    shared with a sentence that has "It"."""
    made = swapped("Why did I leave?", "It rained.", ["Later, Bob came."], np.random.default_rng(0))
    assert made == "Why did Bob leave?"


def test_synthetic_groups_have_no_positive_and_keep_the_old_answer_as_a_negative():
    row = {
        "question": "Who forced Spain to give Louisiana to France?",
        "sentences": [OTHERS[0], POSITIVE, OTHERS[1], "Spain was weak.", "France was strong."],
        "labels": [False, True, False, False, False],
    }
    row["read"] = [f"{s} [SEP] before it" for s in row["sentences"]]  # what the model reads (--context)
    groups = synthetic_unanswerable([row, {**row, "labels": [False] * 5}], 10, np.random.default_rng(0))
    assert len(groups) == 1
    question, sentences = groups[0]
    assert question != row["question"] and sentences[0] is None and sentences[1] == row["read"][1]
    assert row["read"][1] not in sentences[2:] and len(sentences) == 4
    assert all(s.endswith(" [SEP] before it") for s in sentences[1:])  # the swap read the sentences alone

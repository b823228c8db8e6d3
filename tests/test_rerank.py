"""The shipped cross-encoder, on questions it was never trained on (the article's own set)."""

import json

import numpy as np
import pytest
from conftest import ARTICLE, EVAL_SET, assert_citations_exact

from citeqa import Assistant
from citeqa.eval import hit_rank
from citeqa.rerank import RERANKER, shipped
from citeqa.settings import Settings


def test_the_shipped_model_is_small_and_described():
    weights = RERANKER / "model.safetensors"
    assert weights.stat().st_size <= 50 * 2**20
    info = shipped().info
    assert "SQuADShifts" in info["trained_on"] and info["combine"]["cross_encoder"] > 0
    assert info["valid"]["top1_combined"] > info["valid"]["top1_linear"]


def test_it_ranks_the_answer_first_on_unseen_questions(assistant):
    """Alone, over every sentence of the article: the model has seen neither the article nor its
    questions (it learned from SQuADShifts). Measured: 44 of 57 (0.77; its span head alone: 38);
    the linear ranker's signals and the retriever do the rest."""
    sentences = [s.text for s in assistant.index.sentences]
    rows = [json.loads(line) for line in EVAL_SET.read_text().splitlines()]
    rows = [r for r in rows if r["answers"] and not r.get("conversation")]
    first = [hit_rank([sentences[int(np.argmax(shipped().scores(r["question"], sentences)))]], r["answers"])
             for r in rows]  # fmt: skip
    assert np.mean([f == 1 for f in first]) >= 0.65


def test_the_answer_sentence_beats_its_neighbours():
    reranker = shipped()
    scores = reranker.scores(
        "Who did Putin invite to Moscow?",
        [
            "The fighting has killed hundreds of people.",
            "Vladimir Putin invited the foreign ministers of Armenia and Azerbaijan to Moscow.",
            "Moscow has a security pact with Armenia.",
        ],
    )
    assert np.argmax(scores) == 1 and scores.shape == (3,)
    assert reranker.scores("anything", []).shape == (0,)


def test_reranking_is_a_setting(assistant):
    linear = Assistant(assistant.index, Settings(rerank_candidates=0), assistant.encoder)
    for a in (assistant, linear):
        answer = a.ask("Who will receive the Armenian foreign minister?")
        assert_citations_exact(a, answer)
        assert "Lavrov" in answer.citations[0].quote
    assert linear.settings.abstain_threshold != assistant.settings.abstain_threshold
    with pytest.raises(ValueError, match="rerank_candidates"):
        Settings(rerank_candidates=-1)


def test_the_manifest_records_the_reranker(assistant):
    assert assistant.index.manifest["settings"]["reranker_sha256"] == shipped().sha256
    assert ARTICLE.name in assistant.index.manifest["documents"]


def test_it_reads_the_weights_as_transformers_does():
    """citeqa.bert runs the network without transformers' imports; the numbers must not move."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from citeqa.bert import Model
    from citeqa.rerank import MAX_TOKENS

    question = "Who did Putin invite to Moscow?"
    sentences = ["Putin invited the ministers to Moscow.", "Short.", "word " * 300, "Пути́н 😀 مرحبا"]
    ours = Model(RERANKER, MAX_TOKENS).read_pairs(question, sentences)[0]
    tokenizer = AutoTokenizer.from_pretrained(RERANKER)
    model = AutoModelForSequenceClassification.from_pretrained(RERANKER, dtype=torch.float32).eval()
    batch = tokenizer([question] * len(sentences), sentences, truncation="longest_first",
                      max_length=MAX_TOKENS, padding=True, return_tensors="pt")  # fmt: skip
    with torch.inference_mode():
        theirs = model(**batch).logits.view(-1).double().numpy()
    assert np.abs(ours - theirs).max() < 1e-4
    # and as shipped, in bfloat16 where the CPU has it: close to float32
    assert np.abs(shipped().scores(question, sentences) - theirs).max() < 0.1


LAVROV = ("The head of Armenian diplomacy has confirmed that he will be received in Moscow on Monday by "
          "Russian Foreign Minister Sergei Lavrov, according to France Presse.")  # fmt: skip
JOURNALISTS = "Two Russian journalists were injured, one seriously, Armenian officials said."


def test_citeqa_float32_keeps_the_cross_encoder_in_float32(monkeypatch):
    import torch

    from citeqa.bert import Model
    from citeqa.rerank import MAX_TOKENS

    monkeypatch.setenv("CITEQA_FLOAT32", "1")
    model = Model(RERANKER, MAX_TOKENS)
    assert model.use_bfloat16() is False
    assert all(p.dtype == torch.float32 for p in model.network.parameters())


def test_in_bfloat16_the_linear_layers_are_cast_once_and_every_reading_works():
    import torch

    from citeqa.bert import Model, native_bfloat16
    from citeqa.rerank import MAX_TOKENS

    if not native_bfloat16():
        pytest.skip("this CPU has no native bfloat16: the cross-encoder runs in float32")
    model = Model(RERANKER, MAX_TOKENS)
    assert model.use_bfloat16()
    linear = {m.weight.dtype for m in model.network.modules() if isinstance(m, torch.nn.Linear)}
    assert linear == {torch.bfloat16}
    assert model.mean_vectors(["Who did Putin invite?"]).dtype == np.float32
    logits, spans = model.read_pairs("Who did Putin invite?", ["Putin invited the ministers."])
    assert logits.dtype == spans.dtype == np.float64


def test_a_pairs_score_does_not_depend_on_the_pairs_read_beside_it():
    """int8 dynamic quantisation scaled a whole batch's activations at once, so a sentence
    scored up to 0.6 apart with other candidates beside it."""
    reranker = shipped()
    question = "What is the Russian president's full name?"
    alone = [reranker.read(question, [s]) for s in (LAVROV, JOURNALISTS)]
    together = reranker.read(question, [LAVROV, JOURNALISTS, "Short.", "word " * 100])
    for i, one in enumerate(alone):
        assert abs(together.logits[i] - one.logits[0]) < 0.05
        assert abs(together.spans[i] - one.spans[0]) < 0.1


def test_the_span_head_tells_a_sentence_that_holds_the_answer_from_one_on_topic():
    """Unseen questions: the span head scores the best short answer in a sentence against "no
    answer here". The journalists' sentence says how badly they were hurt, not who they are."""
    reranker = shipped()
    lavrov = reranker.read("Which Russian official will host Armenia's top diplomat?", [LAVROV, JOURNALISTS])
    assert lavrov.spans[0] > lavrov.spans[1] + 5
    hurt = reranker.read("How badly was one of the journalists hurt?", [JOURNALISTS]).spans[0]
    names = reranker.read("What are the names of the injured Russian journalists?", [JOURNALISTS]).spans[0]
    assert hurt > names + 1
    assert reranker.read("anything", []).spans.shape == (0,)


def test_the_span_score_is_the_best_short_span_over_no_answer():
    """Bert.read's masked, banded maximum, against a plain loop over the token pairs."""
    import torch

    from citeqa.bert import MAX_ANSWER_TOKENS, SPAN_FLOOR, Model, with_context
    from citeqa.rerank import MAX_TOKENS

    model = Model(RERANKER, MAX_TOKENS)
    question, sentences = "Who will host the Armenian minister?", [LAVROV, JOURNALISTS, "Short."]
    contexts = ["", LAVROV, "Lavrov will host him. " * 30]  # none; an answer; one truncated away
    for given in (None, contexts):
        _, spans = model.read_pairs(question, sentences, given)
        seconds = (
            sentences
            if given is None
            else [with_context(s, c) for s, c in zip(sentences, given, strict=True)]
        )
        ids, types, mask = model._batch([(question, s) for s in seconds])
        with torch.inference_mode():
            start, end = model.network.span(model.network(ids, types, mask)).unbind(-1)
        for k, sentence in enumerate(sentences):
            # the sentence's tokens: from the second text's start to its first [SEP], never the context
            second = [t for t in range(ids.shape[1]) if types[k, t] and mask[k, t]]
            inside = second[: [ids[k, t] for t in second].index(model.sep)]
            best = max(float(start[k, i] + end[k, j])
                       for i in inside for j in inside if 0 <= j - i < MAX_ANSWER_TOKENS)  # fmt: skip
            assert abs(spans[k] - max(best - float(start[k, 0] + end[k, 0]), -SPAN_FLOOR)) < 1e-4, sentence
    assert model.read_pairs(question, [""])[1][0] == -SPAN_FLOOR  # no token to point at
    assert model.read_pairs(question, [""], [LAVROV])[1][0] == -SPAN_FLOOR  # nor in the context


def test_the_answerability_features_read_each_score_where_it_belongs(assistant):
    """Each named column holds its own signal (the ranking margin and the cross-encoder's lead
    once shared a variable, and the classifier silently read one twice)."""
    from citeqa.rank import RERANKED_QUESTION_FEATURES, question_features
    from citeqa.retrieve import make_query

    question = "Who will receive the Armenian foreign minister?"
    query = make_query(question)
    signals, X, scores, reading = assistant.rank(question, query, assistant.encoder.encode([query.text])[0])
    features = question_features(signals, assistant.retriever, question, X, scores, reading)
    row = dict(zip(RERANKED_QUESTION_FEATURES, features, strict=True))
    order = np.argsort(-scores, kind="stable")
    top = order[0]
    assert row["top_score"] == pytest.approx(scores[top])
    assert row["margin"] == pytest.approx(scores[top] - scores[order[1]])
    assert row["top_cross_encoder"] == pytest.approx(reading.logits[top])
    runner_up = np.delete(reading.logits, top).max()
    assert row["cross_encoder_margin"] == pytest.approx(reading.logits[top] - runner_up)
    assert row["top_span"] == pytest.approx(reading.spans[top])
    assert row["best_span"] == pytest.approx(reading.spans.max())
    assert row["margin"] != pytest.approx(row["cross_encoder_margin"])
    # the ranking adds the linear score, the logit and the span score with the shipped weights
    weight = shipped().info["combine"]
    linear = assistant.ranker(X) + assistant.priors(question, signals.candidates, X)
    expected = (weight["linear"] * linear + weight["cross_encoder"] * reading.logits
                + weight["span"] * reading.spans)  # fmt: skip
    assert np.allclose(scores, expected) and weight["span"] > 0


def test_the_cross_encoder_is_given_each_candidates_context(assistant):
    """Assistant.rank hands the reranker the sentence before each candidate (segment.contexts);
    the reranker reads them only if its model was trained with them."""
    from citeqa import segment
    from citeqa.rerank import Reranker

    calls = []

    class Recording(Reranker):
        def read(self, question, sentences, contexts=None):
            calls.append((sentences, contexts))
            return super().read(question, sentences, contexts)

    recording = Assistant(assistant.index, assistant.settings, assistant.encoder)
    recording.reranker = Recording()
    recording.ask("Did Azerbaijan admit the attack on the cathedral?")
    indexed = recording.index.sentences
    before = {s.text: c for s, c in zip(indexed, segment.contexts(indexed), strict=True)}
    sentences, contexts = calls[0]
    assert contexts == [before[t] for t in sentences] and any(contexts)

"""Stage 7b: score each candidate sentence, and the question's answerability.

Both are linear models over hand-made features, trained here (``training/``): the sentence
ranker on SQuADShifts, the answerability classifier on half of the SQuAD 2.0 dev articles.
Their weights ship as JSON in ``citeqa/models/``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .lexical import WORD as WORDS
from .lexical import stem, tokens
from .rerank import Reading
from .retrieve import Retriever, Signals
from .segment import neighbours
from .settings import MODELS

YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
MONTH = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|"
    r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|century|centuries|yesterday|today|tonight|tomorrow|ago|"
    r"(this|last|next|earlier|later) (week|month|year|day|morning|night|decade))\b",
    re.I,
)
NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|half)\b",
    re.I,
)
# Capitalised words not at a sentence start, nationality adjectives (Armenian, Azerbaijani) aside.
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+(?<!ian)(?<!ians)(?<!ese)(?<!ish)(?<!ani)\b")
NEGATION = re.compile(r"\b(not|never|no|n't|none|neither|nor|without)\b", re.I)
SENTENCE_FEATURES = (
    "dense",
    "dense_gap",
    "dense_chunk",
    "dense_neighbour",
    "lexical_rel",
    "lexical_log",
    "lexical_chunk",
    "dense_rank",
    "lexical_rank",
    "overlap",
    "overlap_window",
    "length",
    "when_x_date",
    "quantity_x_number",
    "who_x_name",
    "where_x_name",
    "has_number",
    "names",
    "novel_names",
    "novel_share",
    "type_found",
    "bias",
)
QUESTION_FEATURES = (
    "top_score",
    "top_prob",
    "margin",
    "top_dense",
    "top_dense_chunk",
    "top_overlap",
    "top_overlap_window",
    "doc_coverage",
    "missing_idf",
    "question_terms",
    "top_lexical_log",
    "negation",
    "top_type_found",
    "top_novel_share",
    "missing_names",
    "is_who",
    "is_when",
    "is_quantity",
    "is_where",
    "bias",
)
# With the cross-encoder: what it makes of the chosen sentence, how far ahead that is, and how
# sure its span head is that the chosen sentence, or any candidate, holds a short answer.
RERANKED_QUESTION_FEATURES = (
    *QUESTION_FEATURES[:-1],
    "top_cross_encoder",
    "cross_encoder_margin",
    "top_span",
    "best_span",
    "bias",
)


def question_type(question: str) -> str:
    q = question.lower()
    if re.search(r"\bhow (many|much|long|old|far|large|big|often)\b|\bwhat (percentage|number|amount)\b", q):
        return "quantity"
    if re.search(r"\bwhen\b|\bwhat (year|date|day|month|time|century|decade)\b", q):
        return "when"
    if re.search(r"\bwho(m|se)?\b|\bwhat is the name\b|\bnamed?\b", q):
        return "who"
    if re.search(r"\bwhere\b", q):
        return "where"
    return "other"


def _window_terms(retriever: Retriever, s: int) -> set[str]:
    """The BM25 terms of sentence ``s`` and its neighbours."""
    near = neighbours(retriever.index.sentences, s)
    return {term for t in near for term in retriever.sentence_bm25.token_lists[t]}


def sentence_features(sig: Signals, retriever: Retriever, question: str) -> np.ndarray:
    """One row per candidate, columns as in SENTENCE_FEATURES."""
    qterms = list(dict.fromkeys(sig.query.question_terms or sig.query.terms))
    weights = np.array([retriever.idf(t) for t in qterms]) if qterms else np.zeros(0)
    total = weights.sum() or 1.0
    qtype = question_type(question)
    qwords = {w.lower() for w in WORDS.findall(question)} | set(qterms)
    dense_rank = np.argsort(np.argsort(-sig.dense, kind="stable"), kind="stable")
    lex_rank = np.argsort(np.argsort(-sig.lexical, kind="stable"), kind="stable")
    best_dense = sig.dense.max()
    rows = []
    for i, s in enumerate(sig.candidates):
        text = retriever.index.sentences[s].text
        own = set(retriever.sentence_bm25.token_lists[s])
        window = _window_terms(retriever, s)
        overlap = sum(w for t, w in zip(qterms, weights, strict=True) if t in own) / total
        overlap_window = sum(w for t, w in zip(qterms, weights, strict=True) if t in window) / total
        has_date = bool(YEAR.search(text) or MONTH.search(text))
        has_number = bool(NUMBER.search(text))
        names = len(NAME.findall(text))
        novel = novelty(text, qwords, qtype)
        rows.append(
            (
                sig.dense[i],
                sig.dense[i] - best_dense,
                sig.dense_chunk[i],
                sig.dense_neighbour[i],
                sig.lexical[i] / (sig.lexical_max + 1e-6),
                math.log1p(max(0.0, sig.lexical[i])),
                sig.lexical_chunk[i],
                5.0 / (5.0 + dense_rank[i]),
                5.0 / (5.0 + lex_rank[i]),
                overlap,
                overlap_window,
                math.log(len(text) + 1) / 5.0,
                float(qtype == "when" and has_date),
                float(qtype == "quantity" and has_number),
                float(qtype == "who" and names > 0),
                float(qtype == "where" and names > 0),
                float(has_number),
                min(names, 10) / 10.0,
                *novel,
                1.0,
            )
        )
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(SENTENCE_FEATURES))


def novelty(text: str, qwords: set[str], qtype: str) -> tuple[float, float, float]:
    """What the sentence adds to the question: new names, share of new words, and whether it
    holds something new of the kind the question asks for (a date, a number, a name)."""
    new_names = [n for n in NAME.findall(text) if n.lower() not in qwords]
    words = tokens(text)
    share = sum(w not in qwords for w in words) / len(words) if words else 0.0
    found = {
        "when": any(m.group().lower() not in qwords for m in (*YEAR.finditer(text), *MONTH.finditer(text))),
        "quantity": any(m.group().lower() not in qwords for m in NUMBER.finditer(text)),
        "who": bool(new_names),
        "where": bool(new_names),
    }.get(qtype, share > 0.3)
    return min(len(new_names), 5) / 5.0, share, float(found)


def question_features(
    sig: Signals,
    retriever: Retriever,
    question: str,
    X: np.ndarray,
    scores: np.ndarray,
    reading: Reading | None = None,
) -> np.ndarray:
    """One row describing how well the best candidate answers, columns as in QUESTION_FEATURES,
    or RERANKED_QUESTION_FEATURES given the cross-encoder's ``reading`` of the candidates."""
    order = np.argsort(-scores, kind="stable")
    top = order[0]
    probs = softmax(scores)
    margin = scores[top] - scores[order[1]] if len(order) > 1 else 5.0
    qterms = list(dict.fromkeys(sig.query.question_terms or sig.query.terms))
    doc = retriever.index.sentences[sig.candidates[top]].doc_id
    window = _window_terms(retriever, sig.candidates[top])
    weights = [retriever.idf(t) for t in qterms]
    total = sum(weights) or 1.0
    coverage = sum(w for t, w in zip(qterms, weights, strict=True) if t in retriever.doc_terms[doc]) / total
    missing = max((w for t, w in zip(qterms, weights, strict=True) if t not in window), default=0.0)
    col = {name: j for j, name in enumerate(SENTENCE_FEATURES)}
    names = {n.lower() for n in NAME.findall(question)}
    missing_names = sum(stem(n) not in window for n in names)
    qtype = question_type(question)
    reranked = []
    if reading is not None:
        cross = reading.logits
        others = np.delete(cross, top)
        lead = cross[top] - (others.max() if len(others) else cross[top] - 5.0)
        reranked = [cross[top], lead, reading.spans[top], reading.spans.max()]
    return np.array(
        [
            scores[top],
            probs[top],
            margin,
            X[top, col["dense"]],
            X[top, col["dense_chunk"]],
            X[top, col["overlap"]],
            X[top, col["overlap_window"]],
            coverage,
            missing / math.log(2 + len(retriever.index.sentences)),
            math.log1p(len(qterms)),
            X[top, col["lexical_log"]],
            float(bool(NEGATION.search(question))),
            X[top, col["type_found"]],
            X[top, col["novel_share"]],
            min(missing_names, 3),
            float(qtype == "who"),
            float(qtype == "when"),
            float(qtype == "quantity"),
            float(qtype == "where"),
            *reranked,
            1.0,
        ]
    )


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


@dataclass(frozen=True)
class LinearModel:
    """Weights over named features, with the mean and scale they were trained with."""

    features: tuple[str, ...]
    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.scale) @ self.weights

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "weights": self.weights.tolist(),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
        }

    def save(self, path: Path, **info) -> None:
        path.write_text(json.dumps({**self.to_dict(), **info}, indent=1))

    @classmethod
    def load(cls, path: Path, features: tuple[str, ...]) -> LinearModel:
        data = json.loads(path.read_text())
        if tuple(data["features"]) != features:
            raise ValueError(f"{path} was trained on other features; retrain it (training/)")
        return cls(features, *(np.asarray(data[k], dtype=np.float64) for k in ("weights", "mean", "scale")))


FEATURES = {
    "ranker": SENTENCE_FEATURES,
    "answerability": QUESTION_FEATURES,
    "answerability-reranked": RERANKED_QUESTION_FEATURES,
}


@cache
def shipped(name: str) -> LinearModel:
    return LinearModel.load(MODELS / f"{name}.json", FEATURES[name])

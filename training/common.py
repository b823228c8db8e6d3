"""Shared by the training scripts: candidate features and labels for benchmark questions."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from citeqa import Assistant
from citeqa.eval import Article, hit_rank, load_squad
from citeqa.rank import LinearModel, sentence_features
from citeqa.retrieve import make_query

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
SEED = 13


def question_rows(article: Article, ranked: bool = False, rerank_candidates: int = 0):
    """For each question: (question, candidate features, labels, signals, assistant, scores,
    the cross-encoder's reading).

    ``scores`` are the shipped ranker's (and the cross-encoder's, with ``rerank_candidates``),
    exactly as ``Assistant.ask`` computes them, when ``ranked``; otherwise None (the ranker is
    what is being trained).
    """
    assistant = Assistant.from_texts(
        {article.title: article.text}, abstain_threshold=0.0, rerank_candidates=rerank_candidates
    )
    for q in article.questions:
        # As Assistant.ask does: many SQuAD 2.0 unanswerable questions start with a space, a
        # tell that the answerability model must not learn.
        q.question = q.question.strip()
    queries = [make_query(q.question) for q in article.questions]
    vectors = assistant.encoder.encode([q.text for q in queries])
    for q, query, vector in zip(article.questions, queries, vectors, strict=True):
        if ranked:
            signals, X, scores, reading = assistant.rank(q.question, query, vector)
        else:
            signals = assistant.retriever.search(query, vector)
            X, scores, reading = sentence_features(signals, assistant.retriever, q.question), None, None
        texts = [assistant.index.sentences[s].text for s in signals.candidates]
        y = np.array([hit_rank([t], q.answers) is not None for t in texts], dtype=bool)
        yield q, X, y, signals, assistant, scores, reading


def fit_halves() -> tuple[list[Article], list[Article]]:
    """The fit split (the even-numbered articles of squad2-dev16.json) in two halves. With
    ``train_reranker.py --unanswerable`` the cross-encoder learns from the first; the
    answerability model that reads its scores is then fitted on the second alone."""
    fit = load_squad(SHARED / "squad2-dev16.json")[0::2]
    return fit[0::2], fit[1::2]


def standardizer(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = X.mean(axis=0), X.std(axis=0)
    mean[-1], scale[-1] = 0.0, 1.0  # the bias column stays 1
    scale[scale < 1e-9] = 1.0
    return mean, scale


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """Weights of an L2-regularised logistic regression (X already standardised)."""

    def loss(w):
        z = X @ w
        nll = np.logaddexp(0, z) - y * z
        grad = X.T @ (1 / (1 + np.exp(-z)) - y) / len(y) + l2 * w
        return nll.mean() + 0.5 * l2 * w @ w, grad

    return minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B").x


class Logistic:
    """``fit_logistic`` over standardised features, with sklearn's interface."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> Logistic:
        self.mean, self.scale = standardizer(X)
        self.w = fit_logistic((X - self.mean) / self.scale, y.astype(float))
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = 1 / (1 + np.exp(-((X - self.mean) / self.scale) @ self.w))
        return np.column_stack([1 - p, p])

    def linear(self, features: tuple[str, ...]) -> LinearModel:
        """As citeqa reads it (``citeqa.rank.LinearModel``)."""
        return LinearModel(features, self.w, self.mean, self.scale)


def out_of_fold(make, X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The probability of each row from a model (``make()``, sklearn's interface) fitted
    without its group: how it would score a new article."""
    scores = np.zeros(len(y))
    for g in np.unique(groups):
        held = groups == g
        scores[held] = make().fit(X[~held], y[~held]).predict_proba(X[held])[:, 1]
    return scores


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)

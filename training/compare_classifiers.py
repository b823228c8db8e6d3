"""Does a nonlinear answerability classifier beat the shipped logistic regression?

Computes the answerability features (as ``Assistant.ask`` does, with the cross-encoder) of the
fit split and the report split of squad2-dev16.json, then, for a logistic regression,
gradient-boosted trees and a small MLP: leave-one-article-out on the fit split, the share of
unanswerable questions refused at the threshold where 10 % of answerable ones are (out of
fold), and the same threshold applied to the report split. Measured (2026-11-27): logistic
0.224 out of fold, 0.326 at 0.076 on the report split; trees 0.211, 0.297 at 0.077; MLP
0.197, 0.322 at 0.079. Nothing is shipped from here. Takes about 5 minutes.

    python training/compare_classifiers.py
"""

from __future__ import annotations

import warnings

import numpy as np
from common import SHARED, Logistic, log, out_of_fold, question_rows
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from citeqa.eval import load_squad
from citeqa.rank import question_features
from citeqa.settings import Settings

MODELS = {
    "logistic": Logistic,
    "gradient-boosted trees": lambda: HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        random_state=0,
    ),  # fmt: skip
    "MLP (32)": lambda: make_pipeline(
        StandardScaler(), MLPClassifier((32,), alpha=1e-2, max_iter=600, random_state=0)
    ),
}


def features(articles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rerank = Settings(abstain_threshold=0.0).rerank_candidates
    X, y, group = [], [], []
    for k, article in enumerate(articles):
        for q, Xs, _, signals, assistant, scores, reading in question_rows(article, True, rerank):
            X.append(question_features(signals, assistant.retriever, q.question, Xs, scores, reading))
            y.append(bool(q.answers))
            group.append(k)
        log(f"{article.title}: {len(y)} questions")
    return np.array(X), np.array(y), np.array(group)


def main() -> None:
    warnings.filterwarnings("ignore", category=UserWarning)
    articles = load_squad(SHARED / "squad2-dev16.json")
    X, y, group = features(articles[0::2])
    RX, ry, _ = features(articles[1::2])
    for name, make in MODELS.items():
        held_out = out_of_fold(make, X, y, group)
        threshold = np.quantile(held_out[y], 0.10)
        caught = (held_out[~y] < threshold).mean()
        report = make().fit(X, y).predict_proba(RX)[:, 1]
        print(f"{name}: fit split, out of fold, {caught:.3f} at 0.100; report split "
              f"{(report[~ry] < threshold).mean():.3f} at {(report[ry] < threshold).mean():.3f}")  # fmt: skip


if __name__ == "__main__":
    main()

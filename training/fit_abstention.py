"""Fit the answerability classifier (citeqa/models/answerability.json) and its threshold.

SQuAD 2.0's unanswerable questions are the only ones available, and they are in the data we
report on, so the file is split by article: the even-numbered articles of squad2-dev16.json
(the "fit" split) train the classifier and choose the threshold; the odd-numbered ones (the
"report" split) are never looked at here. The threshold is the one at which at most 10 % of
the fit split's answerable questions are refused.

    python training/fit_abstention.py
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from common import SEED, SHARED, fit_logistic, log, question_rows, standardizer

from citeqa.eval import load_squad, threshold_for
from citeqa.rank import MODELS, QUESTION_FEATURES, LinearModel, question_features

MAX_FALSE_ABSTENTION = 0.10


def main() -> None:
    started = time.time()
    articles = load_squad(SHARED / "squad2-dev16.json")[0::2]
    rows, labels = [], []
    for article in articles:
        for q, X, _, signals, assistant in question_rows(article):
            scores = assistant.ranker(X)
            rows.append(question_features(signals, assistant.retriever, q.question, X, scores))
            labels.append(bool(q.answers))
        log(f"{article.title}: {len(rows)} questions, {time.time() - started:.0f} s")
    X, y = np.array(rows), np.array(labels)
    mean, scale = standardizer(X)
    weights = fit_logistic((X - mean) / scale, y.astype(float))
    model = LinearModel(QUESTION_FEATURES, weights, mean, scale)
    confidence = 1 / (1 + np.exp(-model(X)))
    threshold = threshold_for(confidence, y, MAX_FALSE_ABSTENTION)
    caught = float((confidence[~y] < threshold).mean())
    model.save(Path(MODELS / "answerability.json"), fitted_on="squad2-dev16.json even-numbered articles",
               questions=len(y), threshold=round(threshold, 4), fit_abstention=round(caught, 4),
               max_false_abstention=MAX_FALSE_ABSTENTION, seed=SEED,
               seconds=round(time.time() - started))
    log(f"threshold {threshold:.4f}: abstains on {caught:.3f} of unanswerable (fit split)")
    for name, w in sorted(zip(QUESTION_FEATURES, weights), key=lambda t: -abs(t[1])):
        log(f"  {name:20s} {w:+.3f}")


if __name__ == "__main__":
    main()

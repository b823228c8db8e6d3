"""Fit the answerability classifier (citeqa/models/answerability.json) and its threshold.

SQuAD 2.0's unanswerable questions are the only real ones available, and they are in the data
we report on, so the file is split by article: the even-numbered articles of squad2-dev16.json
(the "fit" split) train the classifier and choose the threshold; the odd-numbered ones (the
"report" split) are never looked at here. The default threshold (stored with the model, read
by citeqa.Settings) is the one at which at most 2 % of the fit split's answerable questions
are refused: a wrong quote can be checked, a wrong refusal hides the answer. The thresholds
for 5, 10 and 20 % are stored beside it.

``--synthetic N`` adds unanswerable questions made from N SQuADShifts articles: half of their
questions asked with the sentences that answer them (and their neighbours) taken out. It was
tried with N = 12 and made things worse (SQuAD report split: 18.5 % of unanswerable questions
caught instead of 34.5 %, with no gain on the article's own set), so it is off by default.

    python training/fit_abstention.py
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from common import SEED, SHARED, fit_logistic, log, question_rows, standardizer

from citeqa.eval import load_squad, threshold_for
from citeqa.rank import MODELS, QUESTION_FEATURES, LinearModel, question_features

# The default threshold refuses at most this share of the fit split's answerable questions.
DEFAULT_FALSE_ABSTENTION = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=0, help="SQuADShifts articles to add")
    args = parser.parse_args()
    started = time.time()
    articles = load_squad(SHARED / "squad2-dev16.json")[0::2]
    rows, labels = [], []
    for article in articles:
        for q, X, _, signals, assistant, scores in question_rows(article, ranked=True):
            rows.append(question_features(signals, assistant.retriever, q.question, X, scores))
            labels.append(bool(q.answers))
        log(f"{article.title}: {len(rows)} questions, {time.time() - started:.0f} s")
    fit_rows = len(rows)
    shifts = load_squad(SHARED / "squadshifts" / "new_wiki_v1.0.json")
    rng = np.random.default_rng(SEED)
    for i in rng.permutation(len(shifts))[: args.synthetic]:
        for n, (q, X, y, signals, assistant, scores) in enumerate(question_rows(shifts[i], ranked=True)):
            keep = np.ones(len(y), dtype=bool)
            if n % 2:
                near = {s + d for s in signals.candidates[y] for d in (-1, 0, 1)}
                keep = ~np.isin(signals.candidates, list(near))
                if keep.sum() < 2:
                    continue
            sig = replace(signals, candidates=signals.candidates[keep])
            rows.append(question_features(sig, assistant.retriever, q.question, X[keep], scores[keep]))
            labels.append(n % 2 == 0)
        log(f"SQuADShifts {shifts[i].title}: {len(rows)} questions, {time.time() - started:.0f} s")
    X, y = np.array(rows), np.array(labels)
    mean, scale = standardizer(X)
    weights = fit_logistic((X - mean) / scale, y.astype(float))
    model = LinearModel(QUESTION_FEATURES, weights, mean, scale)
    confidence = 1 / (1 + np.exp(-model(X[:fit_rows])))
    answerable = y[:fit_rows]
    curve = {}
    for fa in (0.02, 0.05, 0.10, 0.20):
        t = threshold_for(confidence, answerable, fa)
        caught = float((confidence[~answerable] < t).mean())
        curve[f"{fa:.2f}"] = {"threshold": round(t, 4), "abstention": round(caught, 4)}
        log(f"  false abstention <= {fa:.2f}: threshold {t:.4f}, abstains on {caught:.3f}")
    model.save(
        Path(MODELS / "answerability.json"),
        fitted_on="squad2-dev16.json even-numbered articles",
        synthetic_articles=args.synthetic,
        questions=len(y),
        default_threshold=curve[f"{DEFAULT_FALSE_ABSTENTION:.2f}"]["threshold"],
        fit_split_curve=curve,
        seed=SEED,
        seconds=round(time.time() - started),
    )
    for name, w in sorted(zip(QUESTION_FEATURES, weights, strict=True), key=lambda t: -abs(t[1])):
        log(f"  {name:20s} {w:+.3f}")


if __name__ == "__main__":
    main()

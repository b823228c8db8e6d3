"""Train the sentence ranker (citeqa/models/ranker.json) on SQuADShifts.

A conditional logit: for each question, a softmax over its candidate sentences, trained to put
the mass on the sentences that hold the answer. Only SQuADShifts is used, never SQuAD 2.0 dev.

    python training/train_ranker.py [--max-questions N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from common import SEED, SHARED, log, standardizer
from scipy.optimize import minimize

from citeqa.eval import load_squad
from citeqa.rank import MODELS, SENTENCE_FEATURES, LinearModel

DATASETS = ("new_wiki_v1.0.json", "amazon_reviews_v1.0.json")


def fit_conditional_logit(groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 1e-3) -> np.ndarray:
    def loss(w):
        total, grad = 0.0, l2 * w * len(groups)
        for X, y in groups:
            z = X @ w
            z = z - z.max()
            p = np.exp(z) / np.exp(z).sum()
            pos = p[y].sum()
            total -= np.log(pos + 1e-12)
            q = np.where(y, p / (pos + 1e-12), 0.0)
            grad += X.T @ (p - q)
        return total / len(groups) + 0.5 * l2 * w @ w, grad / len(groups)

    return minimize(loss, np.zeros(groups[0][0].shape[1]), jac=True, method="L-BFGS-B").x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-questions", type=int, default=6000, help="per dataset")
    args = parser.parse_args()
    from common import question_rows

    started = time.time()
    rng = np.random.default_rng(SEED)
    groups = []
    for name in DATASETS:
        articles = load_squad(SHARED / "squadshifts" / name)
        order = rng.permutation(len(articles))
        taken = 0
        for i in order:
            if taken >= args.max_questions:
                break
            for _, X, y, *_ in question_rows(articles[i]):
                if y.any() and not y.all():
                    groups.append((X, y))
            taken += len(articles[i].questions)
        log(f"{name}: {len(groups)} training questions so far, {time.time() - started:.0f} s")
    mean, scale = standardizer(np.vstack([X for X, _ in groups]))
    weights = fit_conditional_logit([((X - mean) / scale, y) for X, y in groups])
    model = LinearModel(SENTENCE_FEATURES, weights, mean, scale)
    top1 = np.mean([y[np.argmax(model(X))] for X, y in groups])
    model.save(
        Path(MODELS / "ranker.json"),
        trained_on=list(DATASETS),
        questions=len(groups),
        train_top1=round(float(top1), 4),
        seed=SEED,
        seconds=round(time.time() - started),
    )
    log(f"trained on {len(groups)} questions in {time.time() - started:.0f} s; train top-1 {top1:.3f}")
    for name, w in sorted(zip(SENTENCE_FEATURES, weights, strict=True), key=lambda t: -abs(t[1])):
        log(f"  {name:20s} {w:+.3f}")


if __name__ == "__main__":
    main()

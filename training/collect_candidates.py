"""Collect the retriever's candidate sentences for benchmark questions, for the reranker.

For each question: the top candidates as the shipped linear ranker orders them, their labels
(holds a gold answer) and the ranker's scores, as JSON Lines in training/cache/ (not
committed), one file per part:

- ``train``: SQuADShifts new_wiki and amazon, what the cross-encoder learns to rank from;
- ``valid``: SQuADShifts reddit, held out to choose how the cross-encoder and ranker combine;
- ``fit``: the even-numbered articles of squad2-dev16 (with unanswerable questions), what the
  answerability model is fitted on. The odd-numbered articles are never read here.

    python training/collect_candidates.py
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from common import SEED, SHARED, log, question_rows

from citeqa.eval import load_squad, reddit_articles
from citeqa.load import Document
from citeqa.segment import context, contexts, split_sentences

CACHE = Path(__file__).parent / "cache"
TOP = 20
PARTS = {
    "train": (("squadshifts/new_wiki_v1.0.json", 6000), ("squadshifts/amazon_reviews_v1.0.json", 6000)),
    "valid": (("squadshifts/reddit_v1.0.json", 2500),),
    "fit": (("squad2-dev16.json", None),),
}


def articles_of(name: str, limit: int | None, rng: np.random.Generator):
    articles = load_squad(SHARED / name)
    if name == "squad2-dev16.json":
        yield from articles[0::2]
        return
    if name.startswith("squadshifts/reddit"):
        articles = reddit_articles(SHARED / name)
    taken = 0
    for i in rng.permutation(len(articles)):
        if limit is not None and taken >= limit:
            return
        taken += len(articles[i].questions)
        yield articles[i]


def add_contexts(part: str) -> None:
    """Give the cached candidates of ``part`` their contexts (the sentence before each, as
    ``Assistant.rank`` gives them) without embedding anything again: for caches written
    before the candidates carried them. The rows name sentences by text only, so a sentence
    repeated in an article gets its first copy's context here."""
    path = CACHE / f"candidates-{part}.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    wanted = {r["article"] for r in rows}
    before: dict[tuple[str, str], str] = {}
    rng = np.random.default_rng(SEED)  # as main() draws the articles
    for name, limit in PARTS[part]:
        for article in articles_of(name, limit, rng):
            if article.title in wanted:
                found = split_sentences(Document(article.title, article.text))
                for s, c in zip(found, contexts(found), strict=True):
                    before.setdefault((article.title, s.text), c)
    for r in rows:
        r["contexts"] = [before[r["article"], s] for s in r["sentences"]]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    log(f"added contexts to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("parts", nargs="*", default=list(PARTS))
    parser.add_argument("--add-contexts", action="store_true", help="only add contexts to cached candidates")
    args = parser.parse_args()
    CACHE.mkdir(exist_ok=True)
    started = time.time()
    if args.add_contexts:
        for part in args.parts:
            add_contexts(part)
        return
    for part in args.parts:
        rng = np.random.default_rng(SEED)
        rows = []
        for name, limit in PARTS[part]:
            for article in articles_of(name, limit, rng):
                for q, _, y, signals, assistant, scores, _ in question_rows(article, ranked=True):
                    order = np.argsort(-scores, kind="stable")[:TOP]
                    sentences = assistant.index.sentences
                    ids = signals.candidates[order]
                    rows.append(
                        {
                            "article": article.title,
                            "question": q.question,
                            "answerable": bool(q.answers),
                            "sentences": [sentences[s].text for s in ids],
                            "contexts": [context(sentences, s) for s in ids],
                            "labels": [bool(v) for v in y[order]],
                            "scores": [round(float(v), 4) for v in scores[order]],
                            "positives": int(y.sum()),
                        }
                    )
                log(f"{part} {article.title}: {len(rows)} questions, {time.time() - started:.0f} s")
        path = CACHE / f"candidates-{part}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        log(f"wrote {path} ({len(rows)} questions)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Sanity checks for eval/article_qa.jsonl against the bundled article."""

import json
import os
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
QA_PATH = os.path.join(HERE, "article_qa.jsonl")
ARTICLE_PATH = os.path.join(HERE, "..", "data", "nagorno-karabakh-ceasefire.txt")


def main():
    with open(ARTICLE_PATH, encoding="utf-8") as f:
        text = f.read()
    rows = []
    with open(QA_PATH, encoding="utf-8") as f:
        for _n, line in enumerate(f, 1):
            if line.strip():
                rows.append(json.loads(line))

    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"

    singles_ans = singles_unans = 0
    convs = defaultdict(list)
    for r in rows:
        assert isinstance(r.get("question"), str) and r["question"].strip(), r["id"]
        assert isinstance(r.get("answers"), list), r["id"]
        for a in r["answers"]:
            assert isinstance(a, str) and a, r["id"]
            assert a in text, f"{r['id']}: answer not verbatim in article: {a!r}"
        if "conversation" in r:
            assert r["answers"], f"{r['id']}: conversation turn must be answerable"
            convs[r["conversation"]].append(r["turn"])
        elif r["answers"]:
            singles_ans += 1
        else:
            singles_unans += 1

    assert singles_ans >= 44, singles_ans
    assert singles_unans >= 14, singles_unans
    assert len(convs) == 6, len(convs)
    for c, turns in convs.items():
        assert sorted(turns) == [1, 2, 3], (c, turns)

    print(f"answerable singles: {singles_ans}")
    print(f"unanswerable: {singles_unans}")
    print(f"conversations: {len(convs)} ({sum(len(t) for t in convs.values())} turns)")
    print("OK")


if __name__ == "__main__":
    main()

"""Lexical side of retrieval: tokens and BM25 (bm25s) over sentences and chunks."""

from __future__ import annotations

import logging
import math
import re
from collections import Counter

import numpy as np

STOPWORDS = frozenset(
    """
a an the and or but if of at by for with about against between into through during before after
above below to from up down in out on off over under again further then once here there when where
why how all any both each few more most other some such no nor not only own same so than too very s
t can will just don should now is are was were be been being have has had having do does did doing
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
hers herself it its itself they them their theirs themselves what which who whom this that these
those am would could shall may might must also according said says say one ones anyone anything
someone something everyone everything
""".split()
)
WORD = re.compile(r"\w+", re.UNICODE)


def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'talks'/'talk', 'received'/'receive' and
    'Armenian'/'Armenia', 'Azerbaijani'/'Azerbaijan'."""
    for suffix, keep in (
        ("ians", "ia"),
        ("ian", "ia"),
        ("ani", "an"),
        ("ies", "y"),
        ("ing", ""),
        ("ed", ""),
        ("es", ""),
        ("s", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + keep
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words of ``text``."""
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS]


class BM25:
    """BM25 scores of a query against every text of a fixed list."""

    def __init__(self, texts: list[str]) -> None:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)

        self.token_lists = [tokens(t) for t in texts]
        self.size = len(texts)
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index([t or [""] for t in self.token_lists], show_progress=False)
        df = Counter(w for ts in self.token_lists for w in set(ts))
        self.idf = {w: math.log(1 + (self.size - n + 0.5) / (n + 0.5)) for w, n in df.items()}

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self.idf]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

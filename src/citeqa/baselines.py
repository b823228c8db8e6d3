"""The set-ups people would otherwise use, measured beside citeqa on the same data and model.

All quote their top three passages and never abstain:

- ``bm25``: BM25 over citeqa's sentences;
- ``dense``: MiniLM + FAISS over the same sentences;
- ``hybrid``: both, fused by reciprocal rank (k = 60);
- ``rag500``: the usual quick RAG set-up, 500-character chunks with 50 characters of overlap
  (LangChain's RecursiveCharacterTextSplitter settings), MiniLM + FAISS, top chunks quoted.
"""

from __future__ import annotations

import numpy as np

from .answer import Answer, Citation
from .index import Index
from .lexical import BM25, tokens
from .retrieve import RRF_K

SYSTEMS = ("bm25", "dense", "hybrid", "rag500")
TOP = 3


class Baseline:
    def __init__(self, kind: str, index: Index, encoder) -> None:
        if kind not in SYSTEMS:
            raise ValueError(f"unknown baseline {kind!r}; choose from {', '.join(SYSTEMS)}")
        self.kind, self.index, self.encoder = kind, index, encoder
        if kind == "rag500":
            self.spans = [
                (doc_id, s, e)
                for doc_id, d in index.documents.items()
                for s, e in recursive_split(d.text, 500, 50)
            ]
            self.vectors = encoder.encode([index.documents[d].text[s:e] for d, s, e in self.spans])
        else:
            self.spans = [(s.doc_id, s.start, s.end) for s in index.sentences]
            self.vectors = index.sentence_vectors
            self.bm25 = BM25([s.text for s in index.sentences])

    def document(self, doc_id: str):
        return self.index.documents[doc_id]

    def ask(self, question: str, history: list[dict] | None = None) -> Answer:
        ranking = self.rank(question)[:TOP]
        citations = tuple(
            Citation(n, d, self.index.documents[d].text[s:e], s, e, 1.0)
            for n, (d, s, e) in enumerate((self.spans[i] for i in ranking), start=1)
        )
        text = "\n>\n".join(f"> {c.quote} [{c.number}]" for c in citations)
        return Answer(question, text, citations, False, 1.0, question)

    def rank(self, question: str) -> list[int]:
        dense = lexical = None
        if self.kind != "bm25":
            dense = np.argsort(-(self.vectors @ self.encoder.encode([question])[0]), kind="stable")
        if self.kind in ("bm25", "hybrid"):
            lexical = np.argsort(-self.bm25.scores(tokens(question)), kind="stable")
        if self.kind != "hybrid":
            return [int(i) for i in (dense if lexical is None else lexical)]
        fused = np.zeros(len(self.spans))
        for ranking in (dense, lexical):
            fused[ranking] += 1.0 / (RRF_K + np.arange(len(ranking)))
        return [int(i) for i in np.argsort(-fused, kind="stable")]


def recursive_split(
    text: str, size: int, overlap: int, separators: tuple[str, ...] = ("\n\n", "\n", " ", "")
) -> list[tuple[int, int]]:
    """Character spans as LangChain's RecursiveCharacterTextSplitter makes them (whitespace
    trimmed): split on the coarsest separator, merge pieces up to ``size``, keep ``overlap``."""
    pieces = _pieces(text, 0, len(text), size, separators)
    spans: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    for piece in pieces:
        if current and piece[1] - current[0][0] > size:
            spans.append((current[0][0], current[-1][1]))
            while current and (current[-1][1] - current[0][0] > overlap or piece[1] - current[0][0] > size):
                current.pop(0)
        current.append(piece)
    if current:
        spans.append((current[0][0], current[-1][1]))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def _pieces(text: str, start: int, end: int, size: int, separators: tuple[str, ...]) -> list[tuple[int, int]]:
    if end - start <= size or not separators:
        return [(start, end)] if end > start else []
    sep, rest = separators[0], separators[1:]
    if sep == "":
        return [(i, min(i + size, end)) for i in range(start, end, size)]
    if sep not in text[start:end]:
        return _pieces(text, start, end, size, rest)
    out, pos = [], start
    while pos < end:
        at = text.find(sep, pos, end)
        stop = end if at < 0 else at + len(sep)
        out.extend(_pieces(text, pos, stop, size, rest))
        pos = stop
    return out

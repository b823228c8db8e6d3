"""Stage 7: hybrid retrieval. Dense (FAISS) and lexical (BM25) chunk searches are fused by
reciprocal rank; the sentences of the best chunks, plus the best single sentences of both
searches, become the candidates that the ranker scores one by one."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .index import Index
from .lexical import BM25, tokens

RRF_K = 60


@dataclass(frozen=True)
class Query:
    """What is searched: ``text`` is embedded, ``terms`` (weighted by repetition) go to BM25,
    and the cross-encoder reads ``question`` with each candidate."""

    text: str
    terms: list[str]
    question_terms: list[str]
    question: str


@dataclass
class Signals:
    """Everything the ranker needs about one query's candidate sentences."""

    query: Query
    candidates: np.ndarray  # sentence ids
    dense: np.ndarray  # cosine(query, sentence), per candidate
    dense_neighbour: np.ndarray  # best cosine of the sentence before or after
    dense_chunk: np.ndarray  # best cosine of a chunk holding the sentence
    lexical: np.ndarray  # BM25 of the sentence
    lexical_max: float  # the best sentence BM25 over the whole index
    lexical_chunk: np.ndarray  # best normalized BM25 of a chunk holding the sentence

    def subset(self, keep: np.ndarray) -> Signals:
        """The signals of the candidates ``keep`` (indexes into ``candidates``) only."""
        per_candidate = ("candidates", "dense", "dense_neighbour", "dense_chunk", "lexical", "lexical_chunk")
        return replace(self, **{name: getattr(self, name)[keep] for name in per_candidate})

    def best(self, scores: np.ndarray) -> int:
        """The sentence id of the candidate that ``scores`` (one per candidate) ranks first."""
        return int(self.candidates[int(np.argmax(scores))])


class Retriever:
    """Searches one Index; safe to share between threads once built."""

    def __init__(self, index: Index, top_chunks: int = 8) -> None:

        self.index = index
        self.top_chunks = top_chunks
        self.sentence_faiss = index.faiss("sentences")
        self.chunk_faiss = index.faiss("chunks")
        self.sentence_bm25 = BM25([s.text for s in index.sentences])
        self.chunk_bm25 = BM25(index.chunk_texts())
        self.chunks_of = [[] for _ in index.sentences]
        for c, chunk in enumerate(index.chunks):
            for s in range(chunk.first, chunk.last):
                self.chunks_of[s].append(c)
        self.doc_terms = {doc_id: set() for doc_id in index.documents}
        for s, terms in zip(index.sentences, self.sentence_bm25.token_lists, strict=True):
            self.doc_terms[s.doc_id].update(terms)

    def search(self, query: Query, query_vector: np.ndarray) -> Signals:
        n_sent = len(self.index.sentences)
        q = query_vector.reshape(1, -1).astype(np.float32)
        k_chunks = min(self.top_chunks, len(self.index.chunks))
        _, dense_chunks = self.chunk_faiss.search(q, k_chunks)
        chunk_lex = self.chunk_bm25.scores(query.terms)
        lex_chunks = np.argsort(-chunk_lex, kind="stable")[:k_chunks]
        fused: dict[int, float] = {}
        for ranking in (dense_chunks[0], lex_chunks):
            for rank, c in enumerate(ranking):
                if c >= 0:
                    fused[int(c)] = fused.get(int(c), 0.0) + 1.0 / (RRF_K + rank)
        best_chunks = sorted(fused, key=fused.get, reverse=True)[: max(2, k_chunks // 2)]

        sent_lex = self.sentence_bm25.scores(query.terms)
        k_sent = min(2 * self.top_chunks, n_sent)
        _, dense_sent = self.sentence_faiss.search(q, k_sent)
        ids = {int(s) for s in dense_sent[0] if s >= 0}
        ids.update(int(s) for s in np.argsort(-sent_lex, kind="stable")[:k_sent])
        for c in best_chunks:
            ids.update(range(self.index.chunks[c].first, self.index.chunks[c].last))
        candidates = np.array(sorted(ids), dtype=np.int64)

        vectors = self.index.sentence_vectors
        dense = vectors[candidates] @ q[0]
        neighbour = np.zeros(len(candidates), dtype=np.float32)
        for i, s in enumerate(candidates):
            near = [
                t
                for t in (s - 1, s + 1)
                if 0 <= t < n_sent and self.index.sentences[t].doc_id == self.index.sentences[s].doc_id
            ]
            if near:
                neighbour[i] = float(np.max(vectors[near] @ q[0]))
        chunk_vectors = self.index.chunk_vectors
        chunk_lex_norm = chunk_lex / (chunk_lex.max() + 1e-6) if len(chunk_lex) else chunk_lex
        dense_chunk = np.array(
            [max(float(chunk_vectors[c] @ q[0]) for c in self.chunks_of[s]) for s in candidates],
            dtype=np.float32,
        )
        lexical_chunk = np.array(
            [max(float(chunk_lex_norm[c]) for c in self.chunks_of[s]) for s in candidates], dtype=np.float32
        )
        return Signals(
            query,
            candidates,
            dense.astype(np.float32),
            neighbour,
            dense_chunk,
            sent_lex[candidates],
            float(sent_lex.max()) if n_sent else 0.0,
            lexical_chunk,
        )

    def idf(self, term: str) -> float:
        return self.sentence_bm25.idf.get(term, np.log(1 + len(self.index.sentences) + 0.5))


def make_query(text: str, context: str = "", question: str | None = None) -> Query:
    """A query whose own words count twice as much as the context's (previous turns); the
    cross-encoder reads ``question`` (by default ``text``)."""
    own = tokens(text)
    searched = f"{context} {text}".strip() if context else text
    return Query(searched, own * 2 + tokens(context), own, question or text)

"""Settings of an index and of answering, checked when they are made."""

from __future__ import annotations

import json
import numbers
from dataclasses import asdict, dataclass, fields
from functools import cache
from pathlib import Path

MODELS = Path(__file__).parent / "models"
INDEX_TYPES = ("auto", "flat", "hnsw")


def answerability_model(reranked: bool) -> str:
    """The name of the answerability model that goes with the cross-encoder on or off."""
    return "answerability-reranked" if reranked else "answerability"


@cache
def default_threshold(reranked: bool) -> float:
    """The answerability below which at most 2 % of the answerable questions of the fitting half
    of squad2-dev16 are refused, stored with the model by training/fit_abstention.py."""
    path = MODELS / f"{answerability_model(reranked)}.json"
    return float(json.loads(path.read_text())["default_threshold"])


@dataclass(frozen=True)
class Settings:
    """How documents are split (recorded in the index manifest) and how answers are chosen.

    Args:
        chunk_sentences: sentences per retrieval chunk.
        chunk_overlap: sentences shared by consecutive chunks.
        chunk_chars: a chunk stops growing past this many characters.
        max_sentence_chars: longer sentences are cut at white space.
        index_type: the FAISS index: "flat" (exact) or "hnsw" (approximate); "auto" searches
            exactly up to 200,000 vectors and uses HNSW beyond.
        top_chunks: chunks taken from each of the dense and lexical searches before fusion.
        max_quotes: at most this many sentences are quoted.
        quote_ratio: a further sentence is quoted when its score is at least this share of the
            best one's.
        rerank_candidates: the best this many candidates are read again by the cross-encoder
            (citeqa/models/reranker); 0 ranks with the linear model alone.
        abstain_threshold: below this answerability the assistant says the documents do not
            answer; 0 never abstains. By default, the one stored with the answerability model
            in use (see README, "Abstention").
    """

    chunk_sentences: int = 4
    chunk_overlap: int = 1
    chunk_chars: int = 1200
    max_sentence_chars: int = 400
    index_type: str = "auto"
    top_chunks: int = 8
    max_quotes: int = 3
    quote_ratio: float = 0.35
    rerank_candidates: int = 5
    abstain_threshold: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            _as_plain_number(self, f.name)  # numpy scalars and the like become int or float
        for name in ("chunk_sentences", "chunk_chars", "max_sentence_chars", "top_chunks", "max_quotes"):
            if not _whole(getattr(self, name)) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a whole number of at least 1")
        if not _whole(self.chunk_overlap) or not 0 <= self.chunk_overlap < self.chunk_sentences:
            raise ValueError("chunk_overlap must be a whole number, at least 0 and less than chunk_sentences")
        if self.index_type not in INDEX_TYPES:
            raise ValueError(f"index_type must be one of {', '.join(INDEX_TYPES)}")
        if self.max_sentence_chars < 20:
            raise ValueError("max_sentence_chars must be at least 20")
        if not _whole(self.rerank_candidates) or self.rerank_candidates < 0:
            raise ValueError("rerank_candidates must be a whole number of at least 0")
        if self.abstain_threshold is None:
            object.__setattr__(self, "abstain_threshold", default_threshold(self.rerank_candidates > 0))
        for name in ("quote_ratio", "abstain_threshold"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a number between 0 and 1")

    def index_settings(self) -> dict:
        """The settings that change what is stored: a change makes an index stale."""
        keys = ("chunk_sentences", "chunk_overlap", "chunk_chars", "max_sentence_chars", "index_type")
        return {k: getattr(self, k) for k in keys}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_options(cls, options: dict) -> Settings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**options)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_plain_number(settings: Settings, name: str) -> None:
    """Store a number of another type (numpy's, Fraction) as int or float; a bool or a
    string stays as it is, for the checks to refuse."""
    value = getattr(settings, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return
    plain = int(value) if isinstance(value, numbers.Integral) else float(value)
    object.__setattr__(settings, name, plain)

"""Settings of an index and of answering, checked when they are made."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

# The answerability at which at most 5 % of the answerable questions of the fitting half of
# squad2-dev16 are refused, stored with the model by training/fit_abstention.py.
DEFAULT_ABSTAIN_THRESHOLD = json.loads((Path(__file__).parent / "models" / "answerability.json").read_text())[
    "default_threshold"
]


@dataclass(frozen=True)
class Settings:
    """How documents are split (recorded in the index manifest) and how answers are chosen.

    Args:
        chunk_sentences: sentences per retrieval chunk.
        chunk_overlap: sentences shared by consecutive chunks.
        chunk_chars: a chunk stops growing past this many characters.
        max_sentence_chars: longer sentences are cut at white space.
        top_chunks: chunks taken from each of the dense and lexical searches before fusion.
        max_quotes: at most this many sentences are quoted.
        quote_ratio: a further sentence is quoted when its score is at least this share of the
            best one's.
        abstain_threshold: below this answerability the assistant says the documents do not
            answer; 0 never abstains.
    """

    chunk_sentences: int = 4
    chunk_overlap: int = 1
    chunk_chars: int = 1200
    max_sentence_chars: int = 400
    top_chunks: int = 8
    max_quotes: int = 3
    quote_ratio: float = 0.35
    abstain_threshold: float = DEFAULT_ABSTAIN_THRESHOLD

    def __post_init__(self) -> None:
        for name in ("chunk_sentences", "chunk_chars", "max_sentence_chars", "top_chunks", "max_quotes"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a whole number of at least 1")
        if not 0 <= self.chunk_overlap < self.chunk_sentences:
            raise ValueError("chunk_overlap must be at least 0 and less than chunk_sentences")
        if self.max_sentence_chars < 20:
            raise ValueError("max_sentence_chars must be at least 20")
        for name in ("quote_ratio", "abstain_threshold"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")

    def index_settings(self) -> dict:
        """The settings that change what is stored: a change makes an index stale."""
        keys = ("chunk_sentences", "chunk_overlap", "chunk_chars", "max_sentence_chars")
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

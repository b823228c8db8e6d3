"""Stage 7c: a cross-encoder reads the question with each of the best candidate sentences.

A MiniLM cross-encoder fine-tuned here from the all-MiniLM-L6-v2 weights on SQuADShifts
(``training/train_reranker.py``), shipped in fp16 in ``citeqa/models/reranker/``. Besides its
logit it has a span head that scores the best short answer inside each sentence against "no
answer here", as a SQuAD 2.0 reader does; both feed the ranking and answerability. It is loaded
on first use and runs on the CPU with torch, in bfloat16 where the CPU has it
(``bert.Model.use_bfloat16``), else in float32.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from .settings import MODELS

log = logging.getLogger(__name__)

RERANKER = MODELS / "reranker"
MAX_TOKENS = 128


@dataclass(frozen=True)
class Reading:
    """What the cross-encoder makes of each candidate sentence: its logit (higher answers better)
    and how far its best short answer span scores above "no answer here" (0 without a span head)."""

    logits: np.ndarray
    spans: np.ndarray


class Reranker:
    """Scores (question, sentence) pairs: higher means the sentence answers better."""

    def __init__(self, path: str | Path = RERANKER) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._loaded = None

    @cached_property
    def info(self) -> dict:
        """What training recorded: data, settings, how to combine with the linear ranker."""
        return json.loads((self.path / "citeqa.json").read_text())

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256((self.path / "model.safetensors").read_bytes()).hexdigest()

    def _model(self):
        with self._lock:
            if self._loaded is None:
                from .bert import Model

                log.info("loading the reranker from %s", self.path)
                self._loaded = Model(self.path, MAX_TOKENS)
                self._loaded.use_bfloat16()
            return self._loaded

    @property
    def reads_context(self) -> bool:
        """Whether the model was trained to read each sentence with the one before it."""
        return bool(self.info.get("context"))

    def read(self, question: str, sentences: list[str], contexts: list[str] | None = None) -> Reading:
        """The logit and span score of each sentence, read with ``question`` (one network pass)
        and, if the model reads context, with its ``contexts`` (segment.contexts)."""
        if not sentences:
            return Reading(np.zeros(0), np.zeros(0))
        contexts = contexts if self.reads_context else None
        logits, spans = self._model().read_pairs(question, sentences, contexts)
        return Reading(logits, np.zeros_like(logits) if spans is None else spans)

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        """One logit per sentence."""
        return self.read(question, sentences).logits


@cache
def shipped() -> Reranker:
    return Reranker()

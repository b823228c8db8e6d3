"""Stage 7c: a cross-encoder reads the question with each of the best candidate sentences.

A MiniLM cross-encoder fine-tuned here from the all-MiniLM-L6-v2 weights on SQuADShifts
(``training/train_reranker.py``), shipped in fp16 in ``citeqa/models/reranker/``. It is loaded
on first use and runs on the CPU with torch, its linear layers quantised to int8 (3.3 times
faster here, same top-1 on the fit split's questions).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from .settings import MODELS

log = logging.getLogger(__name__)

RERANKER = MODELS / "reranker"
MAX_TOKENS = 128


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
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                import torch
                import transformers
                from transformers import AutoModelForSequenceClassification, AutoTokenizer

                transformers.utils.logging.disable_progress_bar()
                log.info("loading the reranker from %s", self.path)
                tokenizer = AutoTokenizer.from_pretrained(self.path)
                model = AutoModelForSequenceClassification.from_pretrained(self.path, dtype=torch.float32)
                with warnings.catch_warnings():  # torch.ao's dynamic quantisation warns it will move
                    warnings.simplefilter("ignore")
                    quantize = torch.ao.quantization.quantize_dynamic
                    model = quantize(model.eval(), {torch.nn.Linear}, torch.qint8)
                self._loaded = (tokenizer, model)
            return self._loaded

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        """One logit per sentence."""
        if not sentences:
            return np.zeros(0)
        import torch

        tokenizer, model = self._model()
        with self._lock:  # a fast tokenizer must not be called from two threads at once
            enc = tokenizer(
                [question] * len(sentences),
                sentences,
                truncation="longest_first",
                max_length=MAX_TOKENS,
                padding=True,
                return_tensors="pt",
            )
        with torch.inference_mode():
            return model(**enc).logits.view(-1).double().numpy()


@cache
def shipped() -> Reranker:
    return Reranker()

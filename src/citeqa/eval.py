"""Measure citeqa on question-answering data: SQuAD-format benchmarks and the article's own set.

Usage (``python -m citeqa.eval`` is the same)::

    citeqa eval --out results/squad squad ../shared/benchmarks/squad2-dev16.json
    citeqa eval --out results/article article eval/article_qa.jsonl \\
        data/nagorno-karabakh-ceasefire.txt

``--out DIR`` writes report.md, report.json (settings, versions, dataset hash, every metric),
records.jsonl (every question's answer) and two plots: hit@k for k = 1..5 of each system, and
the abstention trade-off as the threshold moves.

A hit at k: one of the first k citations has a quote of at most 400 characters that contains a
gold answer (both SQuAD-normalised). Unanswerable questions should abstain.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import string
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .answer import abstention
from .errors import DocumentError, QuestionError

MAX_QUOTE_CHARS = 400
# citeqa as shipped, and without its cross-encoder (the linear ranker alone).
CITEQA = {"citeqa": {}, "citeqa-linear": {"rerank_candidates": 0}}


@dataclass
class Question:
    qid: str
    question: str
    answers: list[str]
    conversation: str | None = None
    turn: int = 0


@dataclass
class Article:
    title: str
    text: str
    questions: list[Question] = field(default_factory=list)


def load_squad(path: str | Path) -> list[Article]:
    """Articles of a SQuAD JSON file: contexts joined with blank lines, with their questions."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    return [squad_article(entry["title"], entry["paragraphs"]) for entry in data]


def reddit_articles(path: str | Path, posts_per_article: int = 40) -> list[Article]:
    """SQuADShifts reddit is one entry of 2,035 posts; cut it into articles of 40 posts."""
    posts = json.loads(Path(path).read_text(encoding="utf-8"))["data"][0]["paragraphs"]
    return [
        squad_article(f"reddit-{k // posts_per_article}", posts[k : k + posts_per_article])
        for k in range(0, len(posts), posts_per_article)
    ]


def squad_article(title: str, paragraphs: list[dict]) -> Article:
    """SQuAD paragraphs (context and questions) as one article."""
    questions = [
        Question(qa["id"], qa["question"], [a["text"] for a in qa.get("answers", [])])
        for p in paragraphs
        for qa in p["qas"]
    ]
    return Article(title, "\n\n".join(p["context"] for p in paragraphs), questions)


def load_article_set(path: str | Path, article: str | Path) -> Article:
    """The article's own evaluation set (JSON Lines: id, question, answers, conversation?, turn?)."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [
        Question(r["id"], r["question"], r["answers"], r.get("conversation"), r.get("turn", 0)) for r in rows
    ]
    return Article(Path(article).name, Path(article).read_text(encoding="utf-8"), questions)


def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, articles or extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation) | {"’", "“", "”", "–"})
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def hit_rank(quotes: list[str], answers: list[str], max_chars: int | None = MAX_QUOTE_CHARS) -> int | None:
    """1-based rank of the first quote that contains a gold answer, or None."""
    gold = [normalize(a) for a in answers if normalize(a)]
    for rank, quote in enumerate(quotes, start=1):
        if max_chars is not None and len(quote) > max_chars:
            continue
        q = normalize(quote)
        if any(re.search(rf"(^|\s){re.escape(g)}($|\s)", q) for g in gold):
            return rank
    return None


def abstention_rates(confidence: np.ndarray, answerable: np.ndarray, threshold: float) -> tuple[float, float]:
    """(share of unanswerable questions abstained on, share of answerable ones abstained on)."""
    abstain = confidence < threshold
    caught = float(abstain[~answerable].mean()) if (~answerable).any() else float("nan")
    false = float(abstain[answerable].mean()) if answerable.any() else float("nan")
    return caught, false


def threshold_for(confidence: np.ndarray, answerable: np.ndarray, max_false: float) -> float:
    """The highest threshold whose false abstention on answerable questions stays ≤ max_false."""
    pos = np.sort(confidence[answerable])
    k = int(np.floor(max_false * len(pos)))
    return float(pos[k]) if k < len(pos) else 1.0


def run(assistant, article: Article, switch: bool = False) -> list[dict]:
    """Ask every question of ``article`` (conversations in turn order, with their history).

    With ``switch``, every standalone question is then asked again after another one, as in a
    chat that changes topic: the standalone question half the set further on (the sets follow
    the article, so that one is about another part of it), its question and answer as the
    history. These records carry ``after``, the id of that question, and ``same``, whether the
    answer is the one given without history (same quotes, same confidence within 0.01).
    """
    records, histories, turns = [], defaultdict(list), {}
    for q in sorted(article.questions, key=lambda q: (q.conversation or "", q.turn)):
        answer, record = _ask(assistant, article, q, histories[q.conversation] if q.conversation else None)
        if q.conversation:
            histories[q.conversation] += answer.turn()
        turns[q.qid] = answer.turn()
        records.append(record)
    if switch:
        alone = {r["id"]: r for r in records if not r["conversation"]}
        standalone = [q for q in article.questions if not q.conversation]
        half = len(standalone) // 2
        for q, before in zip(standalone, standalone[half:] + standalone[:half], strict=True):
            _, record = _ask(assistant, article, q, turns[before.qid])
            first = alone[q.qid]
            same = record["quotes"] == first["quotes"]
            same = same and abs(record["confidence"] - first["confidence"]) < 0.01
            records.append({**record, "after": before.qid, "same": same})
    return records


def _ask(assistant, article: Article, q: Question, history: list[dict] | None) -> tuple:
    """The answer to ``q`` and its record."""
    started = time.perf_counter()
    try:
        answer = assistant.ask(q.question, history=history)
    except QuestionError:  # no words, say: refused, as an abstention is
        answer = abstention(q.question, 0.0, q.question, 1)
    elapsed = time.perf_counter() - started
    quotes = [c.quote for c in answer.citations]
    valid = [assistant.document(c.doc_id).text[c.start : c.end] == c.quote for c in answer.citations]
    return answer, {
        "article": article.title,
        "id": q.qid,
        "question": q.question,
        "answers": q.answers,
        "answerable": bool(q.answers),
        "conversation": q.conversation,
        "turn": q.turn,
        "confidence": answer.confidence,
        "quotes": quotes,
        "valid": valid,
        "rank": hit_rank(quotes, q.answers),
        "rank_any_length": hit_rank(quotes, q.answers, None),
        "supported": [hit_rank([quote], q.answers, None) is not None for quote in quotes],
        "seconds": elapsed,
    }


def summarize(records: list[dict], threshold: float) -> dict:
    """Metrics over ``records``; hits count only answered (not abstained) answerable questions.
    Records asked after an unrelated turn (``run(..., switch=True)``) count only in the
    ``switch_`` metrics and in citation validity."""
    switched = [r for r in records if r.get("after")]
    everything, records = records, [r for r in records if not r.get("after")]
    ans = [r for r in records if r["answerable"] and not r["conversation"]]
    conf = np.array([r["confidence"] for r in records if not r["conversation"]])
    answerable = np.array([r["answerable"] for r in records if not r["conversation"]])
    caught, false = abstention_rates(conf, answerable, threshold)

    def hits(rows, k, key="rank", gated=False):
        if not rows:
            return float("nan")
        ok = [
            r[key] is not None and r[key] <= k and (not gated or r["confidence"] >= threshold) for r in rows
        ]
        return float(np.mean(ok))

    follow = [r for r in records if r["conversation"] and r["turn"] > 1]
    citations = [v for r in everything for v in r["valid"]]
    supported = [v for r in records if r["answerable"] for v in r["supported"]]
    reciprocal = [1.0 / r["rank"] if r["rank"] else 0.0 for r in ans]
    seconds = np.array([r["seconds"] for r in records]) * 1000
    return {
        "questions": len(records),
        "answerable": len(ans),
        "unanswerable": int((~answerable).sum()),
        **{f"hit@{k}": hits(ans, k) for k in range(1, 6)},
        "mrr": float(np.mean(reciprocal)) if reciprocal else float("nan"),
        "hit@1_answered": hits(ans, 1, gated=True),
        "hit@3_answered": hits(ans, 3, gated=True),
        "hit@1_any_length": hits(ans, 1, "rank_any_length"),
        "hit@3_any_length": hits(ans, 3, "rank_any_length"),
        "mrr_any_length": float(
            np.mean([1.0 / r["rank_any_length"] if r["rank_any_length"] else 0.0 for r in ans])
        )
        if ans
        else float("nan"),  # fmt: skip
        "threshold": threshold,
        "abstention_unanswerable": caught,
        "false_abstention": false,
        "followup_turns": len(follow),
        "followup_hit@3": hits(follow, 3),
        "followup_hit@3_by_turn": {
            turn: hits([r for r in records if r["conversation"] and r["turn"] == turn], 3)
            for turn in sorted({r["turn"] for r in records if r["conversation"]})
        },
        "switch_questions": len(switched),
        "switch_hit@1": hits([r for r in switched if r["answerable"]], 1),
        "switch_same": float(np.mean([r["same"] for r in switched])) if switched else float("nan"),
        "citation_validity": float(np.mean(citations)) if citations else float("nan"),
        "citation_precision": float(np.mean(supported)) if supported else float("nan"),
        "abstention_curve": [
            [round(t, 2), *abstention_rates(conf, answerable, t)] for t in np.arange(0.0, 1.0001, 0.02)
        ],
        "mean_quoted_chars": float(np.mean([sum(map(len, r["quotes"])) for r in records])),
        "latency_ms_p50": float(np.percentile(seconds, 50)),
        "latency_ms_p95": float(np.percentile(seconds, 95)),
    }


def main(argv: list[str] | None = None) -> int:
    from .assistant import Assistant
    from .baselines import SYSTEMS, Baseline
    from .settings import MODELS, Settings, answerability_model

    parser = argparse.ArgumentParser(prog="citeqa eval", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="dataset", required=True)
    squad = sub.add_parser("squad", help="a SQuAD-format JSON file, each article indexed alone")
    squad.add_argument("path")
    squad.add_argument(
        "--split",
        choices=("all", "fit", "report"),
        default="all",
        help="fit: even-numbered articles (used to fit the answerability model); "
        "report: odd-numbered ones (never used for fitting)",
    )
    squad.add_argument(
        "--limit-articles", dest="articles", type=int, default=None, help="at most this many articles"
    )
    squad.add_argument("--limit-questions", dest="questions", type=int, default=None,
                       help="at most this many questions per article")  # fmt: skip
    art = sub.add_parser("article", help="the article's own evaluation set")
    art.add_argument("path")
    art.add_argument("article")
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="abstention threshold for citeqa (default: the one shipped with each answerability model)",
    )
    parser.add_argument("--fit-false-abstention", type=float, default=None, metavar="RATE",
                        help="use instead the threshold stored with the answerability model "
                             "for this false-abstention rate on the fit split "
                             "(0.02, 0.05, 0.10, 0.20)")  # fmt: skip
    parser.add_argument(
        "--systems",
        default=",".join([*CITEQA, *SYSTEMS]),
        help="comma-separated: citeqa, citeqa-linear (without the cross-encoder) and the baselines "
        + ", ".join(SYSTEMS),
    )
    parser.add_argument("--out", help="folder for the report, the records and the plots")
    args = parser.parse_args(argv)
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        parser.error(f"--threshold is a confidence between 0 and 1, not {args.threshold}")
    thresholds = {}
    for name, options in CITEQA.items():
        settings = Settings(**options)
        thresholds[name] = settings.abstain_threshold if args.threshold is None else args.threshold
        if args.fit_false_abstention is not None:
            model = answerability_model(settings.rerank_candidates > 0)
            curve = json.loads((MODELS / f"{model}.json").read_text())["fit_split_curve"]
            if f"{args.fit_false_abstention:.2f}" not in curve:
                parser.error(f"--fit-false-abstention must be one of {', '.join(curve)}")
            thresholds[name] = curve[f"{args.fit_false_abstention:.2f}"]["threshold"]
            if thresholds[name] == 0.0:  # fit_abstention.py stores 0 when no threshold keeps within
                parser.error(
                    f"no threshold keeps {name}'s false abstention within {args.fit_false_abstention:.0%} "
                    "on the fit split: its refusal rules alone refuse more; choose a higher rate"
                )

    try:
        articles = _articles(args)
    except (OSError, ValueError, KeyError, TypeError) as e:  # JSONDecodeError is a ValueError
        parser.error(f"cannot read the benchmark data: {type(e).__name__}: {e}")
    systems = args.systems.split(",")
    unknown = set(systems) - {*CITEQA, *SYSTEMS}
    if unknown:
        parser.error(f"unknown system(s) {', '.join(sorted(unknown))}")
    records: dict[str, list[dict]] = {name: [] for name in systems}
    progress = tqdm(total=sum(len(a.questions) for a in articles) * len(systems), unit="question",
                    disable=None, file=sys.stderr)  # fmt: skip
    for article in articles:
        try:
            assistant = Assistant.from_texts({article.title: article.text}, abstain_threshold=0.0)
        except DocumentError as e:  # nothing to index: its questions cannot be asked
            print(f"citeqa eval: skipping {article.title}: {e}", file=sys.stderr)
            progress.update(len(article.questions) * len(systems))
            continue
        progress.set_description(article.title[:30])
        for name in systems:
            if name in CITEQA:
                settings = Settings(**{**CITEQA[name], "abstain_threshold": 0.0})
                same = settings == assistant.settings  # reuse its retriever (BM25) rather than rebuild
                system = assistant if same else Assistant(assistant.index, settings, assistant.encoder)
            else:
                system = Baseline(name, assistant.index, assistant.encoder)
            records[name] += run(system, article, switch=args.dataset == "article")
            progress.update(len(article.questions))
    progress.close()
    if not any(records.values()):
        parser.error("no article could be indexed")
    summary = {name: summarize(rows, thresholds.get(name, 0.0)) for name, rows in records.items()}
    print(table(summary))
    if args.out:
        meta = {
            "command": "citeqa eval " + " ".join(argv if argv is not None else sys.argv[1:]),
            "dataset": {"path": str(args.path), "sha256": file_sha256(args.path), "articles": len(articles),
                        "questions": sum(len(a.questions) for a in articles)},
            "settings": {**Settings().to_dict(), **vars(args), "thresholds": thresholds},
            "model": assistant.index.manifest["model"],
            "versions": assistant.index.manifest["versions"],
            "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }  # fmt: skip
        write_report(Path(args.out), meta, summary, records)
        print(f"report written to {args.out}/", file=sys.stderr)
    return 0


def _articles(args) -> list[Article]:
    if args.dataset == "article":
        return [load_article_set(args.path, args.article)]
    articles = load_squad(args.path)
    if args.split != "all":
        articles = articles[(args.split == "report") :: 2]
    articles = articles[: args.articles]
    for a in articles:
        a.questions = a.questions[: args.questions]
    return articles


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_report(out: Path, meta: dict, summary: dict, records: dict) -> None:
    """report.json, report.md, records.jsonl and the two plots, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps({**meta, "summary": summary}, indent=1))
    with open(out / "records.jsonl", "w", encoding="utf-8") as f:
        for name, rows in records.items():
            for row in rows:
                f.write(json.dumps({"system": name, **row}, ensure_ascii=False) + "\n")
    citeqa = summary.get("citeqa")
    lines = [f"# citeqa evaluation: {Path(meta['dataset']['path']).name}", "",
             f"`{meta['command']}`", "",
             f"{meta['dataset']['articles']} articles, {meta['dataset']['questions']} questions "
             f"(sha256 {meta['dataset']['sha256'][:12]}…); model {meta['model']['name']}; "
             f"{meta['created']}.", "", table(summary), ""]  # fmt: skip
    if citeqa:
        lines += ["Abstention trade-off of citeqa (threshold: share of unanswerable questions "
                  "abstained on, share of answerable ones refused):", "",
                  "| threshold | abstention | false abstention |", "|---|---|---|"]  # fmt: skip
        lines += [f"| {t:.2f} | {a:.3f} | {f:.3f} |" for t, a, f in citeqa["abstention_curve"][::5]]
        if citeqa["followup_turns"]:
            by_turn = ", ".join(f"turn {t}: {v:.3f}" for t, v in citeqa["followup_hit@3_by_turn"].items())
            lines += ["", f"Follow-up conversations, hit@3 per turn: {by_turn}."]
    lines += ["", "![hit@k](hit_at_k.png)", "", "![abstention](abstention.png)", ""]
    (out / "report.md").write_text("\n".join(lines))
    plot(summary, out)


def plot(summary: dict, out: Path) -> None:
    """hit_at_k.png for every system; abstention.png, the trade-off curve of citeqa."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def figure(path: Path, draw, **labels) -> None:
        fig, ax = plt.subplots(figsize=(6, 4))
        draw(ax)
        ax.set(**labels)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)

    def hits(ax) -> None:
        for name, m in summary.items():
            ax.plot(range(1, 6), [m[f"hit@{k}"] for k in range(1, 6)], marker="o", label=name)

    figure(out / "hit_at_k.png", hits, xlabel="k (citations looked at)", ylabel="hit@k",
           xticks=range(1, 6), ylim=(0, 1),
           title="A quote of at most 400 characters holds the answer")  # fmt: skip
    if "citeqa" not in summary:
        return
    m = summary["citeqa"]

    def tradeoff(ax) -> None:
        curve = np.array(m["abstention_curve"], dtype=float)
        ax.plot(curve[:, 2], curve[:, 1], marker=".")
        ax.scatter([m["false_abstention"]], [m["abstention_unanswerable"]], color="red", zorder=3,
                   label=f"threshold {m['threshold']:.3f}")  # fmt: skip

    figure(out / "abstention.png", tradeoff, xlabel="false abstention (answerable questions refused)",
           ylabel="abstention on unanswerable questions", xlim=(0, 1), ylim=(0, 1),
           title="citeqa: abstention as the threshold moves")  # fmt: skip


TABLE = ("hit@1", "hit@3", "mrr", "hit@1_any_length", "hit@1_answered", "abstention_unanswerable",
         "false_abstention", "followup_hit@3", "switch_same", "citation_validity", "citation_precision",
         "mean_quoted_chars", "latency_ms_p50", "latency_ms_p95")  # fmt: skip


def table(summary: dict[str, dict]) -> str:
    """A Markdown table of the main metrics, one row per system."""
    lines = ["| system | " + " | ".join(TABLE) + " |", "|---" * (len(TABLE) + 1) + "|"]
    for name, m in summary.items():
        cells = [f"{m[c]:.0f}" if c.startswith(("mean", "latency")) else f"{m[c]:.3f}" for c in TABLE]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

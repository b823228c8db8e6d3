"""Speed and growth of citeqa, each figure beside a reference measured in the same run.

    python benchmarks/bench.py [--out results/bench] [--parts indexing,incremental,query,scale,cold]
                               [--scale-sizes 100000,1000000]

Parts:

- ``query``: ``Assistant.ask`` p50/p95 on the bundled article and on the large collection, next
  to the quick RAG set-up (500-character chunks, MiniLM through sentence-transformers, FAISS
  flat, top 3) on the same documents, and to that set-up with citeqa's question encoder
  (``citeqa.bert``); and the cost of each stage of ``ask``.
- ``indexing``: sentences per second, peak memory and size on disk for the bundled article and
  the large collection, next to the model's raw ``encode`` throughput on the same sentences.
- ``incremental``: adding one document to the large collection, next to a full rebuild.
- ``scale``: FAISS alone on normalized random 384-d vectors: exact against approximate index
  types, with build time, memory, query latency and recall@10 against exact search.
- ``cold``: from process start to the first answer, for ``citeqa ask`` and for the app.

The large collection is every article in ../shared/benchmarks/ (SQuAD 2.0 dev and
SQuADShifts; reddit cut into articles of 40 posts), each indexed as its own document.
Writes bench.json and bench.md into --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "benchmarks"
ARTICLE = ROOT / "data" / "nagorno-karabakh-ceasefire.txt"
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def ms(seconds: list[float], p: float) -> float:
    return round(float(np.percentile(np.array(seconds) * 1000, p)), 2)


def timed(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - started


def large_collection() -> dict[str, str]:
    """Every benchmark article as its own document (id: file and title)."""
    from citeqa.eval import load_squad, reddit_articles

    texts = {}
    for path in sorted(SHARED.rglob("*.json")):
        articles = reddit_articles(path) if "reddit" in path.name else load_squad(path)
        for a in articles:
            texts[f"{path.stem}/{a.title}"] = a.text
    return texts


def questions_of_article() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "article_qa.jsonl").read_text().splitlines()]
    return [r["question"] for r in rows if not r.get("conversation")]


class QuickRag:
    """The usual quick set-up: 500-character chunks, MiniLM through sentence-transformers, FAISS
    flat, top 3 chunks. ``encode`` may be swapped for citeqa's question encoder."""

    def __init__(self, texts: dict[str, str], model) -> None:
        import faiss

        from citeqa.baselines import recursive_split

        self.encode = lambda texts: model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        self.spans = [(d, s, e) for d, t in texts.items() for s, e in recursive_split(t, 500, 50)]
        vectors = self.encode([texts[d][s:e] for d, s, e in self.spans])
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)

    def ask(self, question: str):
        _, ids = self.index.search(self.encode([question]), 3)
        return [self.spans[i] for i in ids[0]]


def latency(fn, questions: list[str], repeats: int) -> list[float]:
    fn(questions[0])  # warm up
    out = []
    for _ in range(repeats):
        for q in questions:
            out.append(timed(fn, q)[1])
    return out


def stage_costs(assistant, questions: list[str]) -> dict[str, float]:
    """p50 ms of each stage of ``ask``, run one by one as ``ask`` runs them."""
    from citeqa.followup import queries
    from citeqa.rank import question_features, sentence_features
    from citeqa.segment import context

    history = [{"role": "user", "content": "Who did Putin invite to Moscow?"},
               {"role": "assistant", "content": "> Vladimir Putin invited the ministers."}]  # fmt: skip
    costs: dict[str, list[float]] = {}

    def add(name, fn, *args):
        out, took = timed(fn, *args)
        costs.setdefault(name, []).append(took)
        return out

    r = assistant.retriever
    for q in questions:
        add("follow-up rewriting", queries, "And who will receive the Armenian one?", history)
        query = queries(q, None)[0]
        vector = add("query embedding", assistant.encoder.encode, [query.text])[0]
        add("dense search", r.sentence_faiss.search, vector[None, :], 2 * r.top_chunks)
        add("lexical search", r.sentence_bm25.scores, query.terms)
        signals = add("retrieval (both, fused, candidates)", r.search, query, vector)
        X = add("sentence features", sentence_features, signals, r, q)
        scores = assistant.ranker(X)
        if assistant.settings.rerank_candidates:
            keep = np.argsort(-scores)[: assistant.settings.rerank_candidates]
            ids = signals.candidates[keep]
            texts = [assistant.index.sentences[s].text for s in ids]
            contexts = [
                context(assistant.index.sentences, s) for s in ids
            ]  # read only by a model trained with them
            add("cross-encoder reranking", assistant.reranker.read, query.question, texts, contexts)
        add("answerability", question_features, signals, r, q, X, scores)
        add("whole ask", assistant.ask, q)
    return {name: ms(v, 50) for name, v in costs.items()}


def part_query(large, folder: Path) -> dict:
    """The large collection's index comes from the indexing part when it ran (else built here)."""
    from citeqa import Assistant

    questions = questions_of_article()
    article = {ARTICLE.name: ARTICLE.read_text(encoding="utf-8")}
    out = {}
    for name, texts, repeats in (("article", article, 3), ("large", large, 1)):
        if texts is None:
            continue
        kept = folder / "index-large"
        assistant = Assistant.load(kept) if name == "large" and kept.exists() else Assistant.from_texts(texts)
        rag = QuickRag(texts, assistant.encoder.model)
        linear = Assistant(assistant.index, type(assistant.settings)(rerank_candidates=0), assistant.encoder)
        asked = latency(assistant.ask, questions, repeats)
        asked_linear = latency(linear.ask, questions, repeats)
        rag_times = latency(rag.ask, questions, repeats)
        rag.encode = assistant.encoder.encode  # the same set-up, with citeqa's question encoder
        rag_direct = latency(rag.ask, questions, repeats)
        out[name] = {
            "documents": len(texts),
            "sentences": len(assistant.index.sentences),
            "questions": len(asked),
            "ask_ms_p50": ms(asked, 50), "ask_ms_p95": ms(asked, 95),
            "ask_without_reranker_ms_p50": ms(asked_linear, 50),
            "ask_without_reranker_ms_p95": ms(asked_linear, 95),
            "quick_rag_ms_p50": ms(rag_times, 50), "quick_rag_ms_p95": ms(rag_times, 95),
            "quick_rag_citeqa_encoder_ms_p50": ms(rag_direct, 50),
            "quick_rag_citeqa_encoder_ms_p95": ms(rag_direct, 95),
            "stages_ms_p50": stage_costs(assistant, questions),
        }  # fmt: skip
    return out


def run_json(code: str) -> dict:
    """Run ``code`` in a fresh interpreter and read the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"a benchmark subprocess failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


INDEX_CODE = """
import json, resource, time
from citeqa.embed import default_encoder
from citeqa.index import build, save
from citeqa.load import load_path
from citeqa.settings import Settings
paths = json.loads(open({paths!r}).read())
encoder = default_encoder()
encoder.encode(["warm up"] * 16)  # both readings of the model loaded before the clock
encoder.encode(["warm up"])
t = time.perf_counter()
index = build([load_path(p) for p in paths], Settings(), encoder)
took = time.perf_counter() - t
t = time.perf_counter(); save(index, {out!r}); saved = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# what build embedded: every sentence, and the chunks of more than one sentence (the others
# reuse their sentence's vector)
chunks = [t for c, t in zip(index.chunks, index.chunk_texts()) if c.last - c.first > 1]
texts = [s.text for s in index.sentences] + chunks
t = time.perf_counter(); encoder.model.encode(texts, batch_size=64); raw = time.perf_counter() - t
print(json.dumps({{"seconds": took, "save_seconds": saved, "sentences": len(index.sentences),
                  "chunks": len(index.chunks), "embedded": len(texts), "raw_encode_seconds": raw,
                  "peak_rss_mb": peak}}))
"""


def write_documents(large: dict[str, str], folder: Path) -> list[Path]:
    """The large collection as one file per article (ids are file names), written once."""
    docs = folder / "docs"
    paths = [docs / f"{n:05d}.txt" for n in range(len(large))]
    if not docs.exists():
        docs.mkdir()
        for path, text in zip(paths, large.values(), strict=True):
            path.write_text(text, encoding="utf-8")
    return paths


def part_indexing(large, folder: Path) -> dict:
    """Each collection indexed in a fresh process (peak memory is its own); the large index is
    kept in ``folder/index-large`` for the other parts."""
    out = {}
    for name, paths in (("article", [ARTICLE]), ("large", large and write_documents(large, folder))):
        if not paths:
            continue
        listing = folder / f"{name}.json"
        listing.write_text(json.dumps([str(p) for p in paths]))
        target = folder / f"index-{name}"
        got = run_json(INDEX_CODE.format(paths=str(listing), out=str(target)))
        size = sum(f.stat().st_size for f in target.iterdir())
        embedded = got["embedded"]
        out[name] = {
            "documents": len(paths), "sentences": got["sentences"], "chunks": got["chunks"],
            "texts_embedded": embedded, "index_seconds": round(got["seconds"], 1),
            "save_seconds": round(got["save_seconds"], 1),
            "sentences_per_second": round(got["sentences"] / got["seconds"], 1),
            "texts_embedded_per_second": round(embedded / got["seconds"], 1),
            "raw_encode_texts_per_second": round(embedded / got["raw_encode_seconds"], 1),
            "share_of_raw_encode": round(got["raw_encode_seconds"] / got["seconds"], 3),
            "peak_rss_mb": round(got["peak_rss_mb"], 1), "index_mb_on_disk": round(size / 2**20, 1),
        }  # fmt: skip
    return out


def part_incremental(large, folder: Path, full_seconds: float | None) -> dict:
    """Add, change and remove documents of the large collection's index (copied from the
    indexing part, whose build and save time is the full rebuild's; built here when run alone)."""
    from citeqa import Assistant
    from citeqa.embed import default_encoder

    paths = write_documents(large, folder)
    extra = folder / "docs" / "added.txt"
    extra.write_text(ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    index_dir = folder / "incremental"
    encoder = default_encoder()
    encoder.encode(["warm up"] * 16)  # both readings of the model loaded before the clock
    encoder.encode(["warm up"])
    if full_seconds is None:
        _, full_seconds = timed(Assistant.from_paths, paths, index_dir)
    else:
        shutil.copytree(folder / "index-large", index_dir)
    _, added = timed(Assistant.from_paths, [*paths, extra], index_dir)
    original = paths[0].read_text(encoding="utf-8")
    paths[0].write_text(original + "\n\nOne more sentence at the end.\n", encoding="utf-8")
    _, changed = timed(Assistant.from_paths, [*paths, extra], index_dir)
    assistant, removed = timed(Assistant.from_paths, paths[1:], index_dir)
    paths[0].write_text(original, encoding="utf-8")  # index-large stays current for the query part
    spans = [(c.doc_id, c.start, c.end) for c in assistant.index.chunks]
    return {
        "documents": len(paths), "full_build_seconds": round(full_seconds, 1),
        "add_one_seconds": round(added, 1), "change_one_seconds": round(changed, 1),
        "remove_two_seconds": round(removed, 1),
        "duplicate_chunks": len(spans) - len(set(spans)),
        "removed_documents_left": len({"00000.txt", "added.txt"} & set(assistant.index.documents)),
    }  # fmt: skip


def part_scale(sizes: list[int], folder: Path) -> dict:
    """Random unit vectors at each size; and, when the indexing part kept it, the large
    collection's real sentence vectors queried with 200 real questions."""
    rng = np.random.default_rng(0)
    out = {}
    for n in sizes:
        base = unit(rng.standard_normal((n, 384), dtype=np.float32))
        out[str(n)] = compare_indexes(base, unit(rng.standard_normal((200, 384), dtype=np.float32)))
    kept = folder / "index-large" / "sentences.faiss"
    if kept.exists():
        import faiss

        from citeqa.embed import default_encoder
        from citeqa.eval import load_squad

        stored = faiss.read_index(str(kept))
        base = stored.reconstruct_n(0, stored.ntotal)
        questions = [q.question for a in load_squad(SHARED / "squad2-dev16.json") for q in a.questions]
        picked = np.random.default_rng(0).permutation(len(questions))[:200]
        queries = default_encoder().encode([questions[i] for i in picked])
        out[f"real {len(base)}"] = compare_indexes(base, queries)
    return out


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def compare_indexes(base: np.ndarray, queries: np.ndarray) -> dict:
    """Exact against approximate index types: build time, memory, one-query latency, recall@10."""
    import faiss

    exact = faiss.IndexFlatIP(base.shape[1])
    _, build_exact = timed(exact.add, base)
    _, truth = exact.search(queries, 10)
    rows = {}
    for kind in ("flat", "hnsw", "ivf-sq8", "ivf-pq"):
        index, took = timed(make_index, kind, base)
        knob = {"hnsw": ("efSearch", (64, 128, 256, 512, 1024, 2048)), "flat": (None, (None,))}.get(
            kind, ("nprobe", (16, 64, 256))
        )
        for value in knob[1]:
            if kind == "hnsw":
                index.hnsw.efSearch = value
            elif value is not None:
                faiss.extract_index_ivf(index).nprobe = value
            single = [timed(index.search, q[None, :], 10)[1] for q in queries]
            _, found = index.search(queries, 10)
            recall = np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)])
            name = kind if value is None else f"{kind} {knob[0]}={value}"
            rows[name] = {
                "build_seconds": round(took if kind != "flat" else build_exact, 1),
                "memory_mb": round(faiss.serialize_index(index).nbytes / 2**20, 1),
                "query_ms_p50": ms(single, 50), "query_ms_p95": ms(single, 95),
                "recall_at_10": round(float(recall), 4),
            }  # fmt: skip
            print(f"scale {len(base)} {name}: {rows[name]}", file=sys.stderr, flush=True)
        del index
    return rows


def make_index(kind: str, base: np.ndarray, ef_search: int = 128, nprobe: int = 32):
    """citeqa's own index types (flat, hnsw), and IVF with scalar or product quantisation."""
    import faiss

    from citeqa.index import make_faiss

    if kind in ("flat", "hnsw"):
        index = make_faiss(base, kind)
        if kind == "hnsw":
            index.hnsw.efSearch = ef_search
        return index
    n, d = base.shape
    lists = int(4 * n**0.5)
    codes = "SQ8" if kind == "ivf-sq8" else "PQ48"
    index = faiss.index_factory(d, f"IVF{lists},{codes}", faiss.METRIC_INNER_PRODUCT)
    index.train(base[np.random.default_rng(0).permutation(n)[: 50 * lists]])
    index.add(base)
    faiss.extract_index_ivf(index).nprobe = nprobe
    return index


def part_cold(folder: Path) -> dict:
    """Process start to first answer: `citeqa ask`, and the app (start, then one /ask)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    cli = []
    for _ in range(3):
        started = time.perf_counter()
        command = [sys.executable, "-m", "citeqa.cli", "ask", "Who did Putin invite to Moscow?"]
        subprocess.run(command, check=True, capture_output=True, env=env, cwd=ROOT)
        cli.append(time.perf_counter() - started)
    python = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        python.append(time.perf_counter() - started)
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import start_app
    from gradio_client import Client

    started = time.perf_counter()
    proc, url = start_app(env=env)
    Client(url, verbose=False).predict("Who did Putin invite to Moscow?", [], api_name="/ask")
    app = time.perf_counter() - started
    proc.terminate()
    proc.wait(timeout=30)
    return {"citeqa_ask_seconds_median": round(float(np.median(cli)), 2),
            "python_start_seconds_median": round(float(np.median(python)), 3),
            "app_start_to_first_answer_seconds": round(app, 1)}  # fmt: skip


def table(result: dict) -> str:
    """bench.md: one Markdown table per part (the scale part: one per collection size)."""
    m = result["machine"]
    lines = [f"Machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}; `{m['command']}`", ""]
    for part, value in result.items():
        if part == "machine":
            continue
        lines += [f"### {part}", ""]
        nested = {k: v for k, v in value.items() if isinstance(v, dict)}
        if not nested:
            lines += markdown_rows({"": value})
        elif part == "scale":
            for size, rows in nested.items():
                lines += [f"{size} vectors:", "", *markdown_rows(rows), ""]
        else:
            lines += markdown_rows(
                {k: {f: x for f, x in v.items() if not isinstance(x, dict)} for k, v in nested.items()}
            )
            for k, v in nested.items():
                for f, x in v.items():
                    if isinstance(x, dict):
                        lines += ["", f"{k}, {f.replace('_', ' ')}:", "", *markdown_rows({"": x})]
        lines.append("")
    return "\n".join(lines)


def markdown_rows(rows: dict[str, dict]) -> list[str]:
    columns = list(dict.fromkeys(c for row in rows.values() for c in row))
    cell = lambda x: "–".join(map(str, x)) if isinstance(x, list) else str(x)  # noqa: E731
    out = [f"| | {' | '.join(c.replace('_', ' ') for c in columns)} |", "|---" * (len(columns) + 1) + "|"]
    out += [f"| {name} | {' | '.join(cell(row.get(c, '')) for c in columns)} |" for name, row in rows.items()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="results/bench")
    parser.add_argument("--parts", default="indexing,incremental,query,scale,cold")
    parser.add_argument("--scale-sizes", default="100000,1000000")
    parser.add_argument("--no-large", action="store_true", help="the bundled article only")
    parser.add_argument("--large-documents", type=int, default=None, help="only the first N large documents")
    args = parser.parse_args()
    parts = args.parts.split(",")
    large = None if args.no_large else dict(list(large_collection().items())[: args.large_documents])
    result = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "python": platform.python_version(), "command": " ".join(sys.argv)}}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for part in parts:
            print(f"running {part}", file=sys.stderr, flush=True)
            started = time.perf_counter()
            if part == "query":
                result[part] = part_query(large, folder)
            elif part == "indexing":
                result[part] = part_indexing(large, folder)
            elif part == "incremental" and large is not None:
                indexed = result.get("indexing", {}).get("large")
                full = indexed and indexed["index_seconds"] + indexed["save_seconds"]
                result[part] = part_incremental(large, folder, full)
            elif part == "scale":
                result[part] = part_scale([int(n) for n in args.scale_sizes.split(",")], folder)
            elif part == "cold":
                result[part] = part_cold(folder)
            print(f"{part}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=1))
    (out / "bench.md").write_text(table(result))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

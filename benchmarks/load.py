"""Load test: many chat sessions at once against the real app, through its /ask API.

    python benchmarks/load.py [--clients 32] [--seconds 60] [--max-requests 5000] [--out results/load]
                              [--upload-at SECONDS]

Starts app.py on a free loopback port. Each client replays the article's three-turn
conversations in its own session (its own history) and checks every answer against the one
the same question and history get from an in-process Assistant on the same index: any
difference is a failure (cross-talk or a wrong answer). Bounded in time and request count;
loopback only. Reports failures, p50/p95 latency, throughput and the server's memory, sampled
every 5 s (does it level off?).

With ``--upload-at S``, a real browser (Debian's Chromium) uploads a document of
``--upload-kb`` (256) kB in another session S seconds in and waits until it is indexed; the answers
that were in flight meanwhile are reported apart: how much the upload stalls other sessions.
The run fails if any of them took longer than ``--stall-bound`` (15 s).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_app() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    for _ in range(360):
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("app.py did not start")


def upload(url: str, folder: Path, kilobytes: int) -> tuple[float, float, str]:
    """Upload a document in a browser session; (start, end) in monotonic time, and the status."""
    from playwright.sync_api import sync_playwright

    article = (ROOT / "data" / "nagorno-karabakh-ceasefire.txt").read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in article.split("\n\n") if len(p.strip()) > 80]
    doc = folder / "archive.txt"
    parts, size, n = [], 0, 0
    while True:  # numbered dispatches: repeated paragraphs would be dropped as boilerplate
        part = f"Dispatch {n}. {paragraphs[n % len(paragraphs)]}"
        size += len(part.encode("utf-8")) + 2
        if size > kilobytes * 1024:
            break
        parts.append(part)
        n += 1
    doc.write_text("\n\n".join(parts), encoding="utf-8")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        page = browser.new_page()
        page.set_default_timeout(600_000)
        page.goto(url)
        page.get_by_role("tab", name="Documents").click()
        page.locator("#citeqa-files input[type=file]").set_input_files(str(doc))
        page.locator("#citeqa-files", has_text="archive").wait_for()  # shown as "archive", ".txt"
        started = time.monotonic()
        page.locator("#citeqa-use").click()
        done = "s => s.includes('Indexed') || s.includes('⚠️')"  # not "Indexing archive.txt…"
        page.wait_for_function(f"({done})(document.querySelector('#citeqa-status').innerText)")
        ended = time.monotonic()
        status = page.locator("#citeqa-status").inner_text()
        browser.close()
    if not status.startswith("Indexed 1 document "):
        raise SystemExit(f"the upload failed: {status}")
    return started, ended, status


def percentile(ms: list[float], p: float) -> float | None:
    ms = sorted(ms)
    return round(ms[int(p * (len(ms) - 1))], 1) if ms else None


def conversations() -> list[list[str]]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "article_qa.jsonl").read_text().splitlines()]
    convs: dict[str, list] = {}
    for r in sorted((r for r in rows if r.get("conversation")), key=lambda r: (r["conversation"], r["turn"])):
        convs.setdefault(r["conversation"], []).append(r["question"])
    return list(convs.values())


def expected_answers(convs: list[list[str]]) -> list[list[dict]]:
    """What each turn must get: the in-process Assistant on the same index, turn by turn."""
    from citeqa import Assistant

    assistant = Assistant.load(ROOT / "index")
    out = []
    for questions in convs:
        history, answers = [], []
        for q in questions:
            a = assistant.ask(q, history=history).to_dict()
            answers.append(a)
            history += [{"role": "user", "content": q}, {"role": "assistant", "content": a["text"]}]
        out.append(answers)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--out", default="results/load")
    parser.add_argument("--upload-at", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--upload-kb", type=int, default=256, help="size of the uploaded document")
    parser.add_argument("--stall-bound", type=float, default=15.0, metavar="SECONDS",
                        help="fail if an answer takes longer while the upload is indexed")  # fmt: skip
    args = parser.parse_args()
    from gradio_client import Client

    convs = conversations()
    expected = expected_answers(convs)
    proc, url = start_app()
    memory_start = rss_mb(proc.pid)
    memory: list[tuple[float, float]] = []
    latencies: list[float] = []
    spans: list[tuple[float, float]] = []  # (start, end) of each answered request, monotonic
    failures: list[str] = []
    lock = threading.Lock()
    sent = [0]
    deadline = time.monotonic() + args.seconds

    def client(n: int) -> None:
        api = Client(url, verbose=False)
        c = n % len(convs)
        while time.monotonic() < deadline:
            history = []
            for turn, question in enumerate(convs[c]):
                with lock:
                    if sent[0] >= args.max_requests or time.monotonic() >= deadline:
                        return
                    sent[0] += 1
                started = time.perf_counter()
                try:
                    got = api.predict(question, history, api_name="/ask")
                except Exception as e:  # a failed request is counted, not fatal
                    with lock:
                        failures.append(f"client {n}: {type(e).__name__}: {e}")
                    break
                elapsed = time.perf_counter() - started
                ok = got == expected[c][turn]
                with lock:
                    latencies.append(elapsed)
                    spans.append((time.monotonic() - elapsed, time.monotonic()))
                    if not ok:
                        failures.append(f"client {n}, conversation {c}, turn {turn + 1}: wrong answer")
                history += [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": got["text"]},
                ]
            c = (c + 1) % len(convs)

    def sample_memory() -> None:
        while time.monotonic() < deadline:
            memory.append((round(time.monotonic() - started, 1), round(rss_mb(proc.pid), 1)))
            time.sleep(5)

    uploaded: list[tuple[float, float, str]] = []

    def upload_later() -> None:
        time.sleep(args.upload_at)
        # In a process of its own: driven from a thread beside 32 busy clients, the browser never
        # saw its file arrive (the GIL starved Playwright's event loop). Monotonic time is system-wide.
        spawn = multiprocessing.get_context("spawn")
        with tempfile.TemporaryDirectory() as folder, ProcessPoolExecutor(1, mp_context=spawn) as pool:
            uploaded.append(pool.submit(upload, url, Path(folder), args.upload_kb).result())

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    threads.append(threading.Thread(target=sample_memory))
    if args.upload_at is not None:
        threads.append(threading.Thread(target=upload_later))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    memory_end = rss_mb(proc.pid)
    proc.terminate()
    proc.wait(timeout=30)

    if args.upload_at is not None and not uploaded:
        failures.append("the upload did not finish")
    ms = [x * 1000 for x in latencies]
    half = [mb for t, mb in memory if t >= wall / 2]
    result = {
        "clients": args.clients, "seconds": round(wall, 1), "requests": len(latencies) + len(failures),
        "failures": len(failures), "first_failures": failures[:5],
        "latency_ms_p50": percentile(ms, 0.5), "latency_ms_p95": percentile(ms, 0.95),
        "requests_per_second": round(len(latencies) / wall, 1),
        "server_rss_mb_start": round(memory_start, 1), "server_rss_mb_end": round(memory_end, 1),
        "server_rss_mb_second_half_range": [min(half), max(half)] if half else None,
        "server_rss_mb_samples": memory, "cpus": os.cpu_count(),
    }  # fmt: skip
    if uploaded:
        ((up_start, up_end, status),) = uploaded
        during = [(e - s) * 1000 for s, e in spans if s < up_end and e > up_start]
        apart = [(e - s) * 1000 for s, e in spans if not (s < up_end and e > up_start)]
        result["upload"] = {
            "document_kb": args.upload_kb, "status": status, "indexing_seconds": round(up_end - up_start, 1),
            "answers_during": len(during), "latency_ms_p50_during": percentile(during, 0.5),
            "latency_ms_p95_during": percentile(during, 0.95),
            "latency_ms_max_during": percentile(during, 1.0),
            "latency_ms_p50_apart": percentile(apart, 0.5), "latency_ms_p95_apart": percentile(apart, 0.95),
        }  # fmt: skip
        if not during:
            failures.append("no answer was in flight while the upload was indexed: nothing was measured")
    result["failures"], result["first_failures"] = len(failures), failures[:5]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    stalled = uploaded and during and result["upload"]["latency_ms_max_during"] > args.stall_bound * 1000
    if stalled:
        print(f"an answer took longer than {args.stall_bound} s during the upload", file=sys.stderr)
    sys.exit(1 if failures or stalled else 0)


if __name__ == "__main__":
    main()

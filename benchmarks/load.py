"""Load test: many chat sessions at once against the real app, through its /ask API.

    python benchmarks/load.py [--clients 32] [--seconds 60] [--max-requests 5000] [--out results/load]

Starts app.py on a free loopback port. Each client replays the article's three-turn
conversations in its own session (its own history) and checks every answer against the one
the same question and history get from an in-process Assistant on the same index: any
difference is a failure (cross-talk or a wrong answer). Bounded in time and request count;
loopback only. Reports failures, p50/p95 latency, throughput and the server's memory at the
start and the end.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
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
    args = parser.parse_args()
    from gradio_client import Client

    convs = conversations()
    expected = expected_answers(convs)
    proc, url = start_app()
    memory_start = rss_mb(proc.pid)
    latencies: list[float] = []
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
                    if not ok:
                        failures.append(f"client {n}, conversation {c}, turn {turn + 1}: wrong answer")
                history += [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": got["text"]},
                ]
            c = (c + 1) % len(convs)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    memory_end = rss_mb(proc.pid)
    proc.terminate()
    proc.wait(timeout=30)

    ms = sorted(x * 1000 for x in latencies)
    result = {
        "clients": args.clients, "seconds": round(wall, 1), "requests": len(latencies) + len(failures),
        "failures": len(failures), "first_failures": failures[:5],
        "latency_ms_p50": round(statistics.median(ms), 1) if ms else None,
        "latency_ms_p95": round(ms[int(0.95 * (len(ms) - 1))], 1) if ms else None,
        "requests_per_second": round(len(latencies) / wall, 1),
        "server_rss_mb_start": round(memory_start, 1), "server_rss_mb_end": round(memory_end, 1),
        "cpus": os.cpu_count(),
    }  # fmt: skip
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "load.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

"""Load benchmark: N concurrent clients drive POST /v1/consult (extractive) on loopback for a fixed time.

Starts `kodomo-ai serve` on a free port over the data dir (run `kodomo-ai ingest corpus` first), creates a
caseworker key so the parent rate limit does not apply, and reports throughput and p50/p95/p99 latency.
--ingest-beside runs `kodomo-ai ingest` in a loop next to the clients (each run changes one document, so
each publishes a new index generation); --parents sends no key, so 429 is an expected answer.
Usage: python bench/load.py [--clients 8] [--seconds 60] [--workers 1] [--ingest-beside] [--parents]
       [--out bench/results/load.json] [--url URL --key KEY]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
# Every answerable development question, so requests are not a handful of cached repeats.
QUESTIONS = [
    item["question"]
    for item in yaml.safe_load((ROOT / "evals" / "dev" / "questions.yaml").read_text(encoding="utf-8"))
    if item["expect"] == "answer"
]
OUT = Path(__file__).with_name("results") / "load.json"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def start_server(workers: int = 1) -> tuple[subprocess.Popen[bytes], str, str]:
    """Run the API on a free port; return the process, its URL and a fresh caseworker key."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).with_name("kodomo-ai")
    key = subprocess.run([str(exe), "keys", "create", "--role", "caseworker", "--name", "bench"],
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]  # fmt: skip
    server = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", str(workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=120).status_code == 200:
                return server, url, key
        except httpx.HTTPError:
            pass
        time.sleep(1)
    server.terminate()
    raise SystemExit("the API did not become ready (did you run `kodomo-ai ingest corpus`?)")


class IngestLoop(threading.Thread):
    """Runs `kodomo-ai ingest` on a one-document folder again and again, changing the document each time."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.folder = Path(tempfile.mkdtemp(prefix="kodomo-bench-ingest-"))
        self.stop = threading.Event()
        self.runs: list[dict[str, object]] = []

    def run(self) -> None:
        """Ingest until stopped; every run records its exit status, time and summary line."""
        exe = Path(sys.executable).with_name("kodomo-ai")
        n = 0
        while not self.stop.is_set():
            n += 1
            (self.folder / "bench-ingest.md").write_text(
                f"---\ndoc_id: bench-ingest\ntitle: 負荷試験の文書\n---\n## 版\nこの文書は負荷試験の{n}版です。\n",
                encoding="utf-8",
            )
            started = time.perf_counter()
            done = subprocess.run([str(exe), "ingest", str(self.folder)], capture_output=True, text=True)
            summary = (done.stdout.strip().splitlines() or [""])[-1]
            self.runs.append({"exit": done.returncode, "seconds": round(time.perf_counter() - started, 1),
                              "summary": summary})  # fmt: skip


def run(url: str, key: str, clients: int, seconds: float, *, parents: bool = False) -> dict[str, object]:
    """Drive the endpoint and collect latencies and errors (for parents a 429 is an answer, not an error)."""
    latencies: list[float] = []
    statuses: collections.Counter[str] = collections.Counter()
    first: list[float] = []  # each question's first answer: nothing cached for it yet
    seen: set[str] = set()
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        headers = {} if parents else {"X-API-Key": key}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            i = n
            while time.perf_counter() < stop:
                question = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                started = time.perf_counter()
                try:
                    response = client.post("/v1/consult", json={"question": question})
                    ok = response.status_code == 200
                    detail = f"{response.status_code}"
                except httpx.HTTPError as exc:
                    ok, detail = False, type(exc).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    statuses[detail] += 1
                    if ok:
                        latencies.append(elapsed)
                    elif not (parents and detail == "429"):
                        errors.append(detail)
                    if ok and question not in seen:
                        seen.add(question)
                        first.append(elapsed)

    # Warm up once so model loading is not measured.
    httpx.post(url + "/v1/consult", json={"question": QUESTIONS[0]}, headers={"X-API-Key": key}, timeout=300)
    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return {
        "endpoint": "POST /v1/consult", "engine": "extractive", "clients": clients, "seconds": round(wall, 1),
        "caller": "parent (no key)" if parents else "caseworker key", "statuses": dict(sorted(statuses.items())),
        "requests": len(latencies), "errors": len(errors), "error_kinds": sorted(set(errors)),
        "throughput_rps": round(len(latencies) / wall, 2),
        "p50_s": round(percentile(latencies, 50), 3), "p95_s": round(percentile(latencies, 95), 3),
        "p99_s": round(percentile(latencies, 99), 3), "max_s": round(max(latencies, default=0.0), 3),
        "distinct_questions": len(QUESTIONS), "first_answer_p50_s": round(percentile(first, 50), 3),
        "first_answer_p95_s": round(percentile(first, 95), 3),
        "target": "p95 < 1.5 s at 8 clients, no errors",
        "cpus": os.cpu_count(), "python": platform.python_version(), "host": platform.node(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }  # fmt: skip


def main() -> None:
    """Parse options, run, print and write bench/results/load.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--url", default=None, help="use a running API instead of starting one")
    parser.add_argument("--key", default=None, help="caseworker key for --url")
    parser.add_argument("--workers", type=int, default=1, help="API worker processes")
    parser.add_argument(
        "--ingest-beside", action="store_true", help="run ingests in a loop beside the clients"
    )
    parser.add_argument("--parents", action="store_true", help="send no key (the parent rate limit applies)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    server = None
    if args.url:
        url, key = args.url, args.key or ""
    else:
        server, url, key = start_server(args.workers)
    ingests = IngestLoop() if args.ingest_beside else None
    generations: set[str] = set()
    try:
        if ingests is not None:
            ingests.start()
        result = run(url, key, args.clients, args.seconds, parents=args.parents)
        ready = httpx.get(url + "/readyz", timeout=120)
        result["readyz_after"] = ready.status_code
        generations.add(str(ready.json().get("generation")))
    finally:
        if ingests is not None:
            ingests.stop.set()
            ingests.join(timeout=600)
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    result["workers"] = args.workers
    if ingests is not None:
        result["ingests_beside"] = len(ingests.runs)
        result["ingest_failures"] = sum(1 for r in ingests.runs if r["exit"] != 0)
        result["ingest_runs"] = ingests.runs
        result["generation_after"] = sorted(generations)
    result["p95_target_met"] = bool(result["p95_s"] < 1.5 and result["errors"] == 0)  # type: ignore[operator]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

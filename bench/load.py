"""Load benchmark: N concurrent clients drive POST /v1/consult (extractive) on loopback for a fixed time.

Starts `kodomo-ai serve` on a free port over the data dir (run `kodomo-ai ingest corpus` first), creates a
caseworker key so the parent rate limit does not apply, and reports throughput and p50/p95/p99 latency.
Usage: python bench/load.py [--clients 8] [--seconds 60] [--url URL --key KEY]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
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


def start_server() -> tuple[subprocess.Popen[bytes], str, str]:
    """Run the API on a free port; return the process, its URL and a fresh caseworker key."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exe = Path(sys.executable).with_name("kodomo-ai")
    key = subprocess.run([str(exe), "keys", "create", "--role", "caseworker", "--name", "bench"],
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]  # fmt: skip
    server = subprocess.Popen([str(exe), "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
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


def run(url: str, key: str, clients: int, seconds: float) -> dict[str, object]:
    """Drive the endpoint and collect latencies and errors."""
    latencies: list[float] = []
    first: list[float] = []  # each question's first answer: nothing cached for it yet
    seen: set[str] = set()
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(n: int) -> None:
        with httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60) as client:
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
                    (latencies.append(elapsed) if ok else errors.append(detail))
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
    args = parser.parse_args()
    server = None
    if args.url:
        url, key = args.url, args.key or ""
    else:
        server, url, key = start_server()
    try:
        result = run(url, key, args.clients, args.seconds)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    result["p95_target_met"] = bool(result["p95_s"] < 1.5 and result["errors"] == 0)  # type: ignore[operator]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

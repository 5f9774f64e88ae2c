"""Load benchmark: N concurrent clients drive POST /v1/consult (extractive) on loopback for a fixed time.

Starts `kodomo-ai serve` on a free port over the data dir (run `kodomo-ai ingest corpus` first), creates a
caseworker key so the parent rate limit does not apply, and reports throughput and p50/p95/p99 latency.
--copy-of DIR runs everything on a temporary copy of an indexed data dir (removed afterwards), so the keys,
the ingests beside and the service database never touch the original.
--ingest-beside runs `kodomo-ai ingest` in a loop next to the clients (each run changes one document, so
each publishes a new index generation); --parents sends no key, so 429 is an expected answer.
Usage: python bench/load.py [--copy-of DIR] [--clients 8] [--seconds 60] [--workers 1] [--ingest-beside]
       [--parents] [--ready-wait 600] [--out bench/results/load.json] [--url URL --key KEY]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import re
import shutil
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


def start_server(workers: int = 1, ready_wait: float = 600.0) -> tuple[subprocess.Popen[bytes], str, str]:
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
    deadline = time.time() + ready_wait
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

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
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
            try:  # the generation the API serves right after the swap (every worker must notice it)
                served = httpx.get(self.url + "/readyz", timeout=120).json().get("generation")
            except (httpx.HTTPError, ValueError) as exc:
                served = type(exc).__name__
            self.runs.append({"exit": done.returncode, "seconds": round(time.perf_counter() - started, 1),
                              "summary": summary, "published": _published(done.stdout),
                              "api_generation_after": served})  # fmt: skip

    def published(self) -> int:
        """How many runs so far ended with a new generation."""
        return sum(1 for r in list(self.runs) if r["published"])


def _published(stdout: str) -> bool:
    """Whether an ingest run changed the index (its summary line counts added or updated documents)."""
    found = re.search(r"added (\d+), updated (\d+)", stdout)
    return bool(found and int(found.group(1)) + int(found.group(2)) > 0)


def run(
    url: str, key: str, clients: int, seconds: float, *, parents: bool = False,
    ingests: IngestLoop | None = None, min_ingests: int = 0,
) -> dict[str, object]:  # fmt: skip
    """Drive the endpoint and collect latencies and errors (for parents a 429 is an answer, not an error).

    With `ingests`, the loop starts after the warm-up and the clients go on past `seconds` until
    `min_ingests` runs have published (at most five times `seconds`), so generations swap under load.
    """
    latencies: list[float] = []
    statuses: collections.Counter[str] = collections.Counter()
    first: list[float] = []  # each question's first answer: nothing cached for it yet
    seen: set[str] = set()
    errors: list[str] = []
    lock = threading.Lock()
    stop = 0.0  # set after the warm-up

    def busy() -> bool:
        now = time.perf_counter()
        if now < stop:
            return True
        waiting = ingests is not None and ingests.published() < min_ingests
        return waiting and now < stop + 4 * seconds

    def worker(n: int) -> None:
        headers = {} if parents else {"X-API-Key": key}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            i = n
            while busy():
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
    if ingests is not None:
        ingests.start()
    began = time.perf_counter()
    stop = began + seconds
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
    parser.add_argument(
        "--min-ingests",
        type=int,
        default=2,
        help="with --ingest-beside: keep the clients on until this many publish",
    )
    parser.add_argument("--parents", action="store_true", help="send no key (the parent rate limit applies)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--copy-of", type=Path, default=None, help="run on a temporary copy of this indexed data dir"
    )
    # Loading e5, the classifiers, Sudachi and the index takes about a minute alone and several times that
    # while other jobs share the two cores; a slow start is not what this benchmark measures.
    parser.add_argument("--ready-wait", type=float, default=600.0, help="seconds to wait for /readyz")
    args = parser.parse_args()
    copy = None
    if args.copy_of is not None:
        copy = Path(tempfile.mkdtemp(prefix="kodomo-bench-data-")) / "data"
        shutil.copytree(args.copy_of, copy, symlinks=True)
        os.environ["KODOMO_DATA_DIR"] = str(copy)  # the server, the key and the ingests all use the copy
    server = None
    if args.url:
        url, key = args.url, args.key or ""
    else:
        server, url, key = start_server(args.workers, args.ready_wait)
    ingests = IngestLoop(url) if args.ingest_beside else None
    generations: set[str] = set()
    try:
        result = run(url, key, args.clients, args.seconds, parents=args.parents, ingests=ingests,
                     min_ingests=args.min_ingests)  # fmt: skip
        if ingests is not None:
            ingests.stop.set()
            ingests.join(timeout=600)
        ready = httpx.get(url + "/readyz", timeout=120)
        result["readyz_after"] = ready.status_code
        generations.add(str(ready.json().get("generation")))
    finally:
        if ingests is not None:
            ingests.stop.set()
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if copy is not None:
            shutil.rmtree(copy.parent, ignore_errors=True)
    result["workers"] = args.workers
    result["data_dir"] = (
        f"copy of {args.copy_of}" if args.copy_of else os.environ.get("KODOMO_DATA_DIR", ".kodomo")
    )
    if ingests is not None:
        result["ingests_beside"] = len(ingests.runs)
        result["ingests_published"] = ingests.published()
        result["ingest_failures"] = sum(1 for r in ingests.runs if r["exit"] != 0)
        result["ingest_runs"] = ingests.runs
        result["generation_after"] = sorted(generations)
    result["p95_target_met"] = bool(result["p95_s"] < 1.5 and result["errors"] == 0)  # type: ignore[operator]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

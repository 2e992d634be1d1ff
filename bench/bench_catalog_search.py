"""Benchmark catalog search through the real HTTP server.

    DATABASE_URL=sqlite:////tmp/motcua-bench.sqlite3 python bench/bench_catalog_search.py --requests 2000

Starts ``motcua runserver --noreload`` on a free port of 127.0.0.1 against DATABASE_URL (fill it first with
bench/generate_catalog.py), or several such processes with --servers N (requests go round-robin, as a load
balancer would spread them over stateless web processes), fires a fixed, seeded mix of GET /api/v1/procedures requests (queries with and
without diacritics, filters, deep pages) from a few client threads, and prints requests per second and
latency percentiles, overall and per kind of request. Standard library only; not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_catalog import DISTRICTS, FIELDS, PROVINCE  # noqa: E402  (also puts src/ on the path)

from motcua.core.text import fold  # noqa: E402

SEARCH_PHRASES = [
    "khai sinh", "kết hôn", "giấy phép xây dựng", "giấy phép lái xe", "hộ kinh doanh", "chứng thực",
    "lý lịch tư pháp", "quyền sử dụng đất", "trợ cấp", "karaoke", "bán lẻ rượu", "hướng dẫn viên du lịch",
    "an toàn thực phẩm", "giấy phép môi trường", "cấp lại", "đăng ký thay đổi", "có yếu tố nước ngoài",
    "chứng chỉ hành nghề dược", "doanh nghiệp", "người có công", "học phí", "thẩm định",
]  # fmt: skip


def request_mix(rng: random.Random, count: int) -> list[tuple[str, dict]]:
    """``count`` (kind, query parameters) pairs in a fixed proportion of kinds."""
    field_codes = [code for code, *_ in FIELDS]
    agency_codes = [f"000.00.{40 + i:02d}.{PROVINCE}" for i in range(len(DISTRICTS))]
    kinds = {
        "browse": lambda: {"page": rng.randint(1, 5)},
        "search (dấu)": lambda: {"q": rng.choice(SEARCH_PHRASES)},
        "search (không dấu)": lambda: {"q": fold(rng.choice(SEARCH_PHRASES))},
        "filters": lambda: rng.choice(
            [
                {"level": rng.choice(["province", "district", "commune"])},
                {"field": rng.choice(field_codes)},
                {"online": "true", "level": "commune"},
                {"agency": rng.choice(agency_codes)},
            ]
        ),
        "search + filters": lambda: {
            "q": fold(rng.choice(SEARCH_PHRASES)),
            "online": "true",
            "level": rng.choice(["province", "district"]),
        },
        "deep page": lambda: {"page": rng.randint(20, 200), "page_size": 20},
    }
    weights = [15, 25, 25, 15, 10, 10]
    return [(kind, kinds[kind]()) for kind in rng.choices(list(kinds), weights=weights, k=count)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.setdefault("MOTCUA_LOG_LEVEL", "WARNING")  # no log line per request
    env.setdefault("MOTCUA_WORKER_IN_PROCESS", "false")  # no outbox worker polling next to the requests
    server = subprocess.Popen(
        [sys.executable, "-m", "motcua", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped at start (exit code {server.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer within 60 s")


def fetch(base: str, kind: str, params: dict) -> tuple[str, float, int]:
    """One timed request: (kind, seconds, HTTP status or 0 when the connection failed)."""
    url = f"{base}/api/v1/procedures?{urllib.parse.urlencode(params)}"
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return kind, time.perf_counter() - started, status


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report_line(label: str, durations: list[float]) -> str:
    ms = [d * 1000 for d in durations]
    return (
        f"{label:<22} {len(ms):>6} {statistics.median(ms):>8.1f} {percentile(ms, 0.95):>8.1f} "
        f"{percentile(ms, 0.99):>8.1f} {max(ms):>8.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="timed requests (default 2000)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--warmup", type=int, default=100, help="untimed requests first (default 100)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--servers", type=int, default=1, help="server processes, requests spread round-robin (default 1)"
    )
    parser.add_argument("--base-url", help="benchmark a server already running there instead of starting one")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    warmup = request_mix(rng, args.warmup)
    timed = request_mix(rng, args.requests)

    servers: list[subprocess.Popen] = []
    bases = [args.base_url] if args.base_url else []
    try:
        for _ in range(0 if args.base_url else args.servers):
            port = free_port()
            servers.append(start_server(port))
            bases.append(f"http://127.0.0.1:{port}")
        with urllib.request.urlopen(f"{bases[0]}/api/v1/procedures?page_size=1") as response:
            catalog_size = json.load(response)["count"]

        def send(numbered: tuple[int, tuple[str, dict]]) -> tuple[str, float, int]:
            number, (kind, params) = numbered
            return fetch(bases[number % len(bases)], kind, params)

        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(send, enumerate(warmup)))
            started = time.perf_counter()
            results = list(pool.map(send, enumerate(timed)))
            wall = time.perf_counter() - started
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

    database = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "sqlite:")).scheme or "sqlite"
    failed = [status for _, _, status in results if status != 200]
    print(f"Database: {database} · procedures in force: {catalog_size} · servers: {', '.join(bases)}")
    print(
        f"{len(results)} requests, {args.concurrency} client threads, {len(bases)} server process(es), {wall:.1f} s"
    )
    print(f"Throughput: {len(results) / wall:.1f} requests/s · errors: {len(failed)}")
    print(f"{'kind':<22} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    print(report_line("all", [duration for _, duration, _ in results]))
    by_kind: dict[str, list[float]] = {}
    for kind, duration, _ in results:
        by_kind.setdefault(kind, []).append(duration)
    for kind, durations in by_kind.items():
        print(report_line(kind, durations))
    if failed:
        raise SystemExit(f"{len(failed)} requests failed (status codes {sorted(set(failed))})")


if __name__ == "__main__":
    main()

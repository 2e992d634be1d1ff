"""Benchmark the dossier engine on PostgreSQL: submissions through the API, worklists, queries per page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench_dossiers python bench/bench_dossiers.py \
        --compare-database-url postgres://postgres@127.0.0.1:5432/motcua_bench_dossiers_1k

Fill the databases first with bench/generate_dossiers.py. The script prints:

1. worklist latency: p50 / p95 of one worklist page (the first 20 dossiers, most urgent first, and the total
   count, as the back office shows them) for "to receive" and "overdue", for a reception officer of the
   provincial centre and a specialist of the busiest department, plus the tab counts (all worklists in one
   query); measured in this process through the selectors, after warm-up;
2. queries per worklist page on this database and, with --compare-database-url, on a small one (1,000
   dossiers): the number must not grow with the data;
3. submissions per second through the API: ``motcua runserver --noreload`` on a free port of 127.0.0.1 (or
   --base-url), API clients for every one-stop unit, a bounded number of POST /api/v1/dossiers (a paper
   dossier with one PDF, an Idempotency-Key each) from a few client threads; then checks that every
   submission made exactly one dossier with its own code.

Not a pass/fail test. Submissions stay in the database (a few hundred more dossiers, today's date).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_catalog_search import free_port, percentile, start_server  # noqa: E402  (puts src/ on the path)

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n" + b"%" * 20_000
PAGE_SIZE = 20


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300, help="timed API submissions (default 300)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument(
        "--repeat", type=int, default=40, help="timed runs of each worklist page (default 40)"
    )
    parser.add_argument("--compare-database-url", help="also count queries per page on this (small) database")
    parser.add_argument("--base-url", help="measure a server you started yourself instead of runserver")
    parser.add_argument(
        "--servers", type=int, default=1, help="web processes to start (round robin, default 1)"
    )
    parser.add_argument("--skip-api", action="store_true", help="worklists only")
    parser.add_argument("--skip-worklists", action="store_true", help="API submissions only")
    parser.add_argument(
        "--jit", choices=["default", "off"], default="default", help="PostgreSQL JIT for the worklist queries"
    )
    parser.add_argument("--queries-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(
            "Point DATABASE_URL at the PostgreSQL database filled by bench/generate_dossiers.py."
        )
    if args.jit == "off":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    people = bench_people()
    if args.queries_only:
        print(json.dumps(queries_per_page(people)))
        return

    from motcua.dossiers.models import Dossier

    print(f"Database: {connection.settings_dict['NAME']}, {Dossier.objects.count():,} dossiers")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    print(f"Reception officer: {people['reception'].username}; specialist: {people['specialist'].username}")
    print(f"PostgreSQL JIT: {jit}\n")
    if not args.skip_worklists:
        worklist_latency(people, repeat=args.repeat)
        print()
        query_table(people, compare_url=args.compare_database_url)
        print()
    if not args.skip_api:
        submissions(
            count=args.submissions, concurrency=args.concurrency, base_url=args.base_url, servers=args.servers
        )


def bench_people() -> dict:
    """A reception officer of the provincial centre and a specialist of the busiest competent agency."""
    from django.db.models import Count

    from motcua.accounts.models import User
    from motcua.agencies.models import Agency, StaffMembership, StaffRole
    from motcua.dossiers.models import Dossier

    center = Agency.objects.get(kind=Agency.Kind.SERVICE_CENTER)
    reception = (
        User.objects.filter(
            memberships__agency=center,
            memberships__role=StaffRole.RECEPTION_OFFICER,
            username__startswith="tiepnhan.",
        )
        .order_by("username")
        .first()
    )
    busiest = (
        Dossier.objects.filter(status=4)
        .values("competent_agency")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    specialist = (
        StaffMembership.objects.filter(agency_id=busiest["competent_agency"], role=StaffRole.SPECIALIST)
        .select_related("user")
        .order_by("user__username")
        .first()
        .user
    )
    return {"reception": reception, "specialist": specialist}


def _page(user, bucket: str) -> int:
    """What a worklist page costs: its first rows (with their relations) and the total count."""
    from motcua.api import presenters_dossiers
    from motcua.dossiers.selectors import worklist

    queryset = worklist(user, bucket)
    rows = [presenters_dossiers.dossier_summary(d) for d in queryset[:PAGE_SIZE]]
    total = queryset.count()
    return total if rows or total == 0 else -1


CASES = [
    ("reception", "to_receive", "Chờ tiếp nhận"),
    ("reception", "overdue", "Quá hạn"),
    ("specialist", "to_receive", "Chờ tiếp nhận"),
    ("specialist", "overdue", "Quá hạn"),
    ("specialist", "mine", "Tôi đang xử lý"),
]


def worklist_latency(people: dict, *, repeat: int) -> None:
    from motcua.dossiers.selectors import worklist_counts

    print(f"Worklist page ({PAGE_SIZE} rows + count), {repeat} runs after 3 warm-ups, milliseconds")
    print(f"{'who':<12} {'worklist':<18} {'dossiers':>9} {'p50':>8} {'p95':>8} {'max':>8}")
    for who, bucket, label in CASES:
        user = people[who]
        for _ in range(3):
            total = _page(user, bucket)
        durations = []
        for _ in range(repeat):
            started = time.perf_counter()
            _page(user, bucket)
            durations.append(time.perf_counter() - started)
        print(_line(who, label, total, durations))
    for who in ("reception", "specialist"):
        user = people[who]
        for _ in range(3):
            worklist_counts(user)
        durations = []
        for _ in range(repeat):
            started = time.perf_counter()
            worklist_counts(user)
            durations.append(time.perf_counter() - started)
        print(_line(who, "tab counts (all)", None, durations))


def _line(who: str, label: str, total, durations: list[float]) -> str:
    count = f"{total:,}" if total is not None else "—"
    return (
        f"{who:<12} {label:<18} {count:>9} {percentile(durations, 0.5) * 1000:8.1f} "
        f"{percentile(durations, 0.95) * 1000:8.1f} {max(durations) * 1000:8.1f}"
    )


def queries_per_page(people: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from motcua.dossiers.models import Dossier
    from motcua.dossiers.selectors import worklist_counts

    counts = {"dossiers": Dossier.objects.count()}
    for who, bucket, _label in CASES:  # once first: the calendar's overrides are read once per process
        _page(people[who], bucket)
    for who, bucket, _label in CASES:
        with CaptureQueriesContext(connection) as queries:
            _page(people[who], bucket)
        counts[f"{who} {bucket}"] = len(queries)
    for who in ("reception", "specialist"):
        with CaptureQueriesContext(connection) as queries:
            worklist_counts(people[who])
        counts[f"{who} counts"] = len(queries)
    return counts


def query_table(people: dict, *, compare_url: str | None) -> None:
    here = queries_per_page(people)
    columns = [here]
    if compare_url:
        env = {**os.environ, "DATABASE_URL": compare_url}
        output = subprocess.run(
            [sys.executable, __file__, "--queries-only"], env=env, capture_output=True, text=True, check=True
        )
        columns.insert(0, json.loads(output.stdout.strip().splitlines()[-1]))
    header = "".join(f"{column['dossiers']:>14,}" for column in columns)
    print(f"Queries per worklist page (must not grow with the number of dossiers)\n{'':<30}{header}")
    for key in here:
        if key != "dossiers":
            print(f"{key:<30}" + "".join(f"{column[key]:>14}" for column in columns))


# --- Submissions through the API ---------------------------------------------------------------------------


def api_clients() -> list[dict]:
    """One client per one-stop unit (created, or given a new token), with what it can submit."""
    from django.db.models import Q

    from motcua.agencies.models import OneStopUnit
    from motcua.catalog.models import ProcedureAgency
    from motcua.catalog.selectors import versions_in_force
    from motcua.integration.models import ApiClient
    from motcua.integration.services import api_client_create, api_client_issue_token

    clients = []
    for unit in (
        OneStopUnit.objects.select_related("agency").prefetch_related("served_agencies").order_by("pk")
    ):
        name = f"Bench {unit.agency.code}"
        existing = ApiClient.objects.filter(name=name).first()
        issued = (
            api_client_issue_token(client=existing)
            if existing
            else api_client_create(name=name, agency=unit.agency)
        )
        served = [unit.agency_id, *(agency.pk for agency in unit.served_agencies.all())]
        offers = list(
            ProcedureAgency.objects.filter(
                Q(agency_id__in=served),
                role=ProcedureAgency.Role.IMPLEMENTING,
                version__in=versions_in_force(),
            )
            .values_list("version__procedure__national_code", "agency__code", "version__cases__id")
            .order_by("pk")[:200]
        )
        components = {}
        if offers:
            from motcua.catalog.models import CaseComponent

            for case_id, component_id in CaseComponent.objects.filter(
                case_id__in={case for _, _, case in offers}
            ).values_list("case_id", "id"):
                components.setdefault(case_id, component_id)
        if offers:
            clients.append({"token": issued.token, "offers": offers, "components": components})
    return clients


def _payload(rng: random.Random, client: dict) -> dict:
    procedure, competent, case_id = rng.choice(client["offers"])
    component = client["components"].get(case_id)
    documents = []
    if component:
        documents = [
            {"component_id": component, "files": [{"name": "to-khai.pdf", "content_base64": PDF_BASE64}]}
        ]
    return {
        "procedure": procedure,
        "case_id": case_id,
        "channel": "direct",
        "competent_agency": competent,
        "applicant": {
            "kind": "citizen",
            "name": "Nguyễn Văn Bench",
            "identity_number": f"0420900{rng.randint(0, 99999):05d}",
            "phone": f"09{rng.randint(0, 99999999):08d}",
        },
        "documents": documents,
    }


PDF_BASE64 = base64.b64encode(PDF).decode("ascii")


def _submit(base: str, token: str, body: bytes, key: str) -> tuple[float, int, str]:
    request = urllib.request.Request(
        f"{base}/api/v1/dossiers",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    started = time.perf_counter()
    code = ""
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status = response.status
            code = json.loads(response.read())["code"]
    except urllib.error.HTTPError as error:
        status = error.code
        error.read()
    except OSError:
        status = 0
    return time.perf_counter() - started, status, code


def submissions(*, count: int, concurrency: int, base_url: str | None, servers: int = 1) -> None:
    from motcua.dossiers.models import Dossier

    clients = api_clients()
    rng = random.Random(7)
    jobs = []
    for _ in range(count + 10):
        client = rng.choice(clients)
        jobs.append((client["token"], json.dumps(_payload(rng, client)).encode(), str(uuid.uuid4())))
    warmup, timed = jobs[:10], jobs[10:]
    started_servers = []
    bases = [base_url] if base_url else []
    if base_url is None:
        os.environ["MOTCUA_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="motcua-bench-media-")
        for _ in range(servers):
            port = free_port()
            started_servers.append(start_server(port))
            bases.append(f"http://127.0.0.1:{port}")
    try:
        for n, (token, body, key) in enumerate(warmup):
            _submit(bases[n % len(bases)], token, body, key)
        before = Dossier.objects.count()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(lambda n: _submit(bases[n % len(bases)], *timed[n]), range(len(timed))))
        elapsed = time.perf_counter() - started
        # Replay a few: the same key must answer the same dossier, never a second one.
        replays = [_submit(bases[0], *job) for job in timed[:10]]
    finally:
        for server in started_servers:
            server.terminate()
            server.wait(10)
    created = [code for _, status, code in results if status == 201]
    durations = [duration for duration, status, _ in results if status == 201]
    failures = [status for _, status, _ in results if status != 201]
    after = Dossier.objects.count()
    print(f"API submissions (POST /api/v1/dossiers, paper dossier + one {len(PDF) // 1000} kB PDF)")
    print(
        f"  {len(timed)} requests, {concurrency} client threads, {len(bases)} server process(es), "
        f"{len(clients)} API clients (one per unit)"
    )
    print(f"  {len(created) / elapsed:.1f} submissions/s; latency p50 {statistics.median(durations) * 1000:.0f} ms, "
          f"p95 {percentile(durations, 0.95) * 1000:.0f} ms")  # fmt: skip
    print(f"  failures: {len(failures)} {sorted(set(failures)) if failures else ''}")
    print(f"  dossiers created: {after - before} (distinct codes: {len(set(created))})")
    matching = sum(
        1
        for (_, _, again), (_, status, first) in zip(replays, results[:10], strict=True)
        if status == 201 and again == first
    )
    print(f"  replayed with the same Idempotency-Key: {matching}/10 answered the same dossier; "
          f"dossiers after replays: {Dossier.objects.count() - before}")  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("MOTCUA_LOG_LEVEL", "WARNING")
    main()

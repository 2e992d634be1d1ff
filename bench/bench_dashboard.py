"""Time the report screens: the supervisor dashboard, the dossier lists behind its numbers and the public page.

    DATABASE_URL=sqlite:///var/motcua.sqlite3 python bench/bench_dashboard.py            # the demo database
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench_reports python bench/bench_dashboard.py

Runs the pages in-process through Django's test client (no HTTP server: the figures are the view's own time,
template rendering included), as a province-wide supervisor: the demo's ``giamsat.ttpvhcc`` when it exists,
otherwise a ``bench.giamsat`` account created at the root agency (a People's Committee at province level;
the script writes that one account and membership). For each page: the median and the slowest of
``--repeat`` runs after one untimed warm-up, the median CPU time of this process (the whole work on SQLite,
the Python side only on PostgreSQL; steadier than wall time on a busy machine) and the number of SQL queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")


def supervisor():
    from django.contrib.auth import get_user_model

    from motcua.agencies.models import Agency, Level, StaffMembership, StaffRole

    users = get_user_model()
    demo = users.objects.filter(username="giamsat.ttpvhcc").first()
    if demo is not None:
        return demo
    root = (
        Agency.objects.filter(level=Level.PROVINCE, kind=Agency.Kind.PEOPLE_COMMITTEE, parent__isnull=True)
        .order_by("pk")
        .first()
    )
    if root is None:
        sys.exit("No province-level People's Committee to attach the bench supervisor to.")
    user, _created = users.objects.get_or_create(
        username="bench.giamsat", defaults={"full_name": "Giám sát (benchmark)", "kind": "staff"}
    )
    StaffMembership.objects.get_or_create(user=user, agency=root, role=StaffRole.SUPERVISOR)
    return user


def measure(client, url: str, repeat: int) -> tuple[float, float, float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up (caches, prepared plans)
    status = response.status_code
    times, cpu = [], []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries = len(captured.captured_queries)
        status = response.status_code
    return statistics.median(times), max(times), statistics.median(cpu), queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--agency", default="", help="also time the dashboard scoped to this agency code")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from motcua.dossiers.models import Dossier
    from motcua.reports.periods import current_period, previous_period

    settings.ALLOWED_HOSTS = ["*"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")  # the recommendation of docs/benchmarks.md
    today = timezone.localdate()
    month = current_period("month", today)
    quarter = previous_period(current_period("quarter", today))
    year = current_period("year", today)
    user = supervisor()
    client = Client()
    client.force_login(user)
    public = Client()

    pages = [
        ("dashboard, this month", f"/can-bo/bao-cao/?period={month.code}"),
        ("dashboard, last quarter", f"/can-bo/bao-cao/?period={quarter.code}"),
        ("dashboard, this year", f"/can-bo/bao-cao/?period={year.code}"),
    ]
    if args.agency:
        pages.append(
            ("dashboard, one agency, quarter", f"/can-bo/bao-cao/?period={quarter.code}&agency={args.agency}")
        )
    pages += [
        ("list: received (quarter), page 1", f"/can-bo/bao-cao/ho-so/?figure=received&period={quarter.code}"),
        (
            "list: received (quarter), page 20",
            f"/can-bo/bao-cao/ho-so/?figure=received&period={quarter.code}&page=20",
        ),
        (
            "list: pending overdue (quarter)",
            f"/can-bo/bao-cao/ho-so/?figure=pending_overdue&period={quarter.code}",
        ),
        (
            "list: procedures offered online",
            f"/can-bo/bao-cao/ho-so/?figure=online_procedures&period={quarter.code}",
        ),
        ("excel export (quarter)", f"/can-bo/bao-cao/excel/?period={quarter.code}"),
    ]
    print(
        f"{connection.vendor}, {Dossier.objects.count():,} dossiers, supervisor {user.username}, "
        f"median and slowest of {args.repeat} runs after a warm-up"
    )
    print(f"load average {os.getloadavg()[0]:.1f} (1 min) at the start")
    print(f"{'page':40} {'median ms':>10} {'max ms':>8} {'cpu ms':>8} {'queries':>8} {'status':>7}")
    for label, url in pages:
        median, slowest, cpu, queries, status = measure(client, url, args.repeat)
        print(f"{label:40} {median:10.0f} {slowest:8.0f} {cpu:8.0f} {queries:8d} {status:7d}")
    for label, url in [
        ("public page, this quarter", "/cong-khai/"),
        ("public page, last quarter", f"/cong-khai/?period={quarter.code}"),
    ]:
        median, slowest, cpu, queries, status = measure(public, url, args.repeat)
        print(f"{label:40} {median:10.0f} {slowest:8.0f} {cpu:8.0f} {queries:8d} {status:7d}")


if __name__ == "__main__":
    main()

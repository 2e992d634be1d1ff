"""Time a province's quarterly indicators report from the aggregates, against a plain GROUP BY over the dossiers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench_reports python bench/bench_reports.py

Run it on the database filled by ``generate_report_data.py``. It times (median of ``--repeat`` runs after one
untimed warm-up) the report selector for the province (its root agency and every sub-agency), in total and
grouped by agency, and a single plain SQL query computing the same dossier counts straight from
``dossiers_dossier`` (conditional counts, GROUP BY channel). Both must give the same numbers: the script checks
them and says so. ``--verify`` also times ``motcua report check-aggregates`` (a full recount).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from datetime import time as day_start
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

PLAIN_SQL = """
SELECT channel,
       count(*) FILTER (WHERE received_at >= %(start)s AND received_at < %(end)s) AS received,
       count(*) FILTER (WHERE received_at < %(start)s AND (closed IS NULL OR closed >= %(start)s)) AS carried_over,
       count(*) FILTER (WHERE received_at IS NOT NULL AND finished_at >= %(start)s AND finished_at < %(end)s
                        AND appointment_at IS NOT NULL AND finished_at > appointment_at) AS resolved_late,
       count(*) FILTER (WHERE received_at IS NOT NULL AND finished_at >= %(start)s AND finished_at < %(end)s
                        AND (appointment_at IS NULL OR finished_at <= appointment_at)
                        AND (finished_at AT TIME ZONE %(tz)s)::date < (appointment_at AT TIME ZONE %(tz)s)::date)
           AS resolved_early,
       count(*) FILTER (WHERE received_at IS NOT NULL AND finished_at >= %(start)s AND finished_at < %(end)s)
           AS resolved,
       count(*) FILTER (WHERE received_at < %(end)s AND (closed IS NULL OR closed >= %(end)s)) AS pending,
       count(*) FILTER (WHERE received_at < %(end)s AND (closed IS NULL OR closed >= %(end)s)
                        AND appointment_at < %(end)s AND NOT (closed IS NULL AND status = 5)) AS pending_overdue
FROM (
    SELECT channel, status, received_at, finished_at, appointment_at,
           CASE WHEN received_at IS NOT NULL THEN COALESCE(finished_at, withdrawn_at, stopped_at) END AS closed
    FROM dossiers_dossier
    WHERE competent_agency_id = ANY(%(agencies)s)
) AS d
GROUP BY channel
"""
COMPARED = (
    "received",
    "carried_over",
    "resolved",
    "resolved_early",
    "resolved_late",
    "pending",
    "pending_overdue",
)


def timed(function, repeat: int) -> tuple[float, object]:
    result = function()  # warm-up, untimed
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--period", help="report period (default: the last whole quarter)")
    parser.add_argument("--agency", default="", help="agency code (default: the province, root of the tree)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each query (default 5)")
    parser.add_argument("--verify", action="store_true", help="also time a full exactness check")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from motcua.agencies.models import Agency
    from motcua.dossiers.models import Dossier
    from motcua.reports import aggregates
    from motcua.reports.facts import LOCAL
    from motcua.reports.periods import parse_period
    from motcua.reports.selectors import report_for, resolve_scope

    today = timezone.localdate()
    quarter = (today.month - 1) // 3  # the quarter before the current one (1-based), 0 → last year's Q4
    default_period = f"{today.year}-Q{quarter}" if quarter else f"{today.year - 1}-Q4"
    period = parse_period(args.period or default_period)
    root = (
        Agency.objects.get(code=args.agency)
        if args.agency
        else Agency.objects.filter(parent=None).order_by("pk").first()
    )
    scope = resolve_scope(agency=root.code)
    dossiers = Dossier.objects.count()
    print(f"Database: {connection.settings_dict['NAME']}, {dossiers:,} dossiers")
    print(f"Report: {root.name} ({root.code}) with {len(scope.agency_ids)} agencies, period {period.code}")

    total_time, report = timed(lambda: report_for(period=period.code, agency=root.code), args.repeat)
    grouped_time, grouped = timed(
        lambda: report_for(period=period.code, agency=root.code, group_by="agency"), args.repeat
    )

    params = {
        "start": datetime.combine(period.start, day_start.min, tzinfo=LOCAL),
        "end": datetime.combine(period.end, day_start.min, tzinfo=LOCAL),
        "agencies": sorted(scope.agency_ids),
        "tz": str(LOCAL),
    }

    def plain():
        with connection.cursor() as cursor:
            cursor.execute(PLAIN_SQL, params)
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    plain_time, rows = timed(plain, max(1, min(args.repeat, 3)))
    totals = {name: sum(row[name] for row in rows) for name in COMPARED}
    from_aggregates = {name: report.total.counts[name] for name in COMPARED}

    print()
    print(f"{'query':55} {'median':>10}")
    print(f"{'report from aggregates (total)':55} {total_time * 1000:8.0f} ms")
    print(
        f"{'report from aggregates (grouped by agency, ' + str(len(grouped.groups)) + ' rows)':55} {grouped_time * 1000:8.0f} ms"
    )
    print(f"{'plain SQL GROUP BY over the dossiers':55} {plain_time * 1000:8.0f} ms")
    print(f"ratio plain / aggregates: {plain_time / total_time:.0f}×")
    print()
    print("counts (aggregates):", from_aggregates)
    print("counts (plain SQL): ", totals)
    print("same numbers:", "yes" if totals == from_aggregates else "NO")
    if args.verify:
        started = time.perf_counter()
        mismatches = aggregates.verify()
        print(f"exactness check: {len(mismatches)} mismatches in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

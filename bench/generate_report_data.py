"""Fill a PostgreSQL database with a province and millions of dossiers, then build the report aggregates.

    createdb -h 127.0.0.1 -U postgres motcua_bench_reports
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench_reports python bench/generate_report_data.py --dossiers 10000000

The province and its catalog come from ``generate_catalog.py`` (1,500 procedures by default). Dossiers are
written by PostgreSQL itself (``INSERT … SELECT`` over ``generate_series``, in chunks, secondary indexes dropped
meanwhile and rebuilt at the end), spread over the six years up to today, skewed towards a few busy procedures
like real traffic: 45% online, 50% at the counter, 5% by post; about 9% resolved late, 3% withdrawn, 1%
stopped, a few still pending from long ago; 30% with a financial obligation. They are flagged ``imported``
(no event, step or file history). Then ``rebuild`` computes every report fact and counter, timed.

``--csv FILE --rows N`` instead writes an import file of N valid rows for ``motcua import-dossiers``, from the
catalog already in the database (to time the importer; docs/benchmarks.md).

``--max-minutes`` bounds the dossier generation: it stops after the chunk that crosses the limit and builds
the aggregates for what was written, so a slow machine still ends with a consistent database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

YEARS = 6

# One row per (agency, procedure version) that receives dossiers: a department's procedures at that department,
# a district (commune) procedure at every district (commune). ``idx`` orders them for the skewed draw.
PAIRS_SQL = """
CREATE TEMPORARY TABLE bench_pairs AS
SELECT (row_number() OVER (ORDER BY md5(v.id::text || '.' || a.id::text)) - 1)::int AS idx,
       a.id AS competent_id,
       CASE WHEN a.level = 'province' THEN %(center)s ELSE a.id END AS receiving_id,
       v.id AS version_id,
       (SELECT c.id FROM catalog_procedurecase c WHERE c.version_id = v.id ORDER BY c."order", c.id LIMIT 1) AS case_id,
       GREATEST(1, (SELECT c.processing_time FROM catalog_procedurecase c WHERE c.version_id = v.id
                    ORDER BY c."order", c.id LIMIT 1))::float AS limit_days,
       v.online_service_level >= 3 AS online_ok
FROM catalog_procedureversion v
JOIN catalog_procedureagency r ON r.version_id = v.id AND r.role = 'implementing'
JOIN agencies_agency implementing ON implementing.id = r.agency_id
JOIN agencies_agency a
  ON (implementing.level = 'province' AND a.id = implementing.id)
  OR (implementing.level <> 'province' AND a.level = implementing.level AND a.kind = 'people_committee')
"""

# The dossiers of ids [lo, hi]; s.* are per-row random draws, evaluated once (materialised CTE).
DOSSIERS_SQL = """
WITH s AS MATERIALIZED (
    SELECT g AS n,
           floor(power(random(), 3.0) * %(pairs)s)::int AS pair,
           random() AS a, random() AS b, random() AS c, random() AS d, random() AS e, random() AS f
    FROM generate_series(%(lo)s, %(hi)s) AS g
), t AS (
    SELECT s.*, p.*,
           %(origin)s::timestamptz + (s.a * %(span)s) * interval '1 second' AS received,
           p.limit_days * 1.4 AS limit_calendar,
           p.limit_days * 1.4 * (0.1 + 1.1 * s.c * s.c) AS spent
    FROM s JOIN bench_pairs p ON p.idx = s.pair
), u AS (
    SELECT t.*,
           t.received + t.limit_calendar * interval '1 day' AS due,
           t.received + t.spent * interval '1 day' AS finished,
           CASE
               WHEN t.f < 0.002 THEN 'open'
               WHEN t.received + t.spent * interval '1 day' > now() THEN 'open'
               WHEN t.d < 0.03 THEN 'withdrawn'
               WHEN t.d < 0.04 THEN 'stopped'
               WHEN t.d < 0.13 OR t.received + (t.spent + 1) * interval '1 day' > now() THEN 'resolved'
               ELSE 'returned'
           END AS fate,
           CASE WHEN t.b < 0.45 AND t.online_ok THEN 'online' WHEN t.b < 0.95 THEN 'direct' ELSE 'postal' END AS chan
    FROM t
)
INSERT INTO dossiers_dossier (
    created_at, updated_at, code, receiving_agency_id, competent_agency_id, procedure_version_id, procedure_case_id,
    channel, applicant_kind, applicant_name, applicant_identity_number, applicant_phone, applicant_email,
    applicant_address, submitter_name, submitter_identity_number, submitter_phone, authorisation_document, summary,
    status, substate, revision, time_unit, submitted_at, received_at, clock_started_at, due_at, appointment_at,
    finished_at, returned_at, withdrawn_at, stopped_at, result_channel, returned_via, extension_count, imported,
    paid_online
)
SELECT now(), now(), 'BENCH.' || lpad(u.n::text, 9, '0'), u.receiving_id, u.competent_id, u.version_id, u.case_id,
       u.chan, 'citizen', 'Nguyễn Văn A', '', '', '', '', '', '', '', '', '',
       CASE u.fate WHEN 'open' THEN 4 WHEN 'withdrawn' THEN 7 WHEN 'stopped' THEN 8 WHEN 'resolved' THEN 9 ELSE 10 END,
       CASE u.fate WHEN 'open' THEN 'in_step' WHEN 'resolved' THEN 'result_ready' WHEN 'returned' THEN 'returned'
                   ELSE '' END,
       0, 'working_days', u.received, u.received, u.received, u.due, u.due,
       CASE WHEN u.fate IN ('resolved', 'returned') THEN u.finished END,
       CASE WHEN u.fate = 'returned' THEN u.finished + interval '1 day' END,
       CASE WHEN u.fate = 'withdrawn' THEN u.received + u.spent * 0.3 * interval '1 day' END,
       CASE WHEN u.fate = 'stopped' THEN u.received + u.spent * 0.5 * interval '1 day' END,
       CASE WHEN u.e < 0.05 THEN 'postal' WHEN u.chan = 'online' THEN 'online' ELSE 'counter' END,
       CASE WHEN u.fate = 'returned' THEN CASE WHEN u.e < 0.05 THEN 'postal' WHEN u.chan = 'online' THEN 'online'
                                              ELSE 'counter' END ELSE '' END,
       0, true,
       CASE WHEN u.e < 0.12 THEN true WHEN u.e < 0.30 THEN false END
FROM u
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dossiers", type=int, default=10_000_000, help="dossiers to write (default 10 million)"
    )
    parser.add_argument("--chunk", type=int, default=500_000, help="dossiers per INSERT (default 500,000)")
    parser.add_argument(
        "--procedures", type=int, default=1500, help="procedures in the catalog (default 1,500)"
    )
    parser.add_argument("--max-minutes", type=float, default=20, help="stop writing dossiers after this long")
    parser.add_argument("--seed", type=int, default=20260213)
    parser.add_argument(
        "--csv", help="write an import CSV to this file instead (needs the catalog in the database)"
    )
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows of the import CSV (default 1 million)"
    )
    args = parser.parse_args(argv)
    if args.csv:
        import django

        django.setup()
        write_import_csv(args.csv, args.rows, args.seed)
        return

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from motcua.agencies.models import Agency
    from motcua.dossiers.models import Dossier
    from motcua.reports import aggregates

    if connection.vendor != "postgresql":
        raise SystemExit("This generator needs PostgreSQL (DATABASE_URL=postgres://…).")
    call_command("migrate", interactive=False, verbosity=0)
    if Dossier.objects.exists():
        raise SystemExit("The database already holds dossiers: use a new database (dropdb/createdb).")
    started = time.perf_counter()

    import generate_catalog

    generate_catalog.generate(procedures=args.procedures, seed=args.seed)
    center = Agency.objects.get(
        kind=Agency.Kind.SERVICE_CENTER, code__endswith=f".{generate_catalog.PROVINCE}"
    )
    print(f"catalog: {args.procedures} procedures ({time.perf_counter() - started:.0f} s)", flush=True)

    now = timezone.now()
    origin = now.replace(year=now.year - YEARS)
    span = (now - origin).total_seconds()
    written = 0
    with connection.cursor() as cursor:
        cursor.execute(PAIRS_SQL, {"center": center.pk})
        cursor.execute("SELECT count(*) FROM bench_pairs")
        pairs = cursor.fetchone()[0]
        print(f"{pairs} (agency, procedure) pairs receive dossiers", flush=True)
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'dossiers_dossier' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'dossiers_dossier'::regclass)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        # Bulk load: no foreign-key triggers (the rows reference agencies and versions that exist).
        cursor.execute("SET session_replication_role = replica")
        generation_started = time.perf_counter()
        while written < args.dossiers:
            high = min(written + args.chunk, args.dossiers)
            with transaction.atomic():
                cursor.execute(
                    DOSSIERS_SQL,
                    {"pairs": pairs, "lo": written + 1, "hi": high, "origin": origin, "span": span},
                )
            written = high
            minutes = (time.perf_counter() - generation_started) / 60
            print(f"dossiers: {written:,} ({minutes:.1f} min)", flush=True)
            if minutes > args.max_minutes and written < args.dossiers:
                print(
                    f"stopping at {written:,} dossiers: --max-minutes {args.max_minutes} reached", flush=True
                )
                break
        cursor.execute("SET session_replication_role = DEFAULT")
        index_started = time.perf_counter()
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('dossiers_dossier', 'id'), max(id)) FROM dossiers_dossier"
        )
        cursor.execute("ANALYZE")
        print(f"indexes rebuilt ({time.perf_counter() - index_started:.0f} s)", flush=True)

    rebuild_started = time.perf_counter()
    counts = aggregates.rebuild(report=lambda line: print(f"  {line}", flush=True))
    rebuild = time.perf_counter() - rebuild_started
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(f"aggregates rebuilt in {rebuild:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"Database {connection.settings_dict['NAME']}: {written:,} dossiers, {size}")
    print(f"Total {time.perf_counter() - started:.0f} s")


def write_import_csv(path: str, rows: int, seed: int) -> None:
    """An import file: dossiers of the database's catalog over the last six years, every status."""
    import csv
    import random
    from datetime import timedelta

    from django.utils import timezone

    from motcua.catalog.models import ProcedureAgency
    from motcua.reports.importer import COLUMNS

    rng = random.Random(seed)
    pairs = list(
        ProcedureAgency.objects.filter(
            role=ProcedureAgency.Role.IMPLEMENTING, agency__isnull=False
        ).values_list("version__procedure__national_code", "agency__code")
    )
    if not pairs:
        raise SystemExit("No catalog in this database: run the generator without --csv first.")
    now = timezone.localtime().replace(microsecond=0, tzinfo=None)
    start = now - timedelta(days=365 * YEARS)
    span = int((now - timedelta(days=40) - start).total_seconds())
    moment = "%Y-%m-%d %H:%M"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n in range(1, rows + 1):
            procedure, agency = pairs[int(len(pairs) * rng.random() ** 3)]
            received = start + timedelta(seconds=rng.randrange(span))
            due = received + timedelta(days=rng.choice([1, 3, 5, 7, 10, 15]))
            status = rng.choices([10, 9, 7, 8, 4, 2], weights=[80, 8, 3, 1, 6, 2])[0]
            finished = received + (due - received) * (0.1 + 1.1 * rng.random() ** 2)
            closing = finished if status in (7, 8, 9, 10) else None
            returned = finished + timedelta(hours=rng.randint(1, 48)) if status == 10 else None
            chance = rng.random()
            writer.writerow(
                [
                    f"IMP.{n:09d}",
                    procedure,
                    agency,
                    rng.choices(["direct", "online", "postal"], weights=[50, 45, 5])[0],
                    "",
                    received.strftime(moment),
                    due.strftime(moment),
                    closing.strftime(moment) if closing else "",
                    returned.strftime(moment) if returned else "",
                    status,
                    "1" if chance < 0.12 else "0" if chance < 0.3 else "",
                    "1" if rng.random() < 0.05 else "",
                    rng.choice(["", "", "", "1", "2", "3", "3"]),
                ]
            )
    print(f"{path}: {rows:,} rows")


if __name__ == "__main__":
    main()

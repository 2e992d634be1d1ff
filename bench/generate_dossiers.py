"""Fill a PostgreSQL database with a province's dossiers for benchmarks (1,000,000 by default).

    createdb -h 127.0.0.1 -U postgres motcua_bench_dossiers
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench_dossiers python bench/generate_dossiers.py

Migrates the database, writes the fictional province and catalog of ``generate_catalog.py`` (1,000 procedures
by default), the one-stop units' served agencies, staff (3 reception officers per one-stop unit, a leader and
3 specialists per competent agency), 5,000 citizens, then N dossiers spread over the one-stop units, the
procedures, the statuses and the last two years, with the steps the worklists read (reception, processing,
return) and the code counters of every (unit, day). Dossiers and steps are streamed with COPY on two
connections at once, without per-row foreign-key checks and with the secondary indexes built after the load,
so a million dossiers and about three million steps take a few minutes on two cores.

Simplifications, fine for measuring reads: appointments count five working days as seven calendar days
(no holidays), dossiers have no components, files nor events (``revision`` 0, so the audit chain is empty and
whole), and every dossier follows the default plan (one processing step at the competent agency).
The same --seed gives the same data. PostgreSQL only; refuses a database that already holds dossiers.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_catalog  # noqa: E402  (also puts src/ on the path and sets DJANGO_SETTINGS_MODULE)

PASSWORD = "bench-mat-khau"
CITIZENS = 5000
DAYS = 730
LAST_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE_NAMES = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Đức", "Kim"]
GIVEN_NAMES = [
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hùng",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phúc",
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dossiers", type=int, default=1_000_000, help="number of dossiers (default 1,000,000)"
    )
    parser.add_argument(
        "--procedures", type=int, default=1000, help="procedures in the catalog (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=20260302, help="random seed (same seed, same data)")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(
            "generate_dossiers.py writes with PostgreSQL's COPY: point DATABASE_URL at PostgreSQL."
        )
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    from motcua.dossiers.models import Dossier

    if Dossier.objects.exists():
        raise SystemExit("The database already holds dossiers: dropdb/createdb it first.")
    generate_catalog.generate(procedures=args.procedures, seed=args.seed)
    print(f"Catalog and agencies in {time.perf_counter() - started:.1f} s", flush=True)
    world = build_world(seed=args.seed)
    print(
        f"{len(world.units)} one-stop units, {len(world.staff)} staff, {CITIZENS} citizens "
        f"({time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    counts = write_dossiers(world, count=args.dossiers, seed=args.seed)
    print(
        f"{counts['dossiers']:,} dossiers, {counts['steps']:,} steps written ({time.perf_counter() - started:.1f} s)"
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dossiers_dossier")
        cursor.execute("VACUUM ANALYZE dossiers_dossierstep")
        cursor.execute("ANALYZE")
    print(f"Database: {connection.settings_dict['NAME']}; done in {time.perf_counter() - started:.1f} s")


class World:
    """What the dossiers are drawn from."""

    def __init__(self):
        self.units = []  # receiving agencies (with a one-stop unit)
        self.unit_for = {}  # competent agency id -> receiving agency
        self.offers = []  # (version id, case id, case processing days, competent agency id, name)
        self.weights = []
        self.specialists = {}  # agency id -> [user ids]
        self.staff = []
        self.citizens = []
        self.codes = {}  # agency id -> code


def build_world(*, seed: int) -> World:
    """Served agencies, staff and citizens (ORM); the offers dossiers are drawn from."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from motcua.accounts.models import User
    from motcua.agencies.models import Agency, Level, OneStopUnit, StaffMembership, StaffRole
    from motcua.catalog.models import ProcedureAgency, ProcedureCase, TimeUnit

    rng = random.Random(seed + 1)
    world = World()
    password = make_password(PASSWORD)
    with transaction.atomic():
        center = OneStopUnit.objects.select_related("agency").get(agency__kind=Agency.Kind.SERVICE_CENTER)
        center.served_agencies.set(Agency.objects.filter(kind=Agency.Kind.DEPARTMENT))
        for unit in OneStopUnit.objects.select_related("agency").filter(agency__level=Level.DISTRICT):
            unit.served_agencies.set(Agency.objects.filter(parent=unit.agency))
        for unit in OneStopUnit.objects.select_related("agency").prefetch_related("served_agencies"):
            world.units.append(unit.agency)
            world.unit_for[unit.agency_id] = unit.agency
            for served in unit.served_agencies.all():
                world.unit_for[served.pk] = unit.agency
        world.codes = dict(Agency.objects.values_list("pk", "code"))

        implementing = dict(
            ProcedureAgency.objects.filter(role=ProcedureAgency.Role.IMPLEMENTING).values_list(
                "version_id", "agency_id"
            )
        )
        first_cases = {}
        for case in ProcedureCase.objects.select_related("version").order_by("version_id", "order"):
            first_cases.setdefault(case.version_id, case)
        for version_id, case in first_cases.items():
            agency_id = implementing.get(version_id)
            if agency_id is None or agency_id not in world.unit_for:
                continue
            days = float(case.processing_time)
            if case.time_unit == TimeUnit.WORKING_HOURS:
                days = days / 8
            elif case.time_unit == TimeUnit.WORKING_DAYS:
                days = days * 7 / 5
            world.offers.append(
                (version_id, case.pk, Decimal(case.processing_time), case.time_unit, days, agency_id)
            )
            world.weights.append(rng.paretovariate(1.2))  # a few procedures take most dossiers
        competent = sorted({offer[5] for offer in world.offers})

        users, memberships = [], []

        def staff(username: str, full_name: str, agency_id: int, role: str) -> User:
            user = User(
                username=username, full_name=full_name, kind=User.Kind.STAFF, is_staff=True, password=password
            )
            users.append(user)
            memberships.append((user, agency_id, role))
            return user

        for unit in world.units:
            for n in range(1, 4):
                staff(
                    f"tiepnhan.{unit.code}.{n}",
                    f"Cán bộ tiếp nhận {n} {unit.name}",
                    unit.pk,
                    StaffRole.RECEPTION_OFFICER,
                )
        for agency_id in competent:
            code = world.codes[agency_id]
            staff(f"lanhdao.{code}", f"Lãnh đạo {code}", agency_id, StaffRole.LEADER)
            world.specialists[agency_id] = [
                staff(f"chuyenvien.{code}.{n}", f"Chuyên viên {n} {code}", agency_id, StaffRole.SPECIALIST)
                for n in range(1, 4)
            ]
        User.objects.bulk_create(users, batch_size=2000)
        StaffMembership.objects.bulk_create(
            (
                StaffMembership(user=user, agency_id=agency_id, role=role)
                for user, agency_id, role in memberships
            ),
            batch_size=2000,
        )
        world.staff = users
        world.specialists = {
            agency: [user.pk for user in people] for agency, people in world.specialists.items()
        }
        citizens = User.objects.bulk_create(
            (
                User(
                    username=f"congdan{n:05d}",
                    full_name=_name(rng),
                    kind=User.Kind.CITIZEN,
                    password=password,
                )
                for n in range(1, CITIZENS + 1)
            ),
            batch_size=2000,
        )
        world.citizens = [user.pk for user in citizens]
    return world


def _name(rng: random.Random) -> str:
    return f"{rng.choice(LAST_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"


def _quoted(fields) -> str:
    return ", ".join(f'"{field.column}"' for field in fields)


def _copy_columns(model, exclude=()) -> list:
    return [field for field in model._meta.concrete_fields if field.attname not in exclude]


def write_dossiers(world: World, *, count: int, seed: int) -> dict[str, int]:
    """Stream the dossiers and their steps (COPY on two connections), then the code counters."""
    import psycopg
    from django.db import connection
    from django.utils import timezone

    from motcua.agencies.models import StaffRole
    from motcua.dossiers.models import Dossier, DossierCodeCounter, DossierStep

    rng = random.Random(seed + 2)
    now = timezone.now()
    local_now = timezone.localtime(now)
    start = local_now - timedelta(days=DAYS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM dossiers_dossier")
        next_id = cursor.fetchone()[0] + 1
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)

    dossier_fields = _copy_columns(Dossier)
    step_fields = _copy_columns(DossierStep, exclude={"id"})
    defaults = {field.attname: field.get_default() for field in dossier_fields}
    step_defaults = {field.attname: field.get_default() for field in step_fields}
    offers, weights = world.offers, world.weights
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    counters: dict[tuple[int, object], int] = {}
    written_steps = 0
    # Submissions are spread evenly over the period: the i-th dossier of N at start + i/N of it, plus noise,
    # kept inside office hours (07:30–16:30) on weekdays.
    span = (local_now - start).total_seconds()

    dossier_sql = f"COPY dossiers_dossier ({_quoted(dossier_fields)}) FROM STDIN"
    step_sql = f"COPY dossiers_dossierstep ({_quoted(step_fields)}) FROM STDIN"
    dropped = _drop_secondary_indexes(params, ["dossiers_dossier", "dossiers_dossierstep"])
    with psycopg.connect(**params) as dossiers_db, psycopg.connect(**params) as steps_db:
        for db in (dossiers_db, steps_db):
            db.execute("SET synchronous_commit TO off")
            _skip_foreign_key_checks(db)
        with (
            dossiers_db.cursor().copy(dossier_sql) as dossier_copy,
            steps_db.cursor().copy(step_sql) as step_copy,
        ):
            for i in range(count):
                dossier_id = next_id + i
                moment = start + timedelta(seconds=span * (i + rng.random()) / count)
                moment = _office_hours(moment, rng)
                if moment >= local_now:
                    moment = local_now - timedelta(minutes=rng.randint(1, 120))
                offer = offers[_pick(cumulative, rng.random() * total)]
                version_id, case_id, amount, unit_name, days, competent_id = offer
                receiving = world.unit_for[competent_id]
                day = moment.date()
                number = counters.get((receiving.pk, day), 0) + 1
                counters[(receiving.pk, day)] = number
                channel = rng.choices(("direct", "online", "postal"), weights=(60, 35, 5))[0]
                row, steps = _dossier(
                    rng=rng,
                    world=world,
                    now=now,
                    dossier_id=dossier_id,
                    code=f"{receiving.code}-{day:%y%m%d}-{number:04d}",
                    moment=moment,
                    offer=offer,
                    receiving=receiving,
                    channel=channel,
                    StaffRole=StaffRole,
                )
                record = {**defaults, **row}
                dossier_copy.write_row([record[field.attname] for field in dossier_fields])
                for step in steps:
                    values = {**step_defaults, **step, "dossier_id": dossier_id}
                    step_copy.write_row([values[field.attname] for field in step_fields])
                written_steps += len(steps)
                if (i + 1) % 100_000 == 0:
                    print(f"  {i + 1:,} dossiers", flush=True)
        dossiers_db.commit()
        steps_db.commit()
    _create_indexes(params, dropped)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('dossiers_dossier', 'id'), %s)", [next_id + count - 1]
        )
    DossierCodeCounter.objects.bulk_create(
        (
            DossierCodeCounter(agency_id=agency_id, day=day, last_value=value)
            for (agency_id, day), value in counters.items()
        ),
        batch_size=5000,
    )
    return {"dossiers": count, "steps": written_steps}


def _drop_secondary_indexes(params: dict, tables: list[str]) -> list[str]:
    """Drop the tables' non-unique indexes (returning their definitions): building them once after the load
    is several times faster than maintaining them row by row."""
    import psycopg

    with psycopg.connect(**params, autocommit=True) as db:
        rows = db.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            WHERE t.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary
            """,
            [tables],
        ).fetchall()
        for name, _definition in rows:
            db.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def _create_indexes(params: dict, definitions: list[str]) -> None:
    import psycopg

    with psycopg.connect(**params, autocommit=True) as db:
        db.execute("SET maintenance_work_mem = '256MB'")
        for definition in definitions:
            db.execute(definition)


def _skip_foreign_key_checks(db) -> None:
    """The rows are consistent by construction: skip the per-row foreign-key triggers (superusers only)."""
    import psycopg

    try:
        db.execute("SET session_replication_role = replica")
    except psycopg.errors.InsufficientPrivilege:
        db.rollback()
        db.execute("SET synchronous_commit TO off")


def _pick(cumulative: list[float], target: float) -> int:
    low, high = 0, len(cumulative) - 1
    while low < high:
        middle = (low + high) // 2
        if cumulative[middle] < target:
            low = middle + 1
        else:
            high = middle
    return low


def _office_hours(moment: datetime, rng: random.Random) -> datetime:
    while moment.weekday() >= 5:
        moment -= timedelta(days=1)
    minutes = 7 * 60 + 30 + rng.randint(0, 9 * 60)
    return moment.replace(hour=minutes // 60, minute=minutes % 60, second=rng.randint(0, 59), microsecond=0)


def _dossier(*, rng, world, now, dossier_id, code, moment, offer, receiving, channel, StaffRole):
    """One dossier's row and its steps, consistent with its status."""
    version_id, case_id, amount, unit_name, days, competent_id = offer
    received = moment if channel != "online" else moment + timedelta(hours=rng.randint(1, 8))
    appointment = received + timedelta(days=days)
    row = {
        "id": dossier_id,
        "created_at": moment,
        "updated_at": moment,
        "code": code,
        "receiving_agency_id": receiving.pk,
        "competent_agency_id": competent_id,
        "procedure_version_id": version_id,
        "procedure_case_id": case_id,
        "channel": channel,
        "applicant_kind": "citizen",
        "applicant_name": _name(rng),
        "applicant_identity_number": f"0{rng.randint(1, 96):02d}{rng.choice('0123')}{rng.randint(0, 99):02d}{rng.randint(0, 999999):06d}",
        "applicant_phone": f"09{rng.randint(0, 99999999):08d}",
        "applicant_address": "Tỉnh Phú Yên Mẫu",
        "owner_id": rng.choice(world.citizens) if channel == "online" else None,
        "summary": "Đề nghị giải quyết thủ tục hành chính",
        "submitted_at": moment,
        "result_channel": "online" if channel == "online" else "counter",
        "revision": 0,
    }
    specialists = world.specialists[competent_id]
    elapsed_days = (now - moment).total_seconds() / 86400
    if channel == "online" and elapsed_days < 2 and rng.random() < 0.5:
        row.update(status=1, substate="awaiting_reception")
        return row, []
    if rng.random() < 0.02:  # not received (refused at the counter or at reception): no plan
        row.update(status=3, substate="", refused_at=received)
        return row, []
    row.update(
        received_at=received,
        processing_time=amount,
        time_unit=unit_name,
        clock_started_at=received,
        due_at=appointment,
        appointment_at=appointment,
    )
    reception = {
        "kind": "reception",
        "stage": 0,
        "order": 0,
        "name": "Tiếp nhận hồ sơ",
        "agency_id": receiving.pk,
        "role": StaffRole.RECEPTION_OFFICER,
        "started_at": moment,
        "finished_at": received,
        "timeliness": "on_time",
    }
    process = {
        "kind": "process",
        "stage": 1,
        "order": 1,
        "name": "Thẩm định, xử lý hồ sơ",
        "agency_id": competent_id,
        "role": StaffRole.SPECIALIST,
        "is_lead": True,
        "allotted_hours": Decimal(int(days * 5 / 7 * 8) or 8),
        "started_at": received,
        "due_at": appointment,
    }
    returning = {
        "kind": "return",
        "stage": 2,
        "order": 2,
        "name": "Trả kết quả tại bộ phận một cửa",
        "agency_id": receiving.pk,
        "role": StaffRole.RECEPTION_OFFICER,
    }
    steps = [reception, process, returning]
    overdue = now >= appointment
    roll = rng.random()
    if not overdue:  # still within its time
        state = _choose(roll, [(0.15, (2, "awaiting_assignment")), (0.55, (4, "in_step")), (0.05, (4, "consulting")),
                               (0.05, (4, "awaiting_approval")), (0.05, (5, "awaiting_supplement")),
                               (0.03, (6, "awaiting_payment")), (0.07, (9, "result_ready")), (0.05, (10, "returned"))])  # fmt: skip
    elif elapsed_days < 60:
        state = _choose(roll, [(0.10, (4, "in_step")), (0.05, (9, "result_ready")), (0.80, (10, "returned")),
                               (0.03, (7, "")), (0.02, (8, ""))])  # fmt: skip
    else:
        state = _choose(roll, [(0.01, (4, "in_step")), (0.005, (9, "result_ready")), (0.955, (10, "returned")),
                               (0.02, (7, "")), (0.01, (8, ""))])  # fmt: skip
    status, substate = state
    row.update(status=status, substate=substate)
    if substate == "awaiting_approval":  # the specialist's step is done; the leader decides
        process.update(
            assignee_id=rng.choice(specialists), finished_at=min(now, received + timedelta(days=days / 2))
        )
    elif status in (4, 5, 6):
        process["assignee_id"] = rng.choice(specialists)
    elif status in (9, 10, 7, 8):
        latest = min(
            now, appointment if rng.random() < 0.85 else appointment + timedelta(days=rng.randint(1, 5))
        )
        finished = received + (latest - received) * rng.uniform(0.3, 1.0)
        process.update(assignee_id=rng.choice(specialists), finished_at=finished, timeliness="on_time")
        if status in (9, 10):
            row["finished_at"] = finished
            returning.update(started_at=finished, due_at=appointment)
        if status == 10:
            returned = min(now, finished + timedelta(hours=rng.randint(1, 72)))
            returning.update(finished_at=returned, timeliness="on_time")
            row.update(returned_at=returned, returned_via=row["result_channel"])
        if status == 7:
            row["withdrawn_at"] = finished
        if status == 8:
            row["stopped_at"] = finished
    return row, steps


def _choose(roll: float, choices):
    for share, value in choices:
        if roll < share:
            return value
        roll -= share
    return choices[-1][1]


if __name__ == "__main__":
    os.environ.setdefault("MOTCUA_LOG_LEVEL", "WARNING")
    main()

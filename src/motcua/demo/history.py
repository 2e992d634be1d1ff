"""A year of made-up dossier history for the demo province, so the report screens have something to show.

The rows are written as the documented CSV (docs/import-dossiers.md) and loaded through the real importer
(``reports.importer.import_dossiers``): imported dossiers count in every indicator exactly like native ones.

Every dossier is a pure function of (agency, month, number): codes look like
``000.00.12.H42-LS2601-007`` ("LS" for lịch sử), so loading the demo again, on any later day, re-creates the
same rows (already present, skipped) and adds only the days that have passed since. Nothing is in the future:
a dossier whose result would come after now stays pending, without an appointment if that is still to come.
Agencies differ on purpose (share of online dossiers, lateness) so the ranking has something to rank.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from motcua.agencies.models import Agency, OneStopUnit
from motcua.catalog.models import Channel, OnlineServiceLevel, ProcedureAgency
from motcua.catalog.selectors import versions_in_force
from motcua.reports.facts import LOCAL
from motcua.reports.importer import COLUMNS, ImportReport, import_dossiers
from motcua.reports.periods import month_start, next_month

HISTORY_MONTHS = 12  # full months before the current one, plus the current month up to yesterday
MARKER = "LS"


@dataclass(frozen=True)
class Offer:
    """A procedure an agency decides, with what its dossiers may look like."""

    national_code: str
    level: int
    fee: bool
    postal_submission: bool
    postal_return: bool


def _offers(day: datetime) -> dict[int, list[Offer]]:
    """The procedures in force at ``day`` per competent agency."""
    versions = versions_in_force(at=day).select_related("procedure").prefetch_related("fees")
    by_version = {version.pk: version for version in versions}
    offers: dict[int, list[Offer]] = defaultdict(list)
    rows = ProcedureAgency.objects.filter(
        version__in=list(by_version), role=ProcedureAgency.Role.COMPETENT, agency__isnull=False
    ).values_list("version_id", "agency_id")
    for version_id, agency_id in sorted(rows):
        version = by_version[version_id]
        offers[agency_id].append(
            Offer(
                national_code=version.procedure.national_code,
                level=version.online_service_level,
                fee=any(fee.amount > 0 for fee in version.fees.all()),
                postal_submission=version.postal_submission_allowed,
                postal_return=version.postal_return_allowed,
            )
        )
    return offers


def _receivers() -> dict[int, str]:
    """The code of the one-stop unit receiving for each agency (the agency itself when none does)."""
    found: dict[int, str] = {}
    for unit in (
        OneStopUnit.objects.select_related("agency").prefetch_related("served_agencies").order_by("pk")
    ):
        for agency in unit.served_agencies.all():
            found.setdefault(agency.pk, unit.agency.code)
    return found


def _moment(value: datetime) -> str:
    return value.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def _working_days(month: date) -> list[date]:
    days = [month + timedelta(days=n) for n in range((next_month(month) - month).days)]
    return [day for day in days if day.weekday() < 5]


def _add_working_days(start: datetime, days: int) -> datetime:
    moment = start
    while days > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            days -= 1
    return moment.replace(hour=17, minute=0)


def _rows_for(
    agency: Agency, offers: list[Offer], receiver: str, month: date, now: datetime
) -> list[list[str]]:
    """The dossiers of ``agency`` received in ``month`` (only the days before today). Every random draw is
    made whatever ``now`` is, so a dossier's content depends only on its agency, month and number."""
    profile = random.Random(agency.code)  # what kind of agency this is: the same every month
    online_bias = profile.uniform(-0.15, 0.2)
    lateness = profile.choice([0.02, 0.05, 0.08, 0.12, 0.2, 0.3])
    size = (8, 20) if agency.level == "commune" else (4, 12)
    rng = random.Random(f"{agency.code}:{month.isoformat()}")
    today = now.astimezone(LOCAL).date()
    growth = 0.015 * ((month.year - 2024) * 12 + month.month - 1)  # more online every month
    working_days = _working_days(month)
    rows = []
    for number in range(1, rng.randint(*size) + 1):
        offer = rng.choice(offers)
        day = rng.choice(working_days)
        received = datetime.combine(day, time(rng.randint(7, 15), rng.choice((0, 15, 30, 45))), tzinfo=LOCAL)
        roll = rng.random()  # every draw happens whatever the branch, so a row never depends on ``now``
        online_share = max(0.05, min(0.9, 0.15 + online_bias + growth))
        if offer.level >= OnlineServiceLevel.PARTIAL and roll < online_share:
            channel = Channel.ONLINE
        elif offer.postal_submission and roll > 0.9:
            channel = Channel.POSTAL
        else:
            channel = Channel.DIRECT
        limit = rng.choice((3, 5, 7, 10, 15))
        late = rng.random() < lateness
        early = not late and rng.random() < 0.5
        taken = (
            limit + rng.randint(1, 4)
            if late
            else (limit - rng.randint(1, max(1, limit - 1)) if early else limit)
        )
        outcome = rng.random()
        paid = rng.random() < (0.75 if channel == Channel.ONLINE else 0.15)
        postal_return = offer.postal_return and rng.random() < 0.12
        rating = rng.choices([None, 1, 2, 3], weights=[55, 4, 21, 20])[0]
        returned_after = rng.randint(0, 3)
        if day >= today:  # not yet: a later load adds it
            continue
        code = f"{agency.code}-{MARKER}{month:%y%m}-{number:03d}"
        due = _add_working_days(received, limit)
        finished = _add_working_days(received, taken) - timedelta(hours=rng.randint(0, 6))
        submitted = received - timedelta(hours=rng.randint(1, 20)) if channel == Channel.ONLINE else None
        row = {
            "dossier_code": code,
            "procedure_code": offer.national_code,
            "receiving_agency_code": receiver,
            "competent_agency_code": agency.code,
            "channel": channel,
            "submitted_at": _moment(submitted) if submitted else "",
            "received_at": _moment(received),
            "due_at": _moment(due) if due <= now else "",
            "finished_at": "",
            "returned_at": "",
            "status": "4",
            "paid_online": ("1" if paid else "0") if offer.fee else "",
            "postal_return": "1" if postal_return else "",
            "rating": "",
        }
        if channel == Channel.ONLINE and outcome < 0.03:  # refused at reception: never received
            refused = received
            row.update(received_at="", due_at="", status="3", finished_at=_moment(refused), paid_online="")
            row["submitted_at"] = _moment(submitted)
        elif outcome < 0.05:  # withdrawn by the applicant
            withdrawn = received + timedelta(days=1)
            if withdrawn <= now:
                row.update(status="7", finished_at=_moment(withdrawn))
        elif finished <= now:
            returned = finished + timedelta(days=returned_after)
            row.update(status="10" if returned <= now else "9", finished_at=_moment(finished))
            if returned <= now:
                row["returned_at"] = _moment(returned)
            if rating is not None:
                row["rating"] = str(rating)
        rows.append([row.get(column, "") for column in (*COLUMNS, "competent_agency_code")])
    return rows


def history_csv(*, now: datetime | None = None) -> str:
    """The demo history as a CSV document (the importer's format, with ``competent_agency_code``)."""
    now = now or timezone.now()
    today = now.astimezone(LOCAL).date()
    first = month_start(today)
    for _ in range(HISTORY_MONTHS):
        first = month_start(first - timedelta(days=1))
    offers = _offers(now)
    receivers = _receivers()
    agencies = Agency.objects.filter(pk__in=list(offers), is_active=True).order_by("code")
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow([*COLUMNS, "competent_agency_code"])
    month = first
    while month <= today:
        for agency in agencies:
            if agency.valid_from and agency.valid_from > month:
                continue
            writer.writerows(
                _rows_for(agency, offers[agency.pk], receivers.get(agency.pk, agency.code), month, now)
            )
        month = next_month(month)
    return output.getvalue()


def load_history(*, now: datetime | None = None) -> ImportReport:
    """Import the demo history (rows already present are skipped)."""
    return import_dossiers(io.StringIO(history_csv(now=now)))

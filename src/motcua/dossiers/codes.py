"""Dossier and result codes (codes.md §1, §5).

``<receiving agency code>-YYMMDD-NNNN``: the agency prefix is opaque (QCVN 102 or QĐ 20 style), the date is
the local day the code is given and NNNN the dossier's number that day at that agency. Numbers come from a
``DossierCodeCounter`` row per (agency, day), locked inside the caller's transaction, never from MAX()+1.
If TT 03/2025 changes the format, :func:`format_dossier_code` and :func:`split_dossier_code` are the edit.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction

from .models import DossierCodeCounter


def format_dossier_code(*, agency_code: str, day: date, number: int) -> str:
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"


def split_dossier_code(code: str) -> tuple[str, str, str]:
    """(agency prefix, YYMMDD, number): split on the last two "-" since the prefix is opaque."""
    agency, yymmdd, number = code.rsplit("-", 2)
    return agency, yymmdd, number


def format_result_code(*, dossier_code: str, number: int) -> str:
    return f"{dossier_code}-KQ{number}"


def _counter_start() -> int:
    return int(getattr(settings, "MOTCUA_DOSSIER_CODE_START", 1))


def next_number(*, agency_id: int, day: date) -> int:
    """Take the next number of ``agency_id`` on ``day``. Must run inside the caller's transaction.

    The counter row is locked with SELECT ... FOR UPDATE until the caller commits, so concurrent submissions
    to one agency queue on it; a concurrent first-of-the-day insert is resolved by the unique constraint.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside transaction.atomic()")
    counters = DossierCodeCounter.objects.select_for_update()
    try:
        counter = counters.get(agency_id=agency_id, day=day)
    except DossierCodeCounter.DoesNotExist:
        try:
            with transaction.atomic():  # savepoint: a lost race must not break the caller's transaction
                counter = DossierCodeCounter.objects.create(
                    agency_id=agency_id, day=day, last_value=_counter_start() - 1
                )
        except IntegrityError:
            counter = counters.get(agency_id=agency_id, day=day)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def next_dossier_code(*, agency, day: date) -> str:
    return format_dossier_code(
        agency_code=agency.code, day=day, number=next_number(agency_id=agency.pk, day=day)
    )

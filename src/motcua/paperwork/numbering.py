"""Document numbers ("15/TNHS") and the register (Sổ theo dõi hồ sơ) numbering.

forms.md §1: the register has one book per year and its numbers run continuously through the year. The same
yearly rule numbers the slips of each series at the issuing agency (ND 30/2020: numbers restart on 1 January).
Numbers come from a ``DocumentCounter`` row locked inside the caller's transaction, never from MAX()+1.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.dossiers.models import Dossier

from .models import DocumentCounter, RegisterEntry

REGISTER_SERIES = "register"
# The actions after which a dossier counts as received by the one-stop unit (workflow.md §3).
RECEPTION_ACTIONS = frozenset({"register", "receive"})


def next_number(*, agency_id: int, series: str, year: int) -> int:
    """Take the next number of ``series`` at ``agency_id`` in ``year``. Must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside transaction.atomic()")
    counters = DocumentCounter.objects.select_for_update()
    try:
        counter = counters.get(agency_id=agency_id, series=series, year=year)
    except DocumentCounter.DoesNotExist:
        try:
            with transaction.atomic():  # savepoint: a lost race must not break the caller's transaction
                counter = DocumentCounter.objects.create(agency_id=agency_id, series=series, year=year)
        except IntegrityError:
            counter = counters.get(agency_id=agency_id, series=series, year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def format_number(number: int, series: str) -> str:
    """15, "TNHS" -> "15/TNHS"."""
    return f"{number:02d}/{series}"


def register_entry_for(dossier: Dossier) -> RegisterEntry | None:
    """The dossier's register line, given now if it has none yet (dossiers received before this app existed
    that the backfill missed). None for a dossier that was never received. Must run inside a transaction."""
    if dossier.received_at is None:
        return None
    try:
        return RegisterEntry.objects.get(dossier=dossier)
    except RegisterEntry.DoesNotExist:
        pass
    year = timezone.localtime(dossier.received_at).year
    number = next_number(agency_id=dossier.receiving_agency_id, series=REGISTER_SERIES, year=year)
    return RegisterEntry.objects.create(
        dossier=dossier, agency_id=dossier.receiving_agency_id, year=year, number=number
    )


def enter_received_dossier(sender, *, dossier, event, **kwargs) -> None:
    """``dossier_event_recorded`` receiver: a dossier just received gets its register line in reception order."""
    if event.action in RECEPTION_ACTIONS:
        register_entry_for(dossier)

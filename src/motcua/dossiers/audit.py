"""The dossier audit trail as a hash chain, and its verification.

Each ``DossierEvent`` stores ``hash = sha256(prev_hash + canonical JSON of the event)``, where ``prev_hash``
is the hash of the dossier's previous event ("" for the first). The canonical JSON has sorted keys, no
insignificant whitespace, UTF-8, and moments in UTC with microseconds. Payloads are normalised to plain
JSON before they are stored, so what is hashed is exactly what the database gives back.

Verification walks every dossier's events in sequence order and reports the first broken link: a row whose
stored hash does not match its content, whose ``prev_hash`` is not the previous row's hash, a gap in the
sequence (a deleted row), or a chain that ends before the dossier's revision (deleted last rows).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _

from .models import Dossier, DossierEvent


def normalise_payload(payload: dict | None) -> dict:
    """Plain JSON (str keys; dates, decimals and UUIDs as strings) as the database will return it."""
    return json.loads(json.dumps(payload or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_event(event: DossierEvent) -> str:
    body = {
        "dossier": event.dossier_id,
        "sequence": event.sequence,
        "occurred_at": _moment(event.occurred_at),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "origin": event.origin,
        "action": event.action,
        "from_status": event.from_status,
        "from_substate": event.from_substate,
        "to_status": event.to_status,
        "to_substate": event.to_substate,
        "reason": event.reason,
        "payload": event.payload,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(event: DossierEvent, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + canonical_event(event)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    dossier_code: str
    event_id: int | None
    sequence: int
    problem: str

    def describe(self) -> str:
        if self.event_id:
            where = _("sự kiện #%(id)s (thứ tự %(sequence)s)") % {
                "id": self.event_id,
                "sequence": self.sequence,
            }
        else:
            where = _("thứ tự %(sequence)s") % {"sequence": self.sequence}
        return f"{self.dossier_code}: {where}: {self.problem}"


def verify_events(code: str, revision: int, events: Iterator[DossierEvent]) -> BrokenLink | None:
    """The first broken link of one dossier's chain (events in sequence order), or None."""
    prev_hash = ""
    expected = 1
    for event in events:
        if event.sequence != expected:
            return BrokenLink(
                code, event.id, event.sequence, _("thiếu sự kiện thứ tự %(n)s") % {"n": expected}
            )
        if event.prev_hash != prev_hash:
            return BrokenLink(code, event.id, event.sequence, _("không nối với sự kiện trước"))
        if event_hash(event, prev_hash) != event.hash:
            return BrokenLink(code, event.id, event.sequence, _("nội dung đã bị thay đổi"))
        prev_hash = event.hash
        expected += 1
    if expected - 1 != revision:
        return BrokenLink(
            code,
            None,
            expected,
            _("chuỗi dừng ở thứ tự %(last)s trong khi hồ sơ ở phiên bản %(revision)s")
            % {"last": expected - 1, "revision": revision},
        )
    return None


def verify_dossier(dossier: Dossier) -> BrokenLink | None:
    return verify_events(dossier.code, dossier.revision, dossier.events.order_by("sequence").iterator())


def verify_all(*, codes: list[str] | None = None, chunk_size: int = 2000) -> Iterator[BrokenLink]:
    """Yield the first broken link of every broken chain, streaming events in (dossier, sequence) order."""
    dossiers = Dossier.objects.order_by("pk")
    if codes:
        dossiers = dossiers.filter(code__in=codes)
    info = dict(
        (pk, (code, revision)) for pk, code, revision in dossiers.values_list("pk", "code", "revision")
    )
    events = DossierEvent.objects.filter(dossier_id__in=dossiers.values("pk")).order_by(
        "dossier_id", "sequence"
    )
    current_id: int | None = None
    batch: list[DossierEvent] = []
    seen: set[int] = set()

    def flush() -> BrokenLink | None:
        code, revision = info[current_id]
        return verify_events(code, revision, iter(batch))

    for event in events.iterator(chunk_size=chunk_size):
        if event.dossier_id != current_id:
            if current_id is not None:
                broken = flush()
                if broken:
                    yield broken
            current_id, batch = event.dossier_id, []
            seen.add(current_id)
        batch.append(event)
    if current_id is not None:
        broken = flush()
        if broken:
            yield broken
    for pk, (code, revision) in info.items():
        if pk not in seen and revision:
            yield BrokenLink(code, None, 1, _("không có sự kiện nào"))

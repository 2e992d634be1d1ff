"""Import historical dossiers from a CSV file (docs/import-dossiers.md).

The file is read as a stream, row by row; every row is checked and either rejected (with its line number and
the reason) or imported as a real ``Dossier`` flagged ``imported``, under the procedure version in force at its
reception. Rows go in by batches, each batch in one transaction with its report facts and counters (COPY on
PostgreSQL, bulk inserts elsewhere). The dossier code is the key: a code already in the database is skipped,
so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.catalog.models import CHANNEL_NATIONAL_CODES, Channel, ProcedureCase, ProcedureVersion
from motcua.core.calendar import parse_moment
from motcua.core.errors import ApplicationError, ValidationFailed
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.dossiers.workflow import DossierStatus, Substate

from .aggregates import add_facts
from .facts import fact_for
from .models import ImportedRating

COLUMNS = (
    "dossier_code",
    "procedure_code",
    "receiving_agency_code",
    "channel",
    "submitted_at",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "status",
    "paid_online",
    "postal_return",
    "rating",
)
OPTIONAL_COLUMNS = ("competent_agency_code", "applicant_name", "summary")
DEFAULT_BATCH_SIZE = 5000
KEEP_REJECTIONS = 1000  # rejections kept in the report; ``on_reject`` sees every one

S = DossierStatus
# Statuses that need a reception time, and those that must not have one.
RECEIVED_STATUSES = {
    S.RECEIVED,
    S.PROCESSING,
    S.SUPPLEMENT_REQUESTED,
    S.AWAITING_PAYMENT,
    S.STOPPED,
    S.RESOLVED,
    S.RETURNED,
}
NEVER_RECEIVED = {S.SUBMITTED, S.NOT_RECEIVED}
# Statuses whose ``finished_at`` column is required: the result, or the refusal / withdrawal / stop.
CLOSED_STATUSES = {S.NOT_RECEIVED, S.WITHDRAWN, S.STOPPED, S.RESOLVED, S.RETURNED}
SUBSTATES = {
    S.SUBMITTED: Substate.AWAITING_RECEPTION,
    S.RECEIVED: Substate.AWAITING_ASSIGNMENT,
    S.PROCESSING: Substate.IN_STEP,
    S.SUPPLEMENT_REQUESTED: Substate.AWAITING_SUPPLEMENT,
    S.AWAITING_PAYMENT: Substate.AWAITING_PAYMENT,
    S.RESOLVED: Substate.RESULT_READY,
    S.RETURNED: Substate.RETURNED,
}
CHANNELS = {
    **{value: value for value in Channel.values},
    **{str(code): channel for channel, code in CHANNEL_NATIONAL_CODES.items()},
}
YES = {"1", "true", "co", "có", "x", "yes"}
NO = {"0", "false", "khong", "không", "no"}
HISTORY_APPLICANT = "(dữ liệu lịch sử)"


class ImportFileError(ApplicationError):
    """The file cannot be imported at all (wrong header, unreadable): nothing was imported."""


@dataclass
class Rejection:
    line: int
    code: str
    reason: str


@dataclass
class ImportReport:
    dry_run: bool = False
    rows: int = 0
    imported: int = 0
    already_present: int = 0
    rejected_count: int = 0
    rejected: list[Rejection] = field(default_factory=list)  # the first KEEP_REJECTIONS
    later_versions: int = 0  # rows put under the first version that came into force after their reception
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.dry_run:
            template = _(
                "Chạy thử, chưa lưu gì. %(rows)s dòng: %(imported)s hồ sơ hợp lệ sẽ được nhập, %(present)s hồ sơ "
                "đã có (bỏ qua), %(rejected)s dòng bị từ chối."
            )
        else:
            template = _(
                "%(rows)s dòng: %(imported)s hồ sơ được nhập, %(present)s hồ sơ đã có (bỏ qua), "
                "%(rejected)s dòng bị từ chối."
            )
        return template % {
            "rows": _number(self.rows),
            "imported": _number(self.imported),
            "present": _number(self.already_present),
            "rejected": _number(self.rejected_count),
        }


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class VersionInfo:
    version: ProcedureVersion
    case_id: int
    start: datetime
    end: datetime | None


class Catalog:
    """Agencies and procedure versions, loaded once for the whole file."""

    def __init__(self) -> None:
        self.agencies: dict[str, int] = {}
        for pk, code, code_qd20 in Agency.objects.values_list("pk", "code", "code_qd20").order_by("-pk"):
            self.agencies[code] = pk
            if code_qd20:
                self.agencies.setdefault(code_qd20, pk)
        first_case = {}
        for case_id, version_id in ProcedureCase.objects.order_by("-order", "-pk").values_list(
            "pk", "version_id"
        ):
            first_case[version_id] = case_id
        self.versions: dict[str, list[VersionInfo]] = {}
        versions = (
            ProcedureVersion.objects.filter(
                status__in=[ProcedureVersion.Status.PUBLISHED, ProcedureVersion.Status.RETIRED],
                effective_from__isnull=False,
            )
            .select_related("procedure")
            .only(
                "pk", "procedure_id", "procedure__national_code", "field_id", "effective_from", "effective_to"
            )
            .order_by("effective_from", "number")
        )
        for version in versions:
            if version.pk in first_case:
                self.versions.setdefault(version.procedure.national_code, []).append(
                    VersionInfo(version, first_case[version.pk], version.effective_from, version.effective_to)
                )

    def version_at(self, code: str, moment: datetime) -> tuple[VersionInfo | None, bool]:
        """The version in force at ``moment``, else the first one in force after it (flagged True)."""
        versions = self.versions.get(code, [])
        for info in versions:
            if info.start <= moment and (info.end is None or moment < info.end):
                return info, False
        for info in versions:
            if info.start > moment:
                return info, True
        return (versions[-1], True) if versions else (None, False)


class RowError(Exception):
    pass


def _moment(row: dict, name: str, now: datetime) -> datetime | None:
    text = (row.get(name) or "").strip()
    if not text:
        return None
    try:
        moment = parse_moment(text)
    except ValidationFailed as error:
        raise RowError(f"{name}: {error.message}") from error
    if moment > now:
        raise RowError(_("%(column)s: thời điểm %(value)s ở tương lai.") % {"column": name, "value": text})
    return moment


def _flag(row: dict, name: str) -> bool | None:
    text = (row.get(name) or "").strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowError(_("%(column)s: “%(value)s” phải là 1 hoặc 0.") % {"column": name, "value": text})


def _check_order(pairs: Iterable[tuple[str, datetime | None, str, datetime | None]]) -> None:
    for first_name, first, second_name, second in pairs:
        if first is not None and second is not None and second < first:
            raise RowError(
                _("%(second)s không được trước %(first)s.") % {"first": first_name, "second": second_name}
            )


def build_dossier(
    row: dict, catalog: Catalog, now: datetime
) -> tuple[dict, ProcedureVersion, int | None, bool]:
    """The dossier of one CSV row as field values (``Dossier`` attribute names), its procedure version, its
    rating and whether a later version had to be used.

    Raises RowError with the reason (Vietnamese) when the row cannot be imported.
    """
    code = (row.get("dossier_code") or "").strip()
    if not code:
        raise RowError(_("dossier_code: thiếu mã hồ sơ."))
    if len(code) > 60:
        raise RowError(_("dossier_code: mã hồ sơ dài quá 60 ký tự."))
    status_text = (row.get("status") or "").strip()
    if not status_text.isdigit() or not 1 <= int(status_text) <= 10:
        raise RowError(_("status: “%(value)s” phải là mã trạng thái từ 1 đến 10.") % {"value": status_text})
    status = DossierStatus(int(status_text))
    channel = CHANNELS.get((row.get("channel") or "").strip().lower())
    if channel is None:
        raise RowError(
            _("channel: “%(value)s” phải là direct, online, postal (hoặc 1, 2, 3).")
            % {"value": row.get("channel", "")}
        )
    receiving_code = (row.get("receiving_agency_code") or "").strip()
    receiving = catalog.agencies.get(receiving_code)
    if receiving is None:
        raise RowError(_("receiving_agency_code: không có cơ quan mã “%(code)s”.") % {"code": receiving_code})
    competent_code = (row.get("competent_agency_code") or "").strip()
    competent = catalog.agencies.get(competent_code) if competent_code else receiving
    if competent is None:
        raise RowError(_("competent_agency_code: không có cơ quan mã “%(code)s”.") % {"code": competent_code})

    submitted = _moment(row, "submitted_at", now)
    received = _moment(row, "received_at", now)
    due = _moment(row, "due_at", now) if (row.get("due_at") or "").strip() else None
    finished = _moment(row, "finished_at", now)
    returned = _moment(row, "returned_at", now)
    if status in RECEIVED_STATUSES and received is None:
        raise RowError(
            _("received_at: bắt buộc với hồ sơ ở trạng thái %(status)s.") % {"status": status.value}
        )
    if status in NEVER_RECEIVED and received is not None:
        raise RowError(
            _("received_at: hồ sơ ở trạng thái %(status)s chưa được tiếp nhận.") % {"status": status.value}
        )
    if status in CLOSED_STATUSES and finished is None:
        raise RowError(
            _(
                "finished_at: bắt buộc với hồ sơ ở trạng thái %(status)s (thời điểm có kết quả, từ chối, rút hoặc dừng)."
            )
            % {"status": status.value}
        )
    if status not in CLOSED_STATUSES and finished is not None:
        raise RowError(
            _("finished_at: hồ sơ ở trạng thái %(status)s chưa kết thúc.") % {"status": status.value}
        )
    if status == S.RETURNED and returned is None:
        raise RowError(_("returned_at: bắt buộc với hồ sơ đã trả kết quả (trạng thái 10)."))
    if status != S.RETURNED and returned is not None:
        raise RowError(_("returned_at: chỉ ghi với hồ sơ đã trả kết quả (trạng thái 10)."))
    if due is not None and received is None:
        raise RowError(_("due_at: hồ sơ chưa được tiếp nhận thì không có hạn giải quyết."))
    _check_order(
        [
            ("submitted_at", submitted, "received_at", received),
            ("received_at", received, "due_at", due),
            ("received_at", received, "finished_at", finished),
            ("submitted_at", submitted, "finished_at", finished),
            ("finished_at", finished, "returned_at", returned),
        ]
    )
    paid_online = _flag(row, "paid_online")
    postal_return = _flag(row, "postal_return") or False
    rating_text = (row.get("rating") or "").strip()
    if rating_text and rating_text not in {"1", "2", "3"}:
        raise RowError(
            _("rating: “%(value)s” phải là 1 (chưa hài lòng), 2 (hài lòng) hoặc 3 (rất hài lòng).")
            % {"value": rating_text}
        )
    rating = int(rating_text) if rating_text else None

    procedure_code = (row.get("procedure_code") or "").strip()
    reference = received or submitted or finished
    if reference is None:
        raise RowError(_("Cần ít nhất một trong submitted_at, received_at, finished_at."))
    info, later = catalog.version_at(procedure_code, reference)
    if info is None:
        raise RowError(
            _("procedure_code: không có thủ tục mã “%(code)s” đã công bố trong danh mục.")
            % {"code": procedure_code}
        )

    if postal_return:
        result_channel = ResultChannel.POSTAL
    else:
        result_channel = ResultChannel.ONLINE if channel == Channel.ONLINE else ResultChannel.COUNTER
    values = {
        "code": code,
        "receiving_agency_id": receiving,
        "competent_agency_id": competent,
        "procedure_version_id": info.version.pk,
        "procedure_case_id": info.case_id,
        "channel": channel,
        "applicant_name": ((row.get("applicant_name") or "").strip() or HISTORY_APPLICANT)[:255],
        "summary": (row.get("summary") or "").strip()[:1000],
        "status": status.value,
        "substate": SUBSTATES[status].value if status in SUBSTATES else "",
        "submitted_at": submitted or received,
        "received_at": received,
        "clock_started_at": received,
        "due_at": due,
        "appointment_at": due,
        "finished_at": finished if status in {S.RESOLVED, S.RETURNED} else None,
        "returned_at": returned,
        "refused_at": finished if status == S.NOT_RECEIVED else None,
        "withdrawn_at": finished if status == S.WITHDRAWN else None,
        "stopped_at": finished if status == S.STOPPED else None,
        "result_channel": result_channel.value,
        "returned_via": result_channel.value if status == S.RETURNED else "",
        "imported": True,
        "paid_online": paid_online,
        "created_at": now,
        "updated_at": now,
    }
    return values, info.version, rating, later


def _reader(lines: Iterable[str]) -> tuple[csv.DictReader, list[str]]:
    reader = csv.DictReader(lines)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise ImportFileError(
            _("Tiêu đề tệp CSV thiếu cột: %(missing)s. Không có hồ sơ nào được nhập.")
            % {"missing": ", ".join(missing)},
            code="missing_columns",
            extra={"missing": missing},
        )
    ignored = [name for name in header if name not in COLUMNS and name not in OPTIONAL_COLUMNS]
    return reader, ignored


def import_dossiers(
    lines: Iterable[str],
    *,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[ImportReport], None] | None = None,
    on_reject: Callable[[Rejection], None] | None = None,
) -> ImportReport:
    """Import the CSV ``lines`` (text, header first). Raises ImportFileError when the header is wrong."""
    reader, ignored = _reader(lines)
    report = ImportReport(dry_run=dry_run, ignored_columns=ignored)
    catalog = Catalog()
    now = timezone.now()
    seen: set[str] = set()
    batch: list[Parsed] = []

    def reject(line: int, code: str, reason: str) -> None:
        rejection = Rejection(line, code, reason)
        report.rejected_count += 1
        if len(report.rejected) < KEEP_REJECTIONS:
            report.rejected.append(rejection)
        if on_reject is not None:
            on_reject(rejection)

    for row in reader:
        line = reader.line_num
        report.rows += 1
        code = (row.get("dossier_code") or "").strip()
        if None in row or any(value is None for value in row.values()):
            reject(line, code, _("Số cột của dòng không khớp với tiêu đề."))
            continue
        try:
            values, version, rating, later = build_dossier(row, catalog, now)
        except RowError as error:
            reject(line, code, str(error))
            continue
        if values["code"] in seen:
            reject(line, code, _("Mã hồ sơ trùng với một dòng trước trong tệp."))
            continue
        seen.add(values["code"])
        report.later_versions += later
        batch.append(Parsed(values, version, rating))
        if len(batch) >= batch_size:
            _flush(batch, report, dry_run)
            batch = []
            if progress is not None:
                progress(report)
    if batch:
        _flush(batch, report, dry_run)
    if progress is not None:
        progress(report)
    return report


@dataclass
class Parsed:
    values: dict  # Dossier attribute name → value
    version: ProcedureVersion
    rating: int | None

    @property
    def code(self) -> str:
        return self.values["code"]


def _flush(batch: list[Parsed], report: ImportReport, dry_run: bool) -> None:
    present = _existing_codes([parsed.code for parsed in batch])
    new = [parsed for parsed in batch if parsed.code not in present]
    report.already_present += len(present)
    if dry_run or not new:
        report.imported += len(new)
        return
    with transaction.atomic():
        ids = _insert(new)
        ImportedRating.objects.bulk_create(
            [
                ImportedRating(dossier_id=ids[parsed.code], overall=parsed.rating)
                for parsed in new
                if parsed.rating
            ],
            batch_size=2000,
        )
        # The fact needs only the dossier's attributes: a plain namespace spares building model instances.
        add_facts(
            {
                ids[parsed.code]: fact_for(
                    SimpleNamespace(**parsed.values, procedure_version=parsed.version),
                    imported_rating=parsed.rating,
                )
                for parsed in new
            }
        )
    report.imported += len(new)


def _existing_codes(codes: list[str]) -> set[str]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT code FROM {Dossier._meta.db_table} WHERE code = ANY(%s)", [codes])
            return {row[0] for row in cursor.fetchall()}
    return set(Dossier.objects.filter(code__in=codes).values_list("code", flat=True))


def _insert(batch: list[Parsed]) -> dict[str, int]:
    """Insert the dossiers (COPY on PostgreSQL) and return their ids by code."""
    if connection.vendor != "postgresql":
        dossiers = Dossier.objects.bulk_create([Dossier(**parsed.values) for parsed in batch], batch_size=500)
        return {dossier.code: dossier.pk for dossier in dossiers}
    fields = [f for f in Dossier._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: COPY is not part of the DB-API
        with raw.copy(f"COPY {quote(Dossier._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for parsed in batch:
                values = {**defaults, **parsed.values}
                copy.write_row([values[f.attname] for f in fields])
        cursor.execute(
            f"SELECT code, id FROM {Dossier._meta.db_table} WHERE code = ANY(%s)",
            [[parsed.code for parsed in batch]],
        )
        return dict(cursor.fetchall())


def open_lines(path: str) -> Iterator[str]:
    """The file's lines, decoded as UTF-8 (a byte-order mark is accepted)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from handle


def lines_from_bytes(content: bytes) -> Iterable[str]:
    return io.StringIO(content.decode("utf-8-sig"), newline="")

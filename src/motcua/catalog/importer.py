"""Import of national TTHC database packages (``GoiTinThuTucQG``) into versioned catalog records.

Each package is read in two steps: ``parse_package`` checks and normalises it without touching the database
(every problem found becomes a Vietnamese reason), then the record is written in its own savepoint as a new
draft version that ``procedure_version_publish`` publishes. A package whose normalised form hashes to the
same value as the procedure's latest imported version is "unchanged" and writes nothing. The accepted format
is described in ``docs/catalog-import.md``.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.agencies.models import Agency
from motcua.core.errors import ApplicationError, ValidationFailed
from motcua.core.text import fold, normalize_spaces

from .models import (
    CaseComponent,
    Fee,
    LegalBasis,
    OnlineServiceLevel,
    Procedure,
    ProcedureAgency,
    ProcedureCase,
    ProcedureResult,
    ProcedureVersion,
    SequenceStep,
    TimeUnit,
    national_code_validator,
)
from .models import Channel as FeeChannel
from .models import Field as CatalogField
from .services import procedure_version_create_draft, procedure_version_publish

PACKAGE_LIST_KEY = "GoiTinThuTucQG"
LOCAL_EXTENSION_KEY = "MOTCUA_DIAPHUONG"
# Stored as data (not interface text), so always Vietnamese whatever language is active.
GENERAL_CASE_NAME = "Trường hợp chung"

AGENCY_ROLE_KEYS = {
    "COQUANTHUCHIEN": ProcedureAgency.Role.IMPLEMENTING,
    "COQUANCOTHAMQUYEN": ProcedureAgency.Role.COMPETENT,
    "COQUANDUOCUYQUYEN": ProcedureAgency.Role.DELEGATED,
    "COQUANPHOIHOP": ProcedureAgency.Role.COORDINATING,
}
LEVEL_CODES = {"1": "province", "2": "district", "3": "commune"}
MAX_COUNT = 32767  # PositiveSmallIntegerField


class CatalogFileError(ValidationFailed):
    """The file as a whole cannot be read: not JSON, or not a package list."""

    code = "catalog_file_invalid"


class ImportStatus(StrEnum):
    ACCEPTED = "accepted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(_STATUS_LABELS[self])


_STATUS_LABELS = {
    ImportStatus.ACCEPTED: gettext_lazy("Thêm mới"),
    ImportStatus.UPDATED: gettext_lazy("Cập nhật"),
    ImportStatus.UNCHANGED: gettext_lazy("Không thay đổi"),
    ImportStatus.REJECTED: gettext_lazy("Từ chối"),
}


@dataclass
class RecordOutcome:
    """What happened to one package of the file. ``index`` counts from 1 in file order."""

    index: int
    national_code: str
    status: ImportStatus
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version_number: int | None = None


@dataclass
class ImportReport:
    source: str = ""
    dry_run: bool = False
    records: list[RecordOutcome] = field(default_factory=list)

    def with_status(self, status: ImportStatus) -> list[RecordOutcome]:
        return [record for record in self.records if record.status == status]

    @property
    def accepted(self) -> list[RecordOutcome]:
        return self.with_status(ImportStatus.ACCEPTED)

    @property
    def updated(self) -> list[RecordOutcome]:
        return self.with_status(ImportStatus.UPDATED)

    @property
    def unchanged(self) -> list[RecordOutcome]:
        return self.with_status(ImportStatus.UNCHANGED)

    @property
    def rejected(self) -> list[RecordOutcome]:
        return self.with_status(ImportStatus.REJECTED)

    @property
    def has_rejections(self) -> bool:
        return any(record.status == ImportStatus.REJECTED for record in self.records)

    def summary(self) -> str:
        return _(
            "Tổng %(total)d bản ghi: %(accepted)d thêm mới, %(updated)d cập nhật, "
            "%(unchanged)d không thay đổi, %(rejected)d bị từ chối."
        ) % {
            "total": len(self.records),
            "accepted": len(self.accepted),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "rejected": len(self.rejected),
        }

    def lines(self) -> list[str]:
        """The report as text lines: one per record, its reasons and warnings indented, then the summary."""
        lines = [*self.record_lines(), self.summary()]
        if self.dry_run:
            lines.append(_("Chạy thử: không có thay đổi nào được lưu."))
        return lines

    def record_lines(self) -> list[str]:
        lines = []
        for record in self.records:
            code = record.national_code or _("(không có MaTTHC)")
            line = f"#{record.index} {code}: {record.status.label}"
            if record.version_number is not None and record.status != ImportStatus.REJECTED:
                line += " " + _("(phiên bản %(number)d)") % {"number": record.version_number}
            lines.append(line)
            lines.extend(f"    - {reason}" for reason in record.reasons)
            lines.extend("    ! " + _("Cảnh báo: %(text)s") % {"text": text} for text in record.warnings)
        return lines


# ---------------------------------------------------------------------------------------------------------
# Reading a file


def packages_from_data(data: Any) -> list[Any]:
    """The packages of a decoded JSON document: a list, ``{"GoiTinThuTucQG": [...]}`` or one package."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if PACKAGE_LIST_KEY in data:
            packages = data[PACKAGE_LIST_KEY]
            if isinstance(packages, dict):
                return [packages]
            if not isinstance(packages, list):
                raise CatalogFileError(_("Khóa “GoiTinThuTucQG” phải chứa một danh sách gói tin."))
            return packages
        return [data]
    raise CatalogFileError(
        _('Tệp phải chứa một danh sách gói tin, một đối tượng {"GoiTinThuTucQG": [...]} hoặc một gói tin.')
    )


def packages_from_text(text: str) -> list[Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogFileError(
            _("Tệp không phải JSON hợp lệ (dòng %(line)d, cột %(column)d): %(error)s")
            % {"line": exc.lineno, "column": exc.colno, "error": exc.msg}
        ) from exc
    return packages_from_data(data)


def packages_from_bytes(content: bytes) -> list[Any]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogFileError(_("Tệp không được mã hóa UTF-8.")) from exc
    return packages_from_text(text)


# ---------------------------------------------------------------------------------------------------------
# Value parsers. Each raises ValueError with a Vietnamese message; the record reader adds the location.

_TIME_UNITS = (
    # Order matters: the more specific folded forms first.
    ("gio lam viec", TimeUnit.WORKING_HOURS),
    ("ngay lam viec", TimeUnit.WORKING_DAYS),
    ("gio", TimeUnit.WORKING_HOURS),
    ("ngay", TimeUnit.CALENDAR_DAYS),
)
_SAME_DAY_PHRASES = ("trong ngay", "ngay trong ngay", "trong ngay lam viec")
_NO_TIME_PHRASES = ("khong quy dinh", "khong", "")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_AMOUNT_SUFFIX = re.compile(r"\s*(?:đồng|đ|vnđ|vnd)\.?$", re.IGNORECASE)
_AMOUNT = re.compile(r"^(?:\d{1,3}(?P<sep>[.,])\d{3}(?:(?P=sep)\d{3})*|\d+)(?:[.,]00?)?$")
_DATE_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T].*)?$")
_DATE_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


def parse_time_unit(value: Any) -> TimeUnit:
    """ "Ngày làm việc", "Ngày", "Giờ", "Giờ làm việc" (any case, with or without diacritics)."""
    text = fold(value if isinstance(value, str) else "")
    if not text:
        return TimeUnit.WORKING_DAYS
    for prefix, unit in _TIME_UNITS:
        if text == prefix or text.startswith(prefix + " "):
            return unit
    raise ValueError(_("đơn vị tính “%(value)s” không được hỗ trợ") % {"value": value})


def parse_processing_time(value: Any, unit: Any = "") -> tuple[Decimal, TimeUnit]:
    """A time limit and its unit from ``THOIGIANGIAIQUYET`` and ``DONVITINH``.

    "5", "03", "0,5", "0.5" and "Không quá 30" are read as numbers; "Trong ngày" is half a working day;
    an empty value or "Không quy định" is 0 (to be set locally).
    """
    if isinstance(value, bool):
        raise ValueError(_("thời hạn phải là số"))
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    elif isinstance(value, str) or value is None:
        text = fold(value or "")
        if text in _SAME_DAY_PHRASES:
            return Decimal("0.5"), TimeUnit.WORKING_DAYS
        match = _NUMBER.search((value or "").strip())
        if match is None:
            if text in _NO_TIME_PHRASES:
                return Decimal(0), parse_time_unit(unit)
            raise ValueError(_("không đọc được thời hạn “%(value)s”") % {"value": value})
        amount = Decimal(match.group().replace(",", "."))
    else:
        raise ValueError(_("thời hạn phải là số hoặc chuỗi"))
    if amount < 0:
        raise ValueError(_("thời hạn không được âm (%(value)s)") % {"value": value})
    if amount >= 100000:
        raise ValueError(_("thời hạn quá lớn (%(value)s)") % {"value": value})
    return amount.quantize(Decimal("0.01")), parse_time_unit(unit)


def parse_channel(value: Any) -> FeeChannel:
    """ "Trực tiếp", "Trực tuyến", "Dịch vụ bưu chính" / "Bưu chính công ích" (or 1 / 2 / 3)."""
    text = fold(str(value) if isinstance(value, str | int) and not isinstance(value, bool) else "")
    if text in {"1", "truc tiep"} or text.startswith("truc tiep "):
        return FeeChannel.DIRECT
    if text in {"2", "truc tuyen"} or text.startswith("truc tuyen "):
        return FeeChannel.ONLINE
    if text == "3" or "buu chinh" in text:
        return FeeChannel.POSTAL
    raise ValueError(_("kênh “%(value)s” không được hỗ trợ") % {"value": value})


def parse_amount(value: Any) -> int:
    """An amount in VND: 50000, "50000", "50.000", "50,000", "50.000 đồng"; "" is 0."""
    if isinstance(value, bool):
        raise ValueError(_("số tiền phải là số"))
    if isinstance(value, int):
        amount = value
    elif isinstance(value, float | Decimal):
        if value != int(value):
            raise ValueError(_("số tiền phải là số nguyên đồng (%(value)s)") % {"value": value})
        amount = int(value)
    elif isinstance(value, str) or value is None:
        text = _AMOUNT_SUFFIX.sub("", (value or "").strip()).replace(" ", "")
        if not text:
            return 0
        if text.startswith("-"):
            raise ValueError(_("số tiền không được âm (%(value)s)") % {"value": value})
        if not _AMOUNT.match(text):
            raise ValueError(_("số tiền “%(value)s” không hợp lệ") % {"value": value})
        integral = re.sub(r"[.,]00?$", "", text) if re.search(r"[.,]\d{3}$", text) is None else text
        amount = int(re.sub(r"[.,]", "", integral))
    else:
        raise ValueError(_("số tiền phải là số hoặc chuỗi"))
    if amount < 0:
        raise ValueError(_("số tiền không được âm (%(value)s)") % {"value": value})
    return amount


def parse_count(value: Any) -> int:
    """A number of copies: "1", "02", 3; "" is 0."""
    if isinstance(value, bool):
        raise ValueError(_("phải là số nguyên"))
    if isinstance(value, int):
        count = value
    elif isinstance(value, str) or value is None:
        text = (value or "").strip()
        if not text:
            return 0
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(_("“%(value)s” không phải số nguyên") % {"value": value})
        count = int(text)
    else:
        raise ValueError(_("phải là số nguyên"))
    if count < 0:
        raise ValueError(_("không được âm (%(value)s)") % {"value": value})
    if count > MAX_COUNT:
        raise ValueError(_("quá lớn (%(value)s)") % {"value": value})
    return count


def parse_date(value: Any) -> date | None:
    """ "dd/mm/yyyy" or "yyyy-mm-dd" (a time part after it is ignored); "" is no date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ValueError(_("ngày phải là chuỗi dd/mm/yyyy"))
    text = value.strip()
    try:
        if match := _DATE_DMY.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _DATE_YMD.match(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise ValueError(_("ngày “%(value)s” không hợp lệ (dùng dd/mm/yyyy)") % {"value": value})


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in {"true", "false", "1", "0"}:
        return value.strip().lower() in {"true", "1"}
    raise ValueError(_("phải là true hoặc false"))


def parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("phải là số"))
    try:
        number = Decimal(str(value).strip().replace(",", ".")) if value is not None else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValueError(_("“%(value)s” không phải số") % {"value": value})
    if number < 0:
        raise ValueError(_("không được âm (%(value)s)") % {"value": value})
    if number >= 100000:
        raise ValueError(_("quá lớn (%(value)s)") % {"value": value})
    return number.quantize(Decimal("0.01"))


def package_hash(package: Any) -> str:
    """SHA-256 of the package with keys sorted, strings NFC-normalised and trimmed."""

    def normalise(value):
        if isinstance(value, dict):
            return {str(key): normalise(item) for key, item in value.items()}
        if isinstance(value, list):
            return [normalise(item) for item in value]
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value).strip()
        return value

    canonical = json.dumps(normalise(package), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Parsing one package into plain data


@dataclass
class ParsedComponent:
    code: str
    name: str
    originals: int
    copies: int
    form_name: str
    form_url: str
    replaceable_by_result_code: str
    is_required: bool = True
    accepted_types: str | None = None
    max_size_mb: int | None = None


@dataclass
class ParsedCase:
    name: str
    processing_time: Decimal = Decimal(0)
    time_unit: str = TimeUnit.WORKING_DAYS
    online_processing_time: Decimal | None = None
    no_appointment: bool = False
    supplement_rule: str = ProcedureCase.SupplementRule.RESTART
    accepted_online: bool = True
    components: list[ParsedComponent] = field(default_factory=list)


@dataclass
class ParsedFee:
    case_name: str | None  # None: every case
    channel: str  # "": every channel
    kind: str
    code: str
    amount: int
    description: str
    timing: str = Fee.Timing.BEFORE
    exemptions: str = ""


@dataclass
class ParsedPackage:
    national_code: str
    idqg: str
    local_code: str
    field_code: str
    field_name: str
    version: dict[str, Any]
    cases: list[ParsedCase]
    steps: list[tuple[str, str]]  # (case name or "", text)
    fees: list[ParsedFee]
    results: list[dict[str, str]]
    legal_bases: list[dict[str, Any]]
    agency_roles: list[tuple[str, str, str]]  # (role, MADONVI, TENDONVI)
    warnings: list[str]


class _Reader:
    """Reads values out of one package, collecting every problem as a located Vietnamese reason."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self._url_validator = URLValidator()

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def text(self, obj: dict, key: str, path: str = "", *, max_length: int | None = None) -> str:
        value = obj.get(key)
        where = f"{path}.{key}" if path else key
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(where, _("phải là chuỗi"))
            return ""
        text = unicodedata.normalize("NFC", str(value)).strip()
        if max_length is not None and len(text) > max_length:
            self.error(where, _("dài quá %(max)d ký tự") % {"max": max_length})
            return ""
        return text

    def items(self, obj: dict, key: str, path: str = "") -> list[tuple[str, dict]]:
        """``obj[key]`` as (location, item) pairs; the list must hold objects. Missing or null is empty."""
        value = obj.get(key)
        where = f"{path}.{key}" if path else key
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(where, _("phải là một danh sách"))
            return []
        pairs = []
        for position, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                self.error(f"{where}[{position}]", _("phải là một đối tượng"))
                continue
            pairs.append((f"{where}[{position}]", item))
        return pairs

    def value(self, parser, raw: Any, where: str, *args, default=None):
        """``parser(raw, *args)``, or ``default`` with the parser's message recorded as a reason."""
        try:
            return parser(raw, *args)
        except ValueError as exc:
            self.error(where, str(exc))
            return default

    def url(self, obj: dict, key: str, path: str) -> str:
        text = self.text(obj, key, path, max_length=500)
        if not text:
            return ""
        candidate = text.replace(" ", "%20")
        try:
            self._url_validator(candidate)
        except ValidationError:
            self.warnings.append(
                _("%(where)s: bỏ qua đường dẫn không hợp lệ “%(value)s”")
                % {"where": f"{path}.{key}", "value": text}
            )
            return ""
        return candidate


def _case_key(name: str) -> str:
    return fold(name)


def _fee_kind(description: str) -> str:
    """The national package does not say phí or lệ phí: lệ phí unless the description starts with "Phí"."""
    text = fold(description)
    if text == "phi" or (text.startswith("phi ") and not text.startswith("phi le phi")):
        return Fee.Kind.FEE
    return Fee.Kind.CHARGE


def _format_amount(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " " + _("đồng")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _LocalSettings:
    """What the ``MOTCUA_DIAPHUONG`` extension says; ``fees`` is None when it says nothing about fees."""

    code: str = ""
    cases: dict[str, dict] = field(default_factory=dict)
    fees: list[ParsedFee] | None = None
    components: list[tuple[str, dict]] = field(default_factory=list)


class _PackageParser(_Reader):
    """Turns one package into a ``ParsedPackage``; each ``_read_*`` step handles one part of it."""

    def __init__(self, package: dict) -> None:
        super().__init__()
        self.package = package
        self.version: dict[str, Any] = {}
        self.case_names: dict[str, str] = {}  # folded name -> name as first written

    def parse(self) -> ParsedPackage | None:
        national_code = self._read_identity()
        self._read_header()
        self._read_levels()
        field_code, field_name = self._read_main_field()
        component_groups = self._read_components()
        steps = self._read_steps()
        channel_times, national_fees = self._read_method()
        results = self._read_results()
        legal_bases = self._read_legal_bases()
        agency_roles = self._read_agency_roles()
        local = self._read_local_extension()
        cases = self._build_cases(component_groups, channel_times, local)
        self._apply_component_settings(cases, local.components)
        fees = national_fees if local.fees is None else self._check_local_fees(local.fees)
        self.version["sequence"] = _sequence_text(steps)
        if self.errors:
            return None
        return ParsedPackage(
            national_code=national_code,
            idqg=self.text(self.package, "ID", max_length=60),
            local_code=local.code,
            field_code=field_code,
            field_name=field_name or field_code,
            version=self.version,
            cases=cases,
            steps=steps,
            fees=fees,
            results=results,
            legal_bases=legal_bases,
            agency_roles=agency_roles,
            warnings=self.warnings,
        )

    def _remember_case(self, raw_name: str) -> str:
        name = normalize_spaces(raw_name)
        if name:
            self.case_names.setdefault(_case_key(name), name)
        return name

    def _read_identity(self) -> str:
        package = self.package
        national_code = self.text(package, "MaTTHC", max_length=20)
        if _is_blank(package.get("MaTTHC")):
            self.error("MaTTHC", _("thiếu mã thủ tục"))
        elif national_code:
            try:
                national_code_validator(national_code)
            except ValidationError:
                self.error("MaTTHC", _("“%(value)s” không đúng dạng 1.001234") % {"value": national_code})
        self.version["name"] = normalize_spaces(self.text(package, "TENTTHC", max_length=500))
        if _is_blank(package.get("TENTTHC")):
            self.error("TENTTHC", _("thiếu tên thủ tục"))
        return national_code

    def _read_header(self) -> None:
        package = self.package
        self.version.update(
            {
                "procedure_type": self.text(package, "LOAITTHC", max_length=100),
                "publication_decision": self.text(package, "QUYETDINH", max_length=255),
                "description": self.text(package, "MOTA"),
                "keywords": self.text(package, "TUKHOA", max_length=500),
                "requirements": self.text(package, "YEUCAU"),
                "reception_address": self.text(package, "DIACHITIEPNHAN"),
            }
        )
        subjects = self.text(package, "MOTADOITUONGTHUCHIEN")
        subject_names = [
            self.text(item, "TENDOITUONG", where) for where, item in self.items(package, "DOITUONGTHUCHIEN")
        ]
        self.version["subjects"] = subjects or ", ".join(name for name in subject_names if name)

        # Online service level (MucDo): "2" information and forms, "3" một phần, "4" toàn trình.
        level = package.get("MucDo")
        if _is_blank(level):
            self.version["online_service_level"] = OnlineServiceLevel.FORMS
        elif not isinstance(level, bool) and str(level).strip() in {"1", "2", "3", "4"}:
            self.version["online_service_level"] = int(str(level).strip())
        else:
            self.error("MucDo", _("phải là “2”, “3” hoặc “4”"))

        if not isinstance(package.get("TTHCLIENQUAN", []), list | type(None)):
            self.error("TTHCLIENQUAN", _("phải là một danh sách"))
        linked = package.get("TTHCLIENTHONG")
        if linked is not None and not isinstance(linked, list):
            self.error("TTHCLIENTHONG", _("phải là một danh sách"))
        self.version["is_interconnected"] = bool(linked)

    def _read_levels(self) -> None:
        levels = set()
        for where, item in self.items(self.package, "CAPTHUCHIEN"):
            code = self.text(item, "CAPTHUCHIEN", where)
            level = LEVEL_CODES.get(code)
            if level is None:
                words = fold(self.text(item, "TENCAP", where)).split()
                level = next(
                    (
                        name
                        for word, name in (("tinh", "province"), ("huyen", "district"), ("xa", "commune"))
                        if word in words
                    ),
                    None,
                )
            if level is None:
                self.error(where, _("cấp thực hiện “%(value)s” không hợp lệ (1, 2 hoặc 3)") % {"value": code})
            else:
                levels.add(level)
        self.version.update({f"at_{level}": level in levels for level in ("province", "district", "commune")})

    def _read_main_field(self) -> tuple[str, str]:
        """The first ``LINHVUCTHUCHIEN`` entry: (code, name)."""
        fields = self.items(self.package, "LINHVUCTHUCHIEN")
        if not fields:
            return "", ""
        where, item = fields[0]
        code = self.text(item, "MALINHVUC", where, max_length=40)
        if not code:
            self.error(where, _("thiếu mã lĩnh vực (MALINHVUC)"))
        return code, self.text(item, "TENLINHVUC", where, max_length=255)

    def _read_components(self) -> list[tuple[str, list[ParsedComponent]]]:
        """``THANHPHANHOSO`` groups as (case name or "", components)."""
        groups = []
        for where, group in self.items(self.package, "THANHPHANHOSO"):
            case_name = self._remember_case(self.text(group, "TRUONGHOP", where, max_length=500))
            components = []
            for item_where, item in self.items(group, "GIAYTO", where):
                name = self.text(item, "TENGIAYTO", item_where)
                if not name:
                    self.error(item_where, _("thiếu tên giấy tờ (TENGIAYTO)"))
                    continue
                components.append(
                    ParsedComponent(
                        code=self.text(item, "MAGIAYTO", item_where, max_length=60),
                        name=name,
                        originals=self.value(
                            parse_count, item.get("SOBANCHINH"), f"{item_where}.SOBANCHINH", default=0
                        ),
                        copies=self.value(
                            parse_count, item.get("SOBANSAO"), f"{item_where}.SOBANSAO", default=0
                        ),
                        form_name=self.text(item, "TENMAUDON", item_where, max_length=255),
                        form_url=self.url(item, "URL", item_where),
                        replaceable_by_result_code=self.text(
                            item, "MA_KQ_THAYTHE", item_where, max_length=60
                        ),
                    )
                )
            groups.append((case_name, components))
        return groups

    def _read_steps(self) -> list[tuple[str, str]]:
        steps = []
        for where, group in self.items(self.package, "TRINHTUTHUCHIEN"):
            case_name = self._remember_case(self.text(group, "TRUONGHOP", where, max_length=500))
            raw_steps = group.get("TRINHTU")
            if raw_steps is not None and not isinstance(raw_steps, list):
                self.error(f"{where}.TRINHTU", _("phải là một danh sách"))
                continue
            for position, step in enumerate(raw_steps or [], start=1):
                step_where = f"{where}.TRINHTU[{position}]"
                if isinstance(step, str):
                    text = step.strip()
                elif isinstance(step, dict):
                    text = self.text(step, "TENTRINHTU", step_where)
                else:
                    self.error(step_where, _("phải là một đối tượng"))
                    continue
                if text:
                    steps.append((case_name, text))
        return steps

    def _read_method(self) -> tuple[dict[str, tuple[Decimal, str]], list[ParsedFee]]:
        """``CACHTHUCTHUCHIEN``: each channel's first time limit, and the national fees per channel."""
        channel_times: dict[str, tuple[Decimal, str]] = {}
        channels: set[str] = set()
        fees: list[ParsedFee] = []
        method_lines, fee_lines = [], []
        for where, method in self.items(self.package, "CACHTHUCTHUCHIEN"):
            channel_text = self.text(method, "KENH", where)
            channel = self.value(parse_channel, channel_text, f"{where}.KENH")
            if channel is not None:
                channels.add(channel)
            for time_where, timing in self.items(method, "THOIGIAN", where):
                raw_time = timing.get("THOIGIANGIAIQUYET")
                raw_unit = self.text(timing, "DONVITINH", time_where)
                limit = self.value(
                    parse_processing_time, raw_time, f"{time_where}.THOIGIANGIAIQUYET", raw_unit
                )
                if limit is not None and channel is not None:
                    channel_times.setdefault(channel, limit)
                note = self.text(timing, "MOTA", time_where)
                parts = (f"{channel_text}:", str(raw_time or "").strip(), raw_unit, note)
                method_lines.append(" ".join(part for part in parts if part))
                for fee_where, item in self.items(timing, "PHILEPHI", time_where):
                    amount = self.value(parse_amount, item.get("SOTIEN"), f"{fee_where}.SOTIEN")
                    description = self.text(item, "MOTA", fee_where)
                    code = self.text(item, "MAPHILEPHI", fee_where, max_length=60)
                    if amount is None:
                        continue
                    shown_amount = _format_amount(amount) if amount or not description else ""
                    fee_lines.append(
                        f"{channel_text}: " + "; ".join(part for part in (description, shown_amount) if part)
                    )
                    if amount == 0 or channel is None:
                        continue  # "Miễn lệ phí": nothing to collect, the text above keeps the note
                    fee = ParsedFee(
                        case_name=None,
                        channel=channel,
                        kind=_fee_kind(description),
                        code=code,
                        amount=amount,
                        description=description,
                    )
                    if fee not in fees:
                        fees.append(fee)
        self.version["method"] = "\n".join(method_lines)
        self.version["fee_description"] = "\n".join(fee_lines)
        self.version["postal_submission_allowed"] = FeeChannel.POSTAL in channels
        return channel_times, fees

    def _read_results(self) -> list[dict[str, str]]:
        results = []
        for where, item in self.items(self.package, "KETQUATHUCHIEN"):
            name = self.text(item, "TENKETQUA", where)
            if not name:
                self.error(where, _("thiếu tên kết quả (TENKETQUA)"))
                continue
            results.append(
                {
                    "code": self.text(item, "MAKETQUA", where, max_length=60),
                    "name": name,
                    "template_name": self.text(item, "TENTEP", where, max_length=255),
                    "template_url": self.url(item, "URL", where),
                }
            )
        self.version["result_description"] = "\n".join(result["name"] for result in results)
        return results

    def _read_legal_bases(self) -> list[dict[str, Any]]:
        legal_bases = []
        for where, item in self.items(self.package, "CANCUPHAPLY"):
            number = self.text(item, "SOVANBAN", where, max_length=100)
            title = self.text(item, "TENVANBAN", where)
            if not number and not title:
                continue
            legal_bases.append(
                {
                    "number": number or title[:100],
                    "title": title,
                    "issuer": self.text(item, "COQUANBANHANH", where, max_length=255),
                    "issued_on": self.value(parse_date, item.get("NGAYBANHANH"), f"{where}.NGAYBANHANH"),
                    "effective_on": self.value(parse_date, item.get("NGAYHIEULUC"), f"{where}.NGAYHIEULUC"),
                    "url": self.url(item, "DIACHITRUYCAP", where),
                }
            )
        return legal_bases

    def _read_agency_roles(self) -> list[tuple[str, str, str]]:
        roles = []
        for key, role in AGENCY_ROLE_KEYS.items():
            for where, item in self.items(self.package, key):
                code = self.text(item, "MADONVI", where, max_length=60).upper()
                name = self.text(item, "TENDONVI", where, max_length=255)
                if code or name:
                    roles.append((role, code, name))
        return roles

    def _read_local_extension(self) -> _LocalSettings:
        local = _LocalSettings()
        extension = self.package.get(LOCAL_EXTENSION_KEY)
        if extension is None:
            return local
        ext = LOCAL_EXTENSION_KEY
        if not isinstance(extension, dict):
            self.error(ext, _("phải là một đối tượng"))
            return local
        local.code = self.text(extension, "MaTTHCDiaPhuong", ext, max_length=60)
        for key, model_field in (
            ("BuuChinhNopHoSo", "postal_submission_allowed"),
            ("BuuChinhTraKetQua", "postal_return_allowed"),
            ("ThanhToanTrucTuyen", "online_payment_offered"),
            ("LienThong", "is_interconnected"),
        ):
            if extension.get(key) is not None:
                flag = self.value(parse_bool, extension[key], f"{ext}.{key}")
                if flag is not None:
                    self.version[model_field] = flag
        for where, item in self.items(extension, "TruongHop", ext):
            case_name = self._remember_case(self.text(item, "TRUONGHOP", where, max_length=500))
            if not case_name:
                self.error(where, _("thiếu tên trường hợp (TRUONGHOP)"))
                continue
            local.cases[_case_key(case_name)] = self._read_local_case(item, where)
        if extension.get("PhiLePhi") is not None:
            local.fees = [
                fee
                for where, item in self.items(extension, "PhiLePhi", ext)
                if (fee := self._read_local_fee(item, where)) is not None
            ]
        local.components = self.items(extension, "ThanhPhan", ext)
        return local

    def _read_local_case(self, item: dict, where: str) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        if item.get("ThoiGian") is None:
            self.error(where, _("thiếu thời hạn (ThoiGian)"))
        else:
            settings["processing_time"] = self.value(
                parse_decimal, item["ThoiGian"], f"{where}.ThoiGian", default=Decimal(0)
            )
        settings["time_unit"] = self.value(
            parse_time_unit, item.get("DonViTinh"), f"{where}.DonViTinh", default=TimeUnit.WORKING_DAYS
        )
        if item.get("ThoiGianTrucTuyen") is not None:
            settings["online_processing_time"] = self.value(
                parse_decimal, item["ThoiGianTrucTuyen"], f"{where}.ThoiGianTrucTuyen"
            )
        rule = item.get("BoSung")
        if rule is not None:
            if rule in ProcedureCase.SupplementRule.values:
                settings["supplement_rule"] = rule
            else:
                self.error(f"{where}.BoSung", _("phải là “restart” hoặc “pause”"))
        for key, attribute in (("TiepNhanTrucTuyen", "accepted_online"), ("KhongHenNgay", "no_appointment")):
            if item.get(key) is not None:
                flag = self.value(parse_bool, item[key], f"{where}.{key}")
                if flag is not None:
                    settings[attribute] = flag
        return settings

    def _read_local_fee(self, item: dict, where: str) -> ParsedFee | None:
        errors_before = len(self.errors)
        channel = ""
        if not _is_blank(item.get("KENH")):
            channel = self.value(parse_channel, item["KENH"], f"{where}.KENH", default="")
        kind = item.get("LOAI") or Fee.Kind.CHARGE
        if kind not in Fee.Kind.values:
            self.error(f"{where}.LOAI", _("phải là “phi” hoặc “le_phi”"))
        timing = item.get("THOIDIEMTHU") or Fee.Timing.BEFORE
        if timing not in Fee.Timing.values:
            self.error(f"{where}.THOIDIEMTHU", _("phải là “before”, “after” hoặc “exempt”"))
        fee = ParsedFee(
            case_name=normalize_spaces(self.text(item, "TRUONGHOP", where)) or None,
            channel=channel,
            kind=kind,
            code=self.text(item, "MAPHILEPHI", where, max_length=60),
            amount=self.value(parse_amount, item.get("SOTIEN"), f"{where}.SOTIEN", default=0),
            description=self.text(item, "MOTA", where),
            timing=timing,
            exemptions=self.text(item, "MIENGIAM", where),
        )
        return fee if len(self.errors) == errors_before else None

    def _build_cases(
        self,
        component_groups: list[tuple[str, list[ParsedComponent]]],
        channel_times: dict[str, tuple[Decimal, str]],
        local: _LocalSettings,
    ) -> list[ParsedCase]:
        """One case per name (or "Trường hợp chung"), timed by the local settings, else by the channels."""
        if not self.case_names:
            self.case_names[_case_key(GENERAL_CASE_NAME)] = GENERAL_CASE_NAME
        general_time = channel_times.get(FeeChannel.DIRECT) or next(iter(channel_times.values()), None)
        online_time = channel_times.get(FeeChannel.ONLINE)
        cases = []
        for key, name in self.case_names.items():
            case = ParsedCase(name=name)
            if key in local.cases:
                for attribute, value in local.cases[key].items():
                    setattr(case, attribute, value)
            elif general_time is not None:
                case.processing_time, case.time_unit = general_time
                if (
                    online_time is not None
                    and online_time[1] == case.time_unit
                    and online_time != general_time
                ):
                    case.online_processing_time = online_time[0]
            else:
                self.warnings.append(
                    _(
                        "Trường hợp “%(name)s” không có thời hạn giải quyết; thời hạn được đặt bằng 0, cần cập nhật."
                    )
                    % {"name": name}
                )
            for group_case, components in component_groups:
                if not group_case or _case_key(group_case) == key:
                    # Each case gets its own copies, so local settings can differ per case later on.
                    case.components.extend(replace(component) for component in components)
            cases.append(case)
        return cases

    def _apply_component_settings(self, cases: list[ParsedCase], settings: list[tuple[str, dict]]) -> None:
        """``MOTCUA_DIAPHUONG.ThanhPhan``: formats, size and "required" for every component with that code."""
        for where, item in settings:
            code = self.text(item, "MAGIAYTO", where, max_length=60)
            matching = [c for case in cases for c in case.components if code and c.code == code]
            if not matching:
                self.error(where, _("không có giấy tờ mã “%(code)s” trong thành phần hồ sơ") % {"code": code})
                continue
            values: dict[str, Any] = {}
            if item.get("DinhDang") is not None:
                types = self.text(item, "DinhDang", where, max_length=100)
                values["accepted_types"] = ",".join(
                    part.strip().lower().lstrip(".") for part in types.split(",") if part.strip(" .")
                )
                if not values["accepted_types"]:
                    self.error(f"{where}.DinhDang", _("cần ít nhất một định dạng, ví dụ “pdf,jpg”"))
            if item.get("DungLuongMB") is not None:
                size = self.value(parse_count, item["DungLuongMB"], f"{where}.DungLuongMB")
                if size == 0:
                    self.error(f"{where}.DungLuongMB", _("phải lớn hơn 0"))
                elif size is not None:
                    values["max_size_mb"] = size
            if item.get("BatBuoc") is not None:
                required = self.value(parse_bool, item["BatBuoc"], f"{where}.BatBuoc")
                if required is not None:
                    values["is_required"] = required
            for component in matching:
                for attribute, value in values.items():
                    setattr(component, attribute, value)

    def _check_local_fees(self, fees: list[ParsedFee]) -> list[ParsedFee]:
        for fee in fees:
            if fee.case_name is not None and _case_key(fee.case_name) not in self.case_names:
                self.error(
                    f"{LOCAL_EXTENSION_KEY}.PhiLePhi",
                    _("không có trường hợp “%(name)s” để gắn phí") % {"name": fee.case_name},
                )
        return fees


def parse_package(package: Any) -> tuple[ParsedPackage | None, list[str], list[str]]:
    """Check and normalise one package. Returns (parsed or None, every error found, warnings)."""
    if not isinstance(package, dict):
        return None, [_("Gói tin phải là một đối tượng JSON.")], []
    parser = _PackageParser(package)
    parsed = parser.parse()
    return parsed, parser.errors, parser.warnings


def _sequence_text(steps: list[tuple[str, str]]) -> str:
    lines, current = [], None
    for case_name, text in steps:
        if case_name != current:
            if case_name:
                lines.append(f"{case_name}:")
            current = case_name
        lines.append(text)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# Writing


def _as_moment(value: date | datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, time.min))


def _agency_for(code: str, cache: dict[str, Agency | None]) -> Agency | None:
    """The agency whose QCVN 102 code, else whose QĐ 20 code, is ``code``; None if unknown or ambiguous."""
    if not code:
        return None
    if code not in cache:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            candidates = list(Agency.objects.filter(code_qd20=code).order_by("-is_active", "pk")[:2])
            unambiguous = len(candidates) == 1 or (
                len(candidates) == 2 and candidates[0].is_active and not candidates[1].is_active
            )
            agency = candidates[0] if candidates and unambiguous else None
        cache[code] = agency
    return cache[code]


def _procedure_for(parsed: ParsedPackage) -> tuple[Procedure, bool]:
    """The procedure with ``parsed``'s code, locked, with its identifiers refreshed; (procedure, created)."""
    procedure = Procedure.objects.select_for_update().filter(national_code=parsed.national_code).first()
    if procedure is None:
        procedure = Procedure(
            national_code=parsed.national_code, idqg=parsed.idqg, local_code=parsed.local_code
        )
        procedure.full_clean()
        procedure.save()
        return procedure, True
    return procedure, False


def _refresh_identifiers(procedure: Procedure, parsed: ParsedPackage) -> None:
    changed = [
        attribute
        for attribute in ("idqg", "local_code")
        if getattr(parsed, attribute) and getattr(procedure, attribute) != getattr(parsed, attribute)
    ]
    for attribute in changed:
        setattr(procedure, attribute, getattr(parsed, attribute))
    if changed:
        procedure.save(update_fields=[*changed, "updated_at"])


def _field_for(parsed: ParsedPackage) -> CatalogField | None:
    if not parsed.field_code:
        return None
    main_field, created = CatalogField.objects.get_or_create(
        code=parsed.field_code, defaults={"name": parsed.field_name}
    )
    if not created and parsed.field_name and main_field.name != parsed.field_name:
        main_field.name = parsed.field_name
        main_field.save(update_fields=["name", "updated_at"])
    return main_field


def _write_children(
    version: ProcedureVersion, parsed: ParsedPackage, agencies: dict
) -> list[tuple[str, str]]:
    """Cases, components, steps, fees, results, legal bases and agency roles; returns unknown agencies."""
    cases_by_key, components = {}, []
    for order, parsed_case in enumerate(parsed.cases, start=1):
        case_values = {key: value for key, value in asdict(parsed_case).items() if key != "components"}
        case = ProcedureCase.objects.create(version=version, order=order, **case_values)
        cases_by_key[_case_key(parsed_case.name)] = case
        components.extend(
            # None means "keep the model default" (accepted formats, size limit).
            CaseComponent(
                case=case, order=position, **{k: v for k, v in asdict(item).items() if v is not None}
            )
            for position, item in enumerate(parsed_case.components, start=1)
        )
    CaseComponent.objects.bulk_create(components)
    SequenceStep.objects.bulk_create(
        SequenceStep(version=version, case_name=case_name, order=order, text=text)
        for order, (case_name, text) in enumerate(parsed.steps, start=1)
    )
    Fee.objects.bulk_create(
        Fee(
            version=version,
            case=cases_by_key[_case_key(fee.case_name)] if fee.case_name else None,
            **{key: value for key, value in asdict(fee).items() if key != "case_name"},
        )
        for fee in parsed.fees
    )
    ProcedureResult.objects.bulk_create(ProcedureResult(version=version, **item) for item in parsed.results)
    LegalBasis.objects.bulk_create(LegalBasis(version=version, **item) for item in parsed.legal_bases)
    roles, unknown = [], []
    for role, code, name in parsed.agency_roles:
        agency = _agency_for(code, agencies)
        if agency is not None:
            roles.append(ProcedureAgency(version=version, role=role, agency=agency))
            continue
        roles.append(ProcedureAgency(version=version, role=role, external_code=code, external_name=name))
        if code and (code, name) not in unknown:
            unknown.append((code, name))
    ProcedureAgency.objects.bulk_create(roles)
    return unknown


def _write(
    parsed: ParsedPackage, *, digest: str, raw: dict, effective_from: datetime | None, agencies: dict
) -> tuple[ImportStatus, int, list[tuple[str, str]], list[str]]:
    """Write ``parsed`` as a new published version; returns (status, version number, unknown agencies, notes
    of the publication such as process templates carried over)."""
    procedure, created = _procedure_for(parsed)
    if not created:
        latest = procedure.versions.exclude(package_hash="").order_by("-number").first()
        if latest is not None and latest.package_hash == digest:
            return ImportStatus.UNCHANGED, latest.number, [], []
        _refresh_identifiers(procedure, parsed)
    version = procedure_version_create_draft(
        procedure=procedure, field=_field_for(parsed), raw_package=raw, package_hash=digest, **parsed.version
    )
    unknown = _write_children(version, parsed, agencies)
    published = procedure_version_publish(version=version, effective_from=effective_from)
    status = ImportStatus.ACCEPTED if created else ImportStatus.UPDATED
    return status, version.number, unknown, published.publish_notes


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ApplicationError):
        return [exc.message]
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return [f"{key}: {message}" for key, messages in exc.message_dict.items() for message in messages]
        return list(exc.messages)
    return [_("Lỗi ghi cơ sở dữ liệu: %(error)s") % {"error": exc}]


def import_catalog_packages(
    packages: Iterable[Any],
    *,
    source: str = "",
    effective_from: date | datetime | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import national packages, each in its own savepoint, and report what happened to each.

    New procedures are "accepted", changed packages publish a new version ("updated") from ``effective_from``
    (a date means 00:00 that day; default: now), identical packages are "unchanged" and broken ones
    "rejected" with their reasons. With ``dry_run`` everything is checked and rolled back.
    """
    report = ImportReport(source=source, dry_run=dry_run)
    moment = _as_moment(effective_from)
    agencies: dict[str, Agency | None] = {}
    seen: dict[str, int] = {}
    with transaction.atomic():
        for index, package in enumerate(packages, start=1):
            report.records.append(_import_one(index, package, moment=moment, agencies=agencies, seen=seen))
        if dry_run:
            transaction.set_rollback(True)
    return report


def _import_one(
    index: int, package: Any, *, moment: datetime | None, agencies: dict, seen: dict[str, int]
) -> RecordOutcome:
    code = ""
    if isinstance(package, dict) and isinstance(package.get("MaTTHC"), str | int | float):
        code = str(package["MaTTHC"]).strip()
    parsed, errors, warnings = parse_package(package)
    outcome = RecordOutcome(index=index, national_code=code, status=ImportStatus.REJECTED, warnings=warnings)
    if parsed is None:
        outcome.reasons = errors
        return outcome
    if parsed.national_code in seen:
        outcome.reasons = [
            _("Trùng MaTTHC với bản ghi #%(index)d trong cùng tệp.") % {"index": seen[parsed.national_code]}
        ]
        return outcome
    seen[parsed.national_code] = index
    try:
        with transaction.atomic():
            outcome.status, outcome.version_number, unknown, notes = _write(
                parsed, digest=package_hash(package), raw=package, effective_from=moment, agencies=agencies
            )
    except (ApplicationError, ValidationError, DatabaseError) as exc:
        outcome.status = ImportStatus.REJECTED
        outcome.reasons = _messages(exc)
        return outcome
    outcome.warnings.extend(
        _("Cơ quan “%(code)s” (%(name)s) không có trong danh mục cơ quan; lưu theo mã và tên.")
        % {"code": agency_code, "name": agency_name}
        for agency_code, agency_name in unknown
    )
    outcome.warnings.extend(notes)
    return outcome

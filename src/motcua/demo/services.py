"""Loading the demo province (Hà Tĩnh, H42) into the database, in one transaction, re-runnable.

The data lives in ``data/``: ``agencies.json`` (administrative units, agencies, one-stop units for each
variant), ``procedures.json`` (national ``GoiTinThuTucQG`` packages with the local ``MOTCUA_DIAPHUONG``
settings, imported through the real catalog importer), ``forms.json`` (the fields of each application form,
rendered to .docx) and ``accounts.json`` (staff, applicants and the superuser). Every row is matched on its
natural key (code, username), so loading twice updates in place and never duplicates. Last, ``history.py``
adds a year of made-up dossiers through the historical CSV importer, for the report screens.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from motcua.agencies.models import AdministrativeUnit, Agency, OneStopUnit, StaffMembership, StaffRole
from motcua.catalog.importer import ImportReport, import_catalog_packages
from motcua.catalog.models import CaseComponent, Procedure
from motcua.core.errors import ValidationFailed
from motcua.core.text import fold

from .docx import FormTemplate, render_form
from .history import load_history

DATA_DIR = Path(__file__).resolve().parent / "data"
VARIANTS = ("two-level", "three-level")
DEFAULT_VARIANT = "two-level"
DEFAULT_PASSWORD = "motcua-demo"
FORMS_DIR = "forms/demo"

_LEVEL_CODES = {"province": "1", "district": "2", "commune": "3"}
_LEVEL_TITLES = {"province": "Cấp Tỉnh", "district": "Cấp Huyện", "commune": "Cấp Xã"}
_COMMITTEE_DESCRIPTIONS = {"district": "Ủy ban nhân dân cấp huyện", "commune": "Ủy ban nhân dân cấp xã"}
# Lines of a form that has no entry in forms.json: who asks, and for what.
_DEFAULT_FORM_FIELDS = [
    "Họ, chữ đệm, tên người đề nghị",
    "Số định danh cá nhân",
    "Nơi cư trú",
    "Số điện thoại, thư điện tử",
    "Nội dung đề nghị",
]


@dataclass
class DemoAccount:
    username: str
    full_name: str
    role: str
    agency: str = ""


@dataclass
class DemoLoadReport:
    variant: str
    title: str
    administrative_units: int = 0
    agencies: int = 0
    one_stop_units: int = 0
    catalog: ImportReport | None = None
    forms: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)
    history: Any = None  # reports.importer.ImportReport of the dossier history (demo/history.py)


@cache
def demo_data(name: str) -> dict[str, Any]:
    """The decoded ``data/<name>.json`` file."""
    with (DATA_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def variant_spec(variant: str) -> dict[str, Any]:
    variants = demo_data("agencies")["variants"]
    if variant not in variants:
        raise ValidationFailed(
            _("Không có phương án “%(variant)s”; chọn một trong: %(choices)s.")
            % {"variant": variant, "choices": ", ".join(variants)}
        )
    return variants[variant]


def _date(value: str | None) -> date | None:
    return datetime.strptime(value, "%d/%m/%Y").date() if value else None


# ---------------------------------------------------------------------------------------------------------
# Agencies


def _load_administrative_units(spec: dict) -> int:
    units: dict[str, AdministrativeUnit] = {}
    valid_from = _date(spec.get("valid_from"))
    for item in spec["administrative_units"]:
        unit = AdministrativeUnit.objects.filter(code=item["code"]).first() or AdministrativeUnit(
            code=item["code"]
        )
        unit.name = item["name"]
        unit.division_type = item["division_type"]
        unit.level = item["level"]
        unit.parent = units[item["parent"]] if item["parent"] else None
        unit.valid_from = valid_from
        unit.full_clean()
        unit.save()
        units[unit.code] = unit
    return len(units)


def _address(unit: AdministrativeUnit) -> str:
    """ "Phường Bắc Hà, thành phố Hà Tĩnh, tỉnh Hà Tĩnh": the unit and the units above it."""
    parts = [unit.name]
    while unit.parent_id:
        unit = unit.parent
        parts.append(unit.name[:1].lower() + unit.name[1:])
    return ", ".join(parts)


def _load_agencies(spec: dict) -> dict[str, Agency]:
    """Create or update the variant's agencies, parents first (the file lists them in that order)."""
    agencies: dict[str, Agency] = {}
    units = {unit.code: unit for unit in AdministrativeUnit.objects.select_related("parent__parent")}
    valid_from = _date(spec.get("valid_from"))
    for item in spec["agencies"]:
        agency = Agency.objects.filter(code=item["code"]).first() or Agency(code=item["code"])
        agency.code_qd20 = item.get("code_qd20", "")
        agency.name = item["name"]
        agency.short_name = item.get("short_name", "")
        agency.kind = item["kind"]
        agency.level = item["level"]
        agency.parent = agencies[item["parent"]] if item.get("parent") else None
        agency.administrative_unit = units[item["unit"]]
        agency.address = item.get("address") or _address(units[item["unit"]])
        agency.phone = item.get("phone", "")
        agency.email = item.get("email", "")
        agency.is_active = True
        agency.valid_from = valid_from
        agency.full_clean()
        agency.save()
        agencies[agency.code] = agency
    return agencies


def _load_one_stop_units(spec: dict, agencies: dict[str, Agency]) -> int:
    for item in spec["one_stop_units"]:
        unit, _created = OneStopUnit.objects.update_or_create(
            agency=agencies[item["agency"]],
            defaults={"saturday_morning_open": item.get("saturday_morning_open", False)},
        )
        unit.served_agencies.set([agencies[code] for code in item["serves"]])
    return len(spec["one_stop_units"])


# ---------------------------------------------------------------------------------------------------------
# Catalog


def catalog_packages(variant: str) -> list[dict]:
    """The national packages of the demo catalog, with their agencies fitted to ``variant``.

    The data file is written for the two-level province. A package naming agencies that the variant does not
    have (the communes of 2025), or whose levels the variant overrides (``procedure_levels``: handled by the
    district before the reform), is given the People's Committees of its levels in that variant instead.
    Agency names always follow the variant (a department's name before the 2025 mergers).
    """
    spec = variant_spec(variant)
    agencies = {item["code"]: item for item in spec["agencies"]}
    overrides = spec.get("procedure_levels", {})
    packages = []
    for original in demo_data("procedures")["packages"]:
        package = copy.deepcopy(original)
        named = [
            entry["MADONVI"]
            for key in ("COQUANTHUCHIEN", "COQUANCOTHAMQUYEN", "COQUANPHOIHOP")
            for entry in package[key]
        ]
        levels = overrides.get(package["MaTTHC"])
        if levels is None and any(code not in agencies for code in named):
            levels = [
                level
                for level, code in _LEVEL_CODES.items()
                if any(entry["CAPTHUCHIEN"] == code for entry in package["CAPTHUCHIEN"])
            ]
        if levels is not None:
            _refit_levels(package, spec, levels)
        for key in ("COQUANTHUCHIEN", "COQUANCOTHAMQUYEN", "COQUANPHOIHOP"):
            package[key] = [
                {"MADONVI": entry["MADONVI"], "TENDONVI": agencies[entry["MADONVI"]]["name"]}
                if entry["MADONVI"] in agencies
                else entry
                for entry in package[key]
            ]
        packages.append(package)
    return packages


def _refit_levels(package: dict, spec: dict, levels: list[str]) -> None:
    committees = [
        {"MADONVI": item["code"], "TENDONVI": item["name"]}
        for level in levels
        for item in spec["agencies"]
        if item["kind"] == Agency.Kind.PEOPLE_COMMITTEE and item["level"] == level
    ]
    if "province" in levels or not committees:
        raise ValidationFailed(
            _("Dữ liệu mẫu: thủ tục %(code)s không gắn được với cơ quan của phương án này.")
            % {"code": package["MaTTHC"]}
        )
    package["CAPTHUCHIEN"] = [
        {"CAPTHUCHIEN": _LEVEL_CODES[level], "TENCAP": _LEVEL_TITLES[level]} for level in levels
    ]
    package["COQUANTHUCHIEN"] = committees
    package["COQUANCOTHAMQUYEN"] = copy.deepcopy(committees)
    description = ", ".join(_COMMITTEE_DESCRIPTIONS[level] for level in levels)
    package["MOTACOQUANTHUCHIEN"] = package["MOTACOQUANTHAMQUYEN"] = description
    if "district" in levels:
        package["DIACHITIEPNHAN"] = "Bộ phận Tiếp nhận và Trả kết quả của Ủy ban nhân dân cấp huyện" + (
            " hoặc cấp xã" if "commune" in levels else ""
        )


def _import_catalog(variant: str, spec: dict) -> ImportReport:
    packages = catalog_packages(variant)
    codes = [package["MaTTHC"] for package in packages]
    # The first load dates the catalog from the variant's reference day; a later change to a procedure
    # publishes a new version from now (a version cannot start on or before the one it replaces).
    first_load = not Procedure.objects.filter(national_code__in=codes).exists()
    report = import_catalog_packages(
        packages,
        source=f"demo:{variant}",
        effective_from=_date(spec["effective_from"]) if first_load else None,
    )
    if report.has_rejections:
        reasons = [
            f"{record.national_code}: {reason}" for record in report.rejected for reason in record.reasons
        ]
        raise ValidationFailed(
            _("Dữ liệu mẫu có %(count)d thủ tục bị từ chối khi nhập: %(reasons)s")
            % {"count": len(report.rejected), "reasons": "; ".join(reasons)}
        )
    return report


# ---------------------------------------------------------------------------------------------------------
# Forms


def form_template(form_name: str) -> FormTemplate:
    """The printable form called ``form_name`` (fields from forms.json, or a general request form)."""
    spec = demo_data("forms")["forms"].get(form_name)
    if spec is None:
        return FormTemplate(title=form_name, fields=list(_DEFAULT_FORM_FIELDS))
    return FormTemplate(
        title=form_name,
        recipient=spec.get("recipient", ""),
        fields=list(spec["fields"]),
        note=spec.get("note", ""),
        **{key: spec[key] for key in ("signer", "signature_hint") if key in spec},
    )


def form_file_name(form_name: str) -> str:
    return f"{FORMS_DIR}/{slugify(fold(form_name))[:80]}.docx"


def _attach_forms(codes: list[str]) -> int:
    """Render each form named by the demo procedures to .docx, store it, and point the components at it."""
    components = CaseComponent.objects.filter(case__version__procedure__national_code__in=codes).exclude(
        form_name=""
    )
    names = sorted(set(components.values_list("form_name", flat=True)))
    for name in names:
        target = form_file_name(name)
        # Replace the previous rendering in place so the stored name (and every link to it) stays the same.
        if default_storage.exists(target):
            default_storage.delete(target)
        stored = default_storage.save(target, ContentFile(render_form(form_template(name))))
        components.filter(form_name=name).exclude(form_file=stored).update(form_file=stored)
    return len(names)


# ---------------------------------------------------------------------------------------------------------
# Accounts


def _user(username: str, *, password_hash: str, **attributes) -> Any:
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first() or user_model(username=username)
    for attribute, value in attributes.items():
        setattr(user, attribute, value)
    user.is_active = True
    user.password = password_hash
    user.save()
    return user


def _load_accounts(spec: dict, agencies: dict[str, Agency], password: str) -> list[DemoAccount]:
    accounts_data = demo_data("accounts")
    # The demo password is shared and printed, so one hash (one salt) serves every account: hashing it
    # separately for each of the ~30 accounts would cost about ten seconds for no protection at all.
    password_hash = make_password(password)
    kinds = get_user_model().Kind
    accounts = []

    admin = accounts_data["superuser"]
    _user(
        admin["username"],
        password_hash=password_hash,
        kind=kinds.STAFF,
        full_name=admin["full_name"],
        email=admin.get("email", ""),
        is_staff=True,
        is_superuser=True,
    )
    accounts.append(
        DemoAccount(admin["username"], admin["full_name"], _("Quản trị toàn hệ thống (superuser)"))
    )

    roles = dict(StaffRole.choices)
    for item in accounts_data["staff"]:
        agency = agencies[spec["staff_places"][item["place"]]]
        user = _user(
            item["username"],
            password_hash=password_hash,
            kind=kinds.STAFF,
            full_name=item["full_name"],
            phone=item.get("phone", ""),
            # Only administrators use the Django admin site; the others work in the back office.
            is_staff=item["role"] == StaffRole.ADMINISTRATOR,
            is_superuser=False,
        )
        membership, _created = StaffMembership.objects.update_or_create(
            user=user, agency=agency, role=item["role"], defaults={"title": item["title"], "is_active": True}
        )
        # Loading another variant moves the account: its same role elsewhere is switched off.
        StaffMembership.objects.filter(user=user, role=item["role"]).exclude(pk=membership.pk).update(
            is_active=False
        )
        accounts.append(DemoAccount(user.username, user.full_name, str(roles[item["role"]]), agency.name))

    for item in accounts_data["applicants"]:
        user = _user(
            item["username"],
            password_hash=password_hash,
            kind=item["kind"],
            full_name=item["full_name"],
            phone=item["phone"],
            email=item.get("email", ""),
            identity_number=item["identity_number"],
            address=item["address"],
            is_staff=False,
            is_superuser=False,
        )
        accounts.append(
            DemoAccount(user.username, user.full_name, str(kinds(user.kind).label), item["address"])
        )
    return accounts


# ---------------------------------------------------------------------------------------------------------


def demo_province_load(*, variant: str = DEFAULT_VARIANT, password: str = DEFAULT_PASSWORD) -> DemoLoadReport:
    """Load (or refresh in place) the demo province ``variant`` with one ``password`` for every account.

    Everything happens in one transaction: a rejected catalog record or an invalid row changes nothing
    (form files already written to storage are simply overwritten by the next load).
    """
    spec = variant_spec(variant)
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed(
            _("Mật khẩu demo không đạt yêu cầu: %(errors)s") % {"errors": " ".join(exc.messages)}
        ) from exc
    report = DemoLoadReport(variant=variant, title=spec["title"])
    with transaction.atomic():
        report.administrative_units = _load_administrative_units(spec)
        agencies = _load_agencies(spec)
        report.agencies = len(agencies)
        report.one_stop_units = _load_one_stop_units(spec, agencies)
        report.catalog = _import_catalog(variant, spec)
        report.forms = _attach_forms([record.national_code for record in report.catalog.records])
        report.accounts = _load_accounts(spec, agencies, password)
        # A year of dossier history for the report screens (rows already present are skipped).
        report.history = load_history()
    return report

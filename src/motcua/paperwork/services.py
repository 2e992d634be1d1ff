"""Issuing the official forms (Mẫu 01–06) as PDF and keeping them with the dossier.

* ``paperwork_issue(dossier=, form=, actor=)`` -> ``PaperworkDocument``: returns the kept document when the
  dossier data the form shows is unchanged (a re-print is then the same file, byte for byte); otherwise
  renders the form, gives it its number (Mẫu 01–04) and keeps it. Earlier documents stay kept.
* ``paperwork_document(dossier=, form=)`` -> ``(filename, pdf_bytes)``: the same, for printing or download.
* ``paperwork_register(agency=, start=, end=)`` -> ``(filename, pdf_bytes)``: Mẫu 06 for the dossiers the
  agency received in a date range; a report of the moment, not kept. ``paperwork_register_xlsx`` gives the
  same lines as an Excel workbook.

The caller passes a dossier it obtained through the access gate (``dossiers.selectors.dossier_get_for``);
these services do not check permissions again.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency
from motcua.core.errors import ValidationFailed
from motcua.dossiers.models import Dossier

from . import content as forms
from .models import Form, PaperworkDocument
from .numbering import format_number, next_number, register_entry_for
from .rendering import render_pdf
from .selectors import latest_document, read_document

logger = logging.getLogger(__name__)

# Mẫu 06 for a range is one PDF laid out in the request (about 40 ms per line, see bench/bench_paperwork.py);
# beyond this many lines, print shorter ranges.
REGISTER_MAX_ROWS = 1000
# The Excel copy costs no layout; its limit only bounds the memory of one request.
REGISTER_XLSX_MAX_ROWS = 20000


def _actor_user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def document_filename(form: str, code: str, number: str = "") -> str:
    """ "Mau01_000.00.01.H56-260302-0001_15-TNHS.pdf": the form, the dossier code and the number if any."""
    suffix = f"_{number.replace('/', '-')}" if number else ""
    return f"Mau{form}_{code}{suffix}.pdf"


def paperwork_issue(*, dossier: Dossier, form: str, actor=None) -> PaperworkDocument:
    """The current ``form`` of ``dossier``, kept. Re-uses the last kept document of that form when the
    dossier data it shows did not change; otherwise issues a new one (new number for Mẫu 01–04).

    Raises ``ValidationFailed`` (code ``form_not_applicable``) when the dossier has no such form yet, e.g.
    Mẫu 03 for a dossier that was not refused.
    """
    forms.check_form(form)
    form_set = forms.form_set_for(dossier)
    kept = latest_document(dossier, form)
    if (
        kept is not None
        and kept.form_set == form_set.name
        and kept.content_hash
        == forms.fingerprint(form, form_set.name, forms.form_content(dossier, form, form_set))
    ):
        return kept
    return _issue(dossier=dossier, form=form, form_set=form_set, actor=actor)


@transaction.atomic
def _issue(*, dossier: Dossier, form: str, form_set: forms.FormSet, actor) -> PaperworkDocument:
    # Lock the dossier row: two clerks printing at once get one document, and the data cannot change
    # between reading it and keeping the PDF made from it.
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related(
            "receiving_agency", "competent_agency", "procedure_version__procedure", "procedure_case"
        )
        .get(pk=dossier.pk)
    )
    if form in (Form.RECEIPT, Form.REGISTER):
        register_entry_for(locked)
    context = forms.form_content(locked, form, form_set)
    content_hash = forms.fingerprint(form, form_set.name, context)
    kept = latest_document(locked, form)
    if kept is not None and kept.form_set == form_set.name and kept.content_hash == content_hash:
        return kept  # someone else issued it while we waited for the lock

    series = form_set.series.get(form)
    now = timezone.now()
    if series:
        year = timezone.localdate(context.get("issued_on") or now).year
        number = next_number(agency_id=context["issuer"]["id"], series=series, year=year)
        context["number"] = format_number(number, series)
    pdf = render_pdf(forms.template_name(form_set, form), context)
    document = PaperworkDocument(
        dossier=locked,
        form=form,
        form_set=form_set.name,
        number=context["number"],
        filename=document_filename(form, locked.code, context["number"]),
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        content_hash=content_hash,
        dossier_revision=locked.revision,
        created_at=now,
        created_by=_actor_user(actor),
    )
    try:
        document.file.save(document.filename, ContentFile(pdf), save=False)
        document.save()
    except Exception:
        if document.file.name:
            document.file.storage.delete(document.file.name)
        raise
    logger.info("paperwork issued", extra={"dossier": locked.code, "form": form, "number": document.number})
    return document


def paperwork_document(*, dossier: Dossier, form: str, actor=None) -> tuple[str, bytes]:
    """(filename, PDF bytes) of ``form`` ("01".."06") for ``dossier``: the kept document, issued if needed."""
    document = paperwork_issue(dossier=dossier, form=form, actor=actor)
    return document.filename, read_document(document)


def paperwork_register(*, agency: Agency, start: date, end: date) -> tuple[str, bytes]:
    """Mẫu 06, Sổ theo dõi hồ sơ: the dossiers ``agency`` received from ``start`` to ``end`` (inclusive),
    in register order. A report of the moment (not kept)."""
    start, end, context = _register_context(agency=agency, start=start, end=end, limit=REGISTER_MAX_ROWS)
    pdf = render_pdf(forms.template_name(forms.FORM_SETS[-1], Form.REGISTER), context)
    return _register_filename(agency, start, end, "pdf"), pdf


def paperwork_register_xlsx(*, agency: Agency, start: date, end: date) -> tuple[str, bytes]:
    """Mẫu 06 as an Excel workbook: the same lines and columns as ``paperwork_register`` (dates as Excel
    dates in Vietnam time, ``dd/mm/yyyy hh:mm``), for officers who keep or sort the register in Excel.
    Not kept; refuses more than ``REGISTER_XLSX_MAX_ROWS`` lines."""
    from .register_sheet import register_workbook

    start, end, context = _register_context(agency=agency, start=start, end=end, limit=REGISTER_XLSX_MAX_ROWS)
    return _register_filename(agency, start, end, "xlsx"), register_workbook(context)


def _register_filename(agency: Agency, start: date, end: date, extension: str) -> str:
    return f"Mau06_So-theo-doi-ho-so_{agency.code}_{start:%Y%m%d}-{end:%Y%m%d}.{extension}"


def _register_context(*, agency: Agency, start: date, end: date, limit: int) -> tuple[date, date, dict]:
    start, end = (timezone.localdate(d) if isinstance(d, datetime) else d for d in (start, end))
    if start > end:
        raise ValidationFailed(_("Ngày bắt đầu phải trước ngày kết thúc."), code="register_range")
    dossiers = forms.register_dossiers(agency=agency, start=start, end=end)
    count = dossiers.count()
    if count > limit:
        raise ValidationFailed(
            _(
                "Khoảng thời gian có %(count)s hồ sơ, quá %(max)s dòng cho một lần in; hãy chọn khoảng ngắn hơn."
            )
            % {"count": count, "max": limit},
            code="register_too_long",
        )
    context = forms.register_content(
        agency=agency, start=start, end=end, dossiers=list(dossiers), form_set=forms.FORM_SETS[-1]
    )
    return start, end, context

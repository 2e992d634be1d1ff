"""Reads of kept paperwork."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.core.errors import ApplicationError
from motcua.dossiers.models import Dossier

from .models import PaperworkDocument


class TamperedDocument(ApplicationError):
    """A kept PDF no longer matches the SHA-256 recorded when it was issued."""

    status = 500
    code = "paperwork_tampered"


def paperwork_documents_of(dossier: Dossier) -> QuerySet[PaperworkDocument]:
    """Every document kept for ``dossier``, by form, newest first within a form."""
    return dossier.paperwork.select_related("created_by").order_by("form", "-created_at", "-pk")


def latest_document(dossier: Dossier, form: str) -> PaperworkDocument | None:
    return dossier.paperwork.filter(form=form).order_by("-created_at", "-pk").first()


def read_document(document: PaperworkDocument) -> bytes:
    """The kept PDF, checked against its recorded SHA-256."""
    with document.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise TamperedDocument(
            _("Tệp lưu của phiếu %(name)s không khớp mã băm khi lập; vui lòng báo quản trị hệ thống.")
            % {"name": document.filename}
        )
    return data

"""Worklists: counts per list, the dossiers of one list with filters, and the search over every dossier."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from motcua.agencies.models import StaffRole
from motcua.core.calendar import get_calendar
from motcua.core.errors import ValidationFailed
from motcua.dossiers.deadlines import due_soon_bound
from motcua.dossiers.selectors import (
    WORKLIST_LABELS,
    DossierFilters,
    Worklist,
    agency_dossier_search,
    agency_worklist,
    agency_worklist_counts,
    worklist_filter_choices,
)

from ..access import staff_required
from ..forms import WorklistFilterForm
from .common import page_of

ALL = "all"
# URL slug -> worklist, in the order the tiles are shown.
SLUGS = {
    "cho-tiep-nhan": Worklist.TO_RECEIVE,
    "cho-phan-cong": Worklist.TO_ASSIGN,
    "dang-xu-ly": Worklist.MINE,
    "cho-phe-duyet": Worklist.TO_APPROVE,
    "cho-tra-ket-qua": Worklist.TO_RETURN,
    "cho-co-quan-khac": Worklist.WAITING_FOR_OTHERS,
    "sap-den-han": Worklist.DUE_SOON,
    "qua-han": Worklist.OVERDUE,
    "tat-ca": ALL,
}
BUCKET_SLUGS = {bucket: slug for slug, bucket in SLUGS.items()}
LABELS = {**WORKLIST_LABELS, ALL: _("Tất cả hồ sơ")}
HINTS = {
    Worklist.TO_RECEIVE: _("Hồ sơ trực tuyến chờ bộ phận một cửa kiểm tra, tiếp nhận."),
    Worklist.TO_ASSIGN: _("Bước xử lý tại cơ quan bạn lãnh đạo chưa giao cho ai."),
    Worklist.MINE: _("Bước xử lý đang giao cho bạn hoặc chờ người có vai trò của bạn."),
    Worklist.TO_APPROVE: _("Dự thảo kết quả chờ lãnh đạo phê duyệt."),
    Worklist.TO_RETURN: _("Đã có kết quả, chờ trả cho người nộp."),
    Worklist.WAITING_FOR_OTHERS: _("Hồ sơ đang ở cơ quan khác hoặc chờ ý kiến cơ quan khác."),
    Worklist.DUE_SOON: _("Hẹn trả trong 2 ngày làm việc tới."),
    Worklist.OVERDUE: _("Đã quá ngày hẹn trả mà chưa có kết quả."),
    ALL: _("Mọi hồ sơ của cơ quan, mới nhất trước."),
}
URGENT = {Worklist.DUE_SOON, Worklist.OVERDUE}
# Where an officer starts when no list is chosen: the first non-empty list of their roles.
ROLE_START = {
    StaffRole.RECEPTION_OFFICER: (Worklist.TO_RECEIVE, Worklist.TO_RETURN),
    StaffRole.LEADER: (Worklist.TO_APPROVE, Worklist.TO_ASSIGN, Worklist.MINE),
    StaffRole.SPECIALIST: (Worklist.MINE,),
    StaffRole.CLERK: (Worklist.MINE,),
}


def _start_bucket(desk, counts: dict[str, int]) -> str:
    candidates = [bucket for role in desk.roles for bucket in ROLE_START.get(role, ())]
    for bucket in candidates:
        if counts.get(bucket):
            return bucket
    return candidates[0] if candidates else ALL


@require_safe
@staff_required
def worklist(request, slug: str | None = None):
    if slug is not None and slug not in SLUGS:
        raise Http404
    desk = request.desk
    choices = worklist_filter_choices(request.user, desk.agency_id)
    form = WorklistFilterForm(
        request.GET or None, procedures=choices["procedures"], agencies=choices["agencies"]
    )
    filters = form.filters()
    try:
        counts = agency_worklist_counts(request.user, desk.agency_id, filters=filters)
    except ValidationFailed as error:
        form.add_error(None, error.message)
        filters = DossierFilters()
        counts = agency_worklist_counts(request.user, desk.agency_id, filters=filters)
    bucket = SLUGS[slug] if slug else _start_bucket(desk, counts)
    if bucket == ALL:
        dossiers = agency_dossier_search(request.user, desk.agency_id, filters=filters)
    else:
        dossiers = agency_worklist(request.user, desk.agency_id, bucket, filters=filters)
    page = page_of(request, dossiers)
    query = filters.query.strip()
    if bucket == ALL and query and len(page.object_list) == 1:
        only = page.object_list[0]
        if only.code.lower() == query.lower():  # a dossier code typed or scanned: open it
            return redirect("backoffice:dossier", code=only.code)
    now = timezone.now()
    tiles = [
        {
            "bucket": bucket_name,
            "slug": BUCKET_SLUGS[bucket_name],
            "label": LABELS[bucket_name],
            "hint": HINTS[bucket_name],
            "count": counts.get(bucket_name, 0),
            "urgent": bucket_name in URGENT,
            "current": bucket_name == bucket,
        }
        for bucket_name in WORKLIST_LABELS
    ]
    return render(
        request,
        "backoffice/worklist.html",
        {
            "form": form,
            "tiles": tiles,
            "bucket": bucket,
            "bucket_label": LABELS[bucket],
            "bucket_hint": HINTS[bucket],
            "bucket_url": reverse("backoffice:worklist_bucket", args=[BUCKET_SLUGS[bucket]]),
            "all_url": reverse("backoffice:worklist_bucket", args=["tat-ca"]),
            "page": page,
            "now": now,
            "due_soon_bound": due_soon_bound(get_calendar(), now),
            "is_filtered": form.is_filtered,
            "query": query,
        },
    )

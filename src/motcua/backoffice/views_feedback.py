"""Back-office pages for petitions (phản ánh, kiến nghị): the list of the desk's agency with overdue ones
highlighted, one petition with its trail, and the actions answer, publish, unpublish and decline.

Staff see only their agencies' petitions (``feedback.selectors.petition_queryset_for``); another agency's
petition answers 404. Every action is one service call; the page redirects after it (POST/redirect/GET).
"""

from __future__ import annotations

import posixpath

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from motcua.core.errors import ApplicationError, NotFound
from motcua.feedback import selectors, services

from .access import client_address, staff_required
from .views.common import error_status, page_of


@require_safe
@staff_required
def petition_list(request):
    show = request.GET.get("show", selectors.PetitionFilter.WAITING)
    if show not in selectors.PETITION_FILTER_LABELS:
        show = selectors.PetitionFilter.WAITING
    query = request.GET.get("q", "").strip()[:100]
    now = timezone.now()
    agency_id = request.desk.agency_id
    petitions = selectors.petition_worklist(
        request.user, show=show, query=query, agency_id=agency_id, now=now
    )
    counts = selectors.petition_counts(request.user, agency_id=agency_id, now=now)
    tiles = [
        {
            "slug": slug,
            "label": label,
            "count": counts.get(slug),
            "urgent": slug == selectors.PetitionFilter.OVERDUE,
            "current": slug == show,
        }
        for slug, label in selectors.PETITION_FILTER_LABELS.items()
    ]
    return render(
        request,
        "backoffice/feedback/petition_list.html",
        {
            "page": page_of(request, petitions),
            "show": show,
            "show_label": selectors.PETITION_FILTER_LABELS[show],
            "query": query,
            "tiles": tiles,
        },
    )


class AnswerForm(forms.Form):
    content = forms.CharField(
        label=gettext_lazy("Nội dung trả lời"),
        max_length=services.ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class PublishForm(forms.Form):
    public_content = forms.CharField(
        label=gettext_lazy("Nội dung câu hỏi đăng công khai"),
        max_length=services.CONTENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Lược bỏ họ tên, số điện thoại, số định danh, địa chỉ trước khi công khai. "
            "Họ tên và liên lạc của người gửi không bao giờ được công khai."
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Lý do"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


ACTION_FORMS = {"answer": AnswerForm, "publish": PublishForm, "unpublish": ReasonForm, "decline": ReasonForm}
DONE_MESSAGES = {
    "answer": gettext_lazy("Đã lưu trả lời."),
    "publish": gettext_lazy("Đã công khai trả lời trên cổng dịch vụ công."),
    "unpublish": gettext_lazy("Đã gỡ trả lời khỏi trang công khai."),
    "decline": gettext_lazy("Đã ghi nhận không thụ lý."),
}


def _perform(action: str, petition, request, data: dict) -> None:
    """One service call per action; ApplicationError propagates to the page."""
    common = {"petition": petition, "actor": request.user, "origin": client_address(request)}
    if action == "answer":
        services.petition_answer(content=data["content"], **common)
    elif action == "publish":
        services.petition_publish(public_content=data["public_content"], **common)
    elif action == "unpublish":
        services.petition_unpublish(reason=data["reason"], **common)
    else:
        services.petition_decline(reason=data["reason"], **common)


def _get(request, pk: int):
    try:
        return selectors.petition_get_for(request.user, pk)
    except NotFound as error:
        raise Http404(error.message) from error


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def petition_detail(request, pk: int):
    petition = _get(request, pk)
    forms_by_action = {
        "answer": AnswerForm(prefix="answer"),
        "publish": PublishForm(prefix="publish", initial={"public_content": petition.content}),
        "unpublish": ReasonForm(prefix="unpublish"),
        "decline": ReasonForm(prefix="decline"),
    }
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTION_FORMS:
            raise Http404(_("Thao tác không hợp lệ."))
        form = ACTION_FORMS[action](request.POST, prefix=action)
        forms_by_action[action] = form
        if form.is_valid():
            try:
                _perform(action, petition, request, form.cleaned_data)
            except ApplicationError as failure:
                error, status = failure.message, error_status(failure)
            else:
                messages.success(request, DONE_MESSAGES[action])
                return redirect("backoffice:petitions:detail", pk=petition.pk)
        else:
            status = 422
        petition = _get(request, pk)
    return render(
        request,
        "backoffice/feedback/petition_detail.html",
        {
            "petition": petition,
            "answers": list(petition.answers.all()),
            "events": list(petition.events.all()),
            "forms": forms_by_action,
            "error": error,
            "is_overdue": petition.is_overdue(),
        },
        status=status,
    )


@require_safe
@staff_required
def petition_attachment(request, pk: int):
    petition = _get(request, pk)
    if not petition.attachment:
        raise Http404(_("Phản ánh, kiến nghị này không có tệp đính kèm."))
    try:
        handle = petition.attachment.open("rb")
    except FileNotFoundError as error:
        raise Http404(str(error)) from error
    name = petition.attachment_name or posixpath.basename(petition.attachment.name)
    return FileResponse(
        handle, as_attachment=True, filename=name, content_type=petition.attachment_type or None
    )

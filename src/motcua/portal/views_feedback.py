"""Public pages of dossier lookup, satisfaction rating and petitions (phản ánh, kiến nghị).

Views translate input, call one selector or service of ``motcua.feedback`` and render. Pages that answer
"does this code exist" or check a phone number are rate-limited per client address with the Django cache
(fixed windows; limits in ``MOTCUA_RATE_LIMITS``, see docs/feedback.md); over the limit the answer is a
Vietnamese 429 page with ``Retry-After``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from motcua.agencies.models import Agency, Level
from motcua.core.errors import ApplicationError, NotFound
from motcua.feedback import selectors, services
from motcua.feedback.models import SatisfactionLevel

# --- Rate limits ---------------------------------------------------------------------------------------------

# scope → (requests, seconds). Override any of them with settings.MOTCUA_RATE_LIMITS = {"lookup": (60, 600)}.
DEFAULT_RATE_LIMITS = {
    "lookup": (30, 600),  # dossier lookups and rating pages per address
    "rating_phone": (10, 900),  # ratings proven by phone number per address
    "wrong_phone": (5, 3600),  # wrong phone numbers per dossier, from any address
    "petition_send": (5, 3600),  # petitions sent per address
    "petition_track": (30, 600),  # tracking-code lookups per address
}


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds


def _limit(scope: str) -> tuple[int, int]:
    overrides = getattr(settings, "MOTCUA_RATE_LIMITS", None) or {}
    count, seconds = overrides.get(scope, DEFAULT_RATE_LIMITS[scope])
    return int(count), max(1, int(seconds))


def _window(scope: str, key: str) -> tuple[str, int, int, int]:
    count, seconds = _limit(scope)
    now = int(time.time())
    window = now // seconds
    return f"motcua:rate:{scope}:{key}:{window}", count, seconds, seconds - now % seconds


def _hit(scope: str, key: str) -> Refusal | None:
    """Count one request of ``key`` in ``scope``; a Refusal once the window's allowance is used up."""
    cache_key, count, seconds, remaining = _window(scope, key)
    cache.add(cache_key, 0, timeout=seconds + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, timeout=seconds + 1)
        used = 1
    return Refusal(retry_after=remaining) if used > count else None


def _exhausted(scope: str, key: str) -> Refusal | None:
    """Whether ``key`` already used up ``scope`` in this window (without counting)."""
    cache_key, count, _seconds, remaining = _window(scope, key)
    return Refusal(retry_after=remaining) if (cache.get(cache_key) or 0) >= count else None


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets (MOTCUA_CLIENT_ADDRESS_HEADER)."""
    header = getattr(settings, "MOTCUA_CLIENT_ADDRESS_HEADER", "")
    value = request.META.get(header, "") if header else ""
    value = value.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")
    return value[:100] or "unknown"


def _too_many(request, refusal: Refusal):
    minutes = max(1, -(-refusal.retry_after // 60))
    response = render(request, "portal/feedback/rate_limited.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


def _redirect(url: str, **query) -> HttpResponseRedirect:
    response = HttpResponseRedirect(f"{url}?{urlencode(query)}" if query else url)
    response.status_code = 303
    return response


# --- Dossier lookup ----------------------------------------------------------------------------------------------

CODE_EXAMPLE = "000.00.12.H42-250315-0007"


@require_http_methods(["GET", "HEAD", "POST"])
def lookup(request):
    """/tra-cuu/?ma=<code> (QR code on Mẫu 01, e-mails); the home page's box posts ``code`` here."""
    if request.method == "POST":
        code = (request.POST.get("code") or request.POST.get("ma") or "").strip()
        return _redirect(reverse("feedback:lookup"), **({"ma": code} if code else {}))
    code = "".join(request.GET.get("ma", "").split())[:80]
    context = {"code": code, "example": CODE_EXAMPLE}
    if not code:
        return render(request, "portal/feedback/lookup.html", context)
    refusal = _hit("lookup", client_address(request))
    if refusal:
        return _too_many(request, refusal)
    try:
        context["lookup"] = selectors.dossier_lookup(code)
    except NotFound:
        return render(request, "portal/feedback/lookup.html", {**context, "not_found": True}, status=404)
    return render(request, "portal/feedback/lookup.html", context)


# --- Satisfaction rating ---------------------------------------------------------------------------------------


LEVEL_CHOICES = [(str(level.value), level.label) for level in reversed(SatisfactionLevel)]


class RatingForm(forms.Form):
    overall = forms.ChoiceField(
        label=gettext_lazy("Đánh giá chung về việc giải quyết hồ sơ"),
        choices=LEVEL_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Vui lòng chọn mức đánh giá chung.")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Ý kiến khác (không bắt buộc)"),
        required=False,
        max_length=services.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Số điện thoại đã khai khi nộp hồ sơ"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, criteria=(), needs_phone: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"c_{criterion.code}"] = forms.ChoiceField(
                label=criterion.name,
                help_text=criterion.help_text,
                choices=LEVEL_CHOICES,
                widget=forms.RadioSelect,
                required=False,
            )
        if needs_phone:
            self.fields["phone"].required = True
            self.fields["phone"].error_messages["required"] = _(
                "Vui lòng nhập số điện thoại đã khai khi nộp hồ sơ."
            )
        else:
            del self.fields["phone"]

    def criterion_fields(self):
        return [self[f"c_{criterion.code}"] for criterion in self.criteria]

    def answers(self) -> dict[str, str]:
        return {criterion.code: self.cleaned_data.get(f"c_{criterion.code}") for criterion in self.criteria}


def _is_owner(request, dossier) -> bool:
    return request.user.is_authenticated and dossier.owner_id == request.user.pk


@require_http_methods(["GET", "HEAD", "POST"])
def rate(request, code: str):
    """/danh-gia/<code>/: the owner signed in rates directly; anyone else proves the phone number on file."""
    address = client_address(request)
    if request.method != "POST":
        refusal = _hit("lookup", address)
        if refusal:
            return _too_many(request, refusal)
    try:
        dossier = selectors.dossier_for_rating(code)
    except NotFound as error:
        return render(
            request,
            "portal/feedback/rate.html",
            {"code": code, "error": error.message, "example": CODE_EXAMPLE, "not_found": True},
            status=404,
        )
    owner = _is_owner(request, dossier)
    context = {
        "dossier": dossier,
        "procedure_name": dossier.procedure_version.name,
        "owner": owner,
        "login_url": f"{settings.LOGIN_URL}?{urlencode({'next': request.get_full_path()})}",
    }
    rating = selectors.rating_for(dossier)
    if rating is not None:
        context["thanks"] = request.GET.get("da-gui") == "1"
        return render(request, "portal/feedback/rate_done.html", context)
    try:
        services.check_rateable(dossier)
    except ApplicationError as error:
        return render(request, "portal/feedback/rate_done.html", {**context, "not_yet": error.message})
    criteria = selectors.criteria_for(dossier)
    form = RatingForm(request.POST or None, criteria=criteria, needs_phone=not owner)
    status = 200
    if request.method == "POST" and form.is_valid():
        if not owner:
            refusal = _hit("rating_phone", address) or _exhausted("wrong_phone", dossier.code)
            if refusal:
                return _too_many(request, refusal)
        try:
            services.rating_submit(
                dossier=dossier,
                overall=form.cleaned_data["overall"],
                answers=form.answers(),
                comment=form.cleaned_data.get("comment", ""),
                account=request.user if owner else None,
                phone="" if owner else form.cleaned_data["phone"],
            )
        except ApplicationError as error:
            if error.code == "wrong_phone":
                _hit("wrong_phone", dossier.code)  # guesses are limited per dossier, whatever the address
            form.add_error(None, error.message)
            status = error.status
        else:
            return _redirect(reverse("feedback:rate", args=[dossier.code]), **{"da-gui": "1"})
    elif request.method == "POST":
        status = 422
    return render(request, "portal/feedback/rate.html", {**context, "form": form}, status=status)


# --- Petitions -----------------------------------------------------------------------------------------------


PAGE_SIZE = 20


class PetitionSearchForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Tìm câu hỏi đã được trả lời"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("Ví dụ: cấp đổi căn cước"),
                "autocomplete": "off",
            }
        ),
    )


@require_safe
def petition_list(request):
    form = PetitionSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    agency_code = request.GET.get("co-quan", "")[:40]
    page = Paginator(selectors.published_petitions(query=query, agency_code=agency_code), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/feedback/petition_list.html",
        {"form": form, "page": page, "query": query, "agency_code": agency_code},
    )


@require_safe
def petition_detail(request, pk: int):
    try:
        petition = selectors.published_petition(pk)
    except NotFound as error:
        raise Http404(error.message) from error
    return render(request, "portal/feedback/petition_detail.html", {"petition": petition})


LEVEL_LABELS = dict(Level.choices)


def _agency_choices() -> list:
    """Active agencies grouped by level, province first."""
    groups: dict[str, list] = {}
    for agency in Agency.objects.filter(is_active=True).order_by("name").only("pk", "name", "level"):
        groups.setdefault(agency.level, []).append((agency.pk, agency.name))
    ordered = [Level.PROVINCE, Level.DISTRICT, Level.COMMUNE]
    return [("", _("Chọn cơ quan"))] + [
        (LEVEL_LABELS[level], groups[level]) for level in ordered if level in groups
    ]


class PetitionForm(forms.Form):
    agency = forms.TypedChoiceField(label=gettext_lazy("Gửi đến cơ quan"), coerce=int)
    sender_name = forms.CharField(label=gettext_lazy("Họ và tên"), max_length=200)
    sender_phone = forms.CharField(
        label=gettext_lazy("Số điện thoại"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    sender_email = forms.EmailField(
        label=gettext_lazy("Thư điện tử"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    sender_address = forms.CharField(
        label=gettext_lazy("Địa chỉ (không bắt buộc)"), required=False, max_length=300
    )
    subject = forms.CharField(label=gettext_lazy("Tiêu đề"), max_length=services.SUBJECT_MAX_LENGTH)
    content = forms.CharField(
        label=gettext_lazy("Nội dung phản ánh, kiến nghị"),
        max_length=services.CONTENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    dossier_code = forms.CharField(
        label=gettext_lazy("Mã hồ sơ liên quan (nếu có)"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    attachment = forms.FileField(
        label=gettext_lazy("Tệp đính kèm (không bắt buộc)"),
        required=False,
        help_text=gettext_lazy("PDF, ảnh JPG/PNG hoặc Word, tối đa %(size)s MB.")
        % {"size": services.PETITION_ATTACHMENT_MAX_MB},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.doc,.docx"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = _agency_choices()


@require_http_methods(["GET", "HEAD", "POST"])
def petition_send(request):
    initial = {"dossier_code": request.GET.get("ma-ho-so", "")[:60]}
    wanted = request.GET.get("co-quan")
    if wanted:
        agency = Agency.objects.filter(code=wanted, is_active=True).only("pk").first()
        initial["agency"] = agency.pk if agency else None
    if request.user.is_authenticated:
        initial.update(
            sender_name=getattr(request.user, "full_name", ""),
            sender_phone=getattr(request.user, "phone", ""),
            sender_email=request.user.email,
        )
    form = PetitionForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        refusal = _hit("petition_send", client_address(request))
        if refusal:
            return _too_many(request, refusal)
        data = form.cleaned_data
        try:
            petition = services.petition_send(
                agency=Agency.objects.get(pk=data["agency"]),
                data=services.PetitionData(
                    sender_name=data["sender_name"],
                    sender_phone=data["sender_phone"],
                    sender_email=data["sender_email"],
                    sender_address=data["sender_address"],
                    subject=data["subject"],
                    content=data["content"],
                    dossier_code=data["dossier_code"],
                ),
                attachment=data.get("attachment"),
                account=request.user,
                origin=client_address(request),
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
            status = error.status
        except Agency.DoesNotExist:
            form.add_error("agency", _("Vui lòng chọn cơ quan nhận phản ánh, kiến nghị."))
            status = 422
        else:
            return _redirect(reverse("feedback:petition_track"), ma=petition.tracking_code, **{"da-gui": "1"})
    elif request.method == "POST":
        status = 422
    return render(request, "portal/feedback/petition_send.html", {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def petition_track(request):
    """/phan-anh-kien-nghi/theo-doi/?ma=<tracking code>: the sender follows the petition and rates the handling."""
    source = request.POST if request.method == "POST" else request.GET
    code = services.normalise_tracking_code(source.get("ma", ""))[:24]
    context = {"code": code, "levels": LEVEL_CHOICES, "sent": request.GET.get("da-gui") == "1"}
    if not code:
        return render(request, "portal/feedback/petition_track.html", context)
    refusal = _hit("petition_track", client_address(request))
    if refusal:
        return _too_many(request, refusal)
    try:
        petition = selectors.petition_track(code)
    except NotFound:
        return render(
            request, "portal/feedback/petition_track.html", {**context, "not_found": True}, status=404
        )
    status = 200
    if request.method == "POST":
        try:
            services.petition_rate_handling(
                petition=petition, level=request.POST.get("level"), origin=client_address(request)
            )
        except ApplicationError as error:
            context["rating_error"] = error.message
            status = error.status
        else:
            return _redirect(
                reverse("feedback:petition_track"), ma=petition.tracking_code, **{"da-danh-gia": "1"}
            )
    context.update(
        {
            "petition": petition,
            "answers": list(petition.answers.all()),
            "rated_now": request.GET.get("da-danh-gia") == "1",
        }
    )
    return render(request, "portal/feedback/petition_track.html", context, status=status)

"""The citizen's postal pages (bưu chính công ích, QĐ 45/2016/QĐ-TTg).

* ask the post to take a paper dossier to the agency (pickup at an address, or hand it in at a post office),
  for a procedure that allows postal submission; with pickup at an address an inbound order is booked;
* the account's pickup requests, each with its slip number and tracking in plain Vietnamese, and a way to
  withdraw one the post has not picked up yet;
* change where the result of a dossier goes by post.

The shipment of a dossier is shown on "Hồ sơ của tôi" (``{% dossier_postal %}``). Every page needs a
signed-in account and shows only that account's own requests and dossiers: anything else answers 404. Views
call one ``postal`` service or selector; a refusal is shown next to its field and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.accounts.selectors import applicant_prefill
from motcua.catalog import selectors as catalog
from motcua.catalog.models import Fee
from motcua.core.errors import ApplicationError, Conflict, NotFound
from motcua.dossiers import selectors as dossier_reads
from motcua.dossiers.models import ResultChannel
from motcua.dossiers.submission import submission_places
from motcua.dossiers.workflow import DossierStatus
from motcua.postal import selectors as postal_reads
from motcua.postal import services as postal
from motcua.postal.models import Direction, OrderStatus, PickupMethod, PostalOption

from .forms_postal import PickupForm, ReturnAddressForm
from .templatetags.postal_portal import shipment_of

PAGE_SIZE = 20


def _or_404(selector, *args, **kwargs):
    try:
        return selector(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.message) from error


def _origin(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "portal"


def _status_for(error: ApplicationError) -> int:
    return 409 if isinstance(error, Conflict) else 422


def _fees_at_pickup(version, case=None) -> list:
    """The fees postal staff collect when they take the dossier (collected before reception)."""
    return [
        fee
        for fee in version.fees.all()
        if fee.timing == Fee.Timing.BEFORE
        and (case is None or fee.case_id in (None, case.pk))
        and fee.channel in ("", "postal")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def pickup_start(request, national_code: str):
    """/gui-ho-so-qua-buu-chinh/<mã>/: the post picks the paper dossier up at an address (or at a post office)."""
    version = _or_404(catalog.procedure_in_force, national_code=national_code)
    cases = list(version.cases.all())
    places = submission_places(version) if version.postal_submission_allowed else []
    if not version.postal_submission_allowed or not cases or not places:
        status = 422 if request.method == "POST" else 200
        return render(request, "portal/postal/not_postal.html", {"version": version}, status=status)
    prefill = applicant_prefill(request.user)
    initial = {key: prefill.get(key, "") for key in ("kind", "name", "identity_number", "phone", "email")}
    initial.update(
        kind=initial["kind"] or "citizen",
        address=prefill.get("address", ""),
        pickup_address=prefill.get("address", ""),
        recipient_name=prefill.get("name", ""),
        recipient_phone=prefill.get("phone", ""),
        return_address=prefill.get("address", ""),
    )
    form = PickupForm(
        request.POST or None,
        cases=cases,
        places=places,
        postal_return=version.postal_return_allowed,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        place, data = form.chosen_place, form.cleaned_data
        try:
            arrangement = postal.postal_request_pickup(
                actor=request.user,
                procedure_case=form.chosen_case,
                receiving_agency=place.receiving_agency,
                competent_agency=place.competent_agency,
                applicant=form.applicant(),
                summary=data["summary"],
                pickup_method=data["pickup_method"],
                pickup_address=data["pickup_address"],
                post_office=data["post_office"],
                return_by_post=bool(data.get("return_by_post")),
                recipient_name=data.get("recipient_name", ""),
                recipient_phone=data.get("recipient_phone", ""),
                return_address=data.get("return_address", ""),
                origin=_origin(request),
            )
        except ApplicationError as error:
            form.add_field_errors(error.extra.get("fields") or {None: error.message})
        else:
            if arrangement.pickup_method == PickupMethod.ADDRESS:
                messages.success(
                    request, _("Đã gửi yêu cầu. Nhân viên bưu điện sẽ gọi điện hẹn đến nhận hồ sơ của bạn.")
                )
            else:
                messages.success(request, _("Đã ghi nhận. Bạn mang hồ sơ đến bưu cục để gửi cho cơ quan."))
            return redirect("postal:request_detail", arrangement.public_id)
    return render(
        request,
        "portal/postal/pickup_start.html",
        {"version": version, "form": form, "fees": _fees_at_pickup(version)},
        status=422 if form.errors else 200,
    )


@login_required
@require_safe
def my_requests(request):
    """Yêu cầu gửi hồ sơ qua bưu chính: the account's pickup requests, newest first."""
    requests = (
        postal_reads.arrangements_for_owner(request.user)
        .filter(option__in=(PostalOption.SEND, PostalOption.BOTH))
        .select_related("procedure_case__version")
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for arrangement in page.object_list:
        inbound = [o for o in arrangement.orders.all() if o.direction == Direction.INBOUND]
        order = inbound[-1] if inbound else None
        rows.append(
            {"arrangement": arrangement, "order": order, "shipment": shipment_of(order) if order else None}
        )
    return render(request, "portal/postal/my_requests.html", {"page": page, "rows": rows})


def _cancellable(arrangement, journey) -> bool:
    if arrangement.cancelled_at is not None or arrangement.dossier_id is not None:
        return False
    return all(order.status in (OrderStatus.CREATED, OrderStatus.ACCEPTED) for order in journey.inbound)


@login_required
@require_safe
def request_detail(request, public_id):
    arrangement = _or_404(postal_reads.arrangement_for_owner, request.user, public_id)
    journey = postal_reads.postal_journey_for_arrangement(arrangement)
    version = arrangement.procedure_case.version if arrangement.procedure_case_id else None
    return render(
        request,
        "portal/postal/request_detail.html",
        {
            "arrangement": arrangement,
            "version": version,
            "shipments": [shipment_of(order) for order in journey.inbound],
            "cancellable": _cancellable(arrangement, journey),
            "fees": _fees_at_pickup(version, arrangement.procedure_case) if version else [],
        },
    )


@login_required
@require_POST
def request_cancel(request, public_id):
    arrangement = _or_404(postal_reads.arrangement_for_owner, request.user, public_id)
    try:
        postal.postal_arrangement_cancel(
            arrangement=arrangement, actor=request.user, reason=request.POST.get("reason", "")[:500]
        )
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã hủy yêu cầu gửi hồ sơ qua bưu chính."))
    return redirect("postal:request_detail", arrangement.public_id)


def _my_dossier(user, code: str):
    dossier = _or_404(dossier_reads.dossier_get_for, user, code)
    if dossier.owner_id != user.pk:
        raise Http404(_("Không tìm thấy hồ sơ “%(code)s”.") % {"code": code})
    return dossier


@login_required
@require_http_methods(["GET", "POST"])
def return_address(request, code: str):
    """/ho-so-cua-toi/<mã>/dia-chi-nhan-ket-qua/: change where the result goes by post (before it is sent)."""
    dossier = _my_dossier(request.user, code)
    if dossier.result_channel != ResultChannel.POSTAL:
        raise Http404(_("Hồ sơ này không nhận kết quả qua bưu chính."))
    arrangement = postal_reads.arrangement_for_dossier(dossier)
    journey = postal_reads.postal_journey_for_dossier(dossier)
    sent = dossier.status == DossierStatus.RETURNED or any(
        order.status not in (OrderStatus.CANCELLED, OrderStatus.RETURNED)
        for order in (journey.outbound if journey else [])
    )
    initial = {
        "recipient_name": arrangement.recipient_name if arrangement else dossier.applicant_name,
        "recipient_phone": arrangement.recipient_phone if arrangement else dossier.applicant_phone,
        "return_address": arrangement.return_address if arrangement else dossier.applicant_address,
    }
    form = ReturnAddressForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and sent:
        form.add_error(None, _("Kết quả đã được giao cho bưu điện, không đổi được địa chỉ nhận."))
        status = 409
    elif request.method == "POST" and form.is_valid():
        try:
            postal.postal_arrangement_set_return(
                arrangement=arrangement,
                dossier=None if arrangement else dossier,
                actor=request.user,
                origin=_origin(request),
                **form.cleaned_data,
            )
        except NotFound as error:
            raise Http404(error.message) from error
        except ApplicationError as error:
            form.add_field_errors(error.extra.get("fields") or {None: error.message})
            status = _status_for(error)
        else:
            messages.success(request, _("Đã lưu địa chỉ nhận kết quả qua bưu chính."))
            return redirect(reverse("citizen:dossier_detail", args=[dossier.code]) + "#buu-chinh")
    if form.errors and status == 200:
        status = 422
    return render(
        request,
        "portal/postal/return_address.html",
        {"dossier": dossier, "form": form, "sent": sent},
        status=status,
    )

"""Back-office postal pages (bưu chính công ích, QĐ 45/2016/QĐ-TTg):

* the shipments of the officer's agency by stage (waiting to go to the post, sent, in transit, delivered,
  failed), failed ones highlighted, with the dossiers waiting for their result to be sent by post;
* one shipment: slip number, where the request to the operator stands (kept in a queue while the operator
  is down), the tracking journey; cancel it or send a refused request again;
* send a resolved dossier's result by post (an outbound order);
* hand-over records (Biên bản giao nhận hồ sơ): start one with the postal staff member, list the arriving
  packages (slip number, dossier, documents, completeness, fees the post collected and their receipt), sign it
  (the signing moment is the legal submission time of every complete dossier listed), print it.

Staff only (``access.staff_required``); every record and order is read through the ``postal`` selectors,
which answer "not found" outside the officer's agencies. Every write is one ``postal`` service call; a
refusal is shown on the form and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.core.errors import ApplicationError, NotFound
from motcua.dossiers.models import ResultChannel
from motcua.dossiers.selectors import dossier_get_for
from motcua.dossiers.workflow import DossierStatus
from motcua.postal import selectors as postal_reads
from motcua.postal import services as postal
from motcua.postal.models import Direction, HandoverItem, HandoverRecord, OrderStatus, SyncState

from ..access import client_address, staff_required
from ..forms_postal import CancelOrderForm, HandoverForm, HandoverItemForm, SendResultForm, SignForm
from ..templatetags.postal_backoffice import STAGE_LABELS
from .common import dossier_or_404, error_status, page_of

# URL word -> selector stage, in the order of the tiles.
STAGE_SLUGS = {
    "cho-gui": "queued",
    "da-gui": "sent",
    "dang-chuyen": "in_transit",
    "da-phat": "delivered",
    "phat-loi": "failed",
    "da-huy": "cancelled",
}
DIRECTIONS = {"den": Direction.INBOUND, "di": Direction.OUTBOUND}


def _or_404(selector, *args, **kwargs):
    try:
        return selector(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.message) from error


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "H:i d/m/Y") if value else ""


# --- Shipments ---------------------------------------------------------------------------------------------------


@require_safe
@staff_required
def shipments(request):
    """Đơn bưu gửi of the desk's agency, by stage; ?loc=<stage>&chieu=den|di&q=<slip, reference or code>."""
    slug = request.GET.get("loc", "")
    stage = STAGE_SLUGS.get(slug, "")
    slug = slug if stage else ""
    direction_word = request.GET.get("chieu", "")
    direction = DIRECTIONS.get(direction_word, "")
    query = "".join(request.GET.get("q", "").split())[:60]
    agency = request.desk.agency
    orders = postal_reads.orders_in_stage(request.user, agency=agency, stage=stage, direction=direction)
    if query:
        orders = orders.filter(
            Q(slip_number__iexact=query) | Q(reference__iexact=query) | Q(dossier__code__iexact=query)
        )
    counts = postal_reads.order_stage_counts(request.user, agency=agency, direction=direction)
    tiles = [
        {
            "slug": word,
            "label": STAGE_LABELS[key],
            "count": counts.get(key, 0),
            "urgent": key == "failed",
            "current": word == slug,
        }
        for word, key in STAGE_SLUGS.items()
    ]
    awaiting = list(postal_reads.dossiers_awaiting_postal_return(request.user, agency=agency)[:20])
    expected = postal_reads.arrangements_awaiting_handover(agency).count() if agency is not None else 0
    return render(
        request,
        "backoffice/postal/shipments.html",
        {
            "page": page_of(request, orders),
            "tiles": tiles,
            "slug": slug,
            "stage_label": STAGE_LABELS[stage] if stage else _("Tất cả đơn bưu gửi"),
            "direction": direction_word,
            "query": query,
            "awaiting": awaiting,
            "expected": expected,
            "is_filtered": bool(direction or query),
        },
    )


def _order_page(request, order, *, cancel_form=None, error: str = "", status: int = 200):
    order = postal_reads.order_with_journey(request.user, order.pk)
    return render(
        request,
        "backoffice/postal/order_detail.html",
        {
            "order": order,
            "events": list(order.events.order_by("occurred_at", "id")),
            "cancel_form": cancel_form or CancelOrderForm(),
            "cancellable": order.status in (OrderStatus.CREATED, OrderStatus.ACCEPTED)
            and not (order.sync_action == "cancel" and order.sync_state != SyncState.FAILED),
            "retryable": order.sync_state == SyncState.FAILED,
            "error": error,
        },
        status=status,
    )


@require_safe
@staff_required
def order_detail(request, pk: int):
    return _order_page(request, _staff_order(request, pk))


def _staff_order(request, pk: int):
    """An order of one of the officer's agencies (not one they see as the applicant); 404 otherwise."""
    order = _or_404(postal_reads.order_for, request.user, pk)
    if order.agency_id not in request.desk.agency_ids and not request.user.is_superuser:
        raise Http404(_("Không tìm thấy đơn bưu gửi."))
    return order


@require_POST
@staff_required
def order_cancel(request, pk: int):
    order = _staff_order(request, pk)
    form = CancelOrderForm(request.POST)
    if not form.is_valid():
        return _order_page(request, order, cancel_form=form, status=422)
    try:
        postal.postal_order_cancel(order=order, actor=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        return _order_page(request, order, cancel_form=form, error=error.message, status=error_status(error))
    messages.success(request, _("Đã hủy đơn bưu gửi (hoặc đã gửi yêu cầu hủy sang bưu điện)."))
    return redirect("backoffice:postal_order", pk=order.pk)


@require_POST
@staff_required
def order_retry(request, pk: int):
    order = _staff_order(request, pk)
    try:
        postal.postal_order_retry(order=order, actor=request.user)
    except ApplicationError as error:
        return _order_page(request, order, error=error.message, status=error_status(error))
    messages.success(request, _("Đã đưa yêu cầu vào hàng đợi gửi lại sang bưu điện."))
    return redirect("backoffice:postal_order", pk=order.pk)


# --- Send a result by post ------------------------------------------------------------------------------------------


def _send_problem(dossier) -> str:
    if dossier.result_channel != ResultChannel.POSTAL:
        return _("Hồ sơ này không đăng ký nhận kết quả qua bưu chính.")
    if dossier.status != DossierStatus.RESOLVED:
        return _("Chỉ gửi kết quả qua bưu chính khi hồ sơ đã xử lý xong (trạng thái “Đã xử lý xong”).")
    return ""


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def send_result(request, code: str):
    """/can-bo/ho-so/<mã>/gui-ket-qua-buu-chinh/: an outbound order for a resolved dossier returned by post."""
    dossier = dossier_or_404(request, code)
    journey = postal_reads.postal_journey_for_dossier(dossier)
    live = [
        order
        for order in (journey.outbound if journey else [])
        if order.status not in (OrderStatus.CANCELLED, OrderStatus.RETURNED)
    ]
    if live and request.method != "POST":
        messages.info(request, _("Kết quả của hồ sơ này đã được giao cho bưu chính."))
        return redirect("backoffice:postal_order", pk=live[-1].pk)
    arrangement = journey.arrangement if journey else None
    results = list(dossier.results.order_by("number"))
    contents = _("Kết quả giải quyết hồ sơ %(code)s: %(names)s") % {
        "code": dossier.code,
        "names": "; ".join(result.name for result in results) or dossier.procedure_version.name,
    }
    initial = {
        "revision": dossier.revision,
        "recipient_name": (arrangement.recipient_name if arrangement else "") or dossier.applicant_name,
        "recipient_phone": (arrangement.recipient_phone if arrangement else "") or dossier.applicant_phone,
        "recipient_address": (arrangement.return_address if arrangement else "") or dossier.applicant_address,
        "contents": contents,
    }
    form = SendResultForm(request.POST or None, initial=initial)
    problem = _send_problem(dossier)
    status = 200
    if request.method == "POST":
        if problem:
            form.is_valid()
            form.add_error(None, problem)
            status = 422
        elif not form.is_valid():
            status = 422
        else:
            data = form.cleaned_data
            try:
                order = postal.postal_result_send(
                    dossier=dossier,
                    actor=request.user,
                    contents=data["contents"],
                    recipient_name=data["recipient_name"],
                    recipient_phone=data["recipient_phone"],
                    recipient_address=data["recipient_address"],
                    cod_amount=data["cod_amount"] or 0,
                    revision=data["revision"],
                    origin=client_address(request),
                )
            except ApplicationError as error:
                form.add_field_errors(error.extra.get("fields") or {None: error.message})
                status = error_status(error)
            else:
                messages.success(
                    request,
                    _(
                        "Đã tạo đơn gửi kết quả qua bưu chính (mã %(ref)s). Hệ thống gửi yêu cầu sang bưu điện."
                    )
                    % {"ref": order.reference},
                )
                return redirect("backoffice:postal_order", pk=order.pk)
    return render(
        request,
        "backoffice/postal/send_result.html",
        {
            "dossier": dossier,
            "form": form,
            "problem": problem,
            "results": results,
            "arrangement": arrangement,
        },
        status=status,
    )


# --- Hand-over records ----------------------------------------------------------------------------------------------


@require_safe
@staff_required
def handovers(request):
    show = request.GET.get("loc", "")
    status = {"dang-lap": HandoverRecord.Status.DRAFT, "da-ky": HandoverRecord.Status.SIGNED}.get(show, "")
    agency = request.desk.agency
    records = postal_reads.handover_records_for(request.user, agency=agency, status=status)
    expected = list(postal_reads.arrangements_awaiting_handover(agency)[:50]) if agency is not None else []
    return render(
        request,
        "backoffice/postal/handovers.html",
        {"page": page_of(request, records), "show": show if status else "", "expected": expected},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def handover_new(request):
    form = HandoverForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        agency = request.desk.agency
        if agency is None:
            form.add_error(None, _("Vui lòng chọn cơ quan đang làm việc trước khi lập biên bản."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                record = postal.postal_handover_create(
                    actor=request.user,
                    agency=agency,
                    kind=data["kind"],
                    postal_staff_name=data["postal_staff_name"],
                    postal_staff_phone=data["postal_staff_phone"],
                    postal_unit=data["postal_unit"],
                    note=data["note"],
                )
            except ApplicationError as error:
                form.add_field_errors(error.extra.get("fields") or {None: error.message})
                status = error_status(error)
            else:
                messages.success(request, _("Đã lập biên bản %(number)s.") % {"number": record.number})
                return redirect("backoffice:postal_handover", pk=record.pk)
    return render(request, "backoffice/postal/handover_new.html", {"form": form}, status=status)


def _record(request, pk: int):
    return _or_404(postal_reads.handover_record_for, request.user, pk)


def _item_form(record, data=None):
    arrangements = []
    if record.kind == HandoverRecord.Kind.RECEPTION and not record.is_signed:
        arrangements = list(postal_reads.arrangements_awaiting_handover(record.agency)[:200])
    return HandoverItemForm(data, record=record, arrangements=arrangements)


def _fee_collections(record) -> dict[int, dict]:
    """For a signed record: per item with fees and a registered dossier, the payment request the post's
    collection is recorded on (payments app), so staff attach the proof there."""
    from motcua.payments.selectors import payment_requests_of

    found = {}
    for item in record.items.all():
        if not (record.is_signed and item.fee_amount and item.dossier_id):
            continue
        requests = [r for r in payment_requests_of(item.dossier) if r.state != "cancelled"]
        open_requests = [r for r in requests if r.is_open]
        found[item.pk] = {
            "open": open_requests[0] if open_requests else None,
            "paid": bool(requests) and not open_requests,
        }
    return found


def _handover_page(request, record, *, item_form=None, sign_form=None, error: str = "", status: int = 200):
    record = _record(request, record.pk)
    items = list(record.items.all())
    return render(
        request,
        "backoffice/postal/handover_detail.html",
        {
            "record": record,
            "items": items,
            "fees_total": sum(item.fee_amount for item in items),
            "item_form": item_form or (None if record.is_signed else _item_form(record)),
            "sign_form": sign_form or (None if record.is_signed else SignForm()),
            "collections": _fee_collections(record),
            "error": error,
        },
        status=status,
    )


@require_safe
@staff_required
def handover_detail(request, pk: int):
    return _handover_page(request, _record(request, pk))


@require_POST
@staff_required
def handover_add_item(request, pk: int):
    record = _record(request, pk)
    form = _item_form(record, request.POST)
    if record.is_signed:
        return _handover_page(request, record, error=_("Biên bản đã ký, không sửa được."), status=409)
    if not form.is_valid():
        return _handover_page(request, record, item_form=form, status=422)
    data = form.cleaned_data
    dossier = None
    if data.get("dossier_code") and data["kind"] != HandoverItem.Kind.NEW:
        try:
            dossier = dossier_get_for(request.user, data["dossier_code"].strip())
        except NotFound:
            form.add_error(
                "dossier_code", _("Không tìm thấy hồ sơ “%(code)s”.") % {"code": data["dossier_code"]}
            )
            return _handover_page(request, record, item_form=form, status=422)
    arrangement = None
    if data.get("arrangement"):
        arrangement = (
            postal_reads.arrangements_awaiting_handover(record.agency).filter(pk=data["arrangement"]).first()
        )
    try:
        postal.postal_handover_add_item(
            record=record,
            actor=request.user,
            slip_number=data["slip_number"],
            kind=data["kind"],
            arrangement=arrangement,
            dossier=dossier,
            documents=data["documents"],
            complete=data.get("complete", True) if "complete" in form.fields else True,
            missing_items=form.missing_list if "missing_items" in form.fields else [],
            fee_amount=data["fee_amount"] or 0,
            fee_account=data["fee_account"],
            fee_receipt_number=data["fee_receipt_number"],
            note=data["note"],
        )
    except ApplicationError as error:
        form.add_field_errors(error.extra.get("fields") or {None: error.message})
        return _handover_page(request, record, item_form=form, status=error_status(error))
    messages.success(request, _("Đã thêm phiếu gửi %(slip)s vào biên bản.") % {"slip": data["slip_number"]})
    return redirect(reverse("backoffice:postal_handover", args=[record.pk]) + "#ho-so")


@require_POST
@staff_required
def handover_remove_item(request, pk: int, item_id: int):
    record = _record(request, pk)
    try:
        postal.postal_handover_remove_item(record=record, actor=request.user, item_id=item_id)
    except NotFound as error:
        raise Http404(error.message) from error
    except ApplicationError as error:
        return _handover_page(request, record, error=error.message, status=error_status(error))
    messages.success(request, _("Đã bỏ hồ sơ khỏi biên bản."))
    return redirect(reverse("backoffice:postal_handover", args=[record.pk]) + "#ho-so")


@require_POST
@staff_required
def handover_sign(request, pk: int):
    record = _record(request, pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        return _handover_page(request, record, sign_form=form, status=422)
    try:
        record = postal.postal_handover_sign(
            record=record,
            actor=request.user,
            signed_at=form.cleaned_data["signed_at"],
            origin=client_address(request),
        )
    except ApplicationError as error:
        return _handover_page(
            request, record, sign_form=form, error=error.message, status=error_status(error)
        )
    messages.success(
        request,
        _(
            "Đã ký biên bản %(number)s lúc %(when)s. Đây là thời điểm nộp hồ sơ hợp lệ của các hồ sơ đầy đủ trong biên bản."
        )
        % {"number": record.number, "when": _moment(record.signed_at)},
    )
    return redirect("backoffice:postal_handover", pk=record.pk)


@require_POST
@staff_required
def handover_fee_proof(request, pk: int, item_id: int):
    """Record the fees the post collected for one listed dossier, with the proof (the receipt, scanned), as a
    payment collected by the post office (``payments.services.payment_collection_record``)."""
    from motcua.payments.models import CollectionMethod
    from motcua.payments.services import payment_collection_record

    record = _record(request, pk)
    item = next((item for item in record.items.all() if item.pk == item_id), None)
    if item is None:
        raise Http404(_("Không tìm thấy hồ sơ trong biên bản."))
    found = _fee_collections(record).get(item.pk)
    proof = request.FILES.get("proof")
    if found is None or found["open"] is None:
        error, status = _("Không có khoản phí, lệ phí nào đang chờ ghi nhận cho hồ sơ này."), 409
    elif proof is None:
        error, status = _("Vui lòng đính kèm chứng từ thu phí (biên lai của bưu chính)."), 422
    else:
        try:
            payment_collection_record(
                request=found["open"],
                actor=request.user,
                method=CollectionMethod.POSTAL,
                amount=item.fee_amount,
                proof=proof,
                payer_name=item.dossier.applicant_name,
                reference=item.fee_receipt_number,
                collected_at=record.signed_at,
                note=_("Biên bản giao nhận %(number)s, phiếu gửi %(slip)s")
                % {"number": record.number, "slip": item.slip_number},
            )
        except ApplicationError as refusal:
            error, status = refusal.message, error_status(refusal)
        else:
            messages.success(
                request, _("Đã ghi nhận khoản thu của hồ sơ %(code)s.") % {"code": item.dossier.code}
            )
            return redirect(reverse("backoffice:postal_handover", args=[record.pk]) + "#ho-so")
    return _handover_page(
        request,
        record,
        error=_("Phiếu gửi %(slip)s: %(error)s") % {"slip": item.slip_number, "error": error},
        status=status,
    )


@require_safe
@staff_required
def handover_print(request, pk: int):
    """The record as a page to print (A4), both sides sign the paper copy."""
    record = _record(request, pk)
    items = list(record.items.all())
    return render(
        request,
        "backoffice/postal/handover_print.html",
        {"record": record, "items": items, "fees_total": sum(item.fee_amount for item in items)},
    )

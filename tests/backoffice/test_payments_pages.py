"""Back-office payment pages: the payments panel of the dossier page, collections at the counter with proof,
exemptions, financial obligations (status 6) with lines, refunds, the agency's lists and the reconciliation.
Only staff of the dossier's agencies see a dossier's payments (others: 404); only reception officers and
leaders write; bad input, a stale page and a replayed form are refused with a Vietnamese message and change
nothing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from payments import conftest as pay_world
from payments.conftest import PDF_BYTES, PNG_BYTES, at, pdf

from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import DossierStatus
from motcua.payments import services as payment_services
from motcua.payments.models import (
    ManualCollection,
    PaymentRequest,
    PaymentTransaction,
    Receipt,
    ReconciliationMismatch,
    ReconciliationRun,
    Refund,
)

world = pay_world.world
clock = pay_world.clock
payment_settings = pay_world.payment_settings
sandbox = pay_world.sandbox


def text(response) -> str:
    return response.content.decode()


def office(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fresh(model):
    return type(model).objects.get(pk=model.pk)


@pytest.fixture
def counter_dossier(world) -> Dossier:
    """A paper dossier registered at the counter: lệ phí 200.000 đ to collect (the phí is for online ones)."""
    return world.register()


def collect_url(dossier, payment) -> str:
    return f"/can-bo/ho-so/{dossier.code}/thanh-toan/{payment.public_id}/thu/"


def collection_form(payment, **overrides) -> dict:
    data = {
        "revision": payment.revision,
        "method": "cash",
        "amount": "200.000",
        "payer_name": "Nguyễn Văn An",
        "reference": "PT-0012",
        "collected_at": "",
        "note": "",
        "proof": pdf("phieu-thu.pdf"),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def nothing_collected(payment) -> None:
    assert not ManualCollection.objects.exists()
    assert not Receipt.objects.exists()
    assert fresh(payment).state == PaymentRequest.State.UNPAID


# --- The dossier page ------------------------------------------------------------------------------------------


def test_the_dossier_page_has_a_payments_panel_with_the_officers_forms(world):
    dossier = world.submit_online()
    payment = world.request_of(dossier)
    html = text(office(world.reception).get(f"/can-bo/ho-so/{dossier.code}/"))
    panel = html[html.index('id="s-payments"') :]
    assert "Phí, lệ phí theo thủ tục" in panel and "Chưa thanh toán" in panel
    assert "Lệ phí cấp Phiếu lý lịch tư pháp" in panel and "200.000 đ" in panel and "250.000 đ" in panel
    assert "thu trước: chưa tiếp nhận được" in panel
    assert f'href="{collect_url(dossier, payment)}"' in panel
    assert f'href="/can-bo/ho-so/{dossier.code}/thanh-toan/{payment.public_id}/mien/"' in panel


def test_a_specialist_sees_the_payments_but_may_not_record_them(world, counter_dossier):
    payment = world.request_of(counter_dossier)
    specialist = office(world.specialist)
    html = text(specialist.get(f"/can-bo/ho-so/{counter_dossier.code}/"))
    assert 'id="s-payments"' in html and "200.000 đ" in html
    assert "/thu/" not in html
    response = specialist.get(collect_url(counter_dossier, payment))
    assert response.status_code == 403
    assert "Bạn không có vai trò thu phí, lệ phí" in text(response)
    posted = specialist.post(collect_url(counter_dossier, payment), collection_form(payment))
    assert posted.status_code == 403
    nothing_collected(payment)


def test_staff_of_another_agency_get_404_for_every_payment_page(world, counter_dossier):
    payment = world.request_of(counter_dossier)
    outsider = office(world.outsider)
    code = counter_dossier.code
    for url in (
        f"/can-bo/ho-so/{code}/",
        collect_url(counter_dossier, payment),
        f"/can-bo/ho-so/{code}/thanh-toan/{payment.public_id}/mien/",
        f"/can-bo/ho-so/{code}/thanh-toan/{payment.public_id}/hoan-phi/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(collect_url(counter_dossier, payment), collection_form(payment)).status_code == 404
    nothing_collected(payment)


def test_a_request_of_another_dossier_is_not_found_under_this_one(world, counter_dossier):
    other = world.register()
    payment = world.request_of(other)
    response = office(world.reception).get(collect_url(counter_dossier, payment))
    assert response.status_code == 404


# --- Collection at the counter -----------------------------------------------------------------------------------


def test_a_collection_at_the_counter_is_recorded_with_its_proof_and_receipt(world, counter_dossier):
    payment = world.request_of(counter_dossier)
    reception = office(world.reception)
    form = reception.get(collect_url(counter_dossier, payment))
    html = text(form)
    assert "<h1>Ghi nhận khoản thu</h1>" in html
    assert 'value="Nguyễn Văn An"' in html  # the payer, from the dossier
    for label in ("Tiền mặt", "Chuyển khoản", "Nộp qua bưu chính công ích", "Chứng từ thu"):
        assert label in html
    response = reception.post(collect_url(counter_dossier, payment), collection_form(payment))
    assert response.status_code == 302
    assert response["Location"] == f"/can-bo/ho-so/{counter_dossier.code}/#s-payments"
    payment = fresh(payment)
    assert (payment.state, payment.paid_via) == (PaymentRequest.State.PAID, "cash")
    collection = ManualCollection.objects.get()
    assert (collection.amount, collection.reference, collection.collected_by) == (
        200000,
        "PT-0012",
        world.reception,
    )
    assert collection.proof_name == "phieu-thu.pdf"
    receipt = Receipt.objects.get()
    assert (receipt.kind, receipt.amount, receipt.method) == ("le_phi", 200000, "cash")

    page = text(reception.get(f"/can-bo/ho-so/{counter_dossier.code}/"))
    assert "Đã ghi nhận khoản thu 200.000 đ." in page
    assert "Đã thanh toán" in page and "PT-0012" in page
    proof_url = f"/can-bo/ho-so/{counter_dossier.code}/khoan-thu/{collection.pk}/chung-tu/"
    receipt_url = f"/can-bo/ho-so/{counter_dossier.code}/bien-lai/{receipt.pk}/"
    assert proof_url in page and receipt_url in page
    assert "/thu/" not in page  # nothing left to collect
    proof = reception.get(proof_url)
    assert (proof.status_code, proof["Content-Type"], proof.content) == (200, "application/pdf", PDF_BYTES)
    assert proof["Content-Disposition"].startswith("inline")
    pdf_receipt = reception.get(receipt_url)
    assert pdf_receipt.status_code == 200 and pdf_receipt.content.startswith(b"%PDF")
    assert office(world.outsider).get(proof_url).status_code == 404
    assert office(world.outsider).get(receipt_url).status_code == 404


def big_pdf() -> SimpleUploadedFile:
    return pdf("lon.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "150.000"}, "Số tiền đã thu phải đúng bằng số tiền phải nộp: 200.000 đ."),
        ({"amount": "hai trăm nghìn"}, "Số tiền không hợp lệ"),
        ({"amount": ""}, "Số tiền đã thu (đồng): This field is required."),
        ({"method": "momo"}, "Hình thức thu"),
        ({"method": "bank_transfer", "reference": ""}, "Vui lòng nhập số chứng từ"),
        ({"proof": None}, "Vui lòng đính kèm chứng từ."),
        ({"proof": pdf("virus.pdf", b"MZ\x90\x00" + b"\x00" * 200)}, "virus.pdf"),
        ({"proof": pdf("ghi-chu.txt", b"da thu tien")}, "không được chấp nhận"),
        ({"proof": pdf("anh.pdf", PNG_BYTES)}, "nội dung là PNG"),
        ({"proof": big_pdf}, "vượt quá giới hạn 10 MB"),
        ({"collected_at": "2026-03-09T09:00"}, "Thời điểm thu không được ở tương lai."),
    ],
)
def test_a_bad_collection_is_refused_with_a_message_and_changes_nothing(
    world, counter_dossier, settings, tmp_path, overrides, message
):
    payment = world.request_of(counter_dossier)
    overrides = {key: value() if callable(value) else value for key, value in overrides.items()}
    response = office(world.reception).post(
        collect_url(counter_dossier, payment), collection_form(payment, **overrides)
    )
    assert response.status_code in (409, 422)
    html = text(response)
    assert "Chưa ghi nhận được; không có gì thay đổi." in html
    assert message.replace("This field is required.", "") in html or message in html
    nothing_collected(payment)
    stored = settings.MEDIA_ROOT / "payments"
    assert not stored.exists() or not any(p.is_file() for p in stored.rglob("*"))


def test_every_problem_of_a_collection_form_is_shown_at_once(world, counter_dossier):
    payment = world.request_of(counter_dossier)
    form = collection_form(payment, amount="1", method="postal", reference="", proof=pdf("a.txt", b"x"))
    html = text(office(world.reception).post(collect_url(counter_dossier, payment), form))
    for message in (
        "Số tiền đã thu phải đúng bằng số tiền phải nộp: 200.000 đ.",
        "Vui lòng nhập số chứng từ",
        "có định dạng .txt không được chấp nhận",
    ):
        assert message in html
    nothing_collected(payment)


def test_a_replayed_collection_form_is_refused_and_nothing_is_collected_twice(world, counter_dossier):
    payment = world.request_of(counter_dossier)
    reception = office(world.reception)
    first = collection_form(payment)
    assert reception.post(collect_url(counter_dossier, payment), first).status_code == 302
    replay = collection_form(payment)  # the same page sent again (back button, double click)
    response = reception.post(collect_url(counter_dossier, payment), replay)
    assert response.status_code == 409
    assert "biểu mẫu này đã được gửi" in text(response)
    assert ManualCollection.objects.count() == 1 and Receipt.objects.count() == 1


def test_a_collection_on_a_stale_page_is_refused(world, sandbox):
    dossier = world.submit_online()
    payment = world.request_of(dossier)
    seen = collection_form(payment, amount="250.000")  # the officer opens the form...
    payment_services.payment_start(
        request=payment, actor=world.citizen, provider="paygov"
    )  # ...the citizen pays
    response = office(world.reception).post(collect_url(dossier, payment), seen)
    assert response.status_code == 409
    assert "vừa thay đổi" in text(response)
    assert not ManualCollection.objects.exists()


# --- Exemption ---------------------------------------------------------------------------------------------------


def test_an_exemption_needs_a_reason_and_lifts_the_lines_chosen(world):
    dossier = world.submit_online()
    payment = world.request_of(dossier)
    reception = office(world.reception)
    url = f"/can-bo/ho-so/{dossier.code}/thanh-toan/{payment.public_id}/mien/"
    html = text(reception.get(url))
    assert "<h1>Miễn phí, lệ phí</h1>" in html and "Không chọn khoản nào nghĩa là miễn toàn bộ." in html
    refused = reception.post(url, {"revision": payment.revision, "reason": ""})
    assert refused.status_code == 422 and "Vui lòng nêu lý do miễn." in text(refused)
    assert fresh(payment).amount == 250000
    bad_line = reception.post(url, {"revision": payment.revision, "reason": "Hộ nghèo", "lines": ["999999"]})
    assert bad_line.status_code == 422 and "Khoản được chọn không thuộc yêu cầu thanh toán này." in text(
        bad_line
    )

    charge = payment.lines.get(kind="le_phi")
    response = reception.post(
        url,
        {
            "revision": payment.revision,
            "reason": "Người thuộc hộ nghèo (Nghị định 07/2021)",
            "lines": [charge.pk],
        },
    )
    assert response.status_code == 302
    payment = fresh(payment)
    assert payment.amount == 50000 and payment.is_open
    assert fresh(charge).exempt
    page = text(reception.get(f"/can-bo/ho-so/{dossier.code}/"))
    assert "Đã ghi nhận miễn phí, lệ phí." in page
    assert "được miễn" in page and "Người thuộc hộ nghèo (Nghị định 07/2021)" in page
    replay = reception.post(
        url, {"revision": payment.revision - 1, "reason": "Người thuộc hộ nghèo", "lines": [charge.pk]}
    )
    assert replay.status_code == 409 and "biểu mẫu này đã được gửi" in text(replay)
    assert fresh(payment).amount == 50000


def test_exempting_everything_cancels_the_request_and_the_citizen_sees_it(world, client):
    dossier = world.submit_online()
    payment = world.request_of(dossier)
    url = f"/can-bo/ho-so/{dossier.code}/thanh-toan/{payment.public_id}/mien/"
    response = office(world.leader).post(url, {"revision": payment.revision, "reason": "Trẻ em dưới 6 tuổi"})
    assert response.status_code == 302
    payment = fresh(payment)
    assert payment.state == PaymentRequest.State.CANCELLED and payment.exempt
    client.force_login(world.citizen)
    html = text(client.get(f"/ho-so-cua-toi/{dossier.code}/"))
    assert "Được miễn" in html and "Trẻ em dưới 6 tuổi" in html
    assert f"/ho-so-cua-toi/{dossier.code}/thanh-toan/" not in html


# --- Financial obligation (status 6) -----------------------------------------------------------------------------


def obligation(**fields) -> dict:
    data = {
        "description": "Nộp lệ phí trước bạ theo thông báo của cơ quan thuế",
        "name_1": "Lệ phí trước bạ",
        "kind_1": "le_phi",
        "amount_1": "1.200.000",
        "name_2": "Phí thẩm định",
        "kind_2": "phi",
        "amount_2": "300000",
    }
    data.update(fields)
    return {f"request_payment-{key}": value for key, value in data.items()}


def act(client, dossier, data, revision=None):
    data = {"request_payment-revision": fresh(dossier).revision if revision is None else revision, **data}
    return client.post(f"/can-bo/ho-so/{dossier.code}/thao-tac/request_payment/", data)


@pytest.fixture
def processing(world):
    """An online dossier whose fees were exempted, received and assigned to the specialist."""
    dossier = world.submit_online()
    payment_services.payment_request_exempt(
        request=world.request_of(dossier), actor=world.reception, reason="Miễn"
    )
    return world.in_processing(dossier)


def test_the_obligation_form_asks_for_lines_and_puts_the_dossier_in_status_6(world, processing):
    specialist = office(world.specialist)
    html = text(specialist.get(f"/can-bo/ho-so/{processing.code}/"))
    assert 'id="thao-tac-request_payment"' in html
    for label in ("Khoản 1", "Loại khoản 1", "Số tiền khoản 1 (đồng)", "Khoản 4"):
        assert f">{label}" in html
    response = act(specialist, processing, obligation())
    assert response.status_code == 302, text(response)
    dossier = fresh(processing)
    assert dossier.status == DossierStatus.AWAITING_PAYMENT
    payment = PaymentRequest.objects.get(dossier=dossier, origin=PaymentRequest.Origin.OBLIGATION)
    assert payment.amount == 1500000 and payment.state == PaymentRequest.State.UNPAID
    lines = list(payment.lines.order_by("id").values_list("name", "kind", "amount"))
    assert lines == [("Lệ phí trước bạ", "le_phi", 1200000), ("Phí thẩm định", "phi", 300000)]
    page = text(specialist.get(f"/can-bo/ho-so/{dossier.code}/"))
    assert "Nghĩa vụ tài chính" in page and "1.500.000 đ" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"amount_1": "abc"}, "Số tiền không hợp lệ"),
        ({"amount_2": ""}, "Vui lòng nhập số tiền của khoản này."),
        ({"name_2": ""}, "Vui lòng nhập tên khoản cho số tiền đã nhập."),
        ({"amount_1": "0"}, "Số tiền phải lớn hơn 0."),
        ({"description": ""}, "Nghĩa vụ tài chính"),
    ],
)
def test_a_bad_obligation_is_refused_and_the_dossier_does_not_move(world, processing, fields, message):
    response = act(office(world.specialist), processing, obligation(**fields))
    assert response.status_code == 422
    assert message in text(response)
    assert fresh(processing).status == DossierStatus.PROCESSING
    assert not PaymentRequest.objects.filter(origin=PaymentRequest.Origin.OBLIGATION).exists()


def test_an_obligation_on_a_stale_page_is_refused(world, processing):
    specialist = office(world.specialist)
    seen = processing.revision
    assert act(specialist, processing, obligation()).status_code == 302
    again = act(specialist, processing, obligation(), revision=seen)
    assert again.status_code == 409
    assert PaymentRequest.objects.filter(origin=PaymentRequest.Origin.OBLIGATION).count() == 1


def test_paying_the_obligation_at_the_counter_resumes_the_dossier(world, processing):
    act(office(world.specialist), processing, obligation())
    payment = PaymentRequest.objects.get(origin=PaymentRequest.Origin.OBLIGATION)
    form = collection_form(payment, amount="1500000", method="bank_transfer", reference="FT2603021234")
    response = office(world.reception).post(collect_url(processing, payment), form)
    assert response.status_code == 302
    assert fresh(processing).status == DossierStatus.PROCESSING
    assert {r.kind for r in Receipt.objects.filter(request=payment)} == {"phi", "le_phi"}


def test_no_one_resumes_a_status_6_dossier_by_hand_the_exemption_does(world, processing):
    act(office(world.specialist), processing, obligation())
    dossier = fresh(processing)
    assert dossier.status == DossierStatus.AWAITING_PAYMENT
    for user in (world.specialist, world.reception, world.leader):
        page = text(office(user).get(f"/can-bo/ho-so/{dossier.code}/"))
        assert "thao-tac-confirm_payment" not in page
        assert "Xác nhận đã thực hiện nghĩa vụ tài chính" not in page
    page = text(office(world.reception).get(f"/can-bo/ho-so/{dossier.code}/"))
    assert 'id="cho-nghia-vu-tai-chinh"' in page and 'href="#thanh-toan"' in page
    forced = office(world.reception).post(
        f"/can-bo/ho-so/{dossier.code}/thao-tac/confirm_payment/",
        {"confirm_payment-revision": dossier.revision, "confirm_payment-reference": "BL01"},
    )
    assert forced.status_code == 404
    assert (fresh(dossier).status, fresh(dossier).revision) == (
        DossierStatus.AWAITING_PAYMENT,
        dossier.revision,
    )

    payment = PaymentRequest.objects.get(dossier=dossier, origin=PaymentRequest.Origin.OBLIGATION)
    url = f"/can-bo/ho-so/{dossier.code}/thanh-toan/{payment.public_id}/mien/"
    response = office(world.leader).post(url, {"revision": payment.revision, "reason": "Hộ nghèo"})
    assert response.status_code == 302
    dossier = fresh(dossier)
    assert dossier.status == DossierStatus.PROCESSING
    confirmed = dossier.events.get(action="confirm_payment")
    assert confirmed.actor_id is None  # by the system, with the exemption
    assert fresh(payment).state == PaymentRequest.State.CANCELLED and fresh(payment).exempt


# --- Refunds -------------------------------------------------------------------------------------------------------


def test_a_refund_is_recorded_due_then_done_with_its_proof(world, counter_dossier):
    payment = world.request_of(counter_dossier)
    reception = office(world.reception)
    reception.post(collect_url(counter_dossier, payment), collection_form(payment))
    payment = fresh(payment)
    page = text(reception.get(f"/can-bo/ho-so/{counter_dossier.code}/"))
    due_url = f"/can-bo/ho-so/{counter_dossier.code}/thanh-toan/{payment.public_id}/hoan-phi/"
    assert due_url in page
    too_much = reception.post(due_url, {"revision": payment.revision, "reason": "other", "amount": "900.000"})
    assert too_much.status_code == 422 and "không quá số đã nộp: 200.000 đ" in text(too_much)
    assert not Refund.objects.exists()
    response = reception.post(
        due_url,
        {"revision": payment.revision, "reason": "duplicate", "amount": "200000", "note": "Nộp hai lần"},
    )
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.state, refund.amount, refund.reason) == ("due", 200000, "duplicate")
    twice = reception.post(due_url, {"revision": payment.revision, "reason": "duplicate", "amount": "200000"})
    assert twice.status_code == 409 and Refund.objects.count() == 1

    done_url = f"/can-bo/ho-so/{counter_dossier.code}/hoan-phi/{refund.pk}/"
    assert done_url in text(reception.get(f"/can-bo/ho-so/{counter_dossier.code}/"))
    bad = reception.post(
        done_url, {"revision": payment.revision, "method": "cash", "proof": pdf("x.exe", b"MZ\x00")}
    )
    assert bad.status_code == 422 and "không được chấp nhận" in text(bad)
    assert fresh(refund).state == "due"
    good = reception.post(
        done_url,
        {
            "revision": payment.revision,
            "method": "bank_transfer",
            "reference": "HT-77",
            "proof": pdf("uy-nhiem-chi.pdf"),
        },
    )
    assert good.status_code == 302
    refund = fresh(refund)
    assert (refund.state, refund.method, refund.reference) == ("done", "bank_transfer", "HT-77")
    assert fresh(payment).state == PaymentRequest.State.REFUNDED
    proof = reception.get(f"/can-bo/ho-so/{counter_dossier.code}/hoan-phi/{refund.pk}/chung-tu/")
    assert proof.status_code == 200 and proof.content == PDF_BYTES


# --- Lists of the agency -----------------------------------------------------------------------------------------


def collect(world, dossier, **overrides):
    payment = world.request_of(dossier)
    return payment_services.payment_collection_record(
        request=payment,
        actor=world.reception,
        method=overrides.pop("method", "cash"),
        amount=payment.amount,
        proof=pdf(),
        reference=overrides.pop("reference", ""),
        **overrides,
    )


def test_the_collections_list_shows_the_agencys_period_with_totals(world, clock):
    first = collect(world, world.register())
    clock.move_to(at(4, 10))
    second = collect(world, world.register(), method="bank_transfer", reference="FT-1")
    reception = office(world.reception)
    response = reception.get("/can-bo/thanh-toan/khoan-thu/")
    html = text(response)
    assert response.status_code == 200
    assert "Từ 01/03/2026 đến 04/03/2026" in html
    assert first.request.dossier.code in html and second.request.dossier.code in html
    assert "Tiền mặt" in html and "Chuyển khoản" in html and "400.000 đ" in html
    only_first = text(
        reception.get("/can-bo/thanh-toan/khoan-thu/", {"tu_ngay": "02/03/2026", "den_ngay": "03/03/2026"})
    )
    assert first.request.dossier.code in only_first and second.request.dossier.code not in only_first
    by_method = text(reception.get("/can-bo/thanh-toan/khoan-thu/", {"hinh_thuc": "bank_transfer"}))
    assert second.request.dossier.code in by_method and first.request.dossier.code not in by_method
    bad = reception.get("/can-bo/thanh-toan/khoan-thu/", {"tu_ngay": "31/02/2026"})
    assert bad.status_code == 422 and "Ngày không hợp lệ" in text(bad)
    backwards = reception.get(
        "/can-bo/thanh-toan/khoan-thu/", {"tu_ngay": "04/03/2026", "den_ngay": "01/03/2026"}
    )
    assert backwards.status_code == 422 and "“Đến ngày” phải sau “Từ ngày”." in text(backwards)
    outsider = text(office(world.outsider).get("/can-bo/thanh-toan/khoan-thu/"))
    assert first.request.dossier.code not in outsider
    specialist = office(world.specialist).get("/can-bo/thanh-toan/khoan-thu/")
    assert specialist.status_code == 403


def test_the_collections_list_reads_a_fixed_number_of_queries(world, clock):
    reception = office(world.reception)
    collect(world, world.register())
    reception.get("/can-bo/thanh-toan/khoan-thu/")
    with CaptureQueriesContext(connection) as one:
        reception.get("/can-bo/thanh-toan/khoan-thu/")
    for _ in range(3):
        collect(world, world.register())
    with CaptureQueriesContext(connection) as four:
        html = text(reception.get("/can-bo/thanh-toan/khoan-thu/"))
    assert html.count("/chung-tu/") == 4
    assert len(four) == len(one)


def test_the_receipts_list_totals_phi_and_le_phi(world, sandbox):
    dossier = world.submit_online()
    payment = world.request_of(dossier)
    payment_services.payment_collection_record(
        request=payment, actor=world.reception, method="cash", amount=250000, proof=pdf()
    )
    reception = office(world.reception)
    html = text(reception.get("/can-bo/thanh-toan/bien-lai/"))
    assert "Biên lai thu phí, lệ phí" in html
    for receipt in Receipt.objects.all():
        assert receipt.display_number in html
        assert f"/can-bo/ho-so/{dossier.code}/bien-lai/{receipt.pk}/" in html
    assert "200.000 đ" in html and "50.000 đ" in html and "250.000 đ" in html
    with CaptureQueriesContext(connection) as queries:
        reception.get("/can-bo/thanh-toan/bien-lai/")
    assert len(queries) < 15


def test_the_refunds_list_shows_what_is_still_to_pay_back(world, counter_dossier):
    collect(world, counter_dossier)
    dossier = fresh(counter_dossier)
    payment_services.refund_record_due(
        request=world.request_of(dossier), actor=world.reception, reason="other"
    )
    html = text(office(world.reception).get("/can-bo/thanh-toan/hoan-phi/"))
    assert dossier.code in html and "Ghi nhận đã hoàn" in html
    done = text(office(world.reception).get("/can-bo/thanh-toan/hoan-phi/", {"tinh-trang": "done"}))
    assert dossier.code not in done


# --- Reconciliation ------------------------------------------------------------------------------------------------


def test_the_reconciliation_page_runs_a_day_and_lists_its_mismatches(world, clock, sandbox):
    dossier = world.submit_online()
    transaction = payment_services.payment_start(request=world.request_of(dossier), actor=world.citizen)
    sandbox.pay(transaction.reference)  # paid at the provider; its callback never reaches us
    clock.move_to(at(3, 9))
    reception = office(world.reception)
    page = text(reception.get("/can-bo/thanh-toan/doi-soat/"))
    assert "<h1>Đối soát giao dịch thanh toán trực tuyến</h1>" in page
    assert "Chưa đối soát ngày này" in page and 'value="02/03/2026"' in page
    response = reception.post("/can-bo/thanh-toan/doi-soat/", {"ngay": "02/03/2026", "cong": "paygov"})
    assert response.status_code == 302
    assert response["Location"] == "/can-bo/thanh-toan/doi-soat/?ngay=02%2F03%2F2026&cong=paygov"
    run = ReconciliationRun.objects.get()
    assert (run.day.isoformat(), run.started_by) == ("2026-03-02", world.reception)
    html = text(reception.get(response["Location"]))
    assert transaction.reference in html and "Cổng ghi thành công, hệ thống chưa ghi nhận" in html
    assert "Đã tự ghi nhận" in html
    assert fresh(transaction).status == PaymentTransaction.Status.SUCCEEDED
    assert dossier.code in html
    future = reception.post("/can-bo/thanh-toan/doi-soat/", {"ngay": "03/03/2026", "cong": "paygov"})
    assert future.status_code == 422 and "Chỉ đối soát được những ngày đã qua." in text(future)
    assert ReconciliationRun.objects.count() == 1


def test_a_mismatch_is_resolved_with_a_note_and_hidden_from_other_agencies(world, clock, sandbox):
    dossier = world.submit_online()
    transaction = payment_services.payment_start(request=world.request_of(dossier), actor=world.citizen)
    clock.move_to(at(3, 9))
    # A difference the run cannot settle by itself (the provider reports another amount).
    run = ReconciliationRun.objects.create(
        provider="paygov", day=at(2).date(), outcome="mismatched", mismatch_count=1
    )
    mismatch = ReconciliationMismatch.objects.create(
        run=run,
        kind="amount_differs",
        reference=transaction.reference,
        transaction=transaction,
        provider_status="succeeded",
        provider_amount=25000,
        our_status="initiated",
        our_amount=250000,
    )
    reception = office(world.reception)
    html = text(reception.get("/can-bo/thanh-toan/doi-soat/", {"ngay": "02/03/2026", "cong": "paygov"}))
    assert "Số tiền khác nhau" in html and "25.000 đ" in html and "250.000 đ" in html
    assert "Chênh lệch chưa xử lý (mọi ngày)" in html
    assert transaction.reference not in text(
        office(world.outsider).get("/can-bo/thanh-toan/doi-soat/", {"ngay": "02/03/2026"})
    )
    assert "Chờ lãnh đạo, giám sát xử lý" in html  # a reception officer sees it, a supervisor resolves it
    url = f"/can-bo/thanh-toan/doi-soat/chenh-lech/{mismatch.pk}/"
    refused = reception.post(url, {"resolution": "Đã kiểm tra"})
    assert refused.status_code == 302 and fresh(mismatch).resolved_at is None
    supervisor = office(world.supervisor)
    assert 'id="resolution-' in text(supervisor.get("/can-bo/thanh-toan/doi-soat/", {"ngay": "02/03/2026"}))
    empty = supervisor.post(url, {"resolution": ""})
    assert empty.status_code == 302 and fresh(mismatch).resolved_at is None
    assert office(world.outsider).post(url, {"resolution": "x"}).status_code == 404
    done = supervisor.post(url, {"resolution": "Cổng xác nhận nhầm số tiền; đã đối chiếu sao kê."})
    assert done.status_code == 302
    mismatch = fresh(mismatch)
    assert mismatch.resolved_at is not None and mismatch.resolved_by == world.supervisor
    after = text(supervisor.get(done["Location"]))
    assert "Không còn chênh lệch nào chưa xử lý." in after and "đã đối chiếu sao kê" in after


def test_the_payment_lists_are_for_payment_staff_only(world):
    specialist = office(world.specialist)
    for url in (
        "/can-bo/thanh-toan/khoan-thu/",
        "/can-bo/thanh-toan/bien-lai/",
        "/can-bo/thanh-toan/hoan-phi/",
        "/can-bo/thanh-toan/doi-soat/",
    ):
        response = specialist.get(url)
        assert response.status_code == 403, url
        assert "Trang này dành cho cán bộ thu phí" in text(response)
    assert (
        specialist.post("/can-bo/thanh-toan/doi-soat/", {"ngay": "01/03/2026", "cong": "paygov"}).status_code
        == 403
    )
    assert not ReconciliationRun.objects.exists()
    anonymous = Client().get("/can-bo/thanh-toan/khoan-thu/")
    assert anonymous.status_code == 302 and "/can-bo/dang-nhap/" in anonymous["Location"]
    nav = text(office(world.reception).get("/can-bo/"))
    assert re.search(r'<a href="/can-bo/thanh-toan/khoan-thu/"[^>]*>Thu phí, lệ phí</a>', nav)
    assert "/can-bo/thanh-toan/khoan-thu/" not in text(specialist.get("/can-bo/"))

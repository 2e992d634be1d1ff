"""The citizen's payment pages: fees on "Hồ sơ của tôi", the pay page (provider choice, then the provider's
page), the return page (display only: "đang xác nhận" until the provider's message is recorded), receipts
and refunds; other people's dossiers answer 404; bad input is refused and changes nothing."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from payments import conftest as pay_world

from motcua.dossiers import services as dossier_services
from motcua.dossiers.workflow import DossierStatus
from motcua.payments import services as payment_services
from motcua.payments.models import PaymentRequest, PaymentTransaction, Receipt, Refund

# The payments tests' small province (lệ phí 200.000 đ collected before reception, phí 50.000 đ after, for
# online dossiers), its clock on Monday 02/03/2026 and the sandbox payment server on a free port.
world = pay_world.world
clock = pay_world.clock
payment_settings = pay_world.payment_settings
sandbox = pay_world.sandbox


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def citizen(client, world):
    client.force_login(world.citizen)
    return client


@pytest.fixture
def dossier(world):
    return world.submit_online()


def pay_form(payment: PaymentRequest, provider: str = "paygov", **overrides) -> dict:
    data = {"provider": provider, "request_id": str(payment.public_id), "amount": str(payment.amount)}
    data.update(overrides)
    return data


def start(citizen, dossier, provider="paygov") -> PaymentTransaction:
    """Choose the provider on the pay page and open its payment page (as the browser would)."""
    payment = PaymentRequest.objects.get(dossier=dossier)
    response = citizen.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/", pay_form(payment, provider))
    assert response.status_code == 302, text(response)
    with urllib.request.urlopen(response["Location"], timeout=5) as page:
        assert page.status == 200
    return PaymentTransaction.objects.filter(request=payment).order_by("-pk").first()


# --- The dossier page ------------------------------------------------------------------------------------------


def test_the_dossier_page_shows_the_fees_with_lines_amounts_and_plain_status(citizen, dossier):
    html = text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/"))
    panel = html[html.index('id="phi-le-phi"') :]
    assert "Lệ phí cấp Phiếu lý lịch tư pháp" in panel and "Phí sao chụp hồ sơ" in panel
    assert "200.000 đ" in panel and "50.000 đ" in panel
    assert "Tổng phải nộp" in panel and "250.000 đ" in panel
    assert "Chưa thanh toán" in panel
    assert "Thu trước: hồ sơ được tiếp nhận sau khi bạn nộp đủ." in panel
    assert f'href="/ho-so-cua-toi/{dossier.code}/thanh-toan/"' in panel
    assert "Thanh toán trực tuyến 250.000 đ" in panel


def test_the_dossier_page_without_fees_has_no_payment_panel(citizen, world):
    from motcua.catalog.models import Fee

    Fee.objects.filter(version=world.version).delete()
    dossier = world.submit_online()
    assert not PaymentRequest.objects.filter(dossier=dossier).exists()
    html = text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/"))
    assert 'id="phi-le-phi"' not in html


def test_the_payment_panel_reads_a_fixed_number_of_queries(citizen, dossier, sandbox):
    url = f"/ho-so-cua-toi/{dossier.code}/"
    citizen.get(url)  # warm up the session and caches
    with CaptureQueriesContext(connection) as before:
        assert citizen.get(url).status_code == 200
    for provider in ("paygov", "vnpay"):  # two attempts, the first given up at the provider
        transaction = start(citizen, dossier, provider)
        sandbox.pay(transaction.reference, succeed=provider == "vnpay")
        payment_services.payment_transaction_check(transaction=transaction)
    assert Receipt.objects.filter(request__dossier=dossier).count() == 2
    with CaptureQueriesContext(connection) as after:
        assert citizen.get(url).status_code == 200
    panel = [q["sql"] for q in after.captured_queries if "payments_" in q["sql"]]
    assert len(panel) == 6  # the requests, then their lines, transactions, receipts, collections, refunds
    assert len(after) - len(before) <= 2  # the rest of the page: its events and steps, not per payment


def _now_section(html: str) -> str:
    return html[html.index('id="now"') : html.index("</section>", html.index('id="now"'))]


def test_a_dossier_held_for_its_fees_says_it_is_received_once_they_are_paid(citizen, dossier, sandbox):
    pay_link = f'href="/ho-so-cua-toi/{dossier.code}/thanh-toan/"'
    now = _now_section(text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/")))
    assert f"hồ sơ sẽ được {dossier.receiving_agency.name} tiếp nhận" in now
    assert "sau khi bạn nộp đủ phí, lệ phí" in now
    assert "sẽ kiểm tra hồ sơ" not in now
    assert pay_link in now and "Thanh toán phí, lệ phí" in now
    submitted = text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/da-nop/"))
    assert "tiếp nhận sau khi bạn nộp đủ phí, lệ phí" in submitted and pay_link in submitted

    transaction = start(citizen, dossier)
    sandbox.pay(transaction.reference)
    payment_services.payment_transaction_check(transaction=transaction)
    now = _now_section(text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/")))
    assert "sẽ kiểm tra hồ sơ" in now  # paid: the one-stop unit checks it now
    assert "sau khi bạn nộp đủ phí, lệ phí" not in now and pay_link not in now
    assert pay_link not in text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/da-nop/"))


def test_fees_collected_after_reception_do_not_hold_the_dossier_in_the_status_text(citizen, world):
    from motcua.catalog.models import Fee

    Fee.objects.filter(version=world.version).update(timing=Fee.Timing.AFTER)
    dossier = world.submit_online()
    assert PaymentRequest.objects.get(dossier=dossier).timing == PaymentRequest.Timing.AFTER
    now = _now_section(text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/")))
    assert "sẽ kiểm tra hồ sơ" in now and "sau khi bạn nộp đủ phí, lệ phí" not in now


# --- The pay page ----------------------------------------------------------------------------------------------


def test_the_pay_page_offers_both_providers_with_labels_and_the_amount(citizen, dossier):
    response = citizen.get(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/")
    html = text(response)
    assert response.status_code == 200
    assert "<h1>Thanh toán phí, lệ phí</h1>" in html
    assert "Chọn cách thanh toán" in html
    assert re.search(r'<label for="id_provider_0">Nền tảng thanh toán quốc gia', html)
    assert re.search(r'<label for="id_provider_1">Cổng thanh toán ngân hàng \(VNPay\)', html)
    assert "Thanh toán 250.000 đ" in html
    assert 'value="250000"' in html


def test_paying_with_the_national_platform_goes_to_its_payment_page(citizen, dossier, sandbox):
    payment = PaymentRequest.objects.get(dossier=dossier)
    response = citizen.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/", pay_form(payment, "paygov"))
    assert response.status_code == 302
    transaction = PaymentTransaction.objects.get(request=payment)
    assert response["Location"].startswith(f"{sandbox.base_url}/paygov/thanh-toan/")
    assert transaction.reference in response["Location"]
    assert (transaction.provider, transaction.amount, transaction.status) == ("paygov", 250000, "initiated")
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.PENDING


def test_paying_with_the_bank_gateway_sends_our_return_address(citizen, dossier, sandbox):
    payment = PaymentRequest.objects.get(dossier=dossier)
    response = citizen.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/", pay_form(payment, "vnpay"))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == sandbox.vnpay_payment_url
    query = parse_qs(location.query)
    assert query["vnp_Amount"] == ["25000000"]  # VND x 100
    assert query["vnp_ReturnUrl"] == ["http://testserver/thanh-toan/ket-qua/"]


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"provider": "momo"}, 422, "Cách thanh toán này không được hỗ trợ"),
        ({"provider": ""}, 422, "Vui lòng chọn cách thanh toán."),
        ({"amount": "1000"}, 409, "Số tiền phải nộp vừa thay đổi"),
        ({"request_id": "7b0c0d9e-7e1f-4d39-9d5e-0d7d6d0b1a11"}, 409, "Số tiền phải nộp vừa thay đổi"),
        ({"amount": "abc"}, 422, "Dữ liệu gửi lên không đầy đủ"),
    ],
)
def test_the_pay_form_refuses_bad_input_and_starts_nothing(citizen, dossier, change, status, message):
    payment = PaymentRequest.objects.get(dossier=dossier)
    response = citizen.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/", pay_form(payment, **change))
    assert response.status_code == status
    assert message in text(response)
    assert 'role="alert"' in text(response)
    assert not PaymentTransaction.objects.exists()
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.UNPAID


def test_a_provider_that_is_down_is_explained_and_nothing_is_paid(citizen, dossier, sandbox):
    sandbox.fail_next(5)
    payment = PaymentRequest.objects.get(dossier=dossier)
    response = citizen.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/", pay_form(payment, "paygov"))
    assert response.status_code == 503
    assert "đang tạm thời không kết nối được" in text(response)
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.UNPAID
    assert not PaymentTransaction.objects.filter(status=PaymentTransaction.Status.SUCCEEDED).exists()


def test_a_paid_dossier_has_nothing_left_to_pay(citizen, world, dossier, sandbox):
    transaction = start(citizen, dossier)
    sandbox.pay(transaction.reference)
    payment_services.payment_transaction_check(transaction=transaction)
    response = citizen.get(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/")
    assert "Hồ sơ đã được thanh toán đủ" in text(response)
    payment = PaymentRequest.objects.get(dossier=dossier)
    again = citizen.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/", pay_form(payment))
    assert again.status_code == 409
    assert PaymentTransaction.objects.count() == 1


# --- The return page -----------------------------------------------------------------------------------------


def test_the_return_page_says_confirming_until_the_provider_confirms(citizen, dossier, sandbox):
    transaction = start(citizen, dossier)
    back = sandbox.pay(transaction.reference)  # the click; its callback is not delivered (no URL here)
    assert back.startswith("http://testserver/thanh-toan/ket-qua/?")
    path = back.removeprefix("http://testserver")
    response = citizen.get(path)
    html = text(response)
    assert response.status_code == 200
    assert "<h1>Đang xác nhận thanh toán</h1>" in html
    assert "Đừng thanh toán lại" in html
    assert f'href="/thanh-toan/ket-qua/?ref={transaction.reference}"' in html  # the refresh link
    assert "Biên lai điện tử" not in html  # the address bar said "success": not trusted

    payment_services.payment_transaction_check(transaction=transaction)  # the job asks the provider
    response = citizen.get(f"/thanh-toan/ket-qua/?ref={transaction.reference}")
    html = text(response)
    assert "<h1>Đã thanh toán</h1>" in html
    assert "Cơ quan đã nhận 250.000 đ" in html
    receipts = list(Receipt.objects.filter(request__dossier=dossier).order_by("kind"))
    assert len(receipts) == 2  # phí and lệ phí separately
    for receipt in receipts:
        assert f'href="/ho-so-cua-toi/{dossier.code}/bien-lai/{receipt.pk}/"' in html


def test_the_return_page_of_a_failed_payment_offers_to_pay_again(citizen, dossier, sandbox):
    transaction = start(citizen, dossier, provider="vnpay")
    sandbox.pay(transaction.reference, succeed=False)
    payment_services.payment_transaction_check(transaction=transaction)
    response = citizen.get(f"/thanh-toan/ket-qua/?vnp_TxnRef={transaction.reference}&vnp_ResponseCode=24")
    html = text(response)
    assert "<h1>Thanh toán không thành công</h1>" in html
    assert f'href="/ho-so-cua-toi/{dossier.code}/thanh-toan/"' in html


def test_the_return_page_is_only_for_the_dossier_owner(client, world, dossier, sandbox):
    client.force_login(world.citizen)
    transaction = start(client, dossier)
    client.force_login(world.other_citizen)
    assert client.get(f"/thanh-toan/ket-qua/?ref={transaction.reference}").status_code == 404
    assert client.get("/thanh-toan/ket-qua/?ref=dvc-khong-co").status_code == 404
    assert client.get("/thanh-toan/ket-qua/").status_code == 404
    client.logout()
    response = client.get(f"/thanh-toan/ket-qua/?ref={transaction.reference}")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


# --- Receipts and refunds -------------------------------------------------------------------------------------


def test_receipts_are_listed_and_downloaded_as_pdf(citizen, dossier, sandbox):
    transaction = start(citizen, dossier)
    sandbox.pay(transaction.reference)
    payment_services.payment_transaction_check(transaction=transaction)
    html = text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/bien-lai/"))
    assert "<h1>Biên lai và lịch sử thanh toán</h1>" in html
    assert "Biên lai Lệ phí số" in html and "Biên lai Phí số" in html
    assert "Thanh toán trực tuyến qua Nền tảng thanh toán quốc gia" in html and "Thành công" in html
    receipt = Receipt.objects.get(request__dossier=dossier, kind="le_phi")
    assert not receipt.file  # the job has not run yet: the download keeps the PDF at once
    response = citizen.get(f"/ho-so-cua-toi/{dossier.code}/bien-lai/{receipt.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")
    receipt.refresh_from_db()
    assert receipt.file


def test_other_peoples_payment_pages_answer_404(client, world, dossier, sandbox):
    client.force_login(world.citizen)
    transaction = start(client, dossier)
    sandbox.pay(transaction.reference)
    payment_services.payment_transaction_check(transaction=transaction)
    receipt = Receipt.objects.filter(request__dossier=dossier).first()
    client.force_login(world.other_citizen)
    for url in (
        f"/ho-so-cua-toi/{dossier.code}/thanh-toan/",
        f"/ho-so-cua-toi/{dossier.code}/bien-lai/",
        f"/ho-so-cua-toi/{dossier.code}/bien-lai/{receipt.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    mine = world.submit_online(citizen=world.other_citizen)
    # Their own dossier with someone else's receipt number: still not found.
    assert client.get(f"/ho-so-cua-toi/{mine.code}/bien-lai/{receipt.pk}/").status_code == 404
    payment = PaymentRequest.objects.get(dossier=dossier)
    refused = client.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/", pay_form(payment))
    assert refused.status_code == 404
    assert PaymentTransaction.objects.count() == 1


def test_a_refund_of_a_refused_dossier_is_shown_to_the_citizen(citizen, world, dossier, sandbox):
    transaction = start(citizen, dossier)
    sandbox.pay(transaction.reference)
    payment_services.payment_transaction_check(transaction=transaction)
    dossier.refresh_from_db()
    dossier = dossier_services.dossier_refuse_reception(
        dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Hồ sơ không đủ điều kiện"
    )
    assert dossier.status == DossierStatus.NOT_RECEIVED
    refund = Refund.objects.get(request__dossier=dossier)
    html = text(citizen.get(f"/ho-so-cua-toi/{dossier.code}/"))
    assert "Hoàn phí" in html and "Cơ quan đang làm thủ tục hoàn tiền" in html
    assert "250.000 đ" in html and refund.get_reason_display() in html


# --- The public lookup ----------------------------------------------------------------------------------------


def test_the_public_lookup_says_whether_the_fees_are_paid_without_personal_data(client, world, sandbox):
    dossier = world.submit_online()
    html = text(client.get("/tra-cuu/", {"ma": dossier.code}))
    assert "<dt>Phí, lệ phí</dt><dd>Chưa thanh toán</dd>" in html
    transaction = payment_services.payment_start(
        request=PaymentRequest.objects.get(dossier=dossier), actor=world.citizen
    )
    sandbox.pay(transaction.reference)
    payment_services.payment_transaction_check(transaction=transaction)
    html = text(client.get("/tra-cuu/", {"ma": dossier.code}))
    assert "<dt>Phí, lệ phí</dt><dd>Đã thanh toán</dd>" in html
    for private in ("250.000", "Nguyễn Văn An", "042090001234", transaction.reference, "Biên lai"):
        assert private not in html, private


def test_the_public_lookup_of_a_dossier_without_fees_says_nothing_of_them(client, world):
    from motcua.catalog.models import Fee

    Fee.objects.filter(version=world.version).delete()
    dossier = world.submit_online()
    assert "Phí, lệ phí" not in text(client.get("/tra-cuu/", {"ma": dossier.code}))

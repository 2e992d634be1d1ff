"""Paying fees in the system Chromium: a citizen on a 360 px phone submits an online dossier with fees, pays
on the sandbox payment server (started here on 127.0.0.1, its "Thanh toán" button clicked) and, back on the
portal, sees and downloads the receipts; a payment whose notification is lost shows "đang xác nhận" until the
query job settles it; an officer records a collection at the counter with its proof, and looks at the
collections, receipts and reconciliation pages.

Every page visited goes through ``tour.visit``: a screenshot in test-artifacts/screenshots/payments-*.png,
axe-core (WCAG 2.1 AA), the weight without images (under 100 KB; figures in test-artifacts/a11y/), and here
also no sideways scrolling on the phone.
"""

# ruff: noqa: F811 - the Playwright fixtures are imported from tests/browser and requested by name

from __future__ import annotations

import re
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from factories import PASSWORD
from payments import conftest as pay_world
from playwright.sync_api import expect

from browser.conftest import (  # noqa: F401 - the browser fixtures of tests/browser, used here too
    CHROMIUM,
    PHONE_VIEWPORT,
    _orm_next_to_playwright,
    browser,
    browser_type,
    browser_type_launch_args,
    launch_browser,
    page_width,
    playwright,
    screenshots,
    tour,
)
from motcua.dossiers.workflow import DossierStatus
from motcua.payments import services as payment_services
from motcua.payments.models import ManualCollection, PaymentRequest, PaymentTransaction, Receipt

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found"),
]

# The payments tests' province: lệ phí 200.000 đ collected before reception and, for online dossiers, a phí
# of 50.000 đ collected after; the clock on Monday 02/03/2026 09:00 (running); the sandbox payment server.
world = pay_world.world
clock = pay_world.clock
payment_settings = pay_world.payment_settings
sandbox = pay_world.sandbox

DESK = {"width": 1366, "height": 900}


@pytest.fixture
def wired_sandbox(sandbox, live_server):
    """The sandbox server sending its callbacks (PayGov) and IPNs (VNPay) to the live test server."""
    sandbox.paygov_callback_url = f"{live_server.url}/api/v1/payments/paygov/callback"
    sandbox.vnpay_ipn_url = f"{live_server.url}/api/v1/payments/vnpay/ipn"
    return sandbox


def new_context(browser, viewport=PHONE_VIEWPORT):
    return browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")


def visit(tour, page, name: str, *, phone: bool = True):
    tour.visit(page, f"payments-{name}")
    if phone:
        assert page_width(page) <= PHONE_VIEWPORT["width"], f"{name}: the page scrolls sideways at 360 px"


def citizen_signed_in(browser, site, user, tour):
    context = new_context(browser)
    page = context.new_page()
    page.goto(site + "/dang-nhap/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url(lambda url: "/dang-nhap/" not in url)
    return context, page


def staff_signed_in(browser, site, user, viewport=DESK):
    context = new_context(browser, viewport)
    page = context.new_page()
    page.goto(site + "/can-bo/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/can-bo/$"))
    return context, page


def accepted_by_us(sandbox, reference: str, timeout: float = 20) -> bool:
    """Wait until the sandbox's callback or IPN about ``reference`` got our "recorded" answer (00)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcomes = {d["outcome"] for d in sandbox.deliveries if d["reference"] == reference}
        if outcomes & {"MaLoi 00", "RspCode 00"}:
            return True
        time.sleep(0.05)
    return False


def heading(page, text: str):
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def test_citizen_submits_pays_in_the_sandbox_and_downloads_the_receipt(
    live_server,
    world,
    wired_sandbox,
    browser,
    tour,
    tmp_path,
):
    site = live_server.url
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(pay_world.PDF_BYTES)
    context, page = citizen_signed_in(browser, site, world.citizen, tour)

    # --- Submit online --------------------------------------------------------------------------------------
    page.goto(site + f"/thu-tuc/{world.version.procedure.national_code}/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.get_by_label(re.compile(world.department.name)).check()
    page.get_by_role("button", name="Bắt đầu soạn hồ sơ").click()
    page.wait_for_url(re.compile(r"/chu-ho-so/$"))
    page.get_by_label("Số định danh cá nhân hoặc mã số thuế").fill("042090001234")
    page.get_by_label("Địa chỉ").fill("Phường Thành Sen, Hà Tĩnh")
    page.get_by_label("Nội dung đề nghị (trích yếu)").fill("Cấp Phiếu lý lịch tư pháp để xin việc")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url(re.compile(r"/giay-to/$"))
    page.get_by_label("Chọn tệp để tải lên: Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp").set_input_files(scan)
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url(re.compile(r"/(nhan-ket-qua|kiem-tra)/$"))
    if page.url.endswith("/nhan-ket-qua/"):
        page.get_by_role("button", name="Lưu và tiếp tục").click()
        page.wait_for_url(re.compile(r"/kiem-tra/$"))
    page.get_by_role("button", name="Nộp hồ sơ").click()
    heading(page, "Đã nộp hồ sơ")
    code = page.locator(".dossier-code .code").inner_text()
    payment = PaymentRequest.objects.get(dossier__code=code)
    assert (payment.amount, payment.state, payment.timing) == (250000, "unpaid", "before")

    # --- The fees on the dossier page ---------------------------------------------------------------------------
    page.goto(site + f"/ho-so-cua-toi/{code}/")
    fees = page.get_by_role("region", name="Phí, lệ phí")
    expect(fees).to_contain_text("Lệ phí cấp Phiếu lý lịch tư pháp")
    expect(fees).to_contain_text("200.000 đ")
    expect(fees).to_contain_text("Phí sao chụp hồ sơ")
    expect(fees).to_contain_text("50.000 đ")
    expect(fees).to_contain_text("Chưa thanh toán")
    visit(tour, page, "01-dossier-fees")

    # --- Choose the national payment platform and pay in the sandbox --------------------------------------------
    fees.get_by_role("link", name="Thanh toán trực tuyến 250.000 đ").click()
    heading(page, "Thanh toán phí, lệ phí")
    choice = page.get_by_role("group", name="Chọn cách thanh toán")
    expect(choice.get_by_label(re.compile("Nền tảng thanh toán quốc gia"))).to_be_checked()
    visit(tour, page, "02-pay")
    page.get_by_role("button", name="Thanh toán 250.000 đ").click()
    page.wait_for_url(re.compile(rf"^{re.escape(wired_sandbox.base_url)}/paygov/thanh-toan/"))
    expect(page.locator("body")).to_contain_text("250")
    page.screenshot(path=tour.folder / "payments-03-sandbox-paygov.png", full_page=True)  # the partner's page
    # Our server is out of reach for the sandbox while the browser comes back: the return page says
    # "đang xác nhận". (The in-memory SQLite of the tests shares one connection between the live server's
    # threads, so the callback and a page must not be served at the same moment; PostgreSQL has no such limit.)
    callback = wired_sandbox.paygov_callback_url
    wired_sandbox.paygov_callback_url = "http://127.0.0.1:9/api/v1/payments/paygov/callback"
    page.get_by_role("button", name="Thanh toán", exact=True).click()
    page.wait_for_url(re.compile(rf"^{re.escape(site)}/thanh-toan/ket-qua/\?"))
    heading(page, "Đang xác nhận thanh toán")
    expect(page.get_by_role("status")).to_contain_text("Đừng thanh toán lại")
    visit(tour, page, "04-return-confirming")
    reference = parse_qs(urlsplit(page.url).query)["MaThamChieu"][0]
    wired_sandbox.paygov_callback_url = callback  # the sandbox retries: now its callback reaches us
    assert accepted_by_us(wired_sandbox, reference)
    page.get_by_role("link", name="Xem lại kết quả").click()
    transaction = PaymentTransaction.objects.get(request=payment)
    heading(page, "Đã thanh toán")
    expect(page.locator("main")).to_contain_text("Cơ quan đã nhận 250.000 đ")
    visit(tour, page, "05-return-paid")
    transaction.refresh_from_db()
    assert (transaction.status, transaction.settled_by) == ("succeeded", "callback")
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.PAID and payment.paid_through_dvcqg

    # --- The receipts, shown and downloadable ----------------------------------------------------------------------
    receipts = page.get_by_role("region", name="Biên lai điện tử")
    expect(receipts.get_by_role("link")).to_have_count(2)  # phí and lệ phí, separately
    with page.expect_download() as download_info:
        receipts.get_by_role("link", name=re.compile("Biên lai Lệ phí số")).click()
    download = download_info.value
    assert download.suggested_filename.startswith("bien-lai-") and download.suggested_filename.endswith(
        ".pdf"
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert Receipt.objects.filter(request=payment).exclude(file="").count() == 1

    page.goto(site + f"/ho-so-cua-toi/{code}/")
    fees = page.get_by_role("region", name="Phí, lệ phí")
    expect(fees).to_contain_text("Đã thanh toán")
    expect(fees.get_by_role("link", name=re.compile("Biên lai Phí số"))).to_be_visible()
    visit(tour, page, "06-dossier-paid")
    page.get_by_role("link", name="Biên lai và lịch sử thanh toán").click()
    heading(page, "Biên lai và lịch sử thanh toán")
    expect(page.locator("main")).to_contain_text("Thành công")
    visit(tour, page, "07-receipts")
    context.close()

    # The fees collected before reception are paid: the one-stop unit may now receive the dossier.
    dossier = world.receive(payment.dossier)
    assert dossier.status == DossierStatus.RECEIVED


def test_a_lost_notification_shows_confirming_until_the_query_job_settles_it(
    live_server,
    world,
    wired_sandbox,
    browser,
    tour,
):
    site = live_server.url
    dossier = world.submit_online()
    wired_sandbox.drop_next_notifications(1)  # the IPN of the next payment never arrives
    context, page = citizen_signed_in(browser, site, world.citizen, tour)
    page.goto(site + f"/ho-so-cua-toi/{dossier.code}/thanh-toan/")
    page.get_by_role("group", name="Chọn cách thanh toán").get_by_label(
        re.compile("Cổng thanh toán ngân hàng")
    ).check()
    page.get_by_role("button", name="Thanh toán 250.000 đ").click()
    page.wait_for_url(re.compile(rf"^{re.escape(wired_sandbox.base_url)}/vnpay/"))
    page.screenshot(path=tour.folder / "payments-08-sandbox-vnpay.png", full_page=True)
    page.get_by_role("button", name="Thanh toán", exact=True).click()
    page.wait_for_url(re.compile(rf"^{re.escape(site)}/thanh-toan/ket-qua/\?.*vnp_ResponseCode=00"))
    heading(page, "Đang xác nhận thanh toán")  # the address bar says 00; nothing is recorded from it
    expect(page.get_by_role("status")).to_contain_text("Đừng thanh toán lại")
    visit(tour, page, "09-return-confirming")
    page.get_by_role("link", name="Xem lại kết quả").click()
    heading(page, "Đang xác nhận thanh toán")
    assert PaymentRequest.objects.get(dossier=dossier).state == PaymentRequest.State.PENDING

    summary = payment_services.payment_check_pending(older_than_seconds=0)  # the worker's job
    assert summary.succeeded == 1
    page.get_by_role("link", name="Xem lại kết quả").click()
    heading(page, "Đã thanh toán")
    visit(tour, page, "10-return-paid-after-query")
    assert PaymentTransaction.objects.get().settled_by == "query"
    context.close()


def test_an_officer_records_a_counter_collection_with_proof(
    live_server,
    world,
    wired_sandbox,
    browser,
    tour,
    tmp_path,
):
    site = live_server.url
    dossier = world.register()  # a paper dossier: lệ phí 200.000 đ to collect at the counter
    proof = tmp_path / "phieu-thu.pdf"
    proof.write_bytes(pay_world.PDF_BYTES)
    wrong = tmp_path / "phieu-thu.txt"
    wrong.write_text("đã thu tiền")
    context, page = staff_signed_in(browser, site, world.reception)
    page.goto(site + f"/can-bo/ho-so/{dossier.code}/")
    panel = page.get_by_role("region", name="Thanh toán phí, lệ phí")
    expect(panel).to_contain_text("Chưa thanh toán")
    expect(panel).to_contain_text("200.000 đ")
    visit(tour, page, "11-office-dossier", phone=False)
    panel.get_by_role("link", name="Ghi nhận đã thu").click()
    heading(page, "Ghi nhận khoản thu")
    visit(tour, page, "12-office-collect", phone=False)

    # Wrong amount and a text file: refused, nothing recorded.
    page.get_by_label("Tiền mặt").check()
    page.get_by_label("Số tiền đã thu (đồng)").fill("150.000")
    page.get_by_label("Chứng từ thu").set_input_files(wrong)
    page.get_by_role("button", name="Ghi nhận đã thu").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Chưa ghi nhận được; không có gì thay đổi.")
    expect(alert).to_contain_text("Số tiền đã thu phải đúng bằng số tiền phải nộp: 200.000 đ.")
    expect(alert).to_contain_text("có định dạng .txt không được chấp nhận")  # both problems at once
    visit(tour, page, "13-office-collect-refused", phone=False)
    assert not ManualCollection.objects.exists()

    page.get_by_label("Chuyển khoản").check()
    page.get_by_label("Số tiền đã thu (đồng)").fill("200.000")
    page.get_by_label("Số chứng từ").fill("FT26030212345")
    page.get_by_label("Chứng từ thu").set_input_files(proof)
    page.get_by_role("button", name="Ghi nhận đã thu").click()
    page.wait_for_url(re.compile(rf"/can-bo/ho-so/{re.escape(dossier.code)}/"))
    expect(page.locator(".bo-messages")).to_contain_text("Đã ghi nhận khoản thu 200.000 đ.")
    panel = page.get_by_role("region", name="Thanh toán phí, lệ phí")
    expect(panel).to_contain_text("Đã thanh toán")
    expect(panel).to_contain_text("FT26030212345")
    expect(panel.get_by_role("link", name=re.compile("Xem chứng từ"))).to_be_visible()
    expect(panel.get_by_role("link", name=re.compile("Biên lai Lệ phí số"))).to_be_visible()
    visit(tour, page, "14-office-collected", phone=False)
    collection = ManualCollection.objects.get()
    assert (collection.method, collection.amount, collection.proof_name) == (
        "bank_transfer",
        200000,
        "phieu-thu.pdf",
    )

    with urllib.request.urlopen(site + "/can-bo/thanh-toan/khoan-thu/") as anonymous:  # noqa: S310 - local
        assert "/can-bo/dang-nhap/" in anonymous.url  # signed-out visitors are sent to sign in

    page.get_by_role("navigation", name="Điều hướng hệ thống một cửa").get_by_role(
        "link", name="Thu phí, lệ phí"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Khoản thu tại quầy, chuyển khoản, qua bưu điện"
    )
    expect(page.locator("main")).to_contain_text(dossier.code)
    visit(tour, page, "15-office-collections", phone=False)
    page.get_by_role("link", name="Biên lai", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Biên lai thu phí, lệ phí")
    visit(tour, page, "16-office-receipts", phone=False)
    page.get_by_role("link", name="Hoàn phí", exact=True).click()
    visit(tour, page, "17-office-refunds", phone=False)
    page.get_by_role("link", name="Đối soát", exact=True).click()
    heading(page, "Đối soát giao dịch thanh toán trực tuyến")
    page.get_by_role("button", name="Chạy đối soát ngày 01/03/2026").click()
    expect(page.locator(".bo-messages")).to_contain_text("Đã đối soát ngày 01/03/2026")
    visit(tour, page, "18-office-reconciliation", phone=False)
    context.close()

    # The same pages on a phone: nothing scrolls sideways.
    context, phone = staff_signed_in(browser, site, world.reception, viewport=PHONE_VIEWPORT)
    for name, path in (
        ("19-phone-dossier", f"/can-bo/ho-so/{dossier.code}/"),
        ("20-phone-collections", "/can-bo/thanh-toan/khoan-thu/"),
        ("21-phone-reconciliation", "/can-bo/thanh-toan/doi-soat/"),
    ):
        phone.goto(site + path)
        visit(tour, phone, name)
    context.close()

"""The whole citizen journey in the system Chromium, on a 360 px phone, with the back office on a desk.

A person registers with a phone number (the code read back from the notifications outbox), finds a procedure
offered online by searching, fills the step-by-step form, uploads a real PDF, reviews and submits, and gets the
dossier code. A reception officer receives it in the back office; the citizen sees "Được tiếp nhận" with the
appointment date. A specialist asks for a supplement, the citizen uploads the missing document on the dossier
page and the specialist sees it. The result is returned (through the services), anyone can look the dossier up
by its code without seeing personal data, and the citizen rates the service once.

Every page visited is saved as test-artifacts/screenshots/journey-*.png and checked by ``tour.visit``: axe-core
(WCAG 2.1 AA), no sideways scrolling, under 100 KB without images (figures in test-artifacts/a11y/).
"""

from __future__ import annotations

import io
import re

import pytest
from browser.conftest import (  # noqa: F401 - the browser fixtures of tests/browser, used here too
    CHROMIUM,
    PHONE_VIEWPORT,
    _orm_next_to_playwright,
    browser,
    browser_type,
    browser_type_launch_args,
    launch_browser,
    playwright,
    screenshots,
    tour,
)
from factories import PASSWORD
from feedback import conftest as feedback_world
from playwright.sync_api import expect
from pypdf import PdfWriter

from motcua.accounts.models import User
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, DossierFile
from motcua.dossiers.workflow import SYSTEM, DossierStatus
from motcua.feedback.models import Rating
from motcua.notifications.models import OutboxMessage
from portal.catalog_data import build_public_catalog

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found"),
]

# The feedback tests' small province: a service centre receiving for the Sở Tư pháp (and a second department),
# their staff, the published "Cấp Phiếu lý lịch tư pháp" offered online (level 4) with two required
# components, the clock frozen on Monday 02/03/2026 09:00, rate limits emptied.
world = feedback_world.world
clock = feedback_world.clock
_empty_cache = feedback_world._empty_cache

DESK = {"width": 1366, "height": 900}
PHONE = "0987 654 321"
NAME = "Trần Văn Cường"
IDENTITY = "042091005678"
ADDRESS = "Thôn Trung Tiến, xã Thạch Hạ, Hà Tĩnh"


def real_pdf(path):
    """A valid one-page A4 PDF, as a scanner or a phone app would save it."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Bản chụp Căn cước"})
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def last_code(recipient: str) -> str:
    """The 6-digit code of the latest account message queued for ``recipient`` (SMS through the outbox)."""
    message = (
        OutboxMessage.objects.filter(recipient=recipient, template="account_code").order_by("-id").first()
    )
    assert message is not None and message.channel == "sms", f"no SMS code queued for {recipient}"
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def main_menu(page):
    return page.get_by_role("navigation", name="Điều hướng chính")


def new_context(browser, viewport):  # noqa: F811
    return browser.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")


def staff_signed_in(browser, site, user, tour, name):  # noqa: F811
    context = new_context(browser, DESK)
    page = context.new_page()
    page.goto(site + "/can-bo/dang-nhap/")
    tour.visit(page, f"{name}-sign-in")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/can-bo/$"))
    tour.visit(page, f"{name}-worklist")
    return context, page


def open_in_back_office(page, code: str):
    page.get_by_label("Tìm hồ sơ theo mã, tên hoặc số định danh").fill(code)
    page.keyboard.press("Enter")  # a code opens the dossier directly
    page.wait_for_url(re.compile(rf"/can-bo/ho-so/{re.escape(code)}/$"))


def act(page, label: str, **fields):
    """Unfold the action by its label, fill its fields (label → value) and submit it."""
    summary = page.locator("details.bo-action > summary", has_text=label)
    if summary.count():
        summary.first.click()
    form = page.locator(".bo-actions form", has=page.get_by_role("button", name=label))
    for field_label, value in fields.items():
        form.get_by_label(field_label).fill(value)
    form.get_by_role("button", name=label).click()
    expect(page.locator(".bo-messages")).to_contain_text(f"Đã thực hiện: {label}.")


def test_register_submit_receive_supplement_look_up_and_rate(live_server, world, browser, tour, tmp_path):  # noqa: F811
    site = live_server.url
    build_public_catalog()  # other procedures around, to find ours among them
    scan = real_pdf(tmp_path / "can-cuoc.pdf")
    form_scan = real_pdf(tmp_path / "to-khai.pdf")

    citizen_context = new_context(browser, PHONE_VIEWPORT)
    page = citizen_context.new_page()

    # --- Register with a phone number -----------------------------------------------------------------------
    page.goto(site + "/")
    tour.visit(page, "journey-01-home")
    main_menu(page).get_by_role("link", name="Đăng nhập").click()
    page.locator("main").get_by_role("link", name="Đăng ký").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký tài khoản")
    tour.visit(page, "journey-02-register")
    page.get_by_label("Cá nhân (công dân)").check()
    page.get_by_label("Họ và tên").fill(NAME)
    page.get_by_label("Số điện thoại di động hoặc thư điện tử").fill(PHONE)
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký và nhận mã kích hoạt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập mã xác minh")
    expect(page.locator("main")).to_contain_text("098*****21")
    tour.visit(page, "journey-03-verify")
    page.get_by_label("Mã xác minh").fill(last_code("0987654321"))
    page.get_by_role("button", name="Kích hoạt tài khoản").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông tin cá nhân")
    expect(page.locator("main")).to_contain_text("Tài khoản đã được kích hoạt")
    tour.visit(page, "journey-04-profile")
    account = User.objects.get(username="0987654321")
    assert account.is_active and account.phone_verified_at is not None

    # --- Find the procedure by searching ----------------------------------------------------------------------
    page.get_by_role("link", name="Cổng dịch vụ công").click()
    page.get_by_label("Bạn cần làm thủ tục gì?").fill("lý lịch tư pháp")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.get_by_role("status")).to_contain_text("Tìm thấy 1 thủ tục")
    tour.visit(page, "journey-05-search")
    page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cấp Phiếu lý lịch tư pháp")
    tour.visit(page, "journey-06-procedure")

    # --- Fill the form step by step ---------------------------------------------------------------------------
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    expect(page.locator("main")).to_contain_text("Bước 1. Trường hợp và nơi nộp")
    tour.visit(page, "journey-07-case-and-place")
    page.get_by_label(re.compile(world.department.name)).check()
    page.get_by_role("button", name="Bắt đầu soạn hồ sơ").click()
    page.wait_for_url(re.compile(r"/chu-ho-so/$"))
    expect(page.get_by_label("Họ và tên, hoặc tên doanh nghiệp, tổ chức")).to_have_value(NAME)
    expect(page.get_by_role("textbox", name="Số điện thoại", exact=True)).to_have_value("0987654321")
    tour.visit(page, "journey-08-applicant")
    page.get_by_label("Số định danh cá nhân hoặc mã số thuế").fill(IDENTITY)
    page.get_by_label("Địa chỉ").fill(ADDRESS)
    page.get_by_label("Nội dung đề nghị (trích yếu)").fill("Cấp Phiếu lý lịch tư pháp số 1 để xin việc")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url(re.compile(r"/giay-to/$"))
    expect(page.locator("main")).to_contain_text("Nhận tệp PDF, JPG, JPEG, PNG, DOC, DOCX")
    tour.visit(page, "journey-09-documents")
    page.get_by_label("Chọn tệp để tải lên: Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp").set_input_files(
        form_scan
    )
    page.get_by_label("Chọn tệp để tải lên: Bản chụp Căn cước").set_input_files(scan)
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url(re.compile(r"/nhan-ket-qua/$"))
    tour.visit(page, "journey-10-result-channel")
    page.get_by_label("Trực tuyến").check()
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    page.wait_for_url(re.compile(r"/kiem-tra/$"))
    review = page.locator("main")
    expect(review).to_contain_text(IDENTITY)
    expect(review).to_contain_text("to-khai.pdf")
    expect(review).to_contain_text("can-cuoc.pdf")
    tour.visit(page, "journey-11-review")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    code = page.locator(".dossier-code .code").inner_text()
    tour.visit(page, "journey-12-submitted")

    dossier = Dossier.objects.get(code=code)
    assert dossier.owner == account and dossier.status == DossierStatus.SUBMITTED
    assert dossier.applicant_identity_number == IDENTITY
    stored = DossierFile.objects.filter(component__dossier=dossier).order_by("original_name")
    assert [f.original_name for f in stored] == ["can-cuoc.pdf", "to-khai.pdf"]
    assert stored[0].size == scan.stat().st_size

    # --- The one-stop unit receives it in the back office ---------------------------------------------------
    staff_context, desk = staff_signed_in(browser, site, world.reception, tour, "journey-13-reception")
    open_in_back_office(desk, code)
    tour.visit(desk, "journey-14-reception-dossier")
    act(desk, "Tiếp nhận hồ sơ trực tuyến")
    expect(desk.locator(".bo-status")).to_contain_text("Được tiếp nhận")
    tour.visit(desk, "journey-15-reception-received")
    staff_context.close()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    appointment = dossier.appointment_at.astimezone(feedback_world.VN)
    assert appointment.strftime("%d/%m/%Y") == "09/03/2026"  # 5 working days after Monday 02/03/2026

    # --- The citizen sees it received, with the appointment ---------------------------------------------------
    main_menu(page).get_by_role("link", name="Hồ sơ của tôi").click()
    row = page.locator(".result", has_text=code)
    expect(row.locator(".status")).to_have_text("Được tiếp nhận")
    expect(row).to_contain_text("Hẹn trả kết quả")
    expect(row).to_contain_text(appointment.strftime("%H:%M %d/%m/%Y"))
    tour.visit(page, "journey-16-my-dossiers-received")

    # --- A supplement round trip ------------------------------------------------------------------------------
    dossier = dossier_services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    staff_context, desk = staff_signed_in(browser, site, world.specialist, tour, "journey-17-specialist")
    open_in_back_office(desk, code)
    act(
        desk,
        "Yêu cầu bổ sung, hoàn thiện hồ sơ",
        **{
            "Lý do": "Bản chụp Căn cước bị mờ, không đọc được số định danh.",
            "Giấy tờ cần bổ sung, hoàn thiện": "Bản chụp Căn cước rõ nét cả hai mặt",
        },
    )
    expect(desk.locator(".bo-status")).to_contain_text("Yêu cầu bổ sung giấy tờ")
    tour.visit(desk, "journey-18-specialist-supplement-requested")

    main_menu(page).get_by_role("link", name="Hồ sơ của tôi").click()
    page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").click()
    supplement = page.get_by_role("region", name="Bổ sung hồ sơ")
    expect(supplement).to_contain_text("Bản chụp Căn cước rõ nét cả hai mặt")
    expect(supplement).to_contain_text("Bản chụp Căn cước bị mờ")
    tour.visit(page, "journey-19-supplement-requested")
    clear_scan = real_pdf(tmp_path / "can-cuoc-ro-net.pdf")
    supplement.get_by_label("Bản chụp Căn cước").set_input_files(clear_scan)
    supplement.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    expect(page.locator(".status").first).to_have_text("Đang xử lý")
    expect(page.get_by_role("region", name="Giấy tờ đã nộp")).to_contain_text("can-cuoc-ro-net.pdf")
    tour.visit(page, "journey-20-supplement-sent")

    desk.reload()
    expect(desk.locator(".bo-status")).to_contain_text("Đang xử lý")
    expect(desk.get_by_role("link", name="can-cuoc-ro-net.pdf")).to_be_visible()
    expect(desk.locator("main")).to_contain_text("đã bổ sung đủ")
    tour.visit(desk, "journey-21-specialist-sees-supplement")
    staff_context.close()

    # --- The result is returned (services: approval and return are covered by the back-office journey) -----
    dossier = Dossier.objects.get(pk=dossier.pk)
    dossier = dossier_services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    dossier = dossier_services.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)
    dossier = dossier_services.dossier_notify_early_return(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )
    dossier = dossier_services.dossier_return_result(dossier=dossier, actor=SYSTEM, revision=None)
    assert dossier.status == DossierStatus.RETURNED

    # --- Anyone looks it up by its code, without personal data ------------------------------------------------
    visitor_context = new_context(browser, PHONE_VIEWPORT)
    visitor = visitor_context.new_page()
    visitor.goto(site + "/")
    visitor.get_by_role("link", name="Tra cứu hồ sơ").click()
    visitor.get_by_label("Mã hồ sơ (in trên giấy tiếp nhận và hẹn trả kết quả)").fill(code)
    visitor.locator("main").get_by_role("button", name="Tra cứu").click()
    expect(visitor).to_have_title(re.compile(rf"^Hồ sơ {re.escape(code)} · "))
    found = visitor.locator("main")
    expect(found).to_contain_text("Đã trả kết quả")
    expect(found).to_contain_text("Cấp Phiếu lý lịch tư pháp")
    expect(found).to_contain_text(appointment.strftime("%d/%m/%Y"))
    html = visitor.content()
    for personal in (NAME, "0987654321", "098 765 4321", IDENTITY, "Thạch Hạ", "can-cuoc"):
        assert personal not in html, personal
    tour.visit(visitor, "journey-22-lookup")
    visitor.get_by_label("Mã hồ sơ (in trên giấy tiếp nhận và hẹn trả kết quả)").fill("H56-999999-0001")
    visitor.locator("main").get_by_role("button", name="Tra cứu").click()
    expect(visitor.get_by_role("alert")).to_contain_text("Không tìm thấy hồ sơ có mã H56-999999-0001.")
    tour.visit(visitor, "journey-23-lookup-unknown")
    visitor_context.close()

    # --- The citizen rates the service, once -------------------------------------------------------------------
    page.reload()
    expect(page.locator(".status").first).to_have_text("Đã trả kết quả")
    tour.visit(page, "journey-24-returned")
    page.get_by_role("region", name="Đánh giá sự hài lòng").get_by_role("link", name="Đánh giá").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đánh giá mức độ hài lòng")
    tour.visit(page, "journey-25-rate")
    page.get_by_role("group", name="Đánh giá chung về việc giải quyết hồ sơ").get_by_label(
        "Rất hài lòng"
    ).check()
    page.get_by_label("Ý kiến khác (không bắt buộc)").fill("Nộp trên điện thoại, không phải đi lại.")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đánh giá.")
    tour.visit(page, "journey-26-rated")
    rating = Rating.objects.get(dossier=dossier)
    assert rating.overall == 3

    page.goto(site + f"/danh-gia/{code}/")
    expect(page.get_by_role("status")).to_contain_text("Hồ sơ này đã được đánh giá")
    assert Rating.objects.filter(dossier=dossier).count() == 1
    citizen_context.close()

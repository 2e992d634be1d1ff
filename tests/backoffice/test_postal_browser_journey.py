"""In the system Chromium, with the sandbox postal operator serving on 127.0.0.1 and calling our live server back:

1. a result goes by post: the officer sends it from the dossier page, the request waits in the queue while the
   operator is down and leaves when it is back (slip number shown), the operator moves the shipment to
   delivered with signed webhooks, the dossier is closed (Đã trả kết quả) and the citizen sees the delivery;
2. a dossier comes by post: the citizen asks for a pickup, the operator picks it up, the officer lists the
   package on a hand-over record and signs it (the signing moment becomes the submission time), prints it,
   and the citizen follows the dossier.

Every page is saved to test-artifacts/screenshots/postal-*.png, checked with axe-core (WCAG 2.1 A/AA
violations), for sideways scrolling at its window width, and weighed (HTML + CSS, no JavaScript on these
pages); the weights go to test-artifacts/postal-pages.json.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest
from browser.conftest import (  # noqa: F401 - the browser fixtures of tests/browser, used here too
    CHROMIUM,
    _orm_next_to_playwright,
    browser,
    browser_type,
    browser_type_launch_args,
    launch_browser,
    playwright,
    screenshots,
)
from factories import PASSWORD
from playwright.sync_api import expect

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.dossiers.workflow import DossierStatus
from motcua.postal import services as postal
from motcua.postal.models import HandoverRecord, OrderStatus, PostalArrangement, PostalOrder, SyncState
from motcua.sandbox.post import PostSandbox

from .conftest import at

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found"),
]
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
API_KEY = "journey-postal-key"
SECRET = "journey-postal-secret"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WEIGHTS: dict[str, dict] = {}
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def post(settings, live_server):
    """The sandbox operator on a free port; the provider points at it and its webhooks at the live server."""
    sandbox = PostSandbox(api_key=API_KEY, webhook_secret=SECRET, retry_seconds=0.1, retry_max_seconds=0.5)
    sandbox.start()
    settings.MOTCUA_POSTAL_PROVIDER = "sandbox"
    settings.MOTCUA_POSTAL_URL = sandbox.base_url
    settings.MOTCUA_POSTAL_API_KEY = API_KEY
    settings.MOTCUA_POSTAL_WEBHOOK_SECRET = SECRET
    settings.MOTCUA_POSTAL_WEBHOOK_URL = live_server.url + "/api/v1/postal/webhook"
    settings.MOTCUA_POSTAL_TIMEOUT_SECONDS = 2
    settings.MOTCUA_POSTAL_BACKOFF_SECONDS = 0
    settings.MOTCUA_POSTAL_BACKOFF_MAX_SECONDS = 0
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module", autouse=True)
def _weights(request):
    yield
    folder = request.config.rootpath / "test-artifacts"
    folder.mkdir(exist_ok=True)
    (folder / "postal-pages.json").write_text(json.dumps(WEIGHTS, indent=2) + "\n", encoding="utf-8")


def visit(page, folder, name: str) -> None:
    """Screenshot, no WCAG A/AA violation, no sideways scrolling, and the weight of HTML + style sheets."""
    page.wait_for_load_state("load")
    page.screenshot(path=folder / f"postal-{name}.png", full_page=True)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate((files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}})).violations
            .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)""",
        WCAG,
    )
    assert not violations, f"{name}: " + "; ".join(violations)
    sizes = page.evaluate(
        """() => {
          const size = (e) => e.decodedBodySize || e.encodedBodySize || 0;
          const nav = performance.getEntriesByType("navigation")[0];
          const other = performance.getEntriesByType("resource").filter((r) => r.initiatorType !== "img");
          return {html: nav ? size(nav) : document.documentElement.outerHTML.length,
                  other: other.reduce((sum, r) => sum + size(r), 0),
                  scripts: document.scripts.length,
                  width: document.documentElement.scrollWidth};
        }"""
    )
    window = page.viewport_size["width"]
    assert sizes["width"] <= window, f"{name} is {sizes['width']} px wide in a {window} px window"
    assert sizes["scripts"] == 0, f"{name} needs no JavaScript"
    WEIGHTS[f"{name} ({window} px)"] = {"html": sizes["html"], "css_loaded": sizes["other"]}


def staff_signed_in(chromium, site, user, viewport=DESK):
    context = chromium.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(site + "/can-bo/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/can-bo/"))
    return context, page


def citizen_signed_in(chromium, site, user, viewport=PHONE):
    context = chromium.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(site + "/dang-nhap/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thông tin cá nhân")
    return context, page


def resolved_postal(world) -> Dossier:
    """The citizen's online dossier, returned by post to the address they gave, resolved (status 9)."""
    dossier = world.submit_online(result_channel=ResultChannel.POSTAL)
    postal.postal_arrangement_set_return(
        dossier=dossier,
        actor=world.citizen,
        recipient_name="Nguyễn Văn An",
        recipient_phone="0912345678",
        return_address="Số 5 Phan Đình Phùng, phường Thành Sen, Hà Tĩnh",
    )
    dossier = services.dossier_receive(dossier=dossier, actor=world.reception, revision=dossier.revision)
    dossier = world.in_processing(dossier)
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    return services.dossier_approve(
        dossier=dossier,
        actor=world.leader,
        revision=dossier.revision,
        results=[services.ResultData(name="Phiếu lý lịch tư pháp số 1")],
    )


def test_result_by_post_closes_the_dossier(live_server, world, browser, screenshots, post):  # noqa: F811
    site = live_server.url
    dossier = resolved_postal(world)

    context, page = staff_signed_in(browser, site, world.reception)
    page.goto(site + f"/can-bo/ho-so/{dossier.code}/")
    visit(page, screenshots, "01-staff-dossier-resolved")
    page.get_by_role("link", name="Gửi kết quả qua bưu chính").click()
    expect(page.locator("#id_recipient_name")).to_have_value("Nguyễn Văn An")
    visit(page, screenshots, "02-staff-send-result")

    # The operator is down when the officer sends: the order waits in the queue and the page says so.
    post.stop()
    page.get_by_role("button", name="Tạo đơn gửi kết quả").click()
    expect(page.locator(".bo-messages")).to_contain_text("Đã tạo đơn gửi kết quả qua bưu chính")
    expect(page.locator("main")).to_contain_text("Đang chờ gửi sang bưu điện.")
    order = PostalOrder.objects.get(dossier=dossier)
    stats = postal.postal_send_queued()  # the worker's periodic job
    assert stats.retried == 1
    page.reload()
    expect(page.locator("main")).to_contain_text("Hệ thống bưu điện chưa phản hồi (đã thử 1 lần")
    visit(page, screenshots, "03-staff-order-queued-operator-down")

    # The operator is back: the request leaves once, the slip number comes back.
    post.start()
    assert postal.postal_send_queued().sent == 1
    order.refresh_from_db()
    assert order.sync_state == SyncState.SENT and order.slip_number
    assert len(post.orders) == 1
    page.reload()
    expect(page.locator("h1")).to_contain_text(order.slip_number)
    expect(page.locator("main")).to_contain_text("Bưu điện đã nhận yêu cầu lúc")

    # The postman takes the result, carries it and delivers it; each step is a signed webhook.
    post.advance(order.reference, "picked_up", location="Trung tâm Phục vụ hành chính công")
    post.advance(order.reference, "in_transit", location="Bưu cục Thành Sen")
    post.advance(
        order.reference, "delivered", location="Số 5 Phan Đình Phùng", note="Người nhận: Nguyễn Văn An"
    )
    assert post.wait_for_webhooks(15)
    assert [hook["answer"] for hook in post.webhooks] == [200, 200, 200]
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED and dossier.returned_via == ResultChannel.POSTAL
    page.reload()
    expect(page.locator("main")).to_contain_text("Đã phát")
    expect(page.locator(".bo-timeline").first).to_contain_text("Bưu cục Thành Sen")
    visit(page, screenshots, "04-staff-order-delivered")
    page.goto(site + f"/can-bo/ho-so/{dossier.code}/")
    expect(page.locator(".bo-status")).to_contain_text("Đã trả kết quả")
    page.goto(site + "/can-bo/buu-chinh/?loc=da-phat")
    expect(page.locator("tbody")).to_contain_text(order.slip_number)
    visit(page, screenshots, "05-staff-shipments")
    context.close()

    context, page = staff_signed_in(browser, site, world.reception, viewport=PHONE)
    page.goto(site + "/can-bo/buu-chinh/")
    visit(page, screenshots, "06-staff-shipments-phone")
    page.goto(site + f"/can-bo/buu-chinh/don/{order.pk}/")
    visit(page, screenshots, "07-staff-order-phone")
    context.close()

    context, page = citizen_signed_in(browser, site, world.citizen)
    page.goto(site + f"/ho-so-cua-toi/{dossier.code}/")
    section = page.locator("#buu-chinh-section")
    expect(page.locator(".dossier__head")).to_contain_text("Đã trả kết quả")
    expect(section).to_contain_text(order.slip_number)
    expect(section).to_contain_text("Bưu điện đã phát kết quả cho bạn.")
    expect(section).to_contain_text("Kết quả đang được chuyển đến bạn.")
    visit(page, screenshots, "08-citizen-dossier-delivered")
    context.close()


def test_pickup_and_handover_record(live_server, world, browser, screenshots, post, clock):  # noqa: F811
    site = live_server.url
    code = world.version.procedure.national_code

    # The citizen asks the post to take the paper dossier from home, with the result back by post.
    context, citizen = citizen_signed_in(browser, site, world.citizen)
    citizen.goto(site + f"/thu-tuc/{code}/")
    citizen.get_by_role("link", name="Gửi hồ sơ qua bưu chính").first.click()
    visit(citizen, screenshots, "11-citizen-pickup-form")
    citizen.locator("#id_phone").fill("")
    citizen.get_by_role("button", name="Gửi yêu cầu cho bưu điện").click()
    expect(citizen.locator(".alert--error")).to_contain_text("Vui lòng nhập số điện thoại")
    visit(citizen, screenshots, "12-citizen-pickup-errors")
    assert not PostalArrangement.objects.exists()
    expect(citizen.locator("#id_identity_number_error")).to_contain_text("số định danh cá nhân")
    citizen.locator("#id_phone").fill("0912 345 678")
    citizen.get_by_label("Số định danh cá nhân hoặc mã số thuế").fill("042090001234")
    citizen.get_by_label("Địa chỉ nhân viên bưu điện đến nhận hồ sơ").fill("Số 5 Phan Đình Phùng, Hà Tĩnh")
    citizen.get_by_label("Nhận kết quả qua bưu chính tại địa chỉ dưới đây").check()
    citizen.get_by_label("Người nhận kết quả").fill("Nguyễn Văn An")
    citizen.get_by_label("Số điện thoại người nhận").fill("0912345678")
    citizen.get_by_label("Địa chỉ nhận kết quả").fill("Số 5 Phan Đình Phùng, Hà Tĩnh")
    citizen.get_by_role("button", name="Gửi yêu cầu cho bưu điện").click()
    expect(citizen.locator("main")).to_contain_text("Đã ghi nhận yêu cầu; đang chờ gửi sang bưu điện.")
    visit(citizen, screenshots, "13-citizen-pickup-requested")

    # The worker sends the request; the postman comes and takes the dossier.
    assert postal.postal_send_queued().sent == 1
    order = PostalOrder.objects.get()
    post.advance(order.reference, "picked_up", location="Bưu cục Thành Sen")
    assert post.wait_for_webhooks(15)
    citizen.reload()
    expect(citizen.locator("main")).to_contain_text(order.slip_number)
    expect(citizen.locator("main")).to_contain_text("Nhân viên bưu điện đã nhận hồ sơ của bạn.")
    visit(citizen, screenshots, "14-citizen-pickup-picked-up")

    # At the one-stop unit: a hand-over record with the postman, the package listed, then signed.
    staff, page = staff_signed_in(browser, site, world.reception)
    page.goto(site + "/can-bo/buu-chinh/bien-ban/")
    expect(page.locator("main")).to_contain_text(order.slip_number)
    visit(page, screenshots, "15-staff-handovers")
    page.get_by_role("link", name="+ Lập biên bản giao nhận").click()
    page.get_by_label("Họ tên nhân viên bưu chính").fill("Trần Thị Bưu")
    page.get_by_label("Đơn vị bưu chính").fill("Bưu điện Thành Sen")
    visit(page, screenshots, "16-staff-handover-new")
    page.get_by_role("button", name="Lập biên bản").click()
    page.get_by_label("Số phiếu gửi").fill(order.slip_number)
    page.get_by_label("Danh mục giấy tờ").fill("Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp\nBản chụp Căn cước")
    page.get_by_label("Phí, lệ phí bưu chính đã thu (đồng)").fill("200.000")
    page.get_by_label("Nộp vào").select_option("operator")
    page.get_by_label("Số biên lai thu phí").fill("BL-0042")
    page.get_by_role("button", name="Thêm vào biên bản").click()
    expect(page.locator("#ho-so").locator("..")).to_contain_text("200.000 đ")
    visit(page, screenshots, "17-staff-handover-listed")
    clock.move_to(at(2, 9, 20))  # the postman and the officer sign at 09:20
    page.get_by_role("button", name="Ký biên bản").click()  # without the confirmation
    expect(page.locator("main")).to_contain_text("Vui lòng xác nhận hai bên đã kiểm đếm và ký biên bản.")
    page.get_by_label("Hai bên đã kiểm đếm hồ sơ, phí, lệ phí và ký biên bản").check()
    page.get_by_role("button", name="Ký biên bản").click()
    expect(page.locator(".bo-messages")).to_contain_text("Đây là thời điểm nộp hồ sơ hợp lệ")
    record = HandoverRecord.objects.get()
    dossier = Dossier.objects.get()
    assert record.status == HandoverRecord.Status.SIGNED
    assert dossier.submitted_at == record.signed_at == dossier.received_at == at(2, 9, 20)
    assert (dossier.channel, dossier.result_channel, dossier.owner) == ("postal", "postal", world.citizen)
    expect(page.locator("main")).to_contain_text(dossier.code)
    visit(page, screenshots, "18-staff-handover-signed")
    # The fees the postman collected, recorded with the scanned receipt.
    page.get_by_label("Chứng từ thu phí (PDF, ảnh)").set_input_files(
        files=[{"name": "bien-lai-BL-0042.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name=re.compile("Ghi nhận khoản thu")).click()
    expect(page.locator(".bo-messages")).to_contain_text(f"Đã ghi nhận khoản thu của hồ sơ {dossier.code}.")
    expect(page.locator("#ho-so").locator("..")).to_contain_text("Đã ghi nhận khoản thu")
    assert dossier.payment_requests.get().state == "paid"
    with staff.expect_page() as opened:
        page.get_by_role("link", name="In biên bản").click()  # opens in a new tab
    printed = opened.value
    printed.wait_for_load_state()
    expect(printed.locator("h1")).to_have_text("BIÊN BẢN GIAO NHẬN HỒ SƠ")
    expect(printed.locator("table")).to_contain_text(order.slip_number)
    visit(printed, screenshots, "19-staff-handover-print")
    staff.close()
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED

    # The citizen follows the dossier the agency received.
    citizen.reload()
    expect(citizen.locator("main")).to_contain_text("Cơ quan đã tiếp nhận hồ sơ của bạn")
    citizen.get_by_role("link", name=f"Theo dõi hồ sơ {dossier.code}").click()
    expect(citizen.locator("#buu-chinh-section")).to_contain_text("thời điểm nộp hồ sơ hợp lệ")
    visit(citizen, screenshots, "20-citizen-dossier-received-by-post")
    context.close()

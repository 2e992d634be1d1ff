"""Every public and citizen page of the portal, checked with axe-core against WCAG 2.1 AA on a 360 px phone.

Each page is visited in the state a person meets it in (empty, filled, with errors) and ``tour.visit`` saves a
screenshot as a11y-<name>.png, runs axe-core, and checks the width (no sideways scrolling) and the weight
(under 100 KB without images). Figures go to test-artifacts/a11y/.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from factories import PASSWORD, ProcedureVersionFactory
from feedback import conftest as feedback_world
from playwright.sync_api import expect
from portal.catalog_data import build_public_catalog

from motcua.catalog.models import ProcedureAgency
from motcua.dossiers import services as dossier_services
from motcua.feedback import services as feedback_services

from .a11y import axe_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The feedback tests' small province (a service centre, two departments, their staff, a citizen with a phone
# number), helpers that take dossiers to their result, the clock frozen on Monday 02/03/2026 09:00, the cache
# emptied.
world = feedback_world.world
clock = feedback_world.clock
_empty_cache = feedback_world._empty_cache

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def heading(page, text: str):
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def sign_in(page, site: str, username: str) -> None:
    page.goto(site + "/dang-nhap/")
    page.get_by_label("Số điện thoại, thư điện tử hoặc tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    heading(page, "Thông tin cá nhân")


def next_step(page) -> None:
    page.locator("button[name=action][value=next]").click()


def postal_procedure(world):
    """A second procedure of the department whose result may come by post: the wizard asks how."""
    version = ProcedureVersionFactory(
        name="Chứng thực bản sao từ bản chính giấy tờ",
        postal_submission_allowed=True,
        postal_return_allowed=True,
        components=("Bản chính giấy tờ cần chứng thực",),
        processing_time=Decimal(1),
    )
    ProcedureAgency.objects.create(
        version=version, role=ProcedureAgency.Role.COMPETENT, agency=world.department
    )
    return version


def test_axe_core_comes_from_the_test_extra_and_finds_problems(page):
    assert axe_source().startswith("/*! axe v4.")
    from .a11y import run_axe

    page.set_content('<html><body><img src="x.png"><p style="color:#bbb">low</p><input></body></html>')
    result = run_axe(page)
    assert {"image-alt", "color-contrast", "label", "html-has-lang"} <= {v["id"] for v in result.violations}
    assert len(result.rules) > 50
    assert "label [critical]" in result.report()


def test_public_pages(live_server, world, page, tour):
    site = live_server.url
    build_public_catalog()
    returned = world.returned()
    petition = feedback_services.petition_send(
        agency=world.department,
        data=feedback_services.PetitionData(
            sender_name="Lê Thị Bình",
            subject="Thời hạn cấp Phiếu lý lịch tư pháp",
            content="Xin hỏi bao lâu thì có Phiếu lý lịch tư pháp?",
            sender_phone="0912345678",
        ),
    )
    feedback_services.petition_answer(petition=petition, actor=world.leader, content="Năm ngày làm việc.")
    feedback_services.petition_publish(petition=petition, actor=world.leader)

    page.goto(site + "/")
    heading(page, "Tra cứu thủ tục hành chính")
    tour.visit(page, "a11y-home")
    page.goto(site + "/thu-tuc/?q=khai+sinh")
    expect(page.get_by_role("status")).to_contain_text("Tìm thấy 2 thủ tục")
    tour.visit(page, "a11y-catalog-search")
    page.goto(site + "/thu-tuc/?q=khong+co+thu+tuc+nay")
    tour.visit(page, "a11y-catalog-nothing-found")
    page.goto(site + "/thu-tuc/")
    page.get_by_text("Lọc theo cơ quan, cấp, lĩnh vực, trực tuyến").click()
    tour.visit(page, "a11y-catalog-filters")
    page.goto(site + "/thu-tuc/1.001193/")
    heading(page, "Đăng ký khai sinh")
    tour.visit(page, "a11y-procedure")
    page.goto(site + "/co-quan/")
    tour.visit(page, "a11y-agencies")
    page.goto(site + "/co-quan/000.00.12.H42/")
    heading(page, "Sở Tư pháp")
    tour.visit(page, "a11y-agency")
    page.goto(site + "/linh-vuc/")
    tour.visit(page, "a11y-fields")
    page.goto(site + "/linh-vuc/G09-HT/")
    heading(page, "Hộ tịch")
    tour.visit(page, "a11y-field")

    page.goto(site + "/tra-cuu/")
    heading(page, "Tra cứu hồ sơ")
    tour.visit(page, "a11y-lookup")
    page.get_by_label("Mã hồ sơ").fill(returned.code)
    page.locator("main").get_by_role("button", name="Tra cứu").click()
    expect(page.locator("main")).to_contain_text("Đã trả kết quả")
    tour.visit(page, "a11y-lookup-found")
    page.goto(site + "/tra-cuu/?ma=H56-999999-0001")
    expect(page.locator("main")).to_contain_text("Không tìm thấy hồ sơ")
    tour.visit(page, "a11y-lookup-unknown")

    page.goto(site + f"/danh-gia/{returned.code}/")
    heading(page, "Đánh giá mức độ hài lòng")
    tour.visit(page, "a11y-rate-by-phone")
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator(".error").first).to_be_visible()
    tour.visit(page, "a11y-rate-errors")

    page.goto(site + "/phan-anh-kien-nghi/")
    tour.visit(page, "a11y-petitions")
    page.goto(site + "/phan-anh-kien-nghi/?q=lý+lịch")
    expect(page.get_by_role("link", name="Thời hạn cấp Phiếu lý lịch tư pháp")).to_be_visible()
    tour.visit(page, "a11y-petitions-search")
    page.get_by_role("link", name="Thời hạn cấp Phiếu lý lịch tư pháp").click()
    heading(page, "Thời hạn cấp Phiếu lý lịch tư pháp")
    expect(page.locator("main")).to_contain_text("Năm ngày làm việc.")
    tour.visit(page, "a11y-petition-answered")
    page.goto(site + "/phan-anh-kien-nghi/gui/")
    heading(page, "Gửi phản ánh, kiến nghị")
    tour.visit(page, "a11y-petition-send")
    page.locator("main").get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    tour.visit(page, "a11y-petition-send-errors")
    page.goto(site + f"/phan-anh-kien-nghi/theo-doi/?ma={petition.tracking_code}")
    heading(page, "Theo dõi phản ánh, kiến nghị")
    tour.visit(page, "a11y-petition-track")

    response = page.goto(site + "/khong-co-trang-nay/")
    assert response.status == 404
    heading(page, "Không tìm thấy trang bạn cần")
    tour.visit(page, "a11y-not-found")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(site + "/")
    tour.visit(page, "a11y-home-english")

    with translation.override("vi"):
        server_error = render_to_string("500.html")
    page.route(
        site + "/loi-he-thong/",
        lambda route: route.fulfill(status=500, body=server_error, content_type="text/html; charset=utf-8"),
    )
    page.goto(site + "/loi-he-thong/")
    heading(page, "Hệ thống đang gặp sự cố")
    tour.visit(page, "a11y-server-error")


def test_account_pages(live_server, world, page, tour):
    site = live_server.url
    page.goto(site + "/dang-nhap/")
    heading(page, "Đăng nhập")
    tour.visit(page, "a11y-sign-in")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    tour.visit(page, "a11y-sign-in-errors")

    page.goto(site + "/dang-ky/")
    heading(page, "Đăng ký tài khoản")
    tour.visit(page, "a11y-register")
    page.get_by_label("Mật khẩu", exact=True).fill("123")
    page.get_by_role("button", name="Đăng ký và nhận mã kích hoạt").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    tour.visit(page, "a11y-register-errors")
    page.get_by_label("Họ và tên").fill("Trần Văn Cường")
    page.get_by_label("Số điện thoại di động hoặc thư điện tử").fill("0987 654 321")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký và nhận mã kích hoạt").click()
    heading(page, "Nhập mã xác minh")
    tour.visit(page, "a11y-verify")
    page.get_by_label("Mã xác minh").fill("12")
    page.get_by_role("button", name="Kích hoạt tài khoản").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    tour.visit(page, "a11y-verify-errors")

    page.goto(site + "/quen-mat-khau/")
    heading(page, "Quên mật khẩu")
    tour.visit(page, "a11y-password-reset")
    page.goto(site + "/het-phien/")
    heading(page, "Phiên làm việc đã hết hạn")
    tour.visit(page, "a11y-session-expired")

    sign_in(page, site, world.citizen.username)
    tour.visit(page, "a11y-profile")
    page.goto(site + "/dang-xuat/")
    heading(page, "Đăng xuất")
    tour.visit(page, "a11y-sign-out")
    page.locator("main").get_by_role("button", name="Đăng xuất").click()
    heading(page, "đã đăng xuất")
    tour.visit(page, "a11y-signed-out")


def test_my_dossier_pages(live_server, world, page, tour):
    site = live_server.url
    returned = world.returned()
    waiting = world.submitted()
    waiting = dossier_services.dossier_request_supplement(
        dossier=waiting,
        actor=world.reception,
        revision=waiting.revision,
        items=["Bản chụp Căn cước rõ nét cả hai mặt"],
        reason="Ảnh chụp Căn cước bị mờ.",
    )
    sign_in(page, site, world.citizen.username)

    page.goto(site + "/ho-so-cua-toi/")
    heading(page, "Hồ sơ của tôi")
    expect(page.locator(".result")).to_have_count(2)
    tour.visit(page, "a11y-my-dossiers")
    page.goto(site + f"/ho-so-cua-toi/{waiting.code}/")
    expect(page.get_by_role("heading", name="Bổ sung hồ sơ")).to_be_visible()
    tour.visit(page, "a11y-my-dossier-supplement")
    page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    expect(page.get_by_role("alert")).to_be_visible()
    tour.visit(page, "a11y-my-dossier-supplement-errors")
    page.goto(site + f"/ho-so-cua-toi/{returned.code}/")
    expect(page.locator(".status")).to_have_text("Đã trả kết quả")
    tour.visit(page, "a11y-my-dossier-returned")

    page.goto(site + f"/danh-gia/{returned.code}/")
    heading(page, "Đánh giá mức độ hài lòng")
    tour.visit(page, "a11y-rate")
    page.get_by_label("Rất hài lòng").first.check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đánh giá.")
    tour.visit(page, "a11y-rate-done")


def test_submission_pages(live_server, world, page, tour):
    site = live_server.url
    catalog = build_public_catalog()
    version = postal_procedure(world)
    sign_in(page, site, world.citizen.username)

    page.goto(site + f"/nop-ho-so/{catalog['copy_extract'].procedure.national_code}/")
    heading(page, "Cấp bản sao trích lục hộ tịch")
    tour.visit(page, "a11y-submission-not-online")

    page.goto(site + f"/nop-ho-so/{version.procedure.national_code}/")
    heading(page, version.name)
    tour.visit(page, "a11y-submission-start")
    page.get_by_role("button", name="Bắt đầu soạn hồ sơ").click()
    page.wait_for_url(re.compile(r"/chu-ho-so/$"))
    expect(page.get_by_label("Họ và tên, hoặc tên doanh nghiệp, tổ chức")).to_have_value(
        world.citizen.full_name
    )
    tour.visit(page, "a11y-submission-applicant")
    page.get_by_label("Số định danh cá nhân hoặc mã số thuế").fill("1234")
    next_step(page)
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    tour.visit(page, "a11y-submission-applicant-errors")
    page.get_by_label("Số định danh cá nhân hoặc mã số thuế").fill("042090001234")
    page.get_by_label("Địa chỉ").fill("Phường Thành Sen, Hà Tĩnh")
    next_step(page)
    page.wait_for_url(re.compile(r"/giay-to/$"))
    tour.visit(page, "a11y-submission-components")
    next_step(page)
    expect(page.get_by_role("alert")).to_contain_text("Bản chính giấy tờ cần chứng thực")
    tour.visit(page, "a11y-submission-components-errors")
    page.get_by_label("Chọn tệp để tải lên").set_input_files(
        {"name": "ban-chinh.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    next_step(page)
    page.wait_for_url(re.compile(r"/nhan-ket-qua/$"))
    tour.visit(page, "a11y-submission-result")
    page.get_by_label("Qua dịch vụ bưu chính công ích").check()
    page.get_by_label("Địa chỉ nhận kết quả qua bưu chính").fill("")
    next_step(page)
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    tour.visit(page, "a11y-submission-result-errors")
    page.get_by_label("Tại bộ phận một cửa").check()
    next_step(page)
    page.wait_for_url(re.compile(r"/kiem-tra/$"))
    tour.visit(page, "a11y-submission-review")

    page.goto(site + "/ho-so-dang-soan/")
    heading(page, "Hồ sơ đang soạn")
    tour.visit(page, "a11y-drafts")
    page.get_by_role("link", name=f"Xóa {version.name}").click()
    heading(page, "Xóa hồ sơ đang soạn?")
    tour.visit(page, "a11y-draft-delete")
    page.goto(site + "/ho-so-dang-soan/")
    page.get_by_role("link", name=f"Làm tiếp {version.name}").click()
    page.wait_for_url(re.compile(r"/kiem-tra/$"))
    page.get_by_role("button", name="Nộp hồ sơ").click()
    heading(page, "Đã nộp hồ sơ")
    tour.visit(page, "a11y-submission-done")

"""In the system Chromium: an officer receives an online dossier from the queue, the leader assigns it, the
specialist submits it, the leader approves and the one-stop unit returns the result. Screenshots are saved
in test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from browser.conftest import (  # noqa: F401 - the browser fixtures of tests/browser, used here too
    CHROMIUM,
    _orm_next_to_playwright,
    browser,
    browser_type,
    browser_type_launch_args,
    launch_browser,
    page_width,
    playwright,
    screenshots,
)
from factories import PASSWORD
from playwright.sync_api import expect

from motcua.dossiers.models import Dossier, DossierStep
from motcua.dossiers.workflow import DossierStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found"),
]
DESK = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}


def _signed_in(chromium, site, user, viewport=DESK):
    context = chromium.new_context(viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(site + "/can-bo/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(user.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/can-bo/"))
    return context, page


def _act(page, label: str):
    """Open the action by its label (when it is folded) and submit it."""
    summary = page.locator("details.bo-action > summary", has_text=label)
    if summary.count():
        summary.first.click()
    page.locator(".bo-actions").get_by_role("button", name=label).click()
    expect(page.locator(".bo-messages")).to_contain_text(f"Đã thực hiện: {label}.")


def test_staff_receive_process_and_return_in_chromium(live_server, world, browser, screenshots):  # noqa: F811
    dossier = world.submit_online()
    site = live_server.url

    context, page = _signed_in(browser, site, world.reception)
    expect(page.locator(".bo-tile[aria-current=page] .bo-tile__count")).to_have_text("1")
    page.screenshot(path=screenshots / "backoffice-01-queue.png", full_page=True)
    page.get_by_label("Tìm hồ sơ theo mã, tên hoặc số định danh").fill(dossier.code)
    page.keyboard.press("Enter")  # a code opens the dossier directly
    page.wait_for_url(re.compile(rf"/can-bo/ho-so/{re.escape(dossier.code)}/$"))
    _act(page, "Tiếp nhận hồ sơ trực tuyến")
    page.screenshot(path=screenshots / "backoffice-02-received.png", full_page=True)
    context.close()

    context, page = _signed_in(browser, site, world.leader)
    page.get_by_role("link", name=dossier.code).click()
    page.locator("details.bo-action > summary", has_text="Phân công xử lý").click()
    step = dossier.steps.get(kind=DossierStep.Kind.PROCESS)
    page.get_by_label("Giao cho").select_option(value=f"{step.pk}:{world.specialist.pk}")
    page.locator(".bo-actions").get_by_role("button", name="Phân công xử lý").click()
    expect(page.locator(".bo-messages")).to_contain_text("Đã thực hiện: Phân công xử lý.")
    context.close()

    context, page = _signed_in(browser, site, world.specialist)
    page.get_by_role("link", name=dossier.code).click()
    _act(page, "Trình lãnh đạo phê duyệt")
    context.close()

    context, page = _signed_in(browser, site, world.leader)
    page.goto(site + f"/can-bo/ho-so/{dossier.code}/")
    page.locator("details.bo-action > summary", has_text="Phê duyệt kết quả").click()
    page.get_by_label("Tên kết quả 1").fill("Phiếu lý lịch tư pháp số 1")
    page.locator(".bo-actions").get_by_role("button", name="Phê duyệt kết quả").click()
    expect(page.locator(".bo-status")).to_contain_text("Đã xử lý xong")
    context.close()

    context, page = _signed_in(browser, site, world.reception)
    page.goto(site + f"/can-bo/ho-so/{dossier.code}/")
    _act(page, "Thông báo trả kết quả sớm")
    _act(page, "Trả kết quả")
    expect(page.locator(".bo-status")).to_contain_text("Đã trả kết quả")
    expect(page.locator(".bo-control")).to_contain_text("Trước hạn")
    page.screenshot(path=screenshots / "backoffice-03-returned.png", full_page=True)
    context.close()

    assert Dossier.objects.get(pk=dossier.pk).status == DossierStatus.RETURNED

    context, page = _signed_in(browser, site, world.reception, viewport=PHONE)
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=screenshots / "backoffice-04-phone.png", full_page=True)
    context.close()

# ruff: noqa: F811 - the browser and report fixtures imported below are used as test arguments
"""In the system Chromium: a supervisor opens the dashboard, picks a quarter, clicks a number and lands on the
list of exactly those dossiers, opens one; a chart bar narrows the dashboard to one agency; then anyone opens
the public transparency page. Screenshots are saved in test-artifacts/screenshots/."""

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
from factories import PASSWORD, StaffMembershipFactory
from playwright.sync_api import expect
from reports.conftest import clock, history, province  # noqa: F401 - the report tests' province and history

from motcua.agencies.models import StaffRole
from motcua.reports.selectors import report_for

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


def test_dashboard_number_to_dossier_list_and_transparency_page_in_chromium(
    live_server, history, browser, screenshots
):
    site = live_server.url
    supervisor = StaffMembershipFactory(agency=history.center, role=StaffRole.SUPERVISOR).user
    online = report_for(period="2020-Q2").total.counts["received_online"]
    assert online == 3  # D2, D3, D10

    context, page = _signed_in(browser, site, supervisor)
    page.get_by_role("link", name="Báo cáo, giám sát").click()
    page.wait_for_url(re.compile(r"/can-bo/bao-cao/$"))
    # pick the second quarter of 2020 with the period picker
    page.get_by_label("Theo quý").check()
    page.get_by_label("Năm", exact=True).select_option("2020")
    page.locator("select[name=quarter]").select_option("2")
    page.get_by_role("button", name="Xem báo cáo").click()
    expect(page.locator("h1")).to_contain_text("Quý 2 năm 2020")
    expect(page.locator("svg.chart__svg")).to_have_count(3)
    page.screenshot(path=screenshots / "reports-01-dashboard.png", full_page=True)

    # the number of dossiers received online drills down to exactly those dossiers
    row = page.locator("tr", has=page.locator("th", has_text=re.compile(r"^Tiếp nhận trực tuyến$")))
    link = row.get_by_role("link")
    expect(link).to_have_text(str(online))
    link.click()
    page.wait_for_url(re.compile(r"/can-bo/bao-cao/ho-so/\?.*figure=received_online"))
    expect(page.locator("h1")).to_contain_text("Tiếp nhận trực tuyến")
    expect(page.locator("h2 .count")).to_have_text(str(online))
    codes = page.locator("table.bo-table tbody th a.code")
    expect(codes).to_have_text(["D10", "D3", "D2"])  # most recently received first
    page.screenshot(path=screenshots / "reports-02-dossiers.png", full_page=True)
    codes.filter(has_text="D2").click()
    page.wait_for_url(re.compile(r"/can-bo/ho-so/D2/$"))
    expect(page.locator("h1")).to_contain_text("D2")

    # a bar of the ranking narrows the dashboard to that agency
    page.goto(site + "/can-bo/bao-cao/?period=2020-Q2")
    page.locator("svg.chart__svg a", has_text="Sở Tư pháp").click()
    page.wait_for_url(re.compile(rf"agency={re.escape(history.justice.code)}"))
    expect(page.locator("h1 small")).to_contain_text("Sở Tư pháp")
    context.close()

    context, page = _signed_in(browser, site, supervisor, viewport=PHONE)
    page.goto(site + "/can-bo/bao-cao/?period=2020-Q2")
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=screenshots / "reports-03-dashboard-phone.png", full_page=True)
    context.close()

    # the public page, without signing in
    context = browser.new_context(viewport=DESK, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(site + "/")
    page.get_by_role("link", name="Công khai kết quả giải quyết thủ tục hành chính").click()
    page.wait_for_url(re.compile(r"/cong-khai/$"))
    expect(page.locator(".rp-summary")).to_contain_text(
        "Quý 1 năm 2026"
    )  # this quarter (the clock: 02/03/2026)
    page.locator("#rp-period").select_option("2025")
    page.get_by_role("button", name="Xem").click()
    page.wait_for_url(re.compile(r"period=2025"))
    page.goto(site + "/cong-khai/?period=2020-Q2")
    expect(page.locator(".rp-summary")).to_contain_text("Quý 2 năm 2020, so với Quý 1 năm 2020")
    expect(page.locator("svg.chart__svg")).to_have_count(1)
    page.screenshot(path=screenshots / "reports-04-transparency.png", full_page=True)
    page.get_by_role("link", name="Sở Tư pháp").first.click()
    expect(page.locator("h1")).to_have_text("Sở Tư pháp")
    page.screenshot(path=screenshots / "reports-05-transparency-agency.png", full_page=True)
    context.close()

    context = browser.new_context(viewport=PHONE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.goto(site + "/cong-khai/?period=2020-Q2")
    assert page_width(page) <= PHONE["width"]
    page.screenshot(path=screenshots / "reports-06-transparency-phone.png", full_page=True)
    context.close()

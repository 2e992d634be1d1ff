"""A citizen on a 360 px phone finds "khai sinh" from the home page and opens the procedure."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from portal.catalog_data import build_public_catalog

from .conftest import PHONE_VIEWPORT, page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    build_public_catalog()
    return live_server.url


def test_home_search_procedure_on_a_phone(site, page, screenshots):
    page.goto(site + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tra cứu thủ tục hành chính")
    assert page_width(page) <= PHONE_VIEWPORT["width"]
    page.screenshot(path=screenshots / "01-home.png", full_page=True)

    page.get_by_label("Bạn cần làm thủ tục gì?").fill("khai sinh")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_url(re.compile(r"/thu-tuc/\?q=khai\+sinh"))
    expect(page.get_by_role("status")).to_contain_text("Tìm thấy 2 thủ tục")
    titles = page.locator(".result__title")
    expect(titles.first).to_have_text("Đăng ký khai sinh")
    assert page_width(page) <= PHONE_VIEWPORT["width"]
    page.screenshot(path=screenshots / "02-search-khai-sinh.png", full_page=True)

    titles.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/thu-tuc/1\.001193/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký khai sinh")
    expect(page.get_by_role("link", name="Nộp hồ sơ trực tuyến")).to_have_attribute(
        "href", "/nop-ho-so/1.001193/"
    )
    expect(page.get_by_text("Lệ phí: 8.000 đ")).to_be_visible()
    assert page_width(page) <= PHONE_VIEWPORT["width"]
    page.screenshot(path=screenshots / "03-procedure.png", full_page=True)


def test_filters_work_without_javascript_and_english_switch(site, browser, screenshots, browser_context_args):
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site + "/thu-tuc/")
        page.get_by_text("Lọc theo cơ quan, cấp, lĩnh vực, trực tuyến").click()
        page.get_by_label("Dịch vụ công trực tuyến").select_option("full")
        page.get_by_label("Cấp thực hiện").select_option("commune")
        page.get_by_role("button", name="Áp dụng").click()
        expect(page.get_by_role("status")).to_contain_text("Tìm thấy 1 thủ tục")
        assert page_width(page) <= PHONE_VIEWPORT["width"]
        page.screenshot(path=screenshots / "04-filters.png", full_page=True)

        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("status")).to_contain_text("1 procedure found")
        page.goto(site + "/thu-tuc/1.001193/")
        expect(page.get_by_role("heading", name="How to apply")).to_be_visible()
        assert page_width(page) <= PHONE_VIEWPORT["width"]
        page.screenshot(path=screenshots / "05-procedure-en.png", full_page=True)
    finally:
        context.close()


def test_not_found_page_on_a_phone(site, page, screenshots):
    response = page.goto(site + "/thu-tuc/9.999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang bạn cần")
    assert page_width(page) <= PHONE_VIEWPORT["width"]
    page.screenshot(path=screenshots / "06-not-found.png", full_page=True)

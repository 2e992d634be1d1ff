from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from motcua.notifications.channels.sms import ascii_text
from motcua.notifications.message_templates import TEMPLATES, render_message

from .support import received_context

CODE = "000.00.12.H56-260313-0007"
URL = "http://127.0.0.1:8000/tra-cuu/?ma=" + CODE

FULL_CONTEXT = {
    "dossier_code": CODE,
    "lookup_url": URL,
    "applicant_name": "Nguyễn Văn An",
    "procedure_name": "Đăng ký khai sinh",
    "agency_name": "UBND xã Thạch Hà",
    "appointment_at": datetime(2026, 3, 16, 8, 0, tzinfo=UTC),
    "new_appointment_at": datetime(2026, 3, 20, 2, 30, tzinfo=UTC),
    "return_from": datetime(2026, 3, 12, 1, 0, tzinfo=UTC),
    "return_place": "Bộ phận Một cửa xã Thạch Hà",
    "missing_documents": ["Bản sao Giấy chứng sinh", "Tờ khai đăng ký khai sinh có chữ ký"],
    "reasons": ["Không thuộc thẩm quyền giải quyết", "Hồ sơ đã được nộp trước đó"],
    "reason": "Chờ kết quả xác minh",
    "amount": 250000,
    "slip_number": "EB000000017VN",
}


def test_received_sms_has_code_appointment_in_vietnam_time_and_lookup_link():
    subject, body = render_message(
        template="received", channel="sms", context={**received_context(), "lookup_url": URL}
    )
    assert body == f"Hồ sơ {CODE} đã được tiếp nhận. Hẹn trả kết quả: 16/03/2026 15:00. Tra cứu: {URL}"
    assert subject == f"Hồ sơ {CODE} đã được tiếp nhận"


def test_received_email_greets_the_applicant_and_signs_for_the_agency():
    _, body = render_message(template="received", channel="email", context=FULL_CONTEXT)
    assert body.startswith("Kính gửi Ông/Bà Nguyễn Văn An,\n\n")
    assert f"thủ tục «Đăng ký khai sinh» của Ông/Bà đã được tiếp nhận với mã số hồ sơ {CODE}." in body
    assert "Thời gian hẹn trả kết quả: 16/03/2026 15:00." in body
    assert URL in body
    assert body.endswith("--\nUBND xã Thạch Hà\nThư này được gửi tự động, xin đừng trả lời.")
    assert "\n\n\n" not in body


def test_received_without_appointment_says_so():
    context = {"dossier_code": CODE, "lookup_url": URL}
    _, sms = render_message(template="received", channel="sms", context=context)
    _, email = render_message(template="received", channel="email", context=context)
    assert "Hẹn trả" not in sms
    assert "không quy định thời hạn" in email
    assert email.startswith("Kính gửi Ông/Bà,")


def test_supplement_request_lists_every_document():
    _, sms = render_message(template="supplement_request", channel="sms", context=FULL_CONTEXT)
    _, email = render_message(template="supplement_request", channel="email", context=FULL_CONTEXT)
    assert "Bản sao Giấy chứng sinh; Tờ khai đăng ký khai sinh có chữ ký." in sms
    assert "  1. Bản sao Giấy chứng sinh\n  2. Tờ khai đăng ký khai sinh có chữ ký" in email
    assert "Lý do: Chờ kết quả xác minh" in email
    assert "tính lại từ đầu" in email


def test_refusal_gives_the_reasons():
    _, sms = render_message(template="refusal", channel="sms", context=FULL_CONTEXT)
    _, email = render_message(template="refusal", channel="email", context=FULL_CONTEXT)
    assert sms.startswith(f"Hồ sơ {CODE} bị từ chối. Lý do: Không thuộc thẩm quyền giải quyết; Hồ sơ đã")
    assert "  1. Không thuộc thẩm quyền giải quyết\n  2. Hồ sơ đã được nộp trước đó" in email


def test_apology_gives_the_old_and_new_dates():
    subject, sms = render_message(template="apology", channel="sms", context=FULL_CONTEXT)
    _, email = render_message(template="apology", channel="email", context=FULL_CONTEXT)
    assert subject == f"Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {CODE}"
    assert "Hẹn lại trả kết quả: 20/03/2026 09:30." in sms
    assert "chưa được giải quyết đúng hẹn (16/03/2026 15:00)" in email
    assert "Thời gian hẹn trả kết quả mới: 20/03/2026 09:30." in email
    assert "Lý do: Chờ kết quả xác minh" in email


def test_result_ready_and_early_return():
    _, ready = render_message(template="result_ready", channel="sms", context=FULL_CONTEXT)
    assert ready == f"Hồ sơ {CODE} đã có kết quả. Nhận tại: Bộ phận Một cửa xã Thạch Hà. Chi tiết: {URL}"
    _, early = render_message(template="early_return", channel="sms", context=FULL_CONTEXT)
    assert (
        early
        == f"Hồ sơ {CODE} có kết quả trước hẹn (16/03/2026 15:00). Có thể nhận từ 12/03/2026 08:00. Chi tiết: {URL}"
    )
    _, early_email = render_message(template="early_return", channel="email", context=FULL_CONTEXT)
    assert "Ông/Bà có thể nhận kết quả từ 12/03/2026 08:00 tại Bộ phận Một cửa xã Thạch Hà." in early_email


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ("online", "thanh toán trực tuyến"),
        ("cash", "nộp tiền mặt"),
        ("bank_transfer", "chuyển khoản"),
        ("postal", "nộp qua bưu chính công ích"),
    ],
)
def test_payment_received_says_how_much_how_and_links_the_receipts(method, words):
    receipts = "http://127.0.0.1:8000/ho-so-cua-toi/" + CODE + "/bien-lai/"
    context = {
        **FULL_CONTEXT,
        "method": method,
        "paid_at": datetime(2026, 3, 12, 2, 5, tzinfo=UTC),
        "receipts_url": receipts,
    }
    subject, sms = render_message(template="payment_received", channel="sms", context=context)
    _, email = render_message(template="payment_received", channel="email", context=context)
    assert subject == f"Đã nhận phí, lệ phí của hồ sơ {CODE}"
    assert sms == f"Đã nhận phí, lệ phí 250.000 đ của hồ sơ {CODE}. Biên lai: {receipts}"
    assert f"Cơ quan đã nhận đủ khoản phí, lệ phí 250.000 đ của hồ sơ mã số {CODE}." in email
    assert f"Hình thức nộp: {words}.\nThời điểm nộp: 12/03/2026 09:05." in email
    assert f"Xem và tải biên lai thu phí, lệ phí tại {receipts}" in email
    assert "tiếp nhận hồ sơ" not in email  # not a "thu trước" dossier waiting for reception


def test_payment_received_before_reception_says_the_dossier_will_be_received():
    context = {**FULL_CONTEXT, "submitted_at": datetime(2026, 3, 12, 2, 5, tzinfo=UTC)}
    _, sms = render_message(template="payment_received", channel="sms", context=context)
    _, email = render_message(template="payment_received", channel="email", context=context)
    assert "Hồ sơ sẽ được kiểm tra, tiếp nhận." in sms and f"Tra cứu: {URL}" in sms
    assert "thời điểm nộp hồ sơ được tính từ lúc thanh toán (12/03/2026 09:05)" in email


def test_postal_delivery_failed_says_what_happens_next():
    context = {**FULL_CONTEXT, "reason": "Vắng nhà", "agency_name": "UBND xã Thạch Hà"}
    subject, sms = render_message(template="postal_delivery_failed", channel="sms", context=context)
    _, email = render_message(template="postal_delivery_failed", channel="email", context=context)
    assert subject == f"Bưu điện chưa phát được kết quả hồ sơ {CODE}"
    assert sms.startswith(f"Bưu điện chưa phát được kết quả hồ sơ {CODE} (EB000000017VN).")
    assert "Số hiệu bưu gửi: EB000000017VN." in email and "Lý do bưu điện báo: Vắng nhà" in email
    assert "chuyển hoàn về Bộ phận Một cửa, UBND xã Thạch Hà; Ông/Bà có thể nhận trực tiếp tại đó." in email


def test_the_staff_message_of_a_failed_delivery_links_the_back_office():
    page = "http://127.0.0.1:8000/can-bo/ho-so/" + CODE + "/"
    context = {
        **FULL_CONTEXT,
        "staff_name": "Lê Thị Tiếp",
        "backoffice_url": page,
        "location": "Bưu cục Thạch Hà",
    }
    subject, email = render_message(
        template="staff_postal_delivery_failed", channel="portal", context=context
    )
    assert subject == f"Phát kết quả hồ sơ {CODE} qua bưu chính không thành công"
    assert email.startswith("Kính gửi Lê Thị Tiếp,")
    assert "Nơi báo: Bưu cục Thạch Hà." in email and "Chủ hồ sơ: Nguyễn Văn An." in email
    assert f"Xử lý hồ sơ tại {page}" in email and URL not in email


# Templates about a dossier (account codes are tested in tests/accounts/).
DOSSIER_TEMPLATES = sorted(key for key, template in TEMPLATES.items() if "dossier_code" in template.required)


@pytest.mark.parametrize("template", DOSSIER_TEMPLATES)
@pytest.mark.parametrize("channel", ["sms", "email", "portal"])
def test_every_template_renders_on_every_channel(template, channel):
    subject, body = render_message(template=template, channel=channel, context=FULL_CONTEXT)
    assert CODE in subject
    assert CODE in body
    assert URL in body
    assert "{" not in body and "%" not in body
    if channel == "sms":
        assert "\n" not in body
        assert len(body) <= 320


def test_messages_are_vietnamese_whatever_language_is_active():
    with translation.override("en"):
        subject, _ = render_message(template="received", channel="sms", context=FULL_CONTEXT)
    assert subject.startswith("Hồ sơ")


def test_text_is_not_html_escaped():
    context = {**FULL_CONTEXT, "applicant_name": "Công ty TNHH A & B <Việt Nam>"}
    _, body = render_message(template="received", channel="email", context=context)
    assert body.startswith("Kính gửi Ông/Bà Công ty TNHH A & B <Việt Nam>,")


def test_ascii_fallback_keeps_case_and_drops_diacritics():
    assert (
        ascii_text("Hồ sơ ĐÃ được tiếp nhận. Hẹn trả: 16/03/2026")
        == "Ho so DA duoc tiep nhan. Hen tra: 16/03/2026"
    )

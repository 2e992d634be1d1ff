"""Each form renders from a dossier built through the dossier services, at the right paper size, with the
dossier's real data."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from motcua.agencies.models import AdministrativeUnit
from motcua.catalog.models import Fee, LegalBasis
from motcua.core.errors import ValidationFailed
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import ResultChannel
from motcua.paperwork import content, services
from motcua.paperwork.qr import lookup_url, qr_svg
from motcua.paperwork.rendering import render_html

from .conftest import A4, A5, at, link_uris, page_sizes, pdf_text

pytestmark = pytest.mark.django_db

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def assert_size(data: bytes, size: tuple[float, float], pages: int | None = None) -> None:
    sizes = page_sizes(data)
    assert sizes, "no page"
    for width, height in sizes:
        assert width == pytest.approx(size[0], abs=1) and height == pytest.approx(size[1], abs=1)
    if pages is not None:
        assert len(sizes) == pages


def received_at_counter(world, **applicant):
    Fee.objects.create(
        version=world.version, kind=Fee.Kind.CHARGE, amount=200000, description="Lệ phí cấp phiếu"
    )
    return world.register(
        applicant=world.applicant(
            name="Nguyễn Thị Hồng Nhung", address="Số 12 đường Nguyễn Du, phường Thành Sen", **applicant
        ),
        result_channel=ResultChannel.POSTAL,
    )


# --- Mẫu 01 ---------------------------------------------------------------------------------------------------


def test_receipt_is_two_a5_copies_with_the_dossier_data(world, clock):
    world.center.administrative_unit = AdministrativeUnit.objects.create(
        code="42", name="Tỉnh Hà Tĩnh", division_type="province", level="province"
    )
    world.center.save()
    dossier = received_at_counter(world)

    filename, data = services.paperwork_document(dossier=dossier, form="01", actor=world.reception)

    assert filename == f"Mau01_{dossier.code}_01-TNHS.pdf"
    assert data.startswith(b"%PDF-")
    assert_size(data, A5, pages=2)  # liên 1 and liên 2
    text = pdf_text(data)
    for expected in (
        *MOTTO,
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Số: 01/TNHS",
        "Hà Tĩnh, ngày 02 tháng 3 năm 2026",
        f"Mã hồ sơ: {dossier.code}",
        "Tiếp nhận hồ sơ của: Nguyễn Thị Hồng Nhung",
        "Số định danh cá nhân: 042090001234",
        "Số 12 đường Nguyễn Du, phường Thành Sen",
        "0912345678",
        "Nội dung yêu cầu giải quyết: Cấp Phiếu lý lịch tư pháp",
        "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
        "Bản chụp Căn cước",
        "Số lượng hồ sơ: 01 bộ",
        "5 ngày làm việc",
        "Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 02 tháng 3 năm 2026",
        "Thời gian trả kết quả giải quyết hồ sơ: 09 giờ 00 phút, ngày 09 tháng 3 năm 2026",
        "Qua dịch vụ bưu chính công ích",
        "200.000 đ",
        "Quyển số: 2026, Số thứ tự: 01",
        world.reception.full_name,
        "Liên 1",
        "Liên 2",
    ):
        assert expected in text, expected
    assert text.count(dossier.code) >= 2  # both copies


def test_the_receipt_qr_code_opens_the_public_lookup_of_the_dossier(world, settings):
    settings.SITE_URL = "https://dichvucong.example.gov.vn"
    dossier = world.register()
    url = lookup_url(dossier.code)
    assert url == f"https://dichvucong.example.gov.vn/tra-cuu/?ma={dossier.code}"

    context = content.form_content(dossier, "01")
    assert context["lookup_url"] == url
    html = render_html(content.template_name(content.form_set_for(dossier), "01"), context)
    assert html.count(qr_svg(url)) == 2  # embedded inline on both copies
    assert qr_svg(url).startswith("<svg") and "<path" in qr_svg(url)

    _name, data = services.paperwork_document(dossier=dossier, form="01")
    assert link_uris(data) == [{url}, {url}]  # the code is also a link on both copies


def test_qr_svg_encodes_its_data():
    import segno

    url = "https://dichvucong.example.gov.vn/tra-cuu/?ma=000.00.01.H56-260302-0001"
    expected = segno.make(url, error="m")
    svg = qr_svg(url)
    size = expected.symbol_size(scale=1, border=2)[0]
    assert f'viewBox="0 0 {size} {size}"' in svg
    assert qr_svg(url) == svg and qr_svg(url + "0") != svg


def test_receipt_of_an_online_dossier_after_reception(world):
    dossier = world.received_online()
    _name, data = services.paperwork_document(dossier=dossier, form="01", actor=world.reception)
    text = pdf_text(data)
    assert dossier.code in text and "Nguyễn Văn An" in text
    assert "Trực tuyến" in text
    assert "Phí, lệ phí: không" in text


def test_no_receipt_before_reception(world):
    dossier = world.submit_online()
    with pytest.raises(ValidationFailed) as raised:
        services.paperwork_document(dossier=dossier, form="01")
    assert raised.value.code == "form_not_applicable"


def test_unknown_form(world):
    dossier = world.register()
    with pytest.raises(ValidationFailed) as raised:
        services.paperwork_document(dossier=dossier, form="07")
    assert raised.value.code == "unknown_form"


def test_forms_are_vietnamese_whatever_the_page_language(world):
    dossier = world.register()
    with translation.override("en"):
        _name, data = services.paperwork_document(dossier=dossier, form="01")
    text = pdf_text(data)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "ngày 02 tháng 3 năm 2026" in text


def test_business_applicant_shows_the_tax_code(world):
    dossier = world.register(
        applicant=world.applicant(
            kind="business", name="Công ty TNHH Ánh Dương", identity_number="0101234567"
        )
    )
    text = pdf_text(services.paperwork_document(dossier=dossier, form="01")[1])
    assert "Mã số doanh nghiệp / mã số thuế: 0101234567" in text
    assert "Công ty TNHH Ánh Dương" in text


# --- Mẫu 02 ---------------------------------------------------------------------------------------------------


def test_supplement_request_at_reception_lists_every_item(world, clock):
    dossier = world.submit_online()
    clock.move_to(at(2, 14, 5))
    dossier = dossiers.dossier_request_supplement(
        dossier=dossier,
        actor=world.reception,
        revision=dossier.revision,
        reason="Bản chụp Căn cước bị mờ, không đọc được số định danh",
        items=["Bản chụp Căn cước rõ nét cả hai mặt", "Tờ khai ký đầy đủ họ tên"],
    )
    filename, data = services.paperwork_document(dossier=dossier, form="02", actor=world.reception)
    assert filename == f"Mau02_{dossier.code}_01-HDHS.pdf"
    assert_size(data, A5, pages=1)
    text = pdf_text(data)
    for expected in (
        *MOTTO,
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        "Số: 01/HDHS",
        "ngày 02 tháng 3 năm 2026",
        dossier.code,
        "Nguyễn Văn An",
        "1. Bản chụp Căn cước rõ nét cả hai mặt",
        "2. Tờ khai ký đầy đủ họ tên",
        "Lý do: Bản chụp Căn cước bị mờ, không đọc được số định danh",
        "NGƯỜI HƯỚNG DẪN",
        world.reception.full_name,
        "Thời gian nộp hồ sơ: 09 giờ 00 phút, ngày 02 tháng 3 năm 2026",
    ):
        assert expected in text, expected
    assert world.center.name.upper() in text  # issued by the one-stop unit


def test_supplement_request_after_appraisal_comes_from_the_competent_agency(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(4, 9))
    dossier = dossiers.dossier_request_supplement(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        reason="Thiếu",
        items=["Sơ yếu lý lịch"],
    )
    text = pdf_text(services.paperwork_document(dossier=dossier, form="02")[1])
    assert world.department.name.upper() in text
    assert "Sau khi thẩm định, Sở Tư pháp đề nghị bổ sung" in text
    assert "1. Sơ yếu lý lịch" in text
    assert "ngày 04 tháng 3 năm 2026" in text


# --- Mẫu 03 ---------------------------------------------------------------------------------------------------


def test_refusal_at_the_counter_states_each_reason_and_the_legal_basis(world):
    LegalBasis.objects.create(version=world.version, number="Luật Lý lịch tư pháp số 28/2009/QH12")
    dossier = dossiers.dossier_refuse_at_counter(
        actor=world.reception,
        procedure_case=world.case,
        receiving_agency=world.center,
        competent_agency=world.department,
        applicant=world.applicant(),
        reason="1. Người yêu cầu không thuộc đối tượng được cấp\n- Hồ sơ nộp không đúng cơ quan có thẩm quyền",
    )
    filename, data = services.paperwork_document(dossier=dossier, form="03", actor=world.reception)
    assert filename == f"Mau03_{dossier.code}_01-TCHS.pdf"
    assert_size(data, A5, pages=1)
    text = pdf_text(data)
    for expected in (
        *MOTTO,
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        "Số: 01/TCHS",
        dossier.code,
        "Nguyễn Văn An",
        "Căn cứ quy định tại: Luật Lý lịch tư pháp số 28/2009/QH12",
        "1. Người yêu cầu không thuộc đối tượng được cấp",
        "2. Hồ sơ nộp không đúng cơ quan có thẩm quyền",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        world.reception.full_name,
    ):
        assert expected in text, expected


def test_refusal_after_appraisal_is_signed_by_the_head(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(5))
    dossier = dossiers.dossier_refuse(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="Không đủ điều kiện cấp phiếu"
    )
    text = pdf_text(services.paperwork_document(dossier=dossier, form="03")[1])
    assert "PHIẾU TỪ CHỐI GIẢI QUYẾT HỒ SƠ" in text
    assert "TIẾP NHẬN GIẢI QUYẾT" not in text
    assert "1. Không đủ điều kiện cấp phiếu" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text and world.leader.full_name in text
    assert "ngày 05 tháng 3 năm 2026" in text


def test_no_refusal_slip_for_a_dossier_that_was_not_refused(world):
    with pytest.raises(ValidationFailed):
        services.paperwork_document(dossier=world.register(), form="03")


# --- Mẫu 04 ---------------------------------------------------------------------------------------------------


def test_apology_gives_the_reason_and_the_new_date_once_approved(world, clock):
    dossier = world.in_processing()
    clock.move_to(at(5, 9))
    dossier = dossiers.dossier_propose_extension(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        reason="Chờ kết quả xác minh của cơ quan công an",
        new_appointment=at(13, 14, 30),
    )
    with pytest.raises(ValidationFailed):  # a draft is not yet a letter
        services.paperwork_document(dossier=dossier, form="04")
    clock.move_to(at(5, 10))
    dossier = dossiers.dossier_approve_extension(
        dossier=dossier, actor=world.leader, revision=dossier.revision
    )

    filename, data = services.paperwork_document(dossier=dossier, form="04", actor=world.leader)
    assert filename == f"Mau04_{dossier.code}_01-XLHS.pdf"
    assert_size(data, A5, pages=1)
    text = pdf_text(data)
    for expected in (
        *MOTTO,
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Số: 01/XLHS",
        "Kính gửi: Nguyễn Văn An",
        dossier.code,
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: 09 giờ 00 phút, ngày 09 tháng 3 năm 2026",
        "Lý do: Chờ kết quả xác minh của cơ quan công an",
        "14 giờ 30 phút, ngày 13 tháng 3 năm 2026",
        "THỦ TRƯỞNG CƠ QUAN",
        world.leader.full_name,
    ):
        assert expected in text, expected
    assert world.department.name.upper() in text


# --- Mẫu 05 ---------------------------------------------------------------------------------------------------


def test_control_sheet_lists_every_hand_over_with_times_and_results(world, clock):
    dossier = world.register()  # Monday 02/03 09:00
    dossier = dossiers.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    clock.move_to(at(10, 9))  # a day after the step's due date
    dossier = dossiers.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    dossier = dossiers.dossier_approve(dossier=dossier, actor=world.leader, revision=dossier.revision)
    clock.move_to(at(10, 14))
    dossier = dossiers.dossier_return_result(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )

    filename, data = services.paperwork_document(dossier=dossier, form="05")
    assert filename == f"Mau05_{dossier.code}.pdf"
    assert_size(data, A5)
    text = pdf_text(data)
    for expected in (
        *MOTTO,
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"Mã hồ sơ: {dossier.code}",
        "Kèm theo hồ sơ của: Nguyễn Văn An",
        "Cơ quan (bộ phận) giải quyết hồ sơ: Sở Tư pháp",
    ):
        assert expected in text, expected
    for step in dossier.steps.all():
        assert step.name in text, step.name
    assert "09 giờ 00 phút, 02/03/2026" in text  # reception → processing
    assert "09 giờ 00 phút, 10/03/2026" in text  # processing → one-stop unit
    assert "14 giờ 00 phút, 10/03/2026" in text  # result returned
    assert "Quá hạn" in text  # the processing step was late
    assert world.specialist.full_name in text and world.reception.full_name in text


def test_hand_overs_follow_parallel_stages(world, clock):
    from decimal import Decimal

    from motcua.agencies.models import StaffRole

    dossiers.process_template_create(
        case=world.case,
        name="Quy trình liên thông",
        steps=[
            dossiers.ProcessStepData(
                "Thẩm định hồ sơ",
                StaffRole.SPECIALIST,
                Decimal(16),
                1,
                uses_competent_agency=True,
                is_lead=True,
            ),
            dossiers.ProcessStepData(
                "Xác minh tại Sở Tư pháp", StaffRole.SPECIALIST, Decimal(8), 2, agency=world.department
            ),
            dossiers.ProcessStepData(
                "Ý kiến Sở Tài chính", StaffRole.SPECIALIST, Decimal(8), 2, agency=world.other_department
            ),
        ],
    )
    dossier = world.received_online()
    dossier = dossiers.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    clock.move_to(at(3, 9))
    dossier = dossiers.dossier_hand_over(dossier=dossier, actor=world.specialist, revision=dossier.revision)

    rows = content.hand_overs(
        dossier, list(dossier.steps.select_related("agency").order_by("stage", "order"))
    )
    pairs = [(row["giver"]["steps"], row["receiver"]["steps"]) for row in rows]
    assert pairs == [
        (["Tiếp nhận hồ sơ"], ["Thẩm định hồ sơ"]),
        (["Thẩm định hồ sơ"], ["Xác minh tại Sở Tư pháp"]),
        (["Thẩm định hồ sơ"], ["Ý kiến Sở Tài chính"]),
        (["Xác minh tại Sở Tư pháp", "Ý kiến Sở Tài chính"], ["Trả kết quả tại bộ phận một cửa"]),
        (["Trả kết quả tại bộ phận một cửa"], ["Nhận kết quả"]),
    ]
    assert rows[1]["at"] == at(3, 9) and rows[2]["at"] == at(3, 9)
    assert rows[1]["result"] == "Trước hạn"  # appraisal took 1 of its 2 days
    assert rows[3]["at"] is None and rows[3]["result"] == ""  # not handed over yet: blank for the pen
    context = content.form_content(dossier, "05")
    assert context["coordinating"] == ["Sở Tài chính"]


# --- Mẫu 06 ---------------------------------------------------------------------------------------------------


def test_register_lists_the_dossiers_received_in_the_range_in_register_order(world, clock):
    first = world.register(applicant=world.applicant(name="Lê Văn Một"))
    clock.move_to(at(3, 10))
    online = world.submit_online(applicant=world.applicant(name="Phạm Thị Hai"))
    clock.move_to(at(4, 8))
    online = dossiers.dossier_receive(dossier=online, actor=world.reception, revision=online.revision)
    third = world.register(applicant=world.applicant(name="Hoàng Văn Ba"))
    clock.move_to(at(6, 9))
    later = world.register(applicant=world.applicant(name="Ngoài Khoảng"))

    filename, data = services.paperwork_register(
        agency=world.center, start=date(2026, 3, 2), end=date(2026, 3, 4)
    )

    assert filename == f"Mau06_So-theo-doi-ho-so_{world.center.code}_20260302-20260304.pdf"
    assert_size(data, A4)
    text = pdf_text(data)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Từ ngày 02/03/2026 đến ngày 04/03/2026" in text
    assert "Quyển số: 2026" in text
    names = ["Lê Văn Một", "Phạm Thị Hai", "Hoàng Văn Ba"]
    positions = [text.index(name) for name in names]
    assert positions == sorted(positions)
    assert "Ngoài Khoảng" not in text
    compact = text.replace(" ", "")  # narrow cells wrap codes at their dashes
    assert first.code in compact and online.code in compact and later.code not in compact
    for dossier in (first, online, third):
        assert dossier.register_entry.year == 2026
    assert [d.register_entry.number for d in (first, online, third)] == [1, 2, 3]
    assert "04/03/2026" in text  # the online dossier's reception day
    assert "09/03/2026" in text  # the first dossier's appointment


def test_register_of_an_empty_range_and_a_reversed_range(world):
    _name, data = services.paperwork_register(
        agency=world.center, start=date(2026, 1, 1), end=date(2026, 1, 31)
    )
    assert "Không có hồ sơ tiếp nhận trong khoảng thời gian này." in pdf_text(data)
    with pytest.raises(ValidationFailed):
        services.paperwork_register(agency=world.center, start=date(2026, 2, 1), end=date(2026, 1, 1))


def test_register_extract_of_one_dossier(world):
    dossier = world.register()
    filename, data = services.paperwork_document(dossier=dossier, form="06")
    assert filename == f"Mau06_{dossier.code}.pdf"
    assert_size(data, A4, pages=1)
    text = pdf_text(data)
    assert dossier.code in text.replace(" ", "") and "Nguyễn Văn An" in text
    assert "02/03/2026" in text and "09/03/2026" in text


def test_the_renderer_loads_nothing_from_outside():
    from motcua.paperwork.rendering import RenderingError, html_to_pdf

    with pytest.raises(RenderingError, match="127.0.0.1:9/logo.png"):
        html_to_pdf('<p>x</p><img src="http://127.0.0.1:9/logo.png">')
    assert html_to_pdf("<p>Độc lập - Tự do - Hạnh phúc</p>").startswith(b"%PDF-")


def test_a_register_longer_than_one_print_is_refused(world, monkeypatch):
    monkeypatch.setattr(services, "REGISTER_MAX_ROWS", 1)
    world.register()
    world.register()
    with pytest.raises(ValidationFailed) as raised:
        services.paperwork_register(agency=world.center, start=date(2026, 3, 2), end=date(2026, 3, 2))
    assert raised.value.code == "register_too_long"

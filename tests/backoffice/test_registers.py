"""Mẫu 06 (Sổ theo dõi hồ sơ) of the officer's agency over a date range, as PDF and Excel, from /can-bo/."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.test import Client
from factories import OneStopUnitFactory, StaffMembershipFactory, SuperuserFactory
from openpyxl import load_workbook
from pypdf import PdfReader

from motcua.agencies.models import StaffRole
from motcua.backoffice.access import SESSION_AGENCY
from motcua.paperwork import services as paperwork_services

from .conftest import Desk, at, staff

pytestmark = pytest.mark.django_db

URL = "/can-bo/so-theo-doi-ho-so/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def sheet_rows(data: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_page_asks_for_a_range_in_dd_mm_yyyy_with_this_month_so_far(world):
    response = Desk(world.reception).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sổ theo dõi hồ sơ" in html and world.center.name in html
    assert 'name="start" value="01/03/2026"' in html and 'name="end" value="02/03/2026"' in html
    assert 'placeholder="dd/mm/yyyy"' in html
    assert '<label for="id_start">Từ ngày' in html and '<label for="id_end">Đến ngày' in html
    assert 'aria-describedby="id_start_helptext"' in html
    assert 'name="agency"' not in html  # staff print their own agency's register
    assert f'href="{URL}" aria-current="page"' in html  # the navigation link


def test_the_pdf_lists_the_dossiers_the_agency_received_in_the_range(world, clock):
    first = world.register(applicant=world.applicant(name="Lê Văn Một"))
    clock.move_to(at(3, 10))
    second = world.register(applicant=world.applicant(name="Phạm Thị Hai"))
    clock.move_to(at(5, 10))
    world.register(applicant=world.applicant(name="Ngoài Khoảng"))
    other_unit = OneStopUnitFactory(served_agencies=[world.department])
    elsewhere = world.register(
        actor=staff(other_unit.agency, StaffRole.RECEPTION_OFFICER),
        receiving_agency=other_unit.agency,
        applicant=world.applicant(name="Nơi Khác"),
    )
    assert elsewhere.received_at.date() <= at(5).date()

    response = Desk(world.reception2).get(URL, {"start": "02/03/2026", "end": "04/03/2026", "format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    filename = f"Mau06_So-theo-doi-ho-so_{world.center.code}_20260302-20260304.pdf"
    assert response["Content-Disposition"] == f'inline; filename="{filename}"'
    text = pdf_text(response.content)
    assert "Từ ngày 02/03/2026 đến ngày 04/03/2026" in text
    assert text.index("Lê Văn Một") < text.index("Phạm Thị Hai")
    assert "Ngoài Khoảng" not in text and "Nơi Khác" not in text
    compact = text.replace(" ", "")
    assert first.code in compact and second.code in compact


def test_an_officer_of_a_department_gets_the_register_of_their_own_agency(world):
    world.register()
    response = Desk(world.leader).get(URL, {"start": "02/03/2026", "end": "02/03/2026", "format": "pdf"})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert world.department.name.upper() in text
    assert "Không có hồ sơ tiếp nhận trong khoảng thời gian này." in text


def test_the_agency_switcher_chooses_whose_register(world):
    dossier = world.register()
    both = StaffMembershipFactory(agency=world.department, role=StaffRole.SUPERVISOR).user
    StaffMembershipFactory(user=both, agency=world.center, role=StaffRole.SUPERVISOR)
    officer = Desk(both)
    officer.post("/can-bo/co-quan/", {"agency": world.center.pk})
    assert officer.client.session[SESSION_AGENCY] == world.center.pk
    response = officer.get(URL, {"start": "02/03/2026", "end": "02/03/2026", "format": "pdf"})
    assert dossier.code in pdf_text(response.content).replace(" ", "")
    officer.post("/can-bo/co-quan/", {"agency": world.department.pk})
    response = officer.get(URL, {"start": "02/03/2026", "end": "02/03/2026", "format": "pdf"})
    assert dossier.code not in pdf_text(response.content).replace(" ", "")


def test_the_excel_copy_has_the_same_lines_with_real_dates_and_text_kept_as_text(world, clock):
    clock.move_to(at(2, 14, 30))
    dossier = world.register(
        applicant=world.applicant(name='=HYPERLINK("http://evil.example","Bấm")', address="+84 Hà Tĩnh")
    )
    response = Desk(world.reception).get(URL, {"start": "02/03/2026", "end": "02/03/2026", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    filename = f"Mau06_So-theo-doi-ho-so_{world.center.code}_20260302-20260302.xlsx"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    rows = sheet_rows(response.content)
    assert rows[0][0] == f"Sổ theo dõi hồ sơ – {world.center.name}"
    assert rows[1][0] == "Từ ngày 02/03/2026 đến ngày 02/03/2026 · Quyển số: 2026"
    assert rows[3][:3] == ("STT", "Mã hồ sơ", "Tên thủ tục hành chính")
    line = rows[4]
    assert line[0] == 1 and line[1] == dossier.code and line[2] == "Cấp Phiếu lý lịch tư pháp"
    assert line[4] == '=HYPERLINK("http://evil.example","Bấm")' and line[5] == "+84 Hà Tĩnh"
    assert line[7] == datetime(2026, 3, 2, 14, 30)  # Vietnam time, as typed at the counter
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=5, column=5).data_type == "s"  # text, not a formula
    assert sheet.cell(row=5, column=8).number_format == "dd/mm/yyyy hh:mm"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "31/02/2026", "end": "02/03/2026"}, "Ngày không hợp lệ; nhập theo dạng ngày/tháng/năm"),
        ({"start": "", "end": "02/03/2026"}, "Vui lòng nhập ngày."),
        ({"start": "03/03/2026", "end": "02/03/2026"}, "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
        ({"start": "01/01/2025", "end": "02/03/2026"}, "Mỗi lần in tối đa 366 ngày"),
    ],
)
def test_a_bad_range_is_explained_and_no_file_is_made(world, query, message):
    response = Desk(world.reception).get(URL, {**query, "format": "pdf"})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert message in html
    assert f'name="end" value="{query["end"]}"' in html  # what the officer typed stays in the form


def test_a_register_too_long_for_one_print_says_so(world, monkeypatch):
    monkeypatch.setattr(paperwork_services, "REGISTER_MAX_ROWS", 1)
    world.register()
    world.register()
    response = Desk(world.reception).get(URL, {"start": "02/03/2026", "end": "02/03/2026", "format": "pdf"})
    assert response.status_code == 422
    assert "quá 1 dòng cho một lần in" in response.content.decode()
    # the Excel copy has its own, larger limit
    response = Desk(world.reception).get(URL, {"start": "02/03/2026", "end": "02/03/2026", "format": "xlsx"})
    assert response.status_code == 200 and len(sheet_rows(response.content)) == 6


def test_a_superuser_without_an_agency_chooses_a_one_stop_unit(world):
    world.register()
    admin = Desk(SuperuserFactory())
    html = admin.get(URL).content.decode()
    assert 'name="agency"' in html and world.center.name in html
    assert f'<option value="{world.department.pk}"' not in html  # not a one-stop unit
    response = admin.get(
        URL, {"agency": world.center.pk, "start": "02/03/2026", "end": "02/03/2026", "format": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_only_signed_in_staff_get_the_register(world):
    anonymous = Client().get(URL, {"start": "02/03/2026", "end": "02/03/2026"})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/can-bo/dang-nhap/")
    citizen = Client()
    citizen.force_login(world.citizen)
    assert citizen.get(URL).status_code == 403
    assert Desk(world.reception).post(URL).status_code == 405

"""The API, the command's JSON and the Excel workbook show the same numbers (one selector feeds them all)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from motcua.reports.export import LEVEL_SHEETS, cell_value, sheet_columns

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/indicators"


def command_json(**options) -> dict:
    out = io.StringIO()
    call_command("report", format="json", stdout=out, stderr=io.StringIO(), **options)
    return json.loads(out.getvalue())


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ({"period": "2020-Q2"}, {"period": "2020-Q2"}),
        (
            {"period": "2020-Q2", "agency": "AGENCY", "group_by": "agency"},
            {"period": "2020-Q2", "agency": "AGENCY", "group_by": "agency"},
        ),
        (
            {"period": "2020", "level": "province", "group_by": "month"},
            {"period": "2020", "level": "province", "group_by": "month"},
        ),
        (
            {"period": "2020-04-01..2020-05-10", "group_by": "procedure"},
            {"period": "2020-04-01..2020-05-10", "group_by": "procedure"},
        ),
        ({"period": "2020-Q2", "group_by": "field"}, {"period": "2020-Q2", "group_by": "field"}),
        ({"period": "2020-05", "group_by": "level"}, {"period": "2020-05", "group_by": "level"}),
    ],
)
def test_the_api_and_the_command_answer_the_same_document(client, history, query, options):
    query = {key: history.root.code if value == "AGENCY" else value for key, value in query.items()}
    options = {key: history.root.code if value == "AGENCY" else value for key, value in options.items()}
    response = client.get(URL, query)
    assert response.status_code == 200, response.content
    api = response.json()
    assert api == command_json(**options)
    assert api["total"]["counts"]["received"] > 0


def test_the_api_document_carries_the_hand_computed_figures(client, history):
    data = client.get(URL, {"period": "2020-Q2", "agency": history.justice.code}).json()
    assert data["period"] == {
        "code": "2020-Q2",
        "kind": "quarter",
        "first_day": "2020-04-01",
        "last_day": "2020-06-30",
        "label": "Quý 2 năm 2020",
    }
    assert data["scope"]["agency"]["code"] == history.justice.code
    counts = data["total"]["counts"]
    assert (counts["carried_over"], counts["received"], counts["resolved"], counts["pending"]) == (1, 6, 3, 3)
    online = next(rate for rate in data["total"]["rates"] if rate["code"] == "online_share")
    assert online == {
        "code": "online_share",
        "label": "Tỷ lệ hồ sơ tiếp nhận trực tuyến",
        "percent": 50.0,
        "numerator": 3,
        "denominator": 6,
        "target": 20.0,
        "target_met": True,
    }
    assert data["total"]["tt01"]["indicators"][0] == {
        "number": 1,
        "label": "Tổng thời gian giải quyết so với thời hạn quy định",
        "score": 1.0,
        "basis": 3,
        "source": "system",
    }


def test_the_api_answers_a_period_without_data_with_zeros(client, history):
    data = client.get(URL, {"period": "2010", "agency": history.justice.code, "group_by": "agency"}).json()
    assert set(data["total"]["counts"].values()) == {0}
    assert data["groups"] == []


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ({"period": "2020-Q5"}, "Kỳ báo cáo “2020-Q5” không hợp lệ"),
        ({"period": "2020-13"}, "phải từ 1 đến 12"),
        ({"period": "2020-02-30..2020-03-01"}, "không tồn tại"),
        ({"period": "2020-06-01..2020-05-01"}, "ngày kết thúc phải sau"),
        ({"period": "2020-Q2", "agency": "000.00.99.H00"}, "Không có cơ quan mã “000.00.99.H00”"),
        ({"period": "2020-Q2", "procedure": "9.999999"}, "Không có thủ tục mã"),
    ],
)
def test_malformed_periods_and_unknown_codes_answer_422_in_vietnamese(client, history, query, fragment):
    response = client.get(URL, query)
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert fragment in response.json()["detail"]


def test_a_missing_period_or_wrong_group_answers_422(client, history):
    assert client.get(URL).status_code == 422
    assert client.get(URL, {"period": "2020", "group_by": "week"}).status_code == 422


def test_the_indicators_endpoint_runs_a_bounded_number_of_queries(
    client, history, django_assert_max_num_queries
):
    client.get(URL, {"period": "2020-Q2", "agency": history.root.code, "group_by": "agency"})  # warm caches
    with django_assert_max_num_queries(40):
        response = client.get(URL, {"period": "2020-Q2", "agency": history.root.code, "group_by": "agency"})
    assert response.status_code == 200


def test_the_command_refuses_bad_input(history):
    with pytest.raises(CommandError, match="Thiếu --period"):
        call_command("report", stdout=io.StringIO())
    with pytest.raises(CommandError, match="không hợp lệ"):
        call_command("report", period="2020-Q9", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--output"):
        call_command("report", period="2020", format="xlsx", stdout=io.StringIO())


def test_the_workbook_has_a_sheet_per_level_with_the_json_numbers(history, tmp_path):
    path = tmp_path / "bao-cao.xlsx"
    call_command(
        "report",
        period="2020-Q2",
        agency=history.root.code,
        format="xlsx",
        output=str(path),
        stderr=io.StringIO(),
    )
    by_agency = command_json(period="2020-Q2", agency=history.root.code, group_by="agency")
    by_level = {
        group["key"]: group
        for group in command_json(period="2020-Q2", agency=history.root.code, group_by="level")["groups"]
    }
    book = load_workbook(path)
    assert book.sheetnames == ["Tổng hợp", LEVEL_SHEETS["province"], LEVEL_SHEETS["commune"]]
    columns = sheet_columns()
    for level in ("province", "commune"):
        sheet = book[LEVEL_SHEETS[level]]
        header = [cell.value for cell in sheet[3]]
        assert header[:3] == ["STT", "Mã cơ quan", "Tên cơ quan"]
        assert "Tiếp nhận trực tuyến" in header and "Giải quyết quá hạn" in header
        groups = [group for group in by_agency["groups"] if group["level"] == level]
        for offset, group in enumerate(groups):
            row = [cell.value for cell in sheet[4 + offset]]
            assert row[0] == offset + 1
            assert row[1:] == [cell_value(group, key) for key, _title in columns]
        totals = [cell.value for cell in sheet[4 + len(groups)]]
        assert totals[0] == "Tổng cộng"
        assert totals[3:] == [cell_value(by_level[level], key) for key, _title in columns[2:]]
        # The totals row of the counts is the sum of the agencies' rows.
        received = 1 + [key for key, _title in columns].index("counts.received")  # after STT
        assert header[received] == "Tiếp nhận trong kỳ"
        assert totals[received] == sum(group["counts"]["received"] for group in groups)
        assert len(sheet._charts) == 1
        assert sheet._charts[0].tagname == "barChart"
    summary = book["Tổng hợp"]
    values = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row and row[0]}
    assert values["Tiếp nhận trong kỳ"] == by_agency["total"]["counts"]["received"] == 8
    assert values["Đang giải quyết quá hạn"] == by_agency["total"]["counts"]["pending_overdue"]

"""``motcua import-dossiers``: header check, row checks with line numbers, idempotence, dry runs, versions."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from factories import ProcedureVersionFactory

from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.reports import aggregates
from motcua.reports.importer import ImportFileError, import_dossiers
from motcua.reports.models import DailyCounter, DossierFact, ImportedRating, MonthlyCounter

from .conftest import HEADER, VN, history_csv

pytestmark = pytest.mark.django_db


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def counters() -> list[tuple]:
    return sorted(DailyCounter.objects.values_list()) + sorted(MonthlyCounter.objects.values_list())


def test_a_wrong_header_stops_before_anything_is_imported(province):
    text = history_csv(province).replace("received_at", "recieved_at").replace(",rating", ",danh_gia")
    with pytest.raises(ImportFileError) as caught:
        import_dossiers(lines(text))
    assert caught.value.extra["missing"] == ["received_at", "rating"]
    assert "received_at, rating" in caught.value.message
    assert not Dossier.objects.exists()


def test_the_command_reports_missing_columns(province, tmp_path):
    path = tmp_path / "ho-so.csv"
    path.write_text("dossier_code,status\nA,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="thiếu cột: procedure_code, receiving_agency_code") as caught:
        call_command("import-dossiers", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 1
    assert not Dossier.objects.exists()


def test_imported_dossiers_are_real_dossiers(history):
    d2 = Dossier.objects.get(code="D2")
    assert d2.imported and d2.revision == 0 and not d2.events.exists()
    assert (d2.status, d2.substate, d2.channel, d2.paid_online) == (9, "result_ready", "online", True)
    assert d2.received_at == datetime(2020, 4, 6, 8, 0, tzinfo=VN)
    assert d2.appointment_at == d2.due_at == datetime(2020, 4, 10, 17, 0, tzinfo=VN)
    assert d2.procedure_version == history.judicial
    assert d2.competent_agency == d2.receiving_agency == history.justice
    assert ImportedRating.objects.get(dossier=d2).overall == 3
    d4 = Dossier.objects.get(code="D4")
    assert (d4.result_channel, d4.paid_online) == (ResultChannel.POSTAL, None)
    d6, d7 = Dossier.objects.get(code="D6"), Dossier.objects.get(code="D7")
    assert d6.withdrawn_at == datetime(2020, 5, 11, 9, 0, tzinfo=VN) and d6.finished_at is None
    assert d7.refused_at == datetime(2020, 5, 21, 10, 0, tzinfo=VN) and d7.received_at is None
    assert DossierFact.objects.count() == 12
    assert aggregates.verify() == []


def test_importing_the_same_file_again_changes_nothing(history):
    before = counters()
    report = import_dossiers(lines(history_csv(history)))
    assert (report.rows, report.imported, report.already_present, report.rejected_count) == (12, 0, 12, 0)
    assert Dossier.objects.count() == 12
    assert counters() == before
    assert aggregates.verify() == []


def test_rejected_rows_are_reported_with_line_and_reason(province):
    judicial = province.judicial.procedure.national_code
    justice = province.justice.code
    rows = [
        HEADER,
        f"OK1,{judicial},{justice},direct,,2020-04-01 09:00,2020-04-08 17:00,2020-04-07 09:00,,9,,,",  # line 2
        f"BAD1,9.999999,{justice},direct,,2020-04-01 09:00,,,,2,,,",  # unknown procedure
        f"BAD2,{judicial},000.00.00.X00,direct,,2020-04-01 09:00,,,,2,,,",  # unknown agency
        f"BAD3,{judicial},{justice},fax,,2020-04-01 09:00,,,,2,,,",  # channel
        f"BAD4,{judicial},{justice},direct,,2020-04-01 09:00,,,,11,,,",  # status
        f"BAD5,{judicial},{justice},direct,,,,,,4,,,",  # status 4 needs received_at
        f"BAD6,{judicial},{justice},direct,,2020-04-01 09:00,,2020-03-01 09:00,,9,,,",  # result before reception
        f"BAD7,{judicial},{justice},direct,,2020-04-01 09:00,,,,2,có lẽ,,",  # paid_online
        f"BAD8,{judicial},{justice},direct,,2020-04-01 09:00,,,,2,,,5",  # rating
        f"BAD9,{judicial},{justice},direct,,31/02/2020 09:00,,,,2,,,",  # impossible date
        f"OK1,{judicial},{justice},direct,,2020-04-02 09:00,,,,2,,,",  # duplicate code
        f",{judicial},{justice},direct,,2020-04-02 09:00,,,,2,,,",  # no code
        f"BAD10,{judicial},{justice},direct,,2020-04-02 09:00,,,,10,,,",  # 10 without result times
        f"OK2,{judicial},{justice},2,,02/04/2020 09:30,09/04/2020 17:00,,,4,1,1,2",  # national channel code, d/m/y
        f"BAD11,{judicial},{justice},direct,,2099-01-01 09:00,,,,2,,,",  # in the future
        f"BAD12,{judicial},{justice},direct,,2020-04-02 09:00,,,,2,,,,extra",  # one column too many
    ]
    report = import_dossiers(lines("\n".join(rows) + "\n"))
    reasons = {rejection.line: rejection.reason for rejection in report.rejected}
    assert (report.rows, report.imported, report.rejected_count) == (16, 2, 14)
    assert "không có thủ tục mã “9.999999”" in reasons[3]
    assert "không có cơ quan mã “000.00.00.X00”" in reasons[4]
    assert reasons[5].startswith("channel:")
    assert reasons[6].startswith("status:")
    assert reasons[7] == "received_at: bắt buộc với hồ sơ ở trạng thái 4."
    assert reasons[8] == "finished_at không được trước received_at."
    assert reasons[9].startswith("paid_online:")
    assert reasons[10].startswith("rating:")
    assert reasons[11].startswith("received_at:")
    assert reasons[12] == "Mã hồ sơ trùng với một dòng trước trong tệp."
    assert reasons[13] == "dossier_code: thiếu mã hồ sơ."
    assert reasons[14].startswith("finished_at: bắt buộc")
    assert "ở tương lai" in reasons[16]
    assert reasons[17] == "Số cột của dòng không khớp với tiêu đề."
    ok2 = Dossier.objects.get(code="OK2")
    assert (ok2.channel, ok2.received_at, ok2.paid_online) == (
        "online",
        datetime(2020, 4, 2, 9, 30, tzinfo=VN),
        True,
    )
    assert set(Dossier.objects.values_list("code", flat=True)) == {"OK1", "OK2"}


def test_the_command_lists_rejections_writes_them_out_and_exits_2(province, tmp_path):
    judicial, justice = province.judicial.procedure.national_code, province.justice.code
    path = tmp_path / "ho-so.csv"
    path.write_text(
        "\ufeff"
        + HEADER
        + f"\nA1,{judicial},{justice},direct,,2020-04-01 09:00,,,,2,,,\nA2,{judicial},{justice},direct,,,,,,2,,,\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "loi.csv"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import-dossiers", str(path), rejects=str(rejects), stdout=out, stderr=err)
    assert caught.value.returncode == 2
    assert "Dòng 3 (A2): received_at: bắt buộc với hồ sơ ở trạng thái 2." in out.getvalue()
    assert "2 dòng: 1 hồ sơ được nhập, 0 hồ sơ đã có (bỏ qua), 1 dòng bị từ chối." in out.getvalue()
    assert "Đã xử lý 2/2 dòng" in err.getvalue()
    assert rejects.read_text(encoding="utf-8").splitlines() == [
        "line,dossier_code,reason",
        "3,A2,received_at: bắt buộc với hồ sơ ở trạng thái 2.",
    ]
    assert Dossier.objects.filter(code="A1", imported=True).exists()


def test_a_dry_run_checks_everything_and_saves_nothing(province, tmp_path):
    path = tmp_path / "ho-so.csv"
    path.write_text(history_csv(province), encoding="utf-8")
    out = io.StringIO()
    call_command("import-dossiers", str(path), dry_run=True, stdout=out, stderr=io.StringIO())
    assert "Chạy thử, chưa lưu gì. 12 dòng: 12 hồ sơ hợp lệ sẽ được nhập" in out.getvalue()
    assert not Dossier.objects.exists() and not DossierFact.objects.exists()


def test_batches_and_progress(province):
    seen = []
    report = import_dossiers(
        lines(history_csv(province)), batch_size=5, progress=lambda r: seen.append(r.rows)
    )
    assert report.imported == 12
    assert seen == [5, 10, 12]
    assert aggregates.verify() == []


def test_each_dossier_gets_the_version_in_force_at_its_reception(province):
    procedure = province.judicial.procedure
    later = procedure_version_create_draft(
        procedure=procedure, name="Cấp Phiếu lý lịch tư pháp (sửa đổi)", at_province=True
    )
    later.cases.create(name="Trường hợp chung", processing_time=5)
    later = procedure_version_publish(version=later, effective_from=datetime(2020, 5, 1, tzinfo=VN))
    newest = ProcedureVersionFactory(effective_from=datetime(2021, 1, 1, tzinfo=VN))
    code, justice = procedure.national_code, province.justice.code
    text = "\n".join(
        [
            HEADER,
            f"V1,{code},{justice},direct,,2020-04-30 16:00,,,,2,,,",
            f"V2,{code},{justice},direct,,2020-05-01 08:00,,,,2,,,",
            f"V3,{newest.procedure.national_code},{justice},direct,,2020-06-01 08:00,,,,2,,,",
        ]
    )
    report = import_dossiers(lines(text + "\n"))
    assert report.imported == 3
    versions = dict(Dossier.objects.values_list("code", "procedure_version"))
    assert versions == {"V1": province.judicial.pk, "V2": later.pk, "V3": newest.pk}
    assert Dossier.objects.get(code="V1").procedure_case == province.judicial.cases.get()
    # V3 was received before its procedure's first version came into force: the earliest one is used, and said.
    assert report.later_versions == 1


def test_imported_and_native_dossiers_count_alike(history, clock):
    native = history.register()
    history.resolve(native)
    assert aggregates.verify() == []
    report = import_dossiers(lines(history_csv(history)))
    assert report.already_present == 12
    assert aggregates.verify() == []


@pytest.mark.postgres
def test_bulk_upserts_through_copy_stay_exact(province, monkeypatch):
    from motcua.reports import aggregates as module

    monkeypatch.setattr(module, "COPY_FROM_ROWS", 1)  # every counter upsert goes through COPY and staging
    report = import_dossiers(lines(history_csv(province)), batch_size=4)
    assert report.imported == 12
    assert aggregates.verify() == []

"""``motcua import-catalog``: output and exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from motcua.catalog.models import Procedure, ProcedureVersion

DATA = Path(__file__).parent / "data"


def run(*args) -> str:
    out = StringIO()
    call_command("import-catalog", *args, stdout=out, no_color=True)
    return out.getvalue()


@pytest.mark.django_db
def test_good_file_prints_a_line_per_record_and_a_summary():
    output = run(str(DATA / "good.json"))
    lines = output.splitlines()
    assert lines[0] == f"Nhập danh mục thủ tục từ {DATA / 'good.json'}"
    assert "#1 1.001193: Thêm mới (phiên bản 1)" in lines
    assert "#2 2.000488: Thêm mới (phiên bản 1)" in lines
    assert lines[-1] == "Tổng 3 bản ghi: 3 thêm mới, 0 cập nhật, 0 không thay đổi, 0 bị từ chối."
    assert Procedure.objects.count() == 3


@pytest.mark.django_db
def test_reimport_and_change_are_reported():
    run(str(DATA / "good.json"))
    assert "0 thêm mới, 0 cập nhật, 3 không thay đổi" in run(str(DATA / "good.json"))
    output = run(str(DATA / "changed.json"))
    assert "#1 2.000488: Cập nhật (phiên bản 2)" in output
    assert ProcedureVersion.objects.filter(procedure__national_code="2.000488").count() == 2


@pytest.mark.django_db
def test_rejected_records_end_with_exit_status_2_after_importing_the_good_ones():
    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import-catalog", str(DATA / "broken.json"), stdout=out, no_color=True)
    assert raised.value.returncode == 2
    assert "8 bản ghi bị từ chối" in str(raised.value)
    output = out.getvalue()
    assert "#2 (không có MaTTHC): Từ chối" in output
    assert "    - MaTTHC: thiếu mã thủ tục" in output
    assert "#3 ABC.12: Từ chối" in output
    assert Procedure.objects.count() == 2


@pytest.mark.django_db
def test_dry_run_and_effective_from():
    output = run(str(DATA / "wrapped.json"), "--dry-run", "--effective-from", "2030-01-01")
    assert "#1 1.001612: Thêm mới (phiên bản 1)" in output
    assert output.splitlines()[-1] == "Chạy thử: không có thay đổi nào được lưu."
    assert not Procedure.objects.exists()

    run(str(DATA / "wrapped.json"), "--effective-from", "2030-01-01")
    effective_from = timezone.localtime(ProcedureVersion.objects.get().effective_from)
    assert (effective_from.date().isoformat(), effective_from.hour) == ("2030-01-01", 0)


@pytest.mark.django_db
def test_bad_arguments_are_clear_errors():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run(str(DATA / "good.json"), "--effective-from", "01/07/2030")
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        run(str(DATA / "khong-co.json"))
    with pytest.raises(CommandError, match="không phải JSON hợp lệ") as raised:
        run(str(DATA / "not_json.txt"))
    assert raised.value.returncode == 1
    assert not Procedure.objects.exists()


def test_not_json_exits_non_zero_from_the_real_command(tmp_path):
    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "motcua", "import-catalog", str(DATA / "not_json.txt")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Tệp không phải JSON hợp lệ (dòng 1, cột 1)" in result.stderr
    assert result.stdout == ""

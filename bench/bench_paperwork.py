"""How long the official forms take to produce.

    python bench/bench_paperwork.py                 # fresh SQLite database in a temporary directory
    python bench/bench_paperwork.py --prints 50 --register-rows 500
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench_paperwork python bench/bench_paperwork.py

Builds a small province through the real services (one service centre, one department, one procedure with
three documents and a fee), registers dossiers at the counter, then times, per print:

* Mẫu 01 rendered from scratch (content, HTML, WeasyPrint, PDF bytes) — the cost of a first print;
* ``paperwork_issue`` of a new Mẫu 01 (render + number + storage + row);
* a re-print (``paperwork_document`` of an unchanged dossier: fingerprint check and read of the kept file);
* Mẫu 05, and Mẫu 06 for ``--register-rows`` dossiers.

Prints median and p95 in milliseconds and the PDF sizes. A figure to watch, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def _setup(workdir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ.setdefault("MOTCUA_VAR_DIR", str(workdir))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench-paperwork.sqlite3'}")
    os.environ.setdefault("MOTCUA_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _province():
    """A service centre receiving for one department, its officer, and a published procedure."""
    from motcua.accounts.models import User
    from motcua.agencies.models import (
        AdministrativeUnit,
        Agency,
        Level,
        OneStopUnit,
        StaffMembership,
        StaffRole,
    )
    from motcua.catalog.models import CaseComponent, Fee, Procedure, ProcedureAgency, ProcedureCase, TimeUnit
    from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish

    if Agency.objects.filter(code="000.00.00.H99").exists():
        sys.exit("this database already holds the benchmark province: use a fresh DATABASE_URL")
    unit = AdministrativeUnit.objects.create(
        code="99", name="Tỉnh Thử Nghiệm", division_type="province", level=Level.PROVINCE
    )
    committee = Agency.objects.create(
        name="Ủy ban nhân dân tỉnh Thử Nghiệm",
        code="000.00.00.H99",
        level=Level.PROVINCE,
        kind=Agency.Kind.PEOPLE_COMMITTEE,
        administrative_unit=unit,
    )
    department = Agency.objects.create(
        name="Sở Tư pháp tỉnh Thử Nghiệm", code="000.00.12.H99", level=Level.PROVINCE, parent=committee
    )
    center = Agency.objects.create(
        name="Trung tâm Phục vụ hành chính công tỉnh Thử Nghiệm",
        code="000.01.01.H99",
        level=Level.PROVINCE,
        kind=Agency.Kind.SERVICE_CENTER,
        parent=committee,
        administrative_unit=unit,
    )
    OneStopUnit.objects.create(agency=center).served_agencies.set([department])
    officer = User.objects.create(
        username="bench-officer", full_name="Trần Thị Tiếp Nhận", kind=User.Kind.STAFF
    )
    StaffMembership.objects.create(user=officer, agency=center, role=StaffRole.RECEPTION_OFFICER)

    procedure = Procedure.objects.create(national_code="1.099001")
    version = procedure_version_create_draft(
        procedure=procedure, name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", at_province=True
    )
    case = ProcedureCase.objects.create(
        version=version, name="Trường hợp chung", processing_time=Decimal(10), time_unit=TimeUnit.WORKING_DAYS
    )
    for order, name in enumerate(
        (
            "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (Mẫu số 03/2013/TT-LLTP)",
            "Bản chụp Căn cước hoặc Hộ chiếu của người được cấp Phiếu lý lịch tư pháp",
            "Văn bản ủy quyền (trường hợp ủy quyền làm thủ tục)",
        ),
        start=1,
    ):
        CaseComponent.objects.create(case=case, order=order, name=name, originals=1)
    Fee.objects.create(
        version=version, kind=Fee.Kind.CHARGE, amount=200000, description="Phí cung cấp thông tin"
    )
    ProcedureAgency.objects.create(version=version, role=ProcedureAgency.Role.COMPETENT, agency=department)
    version = procedure_version_publish(version=version)
    return center, department, officer, version.cases.get()


def _register(center, department, officer, case, n: int):
    from motcua.dossiers import services

    return services.dossier_register_at_counter(
        actor=officer,
        procedure_case=case,
        receiving_agency=center,
        competent_agency=department,
        applicant=services.ApplicantData(
            kind="citizen",
            name=f"Nguyễn Thị Thử Nghiệm {n}",
            identity_number=f"0420900{n:05d}",
            phone="0912345678",
            address=f"Số {n} đường Nguyễn Du, phường Thành Sen, tỉnh Thử Nghiệm",
        ),
        documents=[services.DocumentData(case_component=c) for c in case.components.all()],
    )


def _timed(label: str, runs: int, action) -> list[float]:
    timings = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        timings.append((time.perf_counter() - started) * 1000)
        size = len(result) if isinstance(result, bytes | bytearray) else size
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
    extra = f"  {size / 1024:.0f} KiB" if size else ""
    print(
        f"{label:<48} median {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms   ({runs} runs){extra}"
    )
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prints", type=int, default=20, help="timed prints of each kind (default 20)")
    parser.add_argument("--register-rows", type=int, default=200, help="dossiers in the Mẫu 06 range")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="motcua-bench-paperwork-") as workdir:
        _setup(Path(workdir))
        from django.utils import timezone

        from motcua.paperwork import content, services
        from motcua.paperwork.rendering import render_pdf

        center, department, officer, case = _province()
        dossiers = [_register(center, department, officer, case, n) for n in range(args.prints + 1)]
        print(f"database: {os.environ['DATABASE_URL'].split('@')[-1]}")

        started = time.perf_counter()
        services.paperwork_document(dossier=dossiers[0], form="01", actor=officer)
        print(
            f"{'first print in the process (loads WeasyPrint, fonts)':<48} {(time.perf_counter() - started) * 1000:7.1f} ms"
        )

        def render_01():
            dossier = dossiers[1]
            form_set = content.form_set_for(dossier)
            return render_pdf(
                content.template_name(form_set, "01"), content.form_content(dossier, "01", form_set)
            )

        _timed("Mẫu 01 rendered (content + HTML + PDF)", args.prints, render_01)
        queue = iter(dossiers[1:])
        _timed(
            "Mẫu 01 issued and kept (paperwork_issue)",
            args.prints,
            lambda: services.paperwork_issue(dossier=next(queue), form="01", actor=officer),
        )
        _timed(
            "Mẫu 01 re-print (kept file)",
            args.prints,
            lambda: services.paperwork_document(dossier=dossiers[1], form="01")[1],
        )
        _timed(
            "Mẫu 05 rendered",
            args.prints,
            lambda: render_pdf(
                content.template_name(content.form_set_for(dossiers[2]), "05"),
                content.form_content(dossiers[2], "05"),
            ),
        )

        for n in range(len(dossiers), args.register_rows):
            _register(center, department, officer, case, n)
        today = timezone.localdate()
        _timed(
            f"Mẫu 06 register, {args.register_rows} rows",
            3,
            lambda: services.paperwork_register(agency=center, start=today, end=today)[1],
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Indicators that only native dossiers can feed (step times, supplement requests, electronic results), on a
March 2026 computed by hand. The clock starts on Monday 02/03/2026 09:00; 5 working days for each dossier.

    A  counter, received 02/03 09:00, due 09/03 09:00; approved 03/03 10:00 with a signed PDF
       → early; its processing step early (2); no supplement (2); electronic result.
    B  counter, received 03/03 10:00; supplement asked 04/03, handed in 05/03 10:00 (time limit restarts: due
       12/03 10:00); approved 20/03 10:00 without a file → late; processing step late (0); one supplement (1).
    D  counter, received 02/03 09:00 (due 09/03 09:00); supplement asked 03/03 10:00, never handed in
       → still pending on 21/03, and not overdue: its time limit restarts when the supplement arrives.
    E  online, submitted 02/03 09:00, refused at reception 02/03 → not received.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers import services
from motcua.reports import aggregates
from motcua.reports.selectors import report_for

from .conftest import at

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def march(province, clock):
    a = province.register()
    d = province.register()
    e = province.submit_online()
    services.dossier_refuse_reception(
        dossier=e, actor=province.reception, revision=e.revision, reason="Sai thẩm quyền"
    )
    clock.move_to(at(3, 10))
    a = province.assign(a)
    a = services.dossier_submit_for_approval(dossier=a, actor=province.specialist, revision=a.revision)
    services.dossier_approve(
        dossier=a,
        actor=province.leader,
        revision=a.revision,
        results=[
            services.ResultData(
                name="Phiếu lý lịch tư pháp", file=SimpleUploadedFile("kq.pdf", PDF, "application/pdf")
            )
        ],
    )
    province.request_supplement(d)
    b = province.register()
    clock.move_to(at(4, 10))
    b = province.request_supplement(b)
    clock.move_to(at(5, 10))
    b = province.submit_supplement(b)
    assert b.appointment_at == at(12, 10)
    clock.move_to(at(20, 10))
    province.resolve(b)
    return province


def test_step_supplement_and_electronic_result_indicators(march):
    report = report_for(period="2026-03", agency=march.justice.code)
    counts = report.total.counts
    assert (counts["received"], counts["resolved"], counts["resolved_early"], counts["resolved_late"]) == (
        3,
        2,
        1,
        1,
    )
    assert counts["not_received"] == 1  # E
    # D waits for its supplement: pending, not overdue although its first appointment (09/03) has passed.
    assert (counts["pending"], counts["pending_in_time"], counts["pending_overdue"]) == (1, 1, 0)
    scores = {item.number: item.score for item in report.total.tt01.indicators}
    assert scores[1] == 1.0  # (2 + 0) / 2
    assert scores[2] == 1.0  # A's step early (2), B's late (0): (2 + 0) / 2
    assert scores[3] == 1.5  # A no supplement (2), B one (1): (2 + 1) / 2
    digitisation = next(group for group in report.total.d766.groups if group.code == "digitisation")
    assert digitisation.components[0].score == 3.0  # 6 × 1 electronic result / 2 resolved
    assert aggregates.verify() == []


def test_overdue_between_the_appointment_and_the_result(march):
    # On 16/03 00:00 B is pending and overdue since its appointment 12/03 10:00; A was resolved on 03/03.
    counts = report_for(period="2026-03-01..2026-03-15", agency=march.justice.code).total.counts
    assert (counts["resolved"], counts["pending"], counts["pending_overdue"]) == (1, 2, 1)
    # On 12/03 00:00 B is not overdue yet (appointment 10:00 that day).
    counts = report_for(period="2026-03-01..2026-03-11", agency=march.justice.code).total.counts
    assert (counts["pending"], counts["pending_overdue"]) == (2, 0)


def test_rebuilding_gives_back_the_same_aggregates(march):
    before = report_for(period="2026-03", agency=march.root.code, group_by="agency")
    aggregates.rebuild()
    assert aggregates.verify() == []
    after = report_for(period="2026-03", agency=march.root.code, group_by="agency")
    assert after.total.counts == before.total.counts
    assert [g.counts for g in after.groups] == [g.counts for g in before.groups]

"""Worklists: counts per role, filters, search, paging and a constant number of queries per page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.catalog.models import Channel
from motcua.dossiers import services
from motcua.dossiers.selectors import Worklist

from .conftest import Desk, at

pytestmark = pytest.mark.django_db


def _counts(response) -> dict[str, int]:
    return {tile["bucket"]: tile["count"] for tile in response.context["tiles"]}


def _codes(response) -> list[str]:
    return [dossier.code for dossier in response.context["page"].object_list]


def test_each_role_sees_its_own_counts(world):
    waiting = world.submit_online()
    to_assign = world.received_online()
    mine = world.in_processing()

    reception = _counts(Desk(world.reception).get("/can-bo/"))
    assert reception[Worklist.TO_RECEIVE] == 1
    leader = _counts(Desk(world.leader).get("/can-bo/"))
    assert leader[Worklist.TO_ASSIGN] == 1
    assert leader[Worklist.TO_RECEIVE] == 0
    specialist = Desk(world.specialist).get("/can-bo/viec/dang-xu-ly/")
    assert _counts(specialist)[Worklist.MINE] == 1
    assert _codes(specialist) == [mine.code]
    assert waiting.code in _codes(Desk(world.reception).get("/can-bo/viec/cho-tiep-nhan/"))
    assert _codes(Desk(world.leader).get("/can-bo/viec/cho-phan-cong/")) == [to_assign.code]


def test_start_page_opens_the_first_non_empty_list_of_the_role(world):
    world.submit_online()
    response = Desk(world.reception).get("/can-bo/")
    assert response.context["bucket"] == Worklist.TO_RECEIVE
    assert "Chờ tiếp nhận" in response.content.decode()
    response = Desk(world.specialist).get("/can-bo/")
    assert response.context["bucket"] == Worklist.MINE


def test_due_soon_and_overdue(world, clock):
    dossier = world.in_processing()  # appointment 09/03 09:00
    officer = Desk(world.specialist)
    assert _counts(officer.get("/can-bo/"))[Worklist.DUE_SOON] == 0
    clock.move_to(at(5, 10))
    response = officer.get("/can-bo/viec/sap-den-han/")
    assert _counts(response)[Worklist.DUE_SOON] == 1
    assert "Sắp đến hạn" in response.content.decode()
    clock.move_to(at(9, 10))
    response = officer.get("/can-bo/viec/qua-han/")
    assert _codes(response) == [dossier.code]
    assert _counts(response)[Worklist.OVERDUE] == 1
    assert "bo-row--overdue" in response.content.decode()


def test_waiting_for_other_agencies(world):
    dossier = world.in_processing()
    services.dossier_consult(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        agencies=[world.other_department],
        question="Xin ý kiến về nghĩa vụ tài chính",
        deadline=at(4),
    )
    response = Desk(world.specialist).get("/can-bo/viec/cho-co-quan-khac/")
    assert _codes(response) == [dossier.code]


def test_filters_by_channel_procedure_agency_and_dates(world, clock):
    online = world.submit_online()
    clock.move_to(at(3, 10))
    paper = world.register()
    clock.move_to(at(4, 10))
    postal = world.register(
        channel=Channel.POSTAL, submitted_at=at(4, 8), competent_agency=world.other_department
    )
    officer = Desk(world.reception)

    assert _codes(officer.get("/can-bo/viec/tat-ca/", {"channel": "postal"})) == [postal.code]
    assert set(_codes(officer.get("/can-bo/viec/tat-ca/", {"channel": "direct"}))) == {paper.code}
    assert set(_codes(officer.get("/can-bo/viec/tat-ca/", {"procedure": world.version.procedure_id}))) == {
        online.code,
        paper.code,
        postal.code,
    }
    assert _codes(officer.get("/can-bo/viec/tat-ca/", {"agency": world.other_department.pk})) == [postal.code]
    by_date = officer.get(
        "/can-bo/viec/tat-ca/", {"received_from": "2026-03-03", "received_to": "2026-03-03"}
    )
    assert _codes(by_date) == [paper.code]
    assert by_date.context["is_filtered"]

    wrong = officer.get("/can-bo/viec/tat-ca/", {"received_from": "2026-03-05", "received_to": "2026-03-01"})
    assert wrong.status_code == 200
    assert "Ngày kết thúc phải sau ngày bắt đầu" in wrong.content.decode()


def test_filters_narrow_the_counts_too(world):
    world.submit_online()
    world.register()
    officer = Desk(world.reception)
    assert _counts(officer.get("/can-bo/", {"channel": "online"}))[Worklist.TO_RECEIVE] == 1
    assert _counts(officer.get("/can-bo/", {"channel": "direct"}))[Worklist.TO_RECEIVE] == 0


def test_search_by_name_and_by_code(world):
    an = world.submit_online()
    binh = world.register(applicant=world.applicant(name="Trần Thị Bình", identity_number="042190005678"))
    officer = Desk(world.reception)
    assert _codes(officer.get("/can-bo/viec/tat-ca/", {"q": "bình"})) == [binh.code]
    assert _codes(officer.get("/can-bo/viec/tat-ca/", {"q": "Trần Thị"})) == [binh.code]
    assert _codes(officer.get("/can-bo/viec/tat-ca/", {"q": "042190005678"})) == [binh.code]
    # A dossier code typed (or scanned) opens the dossier at once.
    response = officer.get("/can-bo/viec/tat-ca/", {"q": an.code.lower()})
    assert response.status_code == 302
    assert response["Location"] == f"/can-bo/ho-so/{an.code}/"


def test_paging(world):
    for _ in range(27):
        world.register()
    officer = Desk(world.reception)
    first = officer.get("/can-bo/viec/tat-ca/")
    assert len(_codes(first)) == 25
    assert 'rel="next"' in first.content.decode()
    second = officer.get("/can-bo/viec/tat-ca/", {"page": 2})
    assert len(_codes(second)) == 2
    assert not set(_codes(first)) & set(_codes(second))


def test_unknown_list_is_not_found(world):
    assert Desk(world.reception).get("/can-bo/viec/khong-co/").status_code == 404


def test_other_agencies_dossiers_are_not_listed(world):
    world.register()
    response = Desk(world.outsider).get("/can-bo/viec/tat-ca/")
    assert _codes(response) == []
    assert all(count == 0 for count in _counts(response).values())


def _queries(officer, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = officer.get(url, params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url", ["/can-bo/viec/tat-ca/", "/can-bo/viec/cho-tiep-nhan/", "/can-bo/viec/dang-xu-ly/"]
)
def test_constant_number_of_queries_per_page(world, url, django_assert_max_num_queries):
    world.submit_online()
    world.in_processing()
    officer = Desk(world.reception)
    officer.get(url)  # the first page of a session stores the agency and warms the calendar cache
    few = _queries(officer, url, {"channel": "online"})
    for _ in range(12):
        world.submit_online()
        world.in_processing(world.register())
    many = _queries(officer, url, {"channel": "online"})
    assert many == few
    with django_assert_max_num_queries(12):
        officer.get(url, {"channel": "online", "q": "Nguyễn"})

"""“Hồ sơ của tôi”: the list, the detail page with its plain-Vietnamese timeline, supplements answered on the
page, result downloads and the agency's messages; other people's dossiers answer 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from dossiers import conftest as dossier_world
from dossiers.conftest import PDF_BYTES, at, pdf

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, DossierFile, ResultChannel, SupplementInterval
from motcua.dossiers.workflow import DossierStatus
from motcua.notifications.models import OutboxMessage
from motcua.notifications.worker import deliver_due

# The dossier tests' small province and their clock frozen on Monday 02/03/2026 09:00.
world = dossier_world.world
clock = dossier_world.clock

RESULT_BYTES = b"%PDF-1.7\n% ket qua giai quyet\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def citizen_client(client, world):
    client.force_login(world.citizen)
    return client


def receive(world, dossier):
    return services.dossier_receive(dossier=dossier, actor=world.reception, revision=dossier.revision)


def approve(world, dossier, *, result_file=True):
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    file = pdf("phieu-ly-lich.pdf", RESULT_BYTES) if result_file else None
    return services.dossier_approve(
        dossier=dossier,
        actor=world.leader,
        revision=dossier.revision,
        results=[services.ResultData(name="Phiếu lý lịch tư pháp số 1", file=file)],
    )


# --- The list -------------------------------------------------------------------------------------------------


def test_the_list_shows_status_holder_appointment_and_lateness(citizen_client, world, clock):
    late = world.in_processing()  # appointment Monday 09/03 09:00
    clock.move_to(at(5, 9))
    on_time = world.in_processing()  # appointment Thursday 12/03
    waiting = world.submit_online()
    stranger = world.submit_online(actor=world.other_citizen)
    clock.move_to(at(10, 9))

    response = citizen_client.get("/ho-so-cua-toi/")
    rows = {row["dossier"].code: row for row in response.context["rows"]}
    assert set(rows) == {late.code, on_time.code, waiting.code}
    assert stranger.code not in text(response)
    assert (rows[late.code]["timing"].label, rows[late.code]["timing"].late) == ("Quá hạn", True)
    assert (rows[on_time.code]["timing"].label, rows[on_time.code]["timing"].late) == ("Trong hạn", False)
    assert rows[late.code]["holder"] == "Sở Tư pháp"
    assert rows[waiting.code]["holder"] == world.center.name
    html = text(response)
    assert "Mới đăng ký" in html and "Đang xử lý" in html
    assert "09:00 09/03/2026" in html  # the late one's appointment
    assert 'class="timing timing--late">Quá hạn<' in html


def test_the_list_filters_and_counts_drafts(citizen_client, world):
    waiting = world.submit_online()
    asked = world.submit_online()
    services.dossier_request_supplement(
        dossier=asked, actor=world.reception, revision=asked.revision, reason="Thiếu", items=["Tờ khai"]
    )
    codes = [
        row["dossier"].code for row in citizen_client.get("/ho-so-cua-toi/?loc=can-bo-sung").context["rows"]
    ]
    assert codes == [asked.code]
    codes = {
        row["dossier"].code
        for row in citizen_client.get("/ho-so-cua-toi/?loc=dang-giai-quyet").context["rows"]
    }
    assert codes == {waiting.code, asked.code}
    assert citizen_client.get("/ho-so-cua-toi/?loc=da-co-ket-qua").context["rows"] == []


def test_the_list_runs_the_same_queries_for_few_and_many_dossiers(citizen_client, world):
    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert citizen_client.get("/ho-so-cua-toi/").status_code == 200
        return len(queries)

    receive(world, world.submit_online())
    world.in_processing()
    citizen_client.get("/ho-so-cua-toi/")  # the first request after signing in also saves the session
    few = measure()
    for _ in range(4):
        world.in_processing()
        receive(world, world.submit_online())
    many = measure()
    assert len(citizen_client.get("/ho-so-cua-toi/").context["rows"]) == 10
    assert many == few
    # session, account, page count, page rows, open steps, unread messages, drafts
    assert many <= 8


def test_staff_do_not_see_the_dossiers_they_handle_as_their_own(client, world):
    dossier = world.submit_online()
    client.force_login(world.reception)
    assert client.get("/ho-so-cua-toi/").context["rows"] == []
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/").status_code == 404


# --- The detail page --------------------------------------------------------------------------------------------


def test_the_timeline_tells_what_happened_in_plain_words_and_hides_internal_notes(
    citizen_client,
    world,
    clock,
):
    services.process_template_create(
        case=world.case,
        name="Thẩm định rồi phê duyệt",
        steps=[
            services.ProcessStepData("Thẩm định hồ sơ", "specialist", 24, 1, uses_competent_agency=True),
            services.ProcessStepData("Phê duyệt", "leader", 8, 2, uses_competent_agency=True),
        ],
    )
    dossier = world.in_processing()
    clock.move_to(at(3, 9))
    dossier = services.dossier_consult(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        agencies=[world.other_department],
        question="CÂU HỎI NỘI BỘ về nghĩa vụ tài chính",
        deadline=at(4, 17),
    )
    dossier = services.dossier_answer_consultation(
        dossier=dossier, actor=world.other_leader, revision=dossier.revision, answer="TRẢ LỜI NỘI BỘ"
    )
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision, note="GHI CHÚ NỘI BỘ khi trình"
    )
    dossier = services.dossier_send_back(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="LÝ DO TRẢ LẠI NỘI BỘ"
    )
    dossier = services.dossier_propose_extension(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        reason="ĐỀ XUẤT NỘI BỘ",
        new_appointment=at(20, 9),
    )
    dossier = services.dossier_reject_extension(
        dossier=dossier, actor=world.leader, revision=dossier.revision, reason="KHÔNG DUYỆT NỘI BỘ"
    )

    response = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    assert response.status_code == 200
    html = text(response)
    titles = [entry.title for entry in response.context["timeline"]]
    assert titles == [
        f"Bạn đã nộp hồ sơ trực tuyến, mã hồ sơ {dossier.code}.",
        f"{world.center.name} đã tiếp nhận hồ sơ.",
        "Cơ quan giải quyết đang lấy ý kiến của cơ quan liên quan.",
        "Hồ sơ đã được trình lãnh đạo phê duyệt.",
    ]
    assert response.context["timeline"][1].details == ["Hạn giải quyết: 09:00 09/03/2026."]
    for secret in ("NỘI BỘ", world.specialist.full_name, world.leader.full_name):
        assert secret not in html
    assert response.context["holder"] == "Sở Tư pháp"
    assert "Đang xử lý" in html and "Trong hạn" in html
    assert "Thẩm định hồ sơ" in html  # the control sheet, by step and agency only


def test_a_late_dossier_says_why(citizen_client, world, clock):
    dossier = world.in_processing()
    clock.move_to(at(5, 9))
    dossier = services.dossier_propose_extension(
        dossier=dossier,
        actor=world.specialist,
        revision=dossier.revision,
        reason="Chờ kết quả xác minh của cơ quan công an",
        new_appointment=at(13, 9),
    )
    dossier = services.dossier_approve_extension(
        dossier=dossier, actor=world.leader, revision=dossier.revision
    )
    clock.move_to(at(16, 9))
    citizen_client.force_login(world.citizen)  # two weeks later: a fresh session
    response = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    assert response.context["timing"].late
    reasons = response.context["late_reasons"]
    assert reasons == [
        "Cơ quan đã xin lỗi và hẹn lại ngày trả kết quả 09:00 13/03/2026. Lý do: Chờ kết quả xác minh của cơ "
        "quan công an",
        "Bước “Thẩm định, xử lý hồ sơ” tại Sở Tư pháp chậm so với thời gian quy định.",
    ]
    html = text(response)
    assert "Vì sao hồ sơ chậm?" in html
    assert "Cơ quan xin lỗi vì giải quyết chậm và hẹn lại ngày trả kết quả." in html


def test_the_submitted_files_are_downloadable_by_their_owner_only(client, world):
    dossier = world.submit_online()
    stored = DossierFile.objects.filter(component__dossier=dossier).first()
    client.force_login(world.citizen)
    response = client.get(f"/ho-so-cua-toi/{dossier.code}/tep/{stored.pk}/")
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert 'filename="giay-to-1.pdf"' in response["Content-Disposition"]
    client.force_login(world.other_citizen)
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/tep/{stored.pk}/").status_code == 404


def test_another_citizens_dossier_answers_not_found_everywhere(client, world):
    dossier = world.submit_online()
    dossier = services.dossier_request_supplement(
        dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Thiếu", items=["Tờ khai"]
    )
    deliver_due()
    message = OutboxMessage.objects.get(channel="portal")
    component = world.case.components.first()
    client.force_login(world.other_citizen)
    base = f"/ho-so-cua-toi/{dossier.code}"
    for url in ("/", "/da-nop/", "/ket-qua/1/", "/tep/1/"):
        assert client.get(base + url).status_code == 404, url
    response = client.post(f"{base}/bo-sung/", {"revision": dossier.revision, f"file_{component.pk}": pdf()})
    assert response.status_code == 404
    assert client.post(f"{base}/thong-bao/", {"message": message.pk}).status_code == 404
    assert client.get("/ho-so-cua-toi/KHONG-CO-MA/").status_code == 404
    dossier.refresh_from_db()
    message.refresh_from_db()
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED and message.read_at is None
    assert not SupplementInterval.objects.filter(resolved_at__isnull=False).exists()


# --- Supplements --------------------------------------------------------------------------------------------------


def test_supplement_requested_at_reception_is_answered_on_the_page(citizen_client, world):
    dossier = world.submit_online()
    dossier = services.dossier_request_supplement(
        dossier=dossier,
        actor=world.reception,
        revision=dossier.revision,
        reason="Bản chụp Căn cước bị mờ",
        items=["Bản chụp Căn cước rõ nét", "Tờ khai có chữ ký"],
    )
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    html = text(page)
    assert "Bổ sung hồ sơ" in html and "Bản chụp Căn cước bị mờ" in html
    assert "<li>Bản chụp Căn cước rõ nét</li>" in html and "<li>Tờ khai có chữ ký</li>" in html
    assert page.context["holder"] == "Đang chờ bạn bổ sung giấy tờ"
    first, second = world.case.components.order_by("order", "id")
    assert f'name="file_{second.pk}"' in html

    response = citizen_client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/",
        {
            "revision": dossier.revision,
            f"file_{second.pk}": pdf("can-cuoc-ro.pdf"),
            "other_name": "Tờ khai đã ký",
            "file_other": pdf("to-khai-da-ky.pdf"),
        },
    )
    assert response.status_code == 302 and response.url == f"/ho-so-cua-toi/{dossier.code}/"
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED  # back to the one-stop unit for reception
    assert dossier.supplements.get().resolved_at is not None
    names = set(
        DossierFile.objects.filter(component__dossier=dossier).values_list("original_name", flat=True)
    )
    assert {"can-cuoc-ro.pdf", "to-khai-da-ky.pdf"} <= names
    assert dossier.components.filter(name="Tờ khai đã ký").exists()
    page = citizen_client.get(response.url)
    assert "Đã gửi hồ sơ bổ sung." in text(page)
    assert page.context["timeline"][-1].title == "Bạn đã nộp bổ sung hồ sơ."
    assert page.context["pending_supplement"] is None


def test_supplement_during_processing_restarts_the_time_limit(citizen_client, world, clock):
    dossier = world.in_processing()
    clock.move_to(at(3, 9))
    dossier = services.dossier_request_supplement(
        dossier=dossier, actor=world.specialist, revision=dossier.revision, reason="Thiếu", items=["Tờ khai"]
    )
    clock.move_to(at(4, 9))
    first = world.case.components.order_by("order", "id").first()
    response = citizen_client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/", {"revision": dossier.revision, f"file_{first.pk}": pdf()}
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.PROCESSING
    assert dossier.appointment_at == at(11, 9)  # five working days again from the supplement
    entry = citizen_client.get(response.url).context["timeline"][-1]
    assert entry.details == ["Ngày hẹn trả mới: 09:00 11/03/2026."]


def _supplement_rows() -> dict[str, int]:
    return {
        "files": DossierFile.objects.count(),
        "resolved": SupplementInterval.objects.filter(resolved_at__isnull=False).count(),
    }


@pytest.mark.parametrize(
    ("make_post", "status", "message"),
    [
        (
            lambda d, c: {f"file_{c.pk}": SimpleUploadedFile("to-khai.pdf", b"\x89PNG\r\n\x1a\nxx")},
            422,
            "mang đuôi .pdf nhưng nội dung là PNG",
        ),
        (lambda d, c: {}, 422, "Vui lòng đính kèm giấy tờ bổ sung."),
        (lambda d, c: {"file_999999": pdf()}, 422, "không thuộc thủ tục của hồ sơ này"),
        (lambda d, c: {"file_other": pdf()}, 422, "Vui lòng ghi tên giấy tờ đính kèm."),
        (lambda d, c: {"revision": d.revision - 1, f"file_{c.pk}": pdf()}, 409, "Hồ sơ vừa được thay đổi"),
    ],
    ids=["wrong-type", "no-file", "foreign-component", "unnamed-extra", "stale-revision"],
)
def test_a_refused_supplement_changes_nothing(citizen_client, world, make_post, status, message):
    dossier = world.submit_online()
    dossier = services.dossier_request_supplement(
        dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Thiếu", items=["Tờ khai"]
    )
    component = world.case.components.first()
    before = _supplement_rows()
    response = citizen_client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/",
        {"revision": dossier.revision, **make_post(dossier, component)},
    )
    assert response.status_code == status
    assert message in text(response)
    assert _supplement_rows() == before
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED


def test_a_supplement_is_refused_when_none_was_asked(citizen_client, world):
    dossier = world.submit_online()
    first = world.case.components.first()
    before = _supplement_rows()
    response = citizen_client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/", {"revision": dossier.revision, f"file_{first.pk}": pdf()}
    )
    assert response.status_code == 422
    assert _supplement_rows() == before


# --- Results -------------------------------------------------------------------------------------------------------


def test_an_online_result_is_downloaded_from_the_dossier_page(citizen_client, world):
    dossier = approve(world, world.in_processing())
    assert dossier.result_channel == ResultChannel.ONLINE
    result = dossier.results.get()
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    url = f"/ho-so-cua-toi/{dossier.code}/ket-qua/{result.pk}/"
    assert url in text(page)
    assert "Bạn tải kết quả điện tử ở phần “Kết quả” bên dưới." in text(page)
    response = citizen_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == RESULT_BYTES
    assert 'filename="phieu-ly-lich.pdf"' in response["Content-Disposition"]


def test_a_counter_result_is_downloadable_once_returned(citizen_client, world):
    dossier = world.submit_online(result_channel=ResultChannel.COUNTER)
    dossier = receive(world, dossier)
    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    dossier = approve(world, dossier)
    result = dossier.results.get()
    url = f"/ho-so-cua-toi/{dossier.code}/ket-qua/{result.pk}/"
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    assert url not in text(page)
    assert f"Nhận bản giấy tại {world.center.name}." in text(page)
    assert citizen_client.get(url).status_code == 404

    dossier = services.dossier_notify_early_return(
        dossier=dossier, actor=world.reception, revision=dossier.revision
    )
    services.dossier_return_result(dossier=dossier, actor=world.reception, revision=dossier.revision)
    response = citizen_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == RESULT_BYTES
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    assert "Kết quả đã được trả (tại bộ phận một cửa)." in text(page)


def test_a_result_without_a_file_or_of_another_dossier_is_not_found(citizen_client, world):
    paper = approve(world, world.in_processing(), result_file=False)
    other = approve(world, world.in_processing())
    assert (
        citizen_client.get(f"/ho-so-cua-toi/{paper.code}/ket-qua/{paper.results.get().pk}/").status_code
        == 404
    )
    assert (
        citizen_client.get(f"/ho-so-cua-toi/{paper.code}/ket-qua/{other.results.get().pk}/").status_code
        == 404
    )


# --- Messages from the agency ------------------------------------------------------------------------------------


def test_messages_from_the_agency_are_shown_and_marked_read(citizen_client, world):
    dossier = receive(world, world.submit_online())
    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    dossier = services.dossier_request_supplement(
        dossier=dossier, actor=world.specialist, revision=dossier.revision, reason="Thiếu", items=["Tờ khai"]
    )
    deliver_due()
    inbox = OutboxMessage.objects.filter(channel="portal", user=world.citizen)
    assert inbox.count() == 2

    listing = citizen_client.get("/ho-so-cua-toi/")
    assert listing.context["rows"][0]["unread"] == 2
    assert "2 thông báo chưa đọc" in text(listing)
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    assert page.context["unread_count"] == 2
    received = inbox.get(template="received")
    assert received.subject in text(page)

    response = citizen_client.post(f"/ho-so-cua-toi/{dossier.code}/thong-bao/", {"message": received.pk})
    assert response.url == f"/ho-so-cua-toi/{dossier.code}/#thong-bao"
    received.refresh_from_db()
    assert received.read_at is not None
    assert inbox.filter(read_at__isnull=True).count() == 1
    citizen_client.post(f"/ho-so-cua-toi/{dossier.code}/thong-bao/", {"message": "all"})
    assert not inbox.filter(read_at__isnull=True).exists()
    assert (
        citizen_client.post(f"/ho-so-cua-toi/{dossier.code}/thong-bao/", {"message": "x"}).status_code == 404
    )


def test_the_submitted_page_gives_the_code_and_what_happens_next(citizen_client, world):
    dossier = world.submit_online()
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/da-nop/")
    html = text(page)
    assert dossier.code in html
    assert f"Bộ phận một cửa của {world.center.name} sẽ kiểm tra hồ sơ" in html
    assert Dossier.objects.count() == 1

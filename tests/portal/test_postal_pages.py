"""The citizen's postal pages: the procedure page says what the post may do; a pickup request books an inbound
order; the result step keeps the postal recipient; "Hồ sơ của tôi" shows the shipment with its slip number and
journey in plain Vietnamese; other people's requests and dossiers answer 404; bad input changes nothing."""

from __future__ import annotations

import pytest
from dossiers import conftest as dossier_world
from dossiers.conftest import at
from factories import ProcedureVersionFactory

from motcua.catalog.models import Fee, ProcedureAgency
from motcua.dossiers import services
from motcua.dossiers.drafts import SubmissionDraft
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.dossiers.workflow import DossierStatus
from motcua.postal import services as postal
from motcua.postal.models import (
    Direction,
    OrderStatus,
    PostalArrangement,
    PostalEvent,
    PostalOrder,
    SyncState,
)

# The dossier tests' small province and their clock frozen on Monday 02/03/2026 09:00.
world = dossier_world.world
clock = dossier_world.clock


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def citizen_client(client, world):
    client.force_login(world.citizen)
    return client


def place_key(world) -> str:
    return f"{world.center.pk}-{world.department.pk}"


def pickup_url(world) -> str:
    return f"/gui-ho-so-qua-buu-chinh/{world.version.procedure.national_code}/"


def pickup_data(world, **overrides) -> dict:
    data = {
        "case": world.case.pk,
        "place": place_key(world),
        "kind": "citizen",
        "name": "Nguyễn Văn An",
        "identity_number": "042090001234",
        "phone": "0912 345 678",
        "email": "an@example.invalid",
        "address": "Phường Thành Sen, Hà Tĩnh",
        "pickup_method": "address",
        "pickup_address": "Số 5 Phan Đình Phùng, phường Thành Sen, Hà Tĩnh",
        "return_by_post": "on",
        "recipient_name": "Nguyễn Thị Bình",
        "recipient_phone": "0987654321",
        "return_address": "Số 7 Hà Huy Tập, Hà Tĩnh",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def resolved_postal(world) -> Dossier:
    """An online dossier returned by post, resolved (status 9), with its postal arrangement."""
    dossier = world.submit_online(result_channel=ResultChannel.POSTAL)
    postal.postal_arrangement_set_return(
        dossier=dossier,
        actor=world.citizen,
        recipient_name="Nguyễn Thị Bình",
        recipient_phone="0987654321",
        return_address="Số 7 Hà Huy Tập, Hà Tĩnh",
    )
    dossier = services.dossier_receive(dossier=dossier, actor=world.reception, revision=dossier.revision)
    dossier = services.dossier_assign(
        dossier=dossier, actor=world.leader, revision=dossier.revision, assignee=world.specialist
    )
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    return services.dossier_approve(
        dossier=dossier,
        actor=world.leader,
        revision=dossier.revision,
        results=[services.ResultData(name="Phiếu lý lịch tư pháp số 1")],
    )


def track(order: PostalOrder, status: str, sequence: int, **extra):
    order.refresh_from_db()
    return postal.postal_tracking_record(
        order=order,
        event_id=f"{order.reference}-{sequence}",
        status=status,
        occurred_at=extra.pop("occurred_at", None) or at(2, 10 + sequence),
        sequence=sequence,
        **extra,
    )


# --- Procedure pages ------------------------------------------------------------------------------------------


def test_the_procedure_page_says_what_the_post_may_do_and_links_to_the_pickup(client, world):
    html = text(client.get(f"/thu-tuc/{world.version.procedure.national_code}/"))
    assert "Gửi hồ sơ qua bưu chính công ích: được" in html
    assert "Nhận kết quả qua bưu chính công ích: được" in html
    assert f'href="{pickup_url(world)}"' in html
    assert "Cước phí bưu chính do người dân trả." in html

    other = ProcedureVersionFactory(name="Thủ tục không qua bưu chính", components=("Đơn",))
    html = text(client.get(f"/thu-tuc/{other.procedure.national_code}/"))
    assert "Gửi hồ sơ qua bưu chính công ích: không được" in html
    assert "/gui-ho-so-qua-buu-chinh/" not in html


# --- Pickup requests ------------------------------------------------------------------------------------------


def test_a_pickup_request_books_an_inbound_order_and_shows_it_waiting_for_the_post(citizen_client, world):
    Fee.objects.create(version=world.version, amount=200000, timing=Fee.Timing.BEFORE, description="Lệ phí")
    page = citizen_client.get(pickup_url(world))
    html = text(page)
    assert page.status_code == 200
    assert "Cước phí bưu chính do bạn trả cho bưu điện" in html
    assert "200.000 đ" in html  # the fee postal staff collect at pickup
    assert f'value="{world.citizen.full_name}"' in html  # prefilled from the account

    response = citizen_client.post(pickup_url(world), pickup_data(world))
    arrangement = PostalArrangement.objects.get()
    assert response.status_code == 302
    assert response.url == f"/buu-chinh/yeu-cau/{arrangement.public_id}/"
    assert (arrangement.owner, arrangement.option) == (world.citizen, "both")
    assert arrangement.applicant["phone"] == "0912345678"
    assert arrangement.recipient_name == "Nguyễn Thị Bình"
    order = PostalOrder.objects.get()
    assert (order.direction, order.status, order.sync_state) == (
        Direction.INBOUND,
        OrderStatus.CREATED,
        SyncState.QUEUED,
    )
    assert order.cod_amount == 200000

    detail = citizen_client.get(response.url, follow=True)
    html = text(detail)
    assert "Nhân viên bưu điện sẽ gọi điện hẹn đến nhận hồ sơ của bạn." in html
    assert "Đã ghi nhận yêu cầu; đang chờ gửi sang bưu điện." in html
    assert "Chưa có: bưu điện cấp số khi nhận yêu cầu." in html
    assert "Hủy yêu cầu" in html

    listing = text(citizen_client.get("/buu-chinh/yeu-cau/"))
    assert world.version.name in listing and str(arrangement.public_id) in listing


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"phone": ""}, "phone", "Vui lòng nhập số điện thoại để nhân viên bưu chính liên hệ."),
        ({"phone": "12ab"}, "phone", "Số điện thoại “12ab” không hợp lệ."),
        ({"pickup_address": " "}, "pickup_address", "Vui lòng nhập địa chỉ để nhân viên bưu chính đến nhận"),
        ({"return_address": ""}, "return_address", "Vui lòng nhập địa chỉ nhận kết quả qua bưu chính."),
        ({"recipient_phone": "abc"}, "recipient_phone", "Số điện thoại “abc” không hợp lệ."),
        ({"place": "999-999"}, "place", "Lựa chọn không hợp lệ"),
        ({"pickup_method": "drone"}, "pickup_method", "Lựa chọn không hợp lệ"),
        ({"email": "not-an-email"}, "email", "Địa chỉ thư điện tử không hợp lệ."),
        ({"identity_number": "123"}, None, "Số định danh cá nhân phải gồm 12 chữ số"),
    ],
)
def test_bad_pickup_input_is_refused_in_vietnamese_and_changes_nothing(
    citizen_client, world, overrides, field, message
):
    response = citizen_client.post(pickup_url(world), pickup_data(world, **overrides))
    html = text(response)
    assert response.status_code == 422
    assert message in html
    if field:
        assert f'id="id_{field}_error"' in html
    assert not PostalArrangement.objects.exists()
    assert not PostalOrder.objects.exists()
    assert not PostalEvent.objects.exists()


def test_a_post_office_drop_off_books_no_order(citizen_client, world):
    response = citizen_client.post(
        pickup_url(world),
        pickup_data(world, pickup_method="post_office", pickup_address="", post_office="Bưu cục Thành Sen"),
    )
    assert response.status_code == 302
    assert PostalArrangement.objects.get().post_office == "Bưu cục Thành Sen"
    assert not PostalOrder.objects.exists()
    assert "Bạn mang hồ sơ đến bưu cục" in text(citizen_client.get(response.url))


def test_a_procedure_without_postal_submission_refuses_the_pickup(citizen_client, world):
    version = ProcedureVersionFactory(name="Thủ tục chỉ nộp trực tiếp", components=("Đơn",))
    ProcedureAgency.objects.create(
        version=version, role=ProcedureAgency.Role.COMPETENT, agency=world.department
    )
    url = f"/gui-ho-so-qua-buu-chinh/{version.procedure.national_code}/"
    page = citizen_client.get(url)
    assert page.status_code == 200
    assert "Thủ tục này không tiếp nhận hồ sơ qua dịch vụ bưu chính công ích." in text(page)
    response = citizen_client.post(url, {**pickup_data(world), "case": version.cases.get().pk})
    assert response.status_code == 422
    assert not PostalArrangement.objects.exists()


def test_postal_return_fields_are_absent_when_the_procedure_does_not_return_by_post(citizen_client, world):
    world.version.postal_return_allowed = False
    world.version.save()
    page = citizen_client.get(pickup_url(world))
    assert "return_by_post" not in page.context["form"].fields
    response = citizen_client.post(pickup_url(world), pickup_data(world))
    assert response.status_code == 302
    assert PostalArrangement.objects.get().option == "send"


def test_pages_need_an_account_and_other_people_see_404(client, world, settings):
    arrangement = world_request(world)
    for url in (pickup_url(world), "/buu-chinh/yeu-cau/", f"/buu-chinh/yeu-cau/{arrangement.public_id}/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(settings.LOGIN_URL)

    client.force_login(world.other_citizen)
    assert client.get(f"/buu-chinh/yeu-cau/{arrangement.public_id}/").status_code == 404
    assert client.post(f"/buu-chinh/yeu-cau/{arrangement.public_id}/huy/").status_code == 404
    assert client.get("/buu-chinh/yeu-cau/").context["rows"] == []
    assert client.get("/buu-chinh/yeu-cau/00000000-0000-0000-0000-000000000000/").status_code == 404
    arrangement.refresh_from_db()
    assert arrangement.cancelled_at is None
    assert PostalOrder.objects.get().status == OrderStatus.CREATED


def world_request(world) -> PostalArrangement:
    return postal.postal_request_pickup(
        actor=world.citizen,
        procedure_case=world.case,
        receiving_agency=world.center,
        competent_agency=world.department,
        applicant=world.applicant(),
        pickup_address="Số 5 Phan Đình Phùng, Hà Tĩnh",
    )


def test_the_citizen_cancels_a_request_not_yet_picked_up(citizen_client, world):
    arrangement = world_request(world)
    response = citizen_client.post(f"/buu-chinh/yeu-cau/{arrangement.public_id}/huy/", {"reason": "Đổi ý"})
    assert response.status_code == 302
    arrangement.refresh_from_db()
    assert arrangement.cancelled_at is not None
    assert PostalOrder.objects.get().status == OrderStatus.CANCELLED
    html = text(citizen_client.get(response.url))
    assert "Yêu cầu đã hủy." in html and "Hủy yêu cầu" not in html


def test_a_picked_up_request_can_no_longer_be_cancelled(citizen_client, world):
    arrangement = world_request(world)
    order = PostalOrder.objects.get()
    PostalOrder.objects.filter(pk=order.pk).update(slip_number="EB123456785VN")
    track(order, "picked_up", 1, location="Bưu cục Thành Sen")
    html = text(citizen_client.get(f"/buu-chinh/yeu-cau/{arrangement.public_id}/"))
    assert "Nhân viên bưu điện đã nhận hồ sơ của bạn." in html
    assert "EB123456785VN" in html and "Bưu cục Thành Sen" in html
    assert "Hủy yêu cầu" not in html
    response = citizen_client.post(f"/buu-chinh/yeu-cau/{arrangement.public_id}/huy/", follow=True)
    assert "không hủy đăng ký được" in text(response) or "không hủy được" in text(response)
    arrangement.refresh_from_db()
    assert arrangement.cancelled_at is None


# --- Online submission: the result step -----------------------------------------------------------------------


def test_the_result_step_keeps_the_postal_recipient_and_says_who_pays_the_postage(citizen_client, world):
    world.version.online_service_level = 4
    world.version.save()
    response = citizen_client.post(
        f"/nop-ho-so/{world.version.procedure.national_code}/",
        {"case": world.case.pk, "place": place_key(world)},
    )
    draft = SubmissionDraft.objects.get()
    url = f"/ho-so-dang-soan/{draft.public_id}/nhan-ket-qua/"
    page = text(citizen_client.get(url))
    assert "Cước phí bưu chính do bạn trả cho bưu điện khi nhận kết quả" in page
    assert 'name="delivery_recipient"' in page and 'name="delivery_phone"' in page

    response = citizen_client.post(
        url, {"channel": "postal", "delivery_address": "Số 7 Hà Huy Tập", "delivery_phone": "12"}
    )
    assert response.status_code == 422
    assert 'id="id_delivery_phone_error"' in text(response)
    draft.refresh_from_db()
    assert "result_channel" not in draft.data

    response = citizen_client.post(
        url,
        {
            "channel": "postal",
            "delivery_address": "Số 7 Hà Huy Tập, Hà Tĩnh",
            "delivery_recipient": "Nguyễn Thị Bình",
            "delivery_phone": "0987 654 321",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.data["delivery_recipient"], draft.data["delivery_phone"]) == (
        "Nguyễn Thị Bình",
        "0987654321",
    )


def test_a_submitted_draft_turns_its_postal_choice_into_an_arrangement(world):
    from motcua.dossiers import submission

    world.version.online_service_level = 4
    world.version.save()
    draft = submission.draft_start(
        actor=world.citizen,
        procedure_case=world.case,
        receiving_agency=world.center,
        competent_agency=world.department,
        applicant={"kind": "citizen", "name": "Nguyễn Văn An", "phone": "0912345678"},
    )
    draft = submission.draft_save_applicant(
        draft=draft, actor=world.citizen, applicant=world.applicant(), submitter=None, summary=""
    )
    from dossiers.conftest import pdf

    draft = submission.draft_attach_files(
        draft=draft,
        actor=world.citizen,
        uploads={component.pk: [pdf()] for component in world.case.components.all()},
        reuse={},
    )
    draft = submission.draft_choose_result_channel(
        draft=draft,
        actor=world.citizen,
        channel="postal",
        delivery_address="Số 7 Hà Huy Tập, Hà Tĩnh",
        delivery_recipient="Nguyễn Thị Bình",
        delivery_phone="0987654321",
    )
    dossier = submission.draft_submit(draft=draft, actor=world.citizen)
    arrangement = PostalArrangement.objects.get(dossier=dossier)
    assert (arrangement.recipient_name, arrangement.recipient_phone, arrangement.return_address) == (
        "Nguyễn Thị Bình",
        "0987654321",
        "Số 7 Hà Huy Tập, Hà Tĩnh",
    )


# --- My dossier: the shipment -----------------------------------------------------------------------------------


def test_my_dossier_shows_the_result_shipment_with_its_slip_and_journey(citizen_client, world, clock):
    dossier = resolved_postal(world)
    url = f"/ho-so-cua-toi/{dossier.code}/"
    html = text(citizen_client.get(url))
    assert "Bưu chính công ích" in html
    assert "Nguyễn Thị Bình" in html and "Số 7 Hà Huy Tập, Hà Tĩnh" in html
    assert "Đổi người nhận, địa chỉ nhận kết quả" in html

    order = postal.postal_result_send(dossier=dossier, actor=world.reception)
    html = text(citizen_client.get(url))
    assert "Cơ quan đã chuẩn bị gửi kết quả; đang chờ gửi sang bưu điện." in html
    assert "Đổi người nhận, địa chỉ nhận kết quả" not in html

    PostalOrder.objects.filter(pk=order.pk).update(
        slip_number="EB987654325VN", status=OrderStatus.ACCEPTED, sync_state=SyncState.SENT
    )
    track(order, "picked_up", 1)
    track(order, "in_transit", 2, location="Bưu cục trung tâm Hà Tĩnh")
    track(order, "delivery_failed", 3, note="Không có người nhận")
    html = text(citizen_client.get(url))
    assert "EB987654325VN" in html
    assert "Bưu điện chưa phát được kết quả cho bạn" in html
    assert "Không có người nhận" in html and "Bưu cục trung tâm Hà Tĩnh" in html
    assert "Kết quả đang được chuyển đến bạn." in html
    # the history says it too, with what happens next (the dossier event the postal app records)
    assert "Bưu điện chưa phát được kết quả đến bạn." in html
    assert f"nếu không phát được, kết quả được chuyển về {world.center.name}." in html
    assert dossier.events.filter(action="record_delivery_failure").count() == 1

    track(order, "delivered", 4)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED
    html = text(citizen_client.get(url))
    assert "Bưu điện đã phát kết quả cho bạn." in html
    assert "Đã trả kết quả" in html


def test_other_people_and_staff_do_not_see_a_dossier_postal_pages(client, world):
    dossier = resolved_postal(world)
    client.force_login(world.other_citizen)
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/").status_code == 404
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/dia-chi-nhan-ket-qua/").status_code == 404
    response = client.post(
        f"/ho-so-cua-toi/{dossier.code}/dia-chi-nhan-ket-qua/",
        {"recipient_name": "Kẻ gian", "recipient_phone": "0911111111", "return_address": "Nơi khác"},
    )
    assert response.status_code == 404
    client.force_login(world.reception)
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/dia-chi-nhan-ket-qua/").status_code == 404
    assert PostalArrangement.objects.get(dossier=dossier).return_address == "Số 7 Hà Huy Tập, Hà Tĩnh"


def test_the_citizen_changes_the_return_address_until_the_result_is_sent(citizen_client, world):
    dossier = resolved_postal(world)
    url = f"/ho-so-cua-toi/{dossier.code}/dia-chi-nhan-ket-qua/"
    response = citizen_client.post(url, {"recipient_name": "", "recipient_phone": "09", "return_address": ""})
    assert response.status_code == 422
    html = text(response)
    assert "Vui lòng nhập tên người nhận kết quả." in html
    assert "Vui lòng nhập địa chỉ nhận kết quả qua bưu chính." in html
    assert PostalArrangement.objects.get(dossier=dossier).return_address == "Số 7 Hà Huy Tập, Hà Tĩnh"

    response = citizen_client.post(
        url,
        {
            "recipient_name": "Trần Văn Cường",
            "recipient_phone": "0911222333",
            "return_address": "Xã Cẩm Bình",
        },
    )
    assert response.status_code == 302 and response.url.endswith("#buu-chinh")
    assert PostalArrangement.objects.get(dossier=dossier).return_address == "Xã Cẩm Bình"

    postal.postal_result_send(dossier=dossier, actor=world.reception)
    response = citizen_client.post(
        url, {"recipient_name": "Ai đó", "recipient_phone": "0911222333", "return_address": "Nơi khác"}
    )
    assert response.status_code == 409
    assert "không đổi được địa chỉ nhận" in text(response)
    assert PostalArrangement.objects.get(dossier=dossier).return_address == "Xã Cẩm Bình"


def test_a_dossier_with_nothing_postal_reads_nothing_postal(citizen_client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dossier = world.submit_online(result_channel=ResultChannel.COUNTER)
    citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    with CaptureQueriesContext(connection) as queries:
        html = text(citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/"))
    assert "Bưu chính công ích" not in html
    postal_tables = ('FROM "postal_', 'JOIN "postal_')
    assert not any(table in query["sql"] for query in queries.captured_queries for table in postal_tables)


def test_the_requests_list_runs_the_same_queries_for_few_and_many(citizen_client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world_request(world)
    citizen_client.get("/buu-chinh/yeu-cau/")

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert citizen_client.get("/buu-chinh/yeu-cau/").status_code == 200
        return len(queries)

    few = measure()
    for _ in range(5):
        world_request(world)
    many = measure()
    assert len(citizen_client.get("/buu-chinh/yeu-cau/").context["rows"]) == 6
    assert many == few
    assert many <= 8

"""Back-office postal pages: shipments by stage with failed ones highlighted, one shipment with its queue state,
sending a result by post, hand-over records (list the packages, sign: the signing moment is the legal
submission time, print). Staff of the agency only; bad input is refused in Vietnamese and changes nothing."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from motcua.dossiers import services
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.dossiers.workflow import DossierStatus
from motcua.postal import services as postal
from motcua.postal.models import (
    HandoverItem,
    HandoverRecord,
    OrderStatus,
    PostalArrangement,
    PostalEvent,
    PostalOrder,
    SyncState,
)

from .conftest import at, fresh, offered_actions


def text(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def closed_post(settings):
    """The postal operator is not reachable (nobody listens on port 9): requests stay in the queue."""
    settings.MOTCUA_POSTAL_PROVIDER = "sandbox"
    settings.MOTCUA_POSTAL_URL = "http://127.0.0.1:9"
    settings.MOTCUA_POSTAL_TIMEOUT_SECONDS = 1
    settings.MOTCUA_POSTAL_BACKOFF_SECONDS = 60
    return settings


def resolved_postal(world) -> Dossier:
    """A dossier received at the counter, returned by post, resolved (status 9)."""
    dossier = world.register(result_channel=ResultChannel.POSTAL)
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


def pickup(world, slip: str = "EB123456785VN", **overrides) -> PostalArrangement:
    kwargs = {
        "actor": world.citizen,
        "procedure_case": world.case,
        "receiving_agency": world.center,
        "competent_agency": world.department,
        "applicant": world.applicant(),
        "summary": "Cấp phiếu lý lịch tư pháp",
        "pickup_address": "Số 5 Phan Đình Phùng, Hà Tĩnh",
        "return_by_post": True,
        "recipient_name": "Nguyễn Văn An",
        "recipient_phone": "0912345678",
        "return_address": "Số 5 Phan Đình Phùng, Hà Tĩnh",
    }
    kwargs.update(overrides)
    arrangement = postal.postal_request_pickup(**kwargs)
    PostalOrder.objects.filter(arrangement=arrangement).update(
        slip_number=slip, status=OrderStatus.ACCEPTED, sync_state=SyncState.SENT
    )
    return arrangement


def track(order: PostalOrder, status: str, sequence: int, **extra):
    order.refresh_from_db()
    return postal.postal_tracking_record(
        order=order,
        event_id=f"{order.reference}-{sequence}",
        status=status,
        occurred_at=at(2, 10 + sequence),
        sequence=sequence,
        **extra,
    )


# --- Access ------------------------------------------------------------------------------------------------------


def test_postal_pages_are_for_staff_only(client, world, desk, settings):
    urls = ["/can-bo/buu-chinh/", "/can-bo/buu-chinh/bien-ban/", "/can-bo/buu-chinh/bien-ban/moi/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/can-bo/dang-nhap/" in response.url
    citizen = desk(world.citizen)
    for url in urls:
        assert citizen.get(url).status_code == 403
    reception = desk(world.reception)
    for url in urls:
        assert reception.get(url).status_code == 200
    assert "Bưu chính" in text(reception.get("/can-bo/"))  # the navigation links to it


def test_another_agency_sees_404_for_orders_records_and_dossiers(world, desk):
    dossier = resolved_postal(world)
    order = postal.postal_result_send(dossier=dossier, actor=world.reception)
    record = postal.postal_handover_create(
        actor=world.reception, agency=world.center, postal_staff_name="Bưu tá"
    )
    outsider = desk(world.outsider)
    assert outsider.get(f"/can-bo/buu-chinh/don/{order.pk}/").status_code == 404
    assert outsider.post(f"/can-bo/buu-chinh/don/{order.pk}/huy/").status_code == 404
    assert outsider.get(f"/can-bo/buu-chinh/bien-ban/{record.pk}/").status_code == 404
    assert outsider.get(f"/can-bo/buu-chinh/bien-ban/{record.pk}/in/").status_code == 404
    assert outsider.post(f"/can-bo/buu-chinh/bien-ban/{record.pk}/ky/", {"confirm": "on"}).status_code == 404
    assert outsider.get(f"/can-bo/ho-so/{dossier.code}/gui-ket-qua-buu-chinh/").status_code == 404
    assert order.reference not in text(outsider.get("/can-bo/buu-chinh/"))
    assert fresh_order(order).status == OrderStatus.CREATED
    assert HandoverRecord.objects.get(pk=record.pk).status == HandoverRecord.Status.DRAFT


def fresh_order(order) -> PostalOrder:
    return PostalOrder.objects.get(pk=order.pk)


# --- Sending a result by post ---------------------------------------------------------------------------------


def test_staff_send_a_result_by_post_and_see_it_waiting_for_the_post(world, desk):
    dossier = resolved_postal(world)
    reception = desk(world.reception)
    page = reception.page(dossier)
    assert "Gửi kết quả qua bưu chính" in text(page)
    form = reception.get(f"/can-bo/ho-so/{dossier.code}/gui-ket-qua-buu-chinh/")
    html = text(form)
    assert form.status_code == 200
    assert 'value="Nguyễn Văn An"' in html and "Phường Thành Sen, Hà Tĩnh" in html
    assert "Phiếu lý lịch tư pháp số 1" in html

    response = reception.post(
        f"/can-bo/ho-so/{dossier.code}/gui-ket-qua-buu-chinh/",
        {
            "revision": fresh(dossier).revision,
            "recipient_name": "Nguyễn Thị Bình",
            "recipient_phone": "0987 654 321",
            "recipient_address": "Số 7 Hà Huy Tập, Hà Tĩnh",
            "contents": "Phiếu lý lịch tư pháp số 1 (bản chính)",
        },
    )
    order = PostalOrder.objects.get()
    assert response.status_code == 302 and response.url == f"/can-bo/buu-chinh/don/{order.pk}/"
    assert (order.recipient_name, order.recipient_phone) == ("Nguyễn Thị Bình", "0987654321")
    assert (order.status, order.sync_state) == (OrderStatus.CREATED, SyncState.QUEUED)
    html = text(reception.get(response.url))
    assert "Đang chờ gửi sang bưu điện." in html
    assert "Chưa có: bưu điện cấp số khi nhận yêu cầu." in html

    # The operator is down: the request stays queued and the page says so.
    postal.postal_send_queued()
    order.refresh_from_db()
    assert (order.sync_state, order.attempts) == (SyncState.QUEUED, 1)
    html = text(reception.get(response.url))
    assert "Hệ thống bưu điện chưa phản hồi (đã thử 1 lần" in html
    assert "Yêu cầu được giữ và tự gửi khi bưu điện hoạt động trở lại." in html

    # A second sending is refused and opens the first.
    again = reception.get(f"/can-bo/ho-so/{dossier.code}/gui-ket-qua-buu-chinh/")
    assert again.status_code == 302 and again.url == f"/can-bo/buu-chinh/don/{order.pk}/"
    response = reception.post(
        f"/can-bo/ho-so/{dossier.code}/gui-ket-qua-buu-chinh/",
        {
            "revision": fresh(dossier).revision,
            "recipient_name": "X",
            "recipient_address": "Y",
            "contents": "Z",
        },
    )
    assert response.status_code == 409
    assert "Kết quả đã được giao cho bưu chính" in text(response)
    assert PostalOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"recipient_address": ""}, "Vui lòng nhập địa chỉ nhận kết quả qua bưu chính."),
        ({"recipient_name": ""}, "Vui lòng nhập tên người nhận."),
        ({"recipient_phone": "12ab"}, "Số điện thoại “12ab” không hợp lệ."),
        ({"cod_amount": "hai trăm"}, "Số tiền không hợp lệ"),
        ({"contents": " "}, "Vui lòng ghi nội dung bưu gửi."),
        ({"revision": "0"}, "Hồ sơ vừa được thay đổi, vui lòng tải lại."),
    ],
)
def test_bad_input_to_send_a_result_changes_nothing(world, desk, overrides, message):
    dossier = resolved_postal(world)
    data = {
        "revision": fresh(dossier).revision,
        "recipient_name": "Nguyễn Thị Bình",
        "recipient_phone": "0987654321",
        "recipient_address": "Số 7 Hà Huy Tập, Hà Tĩnh",
        "contents": "Phiếu lý lịch tư pháp",
    }
    data.update(overrides)
    response = desk(world.reception).post(f"/can-bo/ho-so/{dossier.code}/gui-ket-qua-buu-chinh/", data)
    assert response.status_code in (409, 422)
    assert message in text(response)
    assert not PostalOrder.objects.exists()
    assert fresh(dossier).status == DossierStatus.RESOLVED


def test_a_result_is_sent_by_post_only_when_resolved_postal_and_by_reception(world, desk):
    processing = world.in_processing(world.register(result_channel=ResultChannel.POSTAL))
    reception = desk(world.reception)
    page = reception.get(f"/can-bo/ho-so/{processing.code}/gui-ket-qua-buu-chinh/")
    assert "Chỉ gửi kết quả qua bưu chính khi hồ sơ đã xử lý xong" in text(page)
    data = {"revision": processing.revision, "recipient_name": "A", "recipient_address": "B", "contents": "C"}
    response = reception.post(f"/can-bo/ho-so/{processing.code}/gui-ket-qua-buu-chinh/", data)
    assert response.status_code == 422

    counter = resolved_postal(world)
    Dossier.objects.filter(pk=counter.pk).update(result_channel=ResultChannel.COUNTER)
    response = reception.post(
        f"/can-bo/ho-so/{counter.code}/gui-ket-qua-buu-chinh/", {**data, "revision": fresh(counter).revision}
    )
    assert response.status_code == 422
    assert "không đăng ký nhận kết quả qua bưu chính" in text(response)

    dossier = resolved_postal(world)
    response = desk(world.specialist).post(
        f"/can-bo/ho-so/{dossier.code}/gui-ket-qua-buu-chinh/", {**data, "revision": fresh(dossier).revision}
    )
    assert response.status_code in (403, 404)
    assert not PostalOrder.objects.exists()


def _aside(html: str) -> str:
    return html[html.index('id="actions-title"') : html.index("</aside>")]


def test_a_postal_dossier_offers_sending_by_post_and_a_counter_return_only_when_the_applicant_came(
    world, desk
):
    dossier = resolved_postal(world)
    reception = desk(world.reception)
    aside = _aside(text(reception.page(dossier)))
    assert 'id="thao-tac-gui-buu-chinh"' in aside
    assert f'href="/can-bo/ho-so/{dossier.code}/gui-ket-qua-buu-chinh/"' in aside
    assert "Gửi kết quả qua bưu chính" in aside
    assert 'id="thao-tac-gui-buu-chinh"' not in text(
        desk(world.specialist).page(dossier)
    )  # not theirs to return
    assert reception.act(dossier, "notify_early_return").status_code == 302

    page = reception.page(dossier)
    aside = _aside(text(page))
    assert "return_result" in offered_actions(page)
    assert "<summary>Trả kết quả tại bộ phận một cửa</summary>" in aside
    assert 'name="return_result-channel"' not in aside  # no way to choose "by post" here
    assert 'name="return_result-in_person"' in aside and "Gửi kết quả qua bưu chính" in aside

    refused = reception.act(dossier, "return_result", channel="postal")
    assert refused.status_code == 422
    assert "hãy gửi kết quả qua bưu chính, hoặc xác nhận người nộp đã đến nhận trực tiếp" in text(refused)
    assert fresh(dossier).status == DossierStatus.RESOLVED
    assert not dossier.events.filter(action="return_result").exists()

    returned = reception.act(dossier, "return_result", in_person="on", channel="postal")
    assert returned.status_code == 302
    dossier = fresh(dossier)
    assert (dossier.status, dossier.returned_via) == (DossierStatus.RETURNED, ResultChannel.COUNTER)
    assert dossier.events.get(action="return_result").payload["channel"] == "counter"
    assert not PostalOrder.objects.exists()


def test_a_result_already_with_the_post_is_shown_instead_of_the_send_button(world, desk):
    dossier = resolved_postal(world)
    order = postal.postal_result_send(dossier=dossier, actor=world.reception)
    PostalOrder.objects.filter(pk=order.pk).update(slip_number="EB000000017VN", status=OrderStatus.ACCEPTED)
    aside = _aside(text(desk(world.reception).page(dossier)))
    assert "Kết quả đã giao cho bưu chính" in aside
    assert f'href="/can-bo/buu-chinh/don/{order.pk}/"' in aside and "EB000000017VN" in aside
    assert "/gui-ket-qua-buu-chinh/" not in aside


def test_a_dossier_not_returned_by_post_cannot_be_marked_returned_by_post_by_hand(world, desk):
    dossier = resolved_postal(world)
    Dossier.objects.filter(pk=dossier.pk).update(result_channel=ResultChannel.COUNTER)
    reception = desk(world.reception)
    assert reception.act(dossier, "notify_early_return").status_code == 302
    aside = _aside(text(reception.page(dossier)))
    assert 'id="thao-tac-gui-buu-chinh"' not in aside
    assert '<option value="counter" selected>' in aside and '<option value="postal"' not in aside
    response = reception.act(dossier, "return_result", channel="postal")
    assert response.status_code == 422
    assert fresh(dossier).status == DossierStatus.RESOLVED
    assert reception.act(dossier, "return_result", channel="counter").status_code == 302
    assert fresh(dossier).returned_via == ResultChannel.COUNTER


# --- Shipments and orders -------------------------------------------------------------------------------------


def test_the_shipments_list_groups_by_stage_and_highlights_failed_deliveries(world, desk):
    queued = postal.postal_result_send(dossier=resolved_postal(world), actor=world.reception)
    failing = postal.postal_result_send(dossier=resolved_postal(world), actor=world.reception)
    PostalOrder.objects.filter(pk=failing.pk).update(
        slip_number="EB000000019VN", status=OrderStatus.ACCEPTED, sync_state=SyncState.SENT
    )
    track(failing, "picked_up", 1)
    track(failing, "delivery_failed", 2, note="Không có người nhận")
    reception = desk(world.reception)

    response = reception.get("/can-bo/buu-chinh/")
    html = text(response)
    tiles = {tile["slug"]: tile["count"] for tile in response.context["tiles"]}
    assert tiles == {"cho-gui": 1, "da-gui": 0, "dang-chuyen": 0, "da-phat": 0, "phat-loi": 1, "da-huy": 0}
    row = re.search(r'<tr class="bo-row--overdue">.*?</tr>', html, re.S).group(0)
    assert "EB000000019VN" in row and "Cần xử lý" in row and "Không có người nhận" in row
    assert queued.reference in html

    failed = reception.get("/can-bo/buu-chinh/?loc=phat-loi")
    assert [order.pk for order in failed.context["page"].object_list] == [failing.pk]
    waiting = reception.get("/can-bo/buu-chinh/?loc=cho-gui")
    assert [order.pk for order in waiting.context["page"].object_list] == [queued.pk]
    assert "Đang chờ gửi sang bưu điện" in text(waiting)
    found = reception.get("/can-bo/buu-chinh/?q=eb000000019vn")
    assert [order.pk for order in found.context["page"].object_list] == [failing.pk]
    assert reception.get("/can-bo/buu-chinh/?chieu=den").context["page"].paginator.count == 0
    assert reception.get("/can-bo/buu-chinh/?loc=khong-co").context["page"].paginator.count == 2

    detail = text(reception.get(f"/can-bo/buu-chinh/don/{failing.pk}/"))
    assert "Phát không thành công" in detail and "Không có người nhận" in detail
    assert 'class="bo-alert"' in detail


def test_the_shipments_list_runs_the_same_queries_for_few_and_many(world, desk):
    reception = desk(world.reception)
    postal.postal_result_send(dossier=resolved_postal(world), actor=world.reception)
    reception.get("/can-bo/buu-chinh/")

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert reception.get("/can-bo/buu-chinh/").status_code == 200
        return len(queries)

    few = measure()
    for _ in range(4):
        postal.postal_result_send(dossier=resolved_postal(world), actor=world.reception)
    pickup(world)
    many = measure()
    assert many == few
    assert many <= 14


def test_staff_cancel_an_order_not_yet_picked_up_and_retry_a_refused_one(world, desk):
    order = postal.postal_result_send(dossier=resolved_postal(world), actor=world.reception)
    reception = desk(world.reception)
    response = reception.post(f"/can-bo/buu-chinh/don/{order.pk}/gui-lai/")
    assert response.status_code == 409
    assert "Đơn bưu gửi không ở trạng thái gửi lỗi." in text(response)

    PostalOrder.objects.filter(pk=order.pk).update(
        sync_state=SyncState.FAILED, last_error="Địa chỉ không hợp lệ"
    )
    page = text(reception.get(f"/can-bo/buu-chinh/don/{order.pk}/"))
    assert "Bưu điện từ chối yêu cầu: Địa chỉ không hợp lệ" in page
    response = reception.post(f"/can-bo/buu-chinh/don/{order.pk}/gui-lai/")
    assert response.status_code == 302
    assert fresh_order(order).sync_state == SyncState.QUEUED

    response = reception.post(f"/can-bo/buu-chinh/don/{order.pk}/huy/", {"reason": "Người nhận đến lấy"})
    assert response.status_code == 302
    assert fresh_order(order).status == OrderStatus.CANCELLED

    picked = postal.postal_result_send(dossier=resolved_postal(world), actor=world.reception)
    PostalOrder.objects.filter(pk=picked.pk).update(
        slip_number="EB000000022VN", status=OrderStatus.ACCEPTED, sync_state=SyncState.SENT
    )
    track(picked, "picked_up", 1)
    response = reception.post(f"/can-bo/buu-chinh/don/{picked.pk}/huy/", {"reason": "x"})
    assert response.status_code == 409
    assert "không hủy được" in text(response)
    assert fresh_order(picked).status == OrderStatus.PICKED_UP


# --- Hand-over records -----------------------------------------------------------------------------------------


def test_a_handover_record_lists_packages_and_its_signature_is_the_submission_time(world, desk, clock):
    arrangement = pickup(world)
    reception = desk(world.reception)
    listing = text(reception.get("/can-bo/buu-chinh/bien-ban/"))
    assert "Hồ sơ bưu điện sẽ giao" in listing and "EB123456785VN" in listing

    response = reception.post(
        "/can-bo/buu-chinh/bien-ban/moi/",
        {"kind": "reception", "postal_staff_name": "Trần Thị Bưu", "postal_unit": "Bưu điện Thành Sen"},
    )
    record = HandoverRecord.objects.get()
    assert response.status_code == 302 and response.url == f"/can-bo/buu-chinh/bien-ban/{record.pk}/"
    add = f"/can-bo/buu-chinh/bien-ban/{record.pk}/them/"
    response = reception.post(
        add,
        {
            "kind": "new",
            "slip_number": "eb 123456785 vn",
            "documents": "Tờ khai\nBản chụp Căn cước",
            "complete": "on",
            "fee_amount": "200.000",
            "fee_account": "operator",
            "fee_receipt_number": "BL-0042",
        },
    )
    assert response.status_code == 302
    item = HandoverItem.objects.get()
    assert (item.slip_number, item.arrangement, item.fee_amount) == ("EB123456785VN", arrangement, 200000)
    page = text(reception.get(f"/can-bo/buu-chinh/bien-ban/{record.pk}/"))
    assert "EB123456785VN" in page and "200.000 đ" in page and "BL-0042" in page
    assert "Nguyễn Văn An" in page and world.version.name in page
    assert "tiếp nhận khi ký" in page

    # Signing needs the confirmation; without it nothing is registered.
    clock.move_to(at(2, 10, 30))
    response = reception.post(f"/can-bo/buu-chinh/bien-ban/{record.pk}/ky/", {})
    assert response.status_code == 422
    assert "Vui lòng xác nhận hai bên đã kiểm đếm và ký biên bản." in text(response)
    assert not Dossier.objects.exists()

    response = reception.post(f"/can-bo/buu-chinh/bien-ban/{record.pk}/ky/", {"confirm": "on"}, follow=True)
    html = text(response)
    record.refresh_from_db()
    dossier = Dossier.objects.get()
    assert record.status == HandoverRecord.Status.SIGNED and record.signed_at == at(2, 10, 30)
    assert dossier.submitted_at == at(2, 10, 30) and dossier.received_at == at(2, 10, 30)
    assert (dossier.channel, dossier.result_channel) == ("postal", ResultChannel.POSTAL)
    assert "Đã ký lúc 10:30 02/03/2026." in html
    assert "Thời điểm ký là thời điểm nộp hồ sơ hợp lệ" in html
    assert dossier.code in html and "nộp lúc 10:30 02/03/2026" in html

    # The dossier page names the record; the print view lists the package and the time.
    assert record.number in text(reception.page(dossier))
    printed = text(reception.get(f"/can-bo/buu-chinh/bien-ban/{record.pk}/in/"))
    assert "BIÊN BẢN GIAO NHẬN HỒ SƠ" in printed
    assert "Hồi 10:30 ngày 02/03/2026" in printed and "EB123456785VN" in printed and dossier.code in printed

    # A signed record does not change.
    response = reception.post(add, {"kind": "new", "slip_number": "EB999999999VN"})
    assert response.status_code == 409
    assert HandoverItem.objects.count() == 1


def test_bad_handover_input_is_refused_and_changes_nothing(world, desk):
    reception = desk(world.reception)
    response = reception.post(
        "/can-bo/buu-chinh/bien-ban/moi/", {"kind": "reception", "postal_staff_name": " "}
    )
    assert response.status_code == 422
    assert "Vui lòng nhập họ tên nhân viên bưu chính." in text(response)
    response = reception.post(
        "/can-bo/buu-chinh/bien-ban/moi/", {"kind": "nonsense", "postal_staff_name": "A"}
    )
    assert response.status_code == 422
    assert not HandoverRecord.objects.exists()

    pickup(world)
    record = postal.postal_handover_create(
        actor=world.reception, agency=world.center, postal_staff_name="Bưu tá"
    )
    events = PostalEvent.objects.count()
    add = f"/can-bo/buu-chinh/bien-ban/{record.pk}/them/"
    cases = [
        ({"kind": "new", "slip_number": ""}, "Vui lòng nhập số phiếu gửi."),
        (
            {"kind": "new", "slip_number": "EB000000000VN", "complete": "on"},
            "Không tìm thấy đăng ký gửi hồ sơ",
        ),
        (
            {"kind": "new", "slip_number": "EB123456785VN", "complete": "on", "fee_amount": "50000"},
            "Vui lòng chọn nơi nộp phí, lệ phí bưu chính đã thu.",
        ),
        ({"kind": "new", "slip_number": "EB123456785VN"}, "vui lòng liệt kê giấy tờ còn thiếu"),
        ({"kind": "supplement", "slip_number": "EB1"}, "Vui lòng nhập mã hồ sơ."),
        ({"kind": "supplement", "slip_number": "EB1", "dossier_code": "KHONG-CO"}, "Không tìm thấy hồ sơ"),
        ({"kind": "result", "slip_number": "EB1", "dossier_code": "X"}, "Lựa chọn không hợp lệ"),
        ({"kind": "new", "slip_number": "EB123456785VN", "complete": "on", "fee_amount": "-5"}, "Số tiền"),
    ]
    for data, message in cases:
        response = reception.post(add, data)
        assert response.status_code in (409, 422), data
        assert message in text(response), data
    assert not HandoverItem.objects.exists()
    assert PostalEvent.objects.count() == events

    response = reception.post(f"/can-bo/buu-chinh/bien-ban/{record.pk}/ky/", {"confirm": "on"})
    assert response.status_code == 422
    assert "Biên bản chưa có hồ sơ nào." in text(response)
    response = reception.post(
        f"/can-bo/buu-chinh/bien-ban/{record.pk}/ky/", {"confirm": "on", "signed_at": "2030-01-01T08:00"}
    )
    assert response.status_code == 422
    record.refresh_from_db()
    assert record.status == HandoverRecord.Status.DRAFT


def test_an_incomplete_package_is_listed_but_not_registered(world, desk):
    arrangement = pickup(world)
    reception = desk(world.reception)
    record = postal.postal_handover_create(
        actor=world.reception, agency=world.center, postal_staff_name="Bưu tá"
    )
    response = reception.post(
        f"/can-bo/buu-chinh/bien-ban/{record.pk}/them/",
        {"kind": "new", "slip_number": "EB123456785VN", "missing_items": "Bản chụp Căn cước"},
    )
    assert response.status_code == 302
    reception.post(f"/can-bo/buu-chinh/bien-ban/{record.pk}/ky/", {"confirm": "on"})
    html = text(reception.get(f"/can-bo/buu-chinh/bien-ban/{record.pk}/"))
    assert "Chưa đủ" in html and "Bản chụp Căn cước" in html and "chưa tiếp nhận (chưa đủ)" in html
    arrangement.refresh_from_db()
    assert arrangement.dossier is None
    assert not Dossier.objects.exists()


def test_an_item_is_removed_from_a_draft_record(world, desk):
    pickup(world)
    record = postal.postal_handover_create(
        actor=world.reception, agency=world.center, postal_staff_name="Bưu tá"
    )
    item = postal.postal_handover_add_item(record=record, actor=world.reception, slip_number="EB123456785VN")
    reception = desk(world.reception)
    assert reception.post(f"/can-bo/buu-chinh/bien-ban/{record.pk}/bo/999999/").status_code == 404
    response = reception.post(f"/can-bo/buu-chinh/bien-ban/{record.pk}/bo/{item.pk}/")
    assert response.status_code == 302
    assert not HandoverItem.objects.exists()


def test_only_reception_officers_draw_up_records(world, desk):
    response = desk(world.specialist).post(
        "/can-bo/buu-chinh/bien-ban/moi/", {"kind": "reception", "postal_staff_name": "Bưu tá"}
    )
    assert response.status_code == 403
    assert "Chỉ cán bộ tiếp nhận" in text(response)
    assert not HandoverRecord.objects.exists()


def test_the_fees_the_post_collected_are_recorded_with_their_proof(world, desk):
    from motcua.payments.models import CollectionMethod, ManualCollection, PaymentRequest

    from .conftest import pdf

    pickup(world)
    record = postal.postal_handover_create(
        actor=world.reception, agency=world.center, postal_staff_name="Bưu tá"
    )
    item = postal.postal_handover_add_item(
        record=record,
        actor=world.reception,
        slip_number="EB123456785VN",
        fee_amount=200000,
        fee_account="operator",
        fee_receipt_number="BL-0007",
    )
    reception = desk(world.reception)
    url = f"/can-bo/buu-chinh/bien-ban/{record.pk}/phi/{item.pk}/"
    assert reception.post(url, {"proof": pdf("bien-lai.pdf")}).status_code == 409  # not signed yet
    postal.postal_handover_sign(record=record, actor=world.reception)
    dossier = Dossier.objects.get()
    payment = PaymentRequest.objects.get(dossier=dossier)
    assert payment.state == PaymentRequest.State.UNPAID
    assert "Ghi nhận khoản thu" in text(reception.get(f"/can-bo/buu-chinh/bien-ban/{record.pk}/"))

    assert desk(world.outsider).post(url, {"proof": pdf("bien-lai.pdf")}).status_code == 404
    response = reception.post(url, {})
    assert response.status_code == 422
    assert "Vui lòng đính kèm chứng từ thu phí" in text(response)
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("bien-lai.pdf", b"not a pdf at all", content_type="application/pdf")
    response = reception.post(url, {"proof": fake})
    assert response.status_code == 422
    assert "Phiếu gửi EB123456785VN:" in text(response)
    payment.refresh_from_db()
    assert payment.state == PaymentRequest.State.UNPAID and not ManualCollection.objects.exists()

    response = reception.post(url, {"proof": pdf("bien-lai.pdf")})
    assert response.status_code == 302
    payment.refresh_from_db()
    collection = ManualCollection.objects.get()
    assert payment.state == PaymentRequest.State.PAID
    assert (collection.method, collection.amount, collection.reference) == (
        CollectionMethod.POSTAL,
        200000,
        "BL-0007",
    )
    assert collection.collected_at == fresh_record(record).signed_at
    assert "Đã ghi nhận khoản thu" in text(reception.get(f"/can-bo/buu-chinh/bien-ban/{record.pk}/"))
    assert reception.post(url, {"proof": pdf("bien-lai.pdf")}).status_code == 409
    assert ManualCollection.objects.count() == 1


def fresh_record(record) -> HandoverRecord:
    return HandoverRecord.objects.get(pk=record.pk)


def test_the_handover_list_runs_the_same_queries_for_few_and_many(world, desk):
    reception = desk(world.reception)
    pickup(world)
    postal.postal_handover_create(actor=world.reception, agency=world.center, postal_staff_name="Bưu tá")
    reception.get("/can-bo/buu-chinh/bien-ban/")

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert reception.get("/can-bo/buu-chinh/bien-ban/").status_code == 200
        return len(queries)

    few = measure()
    for number in range(4):
        pickup(world, slip=f"EB00000000{number}VN")
        postal.postal_handover_create(actor=world.reception, agency=world.center, postal_staff_name="Bưu tá")
    many = measure()
    assert many == few
    assert many <= 12

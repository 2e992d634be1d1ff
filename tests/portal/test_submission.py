"""Online submission through the citizen's pages: step by step, drafts saved on the server, reuse of earlier
documents, and the refusals of tampered forms, which change nothing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from dossiers import conftest as dossier_world
from dossiers.conftest import PDF_BYTES, pdf
from factories import CaseComponentFactory, ProcedureVersionFactory, UserFactory

from motcua.catalog.models import ProcedureAgency, ProcedureCase
from motcua.dossiers.drafts import SubmissionDraft, SubmissionDraftFile
from motcua.dossiers.models import DigitisationState, Dossier, DossierComponent, DossierFile, ResultChannel
from motcua.dossiers.workflow import DossierStatus

# The dossier tests' small province and their clock frozen on Monday 02/03/2026 09:00.
world = dossier_world.world
clock = dossier_world.clock

PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00" + b"\x00" * 64
)


def png(name: str = "anh-can-cuoc.png", content: bytes = PNG_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def text(response) -> str:
    return response.content.decode()


def counts() -> dict[str, int]:
    """Rows an online submission can write; a refused request leaves every count as it was."""
    return {
        "drafts": SubmissionDraft.objects.count(),
        "draft_files": SubmissionDraftFile.objects.count(),
        "dossiers": Dossier.objects.count(),
        "components": DossierComponent.objects.count(),
        "files": DossierFile.objects.count(),
    }


def start_url(world) -> str:
    return f"/nop-ho-so/{world.version.procedure.national_code}/"


def place_key(world) -> str:
    return f"{world.center.pk}-{world.department.pk}"


def components_of(world):
    return list(world.case.components.order_by("order", "id"))


@pytest.fixture
def citizen_client(client, world):
    client.force_login(world.citizen)
    return client


def start_draft(client, world) -> SubmissionDraft:
    response = client.post(start_url(world), {"case": world.case.pk, "place": place_key(world)})
    assert response.status_code == 302, text(response)
    return SubmissionDraft.objects.filter(owner=world.citizen).latest("id")


def fill_applicant(client, draft, **overrides):
    data = {
        "kind": "citizen",
        "name": "Nguyễn Văn An",
        "identity_number": "042090001234",
        "phone": "0912345678",
        "email": "an@example.invalid",
        "address": "Phường Thành Sen, Hà Tĩnh",
        "summary": "Đề nghị cấp phiếu lý lịch tư pháp số 1",
        "action": "next",
    }
    data.update(overrides)
    return client.post(f"/ho-so-dang-soan/{draft.public_id}/chu-ho-so/", data)


def upload(client, draft, files: dict, **extra):
    return client.post(f"/ho-so-dang-soan/{draft.public_id}/giay-to/", {**files, "action": "next", **extra})


def ready_draft(client, world) -> SubmissionDraft:
    """A draft with every step saved, waiting on the review page."""
    draft = start_draft(client, world)
    assert fill_applicant(client, draft).status_code == 302
    first, second = components_of(world)
    response = upload(client, draft, {f"file_{first.pk}": pdf("to-khai.pdf"), f"file_{second.pk}": png()})
    assert response.status_code == 302, text(response)
    response = client.post(f"/ho-so-dang-soan/{draft.public_id}/nhan-ket-qua/", {"channel": "online"})
    assert response.status_code == 302
    return draft


# --- The whole journey --------------------------------------------------------------------------------------


def test_the_whole_online_submission_through_the_pages(citizen_client, world):
    client = citizen_client
    page = client.get(start_url(world))
    assert page.status_code == 200
    html = text(page)
    assert "Bước 1. Trường hợp và nơi nộp" in html
    assert f'value="{world.case.pk}"' in html and "Sở Tư pháp" in html

    response = client.post(start_url(world), {"case": world.case.pk, "place": place_key(world)})
    draft = SubmissionDraft.objects.get(owner=world.citizen)
    assert response.url == f"/ho-so-dang-soan/{draft.public_id}/chu-ho-so/"
    assert (draft.procedure_case, draft.receiving_agency, draft.competent_agency) == (
        world.case,
        world.center,
        world.department,
    )

    # The applicant step starts from the account's profile.
    page = client.get(response.url)
    assert f'value="{world.citizen.full_name}"' in text(page)
    assert f'value="{world.citizen.phone}"' in text(page)
    response = fill_applicant(client, draft, has_submitter="on", submitter_name="Trần Thị Bình")
    assert response.url == f"/ho-so-dang-soan/{draft.public_id}/giay-to/"

    page = client.get(response.url)
    html = text(page)
    first, second = components_of(world)
    assert first.name in html and second.name in html
    assert "Nhận tệp PDF, JPG, JPEG, PNG, DOC, DOCX; mỗi tệp tối đa 10 MB." in html
    assert (
        f'id="file_{first.pk}" name="file_{first.pk}" accept=".pdf,.jpg,.jpeg,.png,.doc,.docx" multiple'
        in html
    )

    response = upload(client, draft, {f"file_{first.pk}": pdf("to-khai.pdf"), f"file_{second.pk}": png()})
    assert response.url == f"/ho-so-dang-soan/{draft.public_id}/nhan-ket-qua/"

    page = client.get(response.url)
    assert [value for value, _label in page.context["form"].fields["channel"].choices] == [
        "online",
        "counter",
        "postal",
    ]
    response = client.post(
        response.url, {"channel": "postal", "delivery_address": "Số 5 đường Hà Huy Tập, Hà Tĩnh"}
    )
    assert response.url == f"/ho-so-dang-soan/{draft.public_id}/kiem-tra/"

    review = client.get(response.url)
    html = text(review)
    assert review.context["problems"] == []
    assert "to-khai.pdf" in html and "anh-can-cuoc.png" in html
    assert "Trần Thị Bình" in html and "Số 5 đường Hà Huy Tập, Hà Tĩnh" in html

    response = client.post(response.url)
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response.url == f"/ho-so-cua-toi/{dossier.code}/da-nop/"
    assert (dossier.status, dossier.owner, dossier.channel) == (
        DossierStatus.SUBMITTED,
        world.citizen,
        "online",
    )
    assert dossier.applicant_identity_number == "042090001234"
    assert dossier.submitter_name == "Trần Thị Bình"
    assert dossier.result_channel == ResultChannel.POSTAL
    assert dossier.summary == "Đề nghị cấp phiếu lý lịch tư pháp số 1"
    stored = {f.original_name: f for f in DossierFile.objects.filter(component__dossier=dossier)}
    assert set(stored) == {"to-khai.pdf", "anh-can-cuoc.png"}
    assert stored["to-khai.pdf"].file.read() == PDF_BYTES
    assert stored["anh-can-cuoc.png"].content_type == "image/png"

    # The draft stays as the record of the form; its own copies of the files are gone.
    draft.refresh_from_db()
    assert draft.submitted_dossier == dossier and draft.submitted_at == dossier.submitted_at
    assert draft.data["delivery_address"] == "Số 5 đường Hà Huy Tập, Hà Tĩnh"
    assert not draft.files.exists()
    assert client.get("/ho-so-dang-soan/").context["rows"] == []

    done = client.get(response.url)
    assert dossier.code in text(done)
    assert "Bộ phận một cửa của" in text(done)


def test_a_second_click_on_submit_shows_the_dossier_and_submits_nothing_more(citizen_client, world):
    draft = ready_draft(citizen_client, world)
    first = citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/kiem-tra/")
    again = citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/kiem-tra/")
    dossier = Dossier.objects.get()
    assert first.url == f"/ho-so-cua-toi/{dossier.code}/da-nop/"
    assert again.status_code == 302 and again.url == f"/ho-so-cua-toi/{dossier.code}/"
    assert Dossier.objects.count() == 1


def test_pages_need_a_signed_in_account(client, world, settings):
    for url in (start_url(world), "/ho-so-dang-soan/", "/ho-so-cua-toi/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(settings.LOGIN_URL)


def test_the_result_page_is_skipped_when_the_procedure_offers_one_way(client, world):
    version = ProcedureVersionFactory(online_service_level=3, components=("Đơn đề nghị",))
    ProcedureAgency.objects.create(
        version=version, role=ProcedureAgency.Role.COMPETENT, agency=world.department
    )
    case = version.cases.get()
    client.force_login(world.citizen)
    response = client.post(
        f"/nop-ho-so/{version.procedure.national_code}/", {"case": case.pk, "place": place_key(world)}
    )
    draft = SubmissionDraft.objects.get()
    assert draft.data["result_channel"] == "counter"
    fill_applicant(client, draft)
    response = upload(client, draft, {f"file_{case.components.get().pk}": pdf()})
    assert response.url == f"/ho-so-dang-soan/{draft.public_id}/kiem-tra/"
    progress = [link.step for link in client.get(response.url).context["progress"]]
    assert progress == ["case", "applicant", "components", "review"]


# --- Drafts -------------------------------------------------------------------------------------------------


def test_a_draft_saved_on_one_device_is_resumed_on_another(client, world, django_user_model):
    client.force_login(world.citizen)
    draft = start_draft(client, world)
    response = fill_applicant(client, draft, action="save", name="Nguyễn Văn Bảo")
    assert response.url == "/ho-so-dang-soan/"

    from django.test import Client

    phone = Client()  # another browser: nothing shared but the account
    phone.force_login(world.citizen)
    listing = phone.get("/ho-so-dang-soan/")
    assert [row["draft"] for row in listing.context["rows"]] == [draft]
    assert "Bước tiếp theo: Giấy tờ" in text(listing)
    resumed = phone.get(f"/ho-so-dang-soan/{draft.public_id}/")
    assert resumed.url == f"/ho-so-dang-soan/{draft.public_id}/giay-to/"
    assert 'value="Nguyễn Văn Bảo"' in text(phone.get(f"/ho-so-dang-soan/{draft.public_id}/chu-ho-so/"))

    # Files uploaded on the phone are there on the computer.
    first = components_of(world)[0]
    phone.post(f"/ho-so-dang-soan/{draft.public_id}/giay-to/", {f"file_{first.pk}": pdf(), "action": "save"})
    page = client.get(f"/ho-so-dang-soan/{draft.public_id}/giay-to/")
    assert "to-khai.pdf" in text(page)
    stored = draft.files.get()
    download = client.get(f"/ho-so-dang-soan/{draft.public_id}/giay-to/{stored.pk}/")
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_the_start_page_offers_the_drafts_in_progress_of_the_procedure(citizen_client, world):
    draft = start_draft(citizen_client, world)
    page = citizen_client.get(start_url(world))
    assert page.context["drafts"] == [draft]
    assert f"/ho-so-dang-soan/{draft.public_id}/" in text(page)


def test_removing_a_file_and_deleting_a_draft(
    citizen_client,
    world,
    django_capture_on_commit_callbacks,
):
    draft = start_draft(citizen_client, world)
    first = components_of(world)[0]
    upload(citizen_client, draft, {f"file_{first.pk}": [pdf("a.pdf"), pdf("b.pdf")]}, action="save")
    a, b = draft.files.order_by("original_name")
    storage, name_a, name_b = a.file.storage, a.file.name, b.file.name
    assert storage.exists(name_a)

    with django_capture_on_commit_callbacks(execute=True):  # stored files go once the rows are gone
        response = citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/giay-to/{a.pk}/bo/")
    assert response.url == f"/ho-so-dang-soan/{draft.public_id}/giay-to/"
    assert list(draft.files.values_list("original_name", flat=True)) == ["b.pdf"]
    assert not storage.exists(name_a)

    assert "sẽ bị xóa hẳn" in text(citizen_client.get(f"/ho-so-dang-soan/{draft.public_id}/xoa/"))
    with django_capture_on_commit_callbacks(execute=True):
        response = citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/xoa/")
    assert response.url == "/ho-so-dang-soan/"
    assert not SubmissionDraft.objects.exists() and not SubmissionDraftFile.objects.exists()
    assert not storage.exists(name_b)


def test_changing_the_case_drops_the_files_of_the_old_case(citizen_client, world):
    other_case = ProcedureCase.objects.create(version=world.version, order=2, name="Trường hợp ủy quyền")
    own = CaseComponentFactory(case=other_case, name="Văn bản ủy quyền")
    draft = start_draft(citizen_client, world)
    first = components_of(world)[0]
    upload(citizen_client, draft, {f"file_{first.pk}": pdf()}, action="save")
    response = citizen_client.post(
        f"/ho-so-dang-soan/{draft.public_id}/truong-hop/",
        {"case": other_case.pk, "place": place_key(world), "action": "next"},
    )
    assert response.url == f"/ho-so-dang-soan/{draft.public_id}/chu-ho-so/"
    draft.refresh_from_db()
    assert draft.procedure_case == other_case
    assert not draft.files.exists()
    page = citizen_client.get(f"/ho-so-dang-soan/{draft.public_id}/giay-to/")
    assert [row.component for row in page.context["rows"]] == [own]


# --- Reuse --------------------------------------------------------------------------------------------------


def test_a_document_handed_in_with_an_earlier_dossier_is_offered_and_reused(citizen_client, world):
    earlier = world.submit_online()
    earlier_file = DossierFile.objects.get(component__dossier=earlier, original_name="giay-to-2.pdf")
    draft = start_draft(citizen_client, world)
    fill_applicant(citizen_client, draft)
    first, second = components_of(world)

    page = citizen_client.get(f"/ho-so-dang-soan/{draft.public_id}/giay-to/")
    html = text(page)
    assert f"giay-to-2.pdf, đã nộp trong hồ sơ {earlier.code} ngày 02/03/2026" in html
    assert (
        f'name="reuse_{second.pk}" id="reuse_{second.pk}_{earlier_file.pk}" value="{earlier_file.pk}"' in html
    )

    response = upload(
        citizen_client,
        draft,
        {f"file_{first.pk}": pdf("to-khai-moi.pdf"), f"reuse_{second.pk}": earlier_file.pk},
    )
    assert response.status_code == 302, text(response)
    reused = draft.files.get(case_component=second)
    assert (reused.reused_from, reused.reused_code, bool(reused.file)) == (earlier_file, earlier.code, False)
    # Once chosen it is not offered again.
    rows = citizen_client.get(f"/ho-so-dang-soan/{draft.public_id}/giay-to/").context["rows"]
    assert rows[1].reusable == []

    citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/nhan-ket-qua/", {"channel": "online"})
    response = citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/kiem-tra/")
    dossier = Dossier.objects.exclude(pk=earlier.pk).get()
    component = dossier.components.get(case_component=second)
    assert component.digitisation_state == DigitisationState.REUSED_COMPONENT
    assert component.reused_code == earlier.code
    copy = component.files.get()
    assert copy.sha256 == earlier_file.sha256 and copy.file.name != earlier_file.file.name
    assert copy.file.read() == PDF_BYTES
    assert dossier.components.get(case_component=first).digitisation_state == DigitisationState.DIGITISED


# --- Refusals: every tampered request changes nothing ----------------------------------------------------------


def test_another_citizens_draft_answers_not_found_and_stays_as_it_was(client, world):
    client.force_login(world.citizen)
    draft = ready_draft(client, world)
    first = components_of(world)[0]
    stored = draft.files.first()
    draft.refresh_from_db()
    before, data = counts(), dict(draft.data)

    client.force_login(world.other_citizen)
    base = f"/ho-so-dang-soan/{draft.public_id}"
    for url in ("/", "/truong-hop/", "/chu-ho-so/", "/giay-to/", "/nhan-ket-qua/", "/kiem-tra/", "/xoa/"):
        assert client.get(base + url).status_code == 404, url
    assert client.get(f"{base}/giay-to/{stored.pk}/").status_code == 404
    assert fill_applicant(client, draft, name="Kẻ gian").status_code == 404
    assert upload(client, draft, {f"file_{first.pk}": pdf()}).status_code == 404
    assert client.post(f"{base}/giay-to/{stored.pk}/bo/").status_code == 404
    assert client.post(f"{base}/kiem-tra/").status_code == 404
    assert client.post(f"{base}/xoa/").status_code == 404
    assert client.get("/ho-so-dang-soan/").context["rows"] == []

    assert counts() == before
    draft.refresh_from_db()
    assert draft.data == data and draft.submitted_at is None


def test_a_procedure_not_offered_online_is_refused(client, world):
    version = ProcedureVersionFactory(online_service_level=2)
    ProcedureAgency.objects.create(
        version=version, role=ProcedureAgency.Role.COMPETENT, agency=world.department
    )
    client.force_login(world.citizen)
    url = f"/nop-ho-so/{version.procedure.national_code}/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Thủ tục này chưa nhận hồ sơ trực tuyến." in text(page)
    before = counts()
    response = client.post(url, {"case": version.cases.get().pk, "place": place_key(world)})
    assert response.status_code == 422
    assert "Thủ tục này chưa nhận hồ sơ trực tuyến." in text(response)
    assert counts() == before


def test_a_case_that_does_not_accept_online_dossiers_is_refused(citizen_client, world):
    paper_only = ProcedureCase.objects.create(
        version=world.version, order=2, name="Trường hợp nộp bản giấy", accepted_online=False
    )
    before = counts()
    response = citizen_client.post(start_url(world), {"case": paper_only.pk, "place": place_key(world)})
    assert response.status_code == 422
    assert "Lựa chọn không hợp lệ; vui lòng chọn lại trong danh sách." in text(response)
    assert counts() == before


def test_a_case_or_place_of_another_procedure_is_refused(citizen_client, world):
    other = ProcedureVersionFactory()
    before = counts()
    response = citizen_client.post(
        start_url(world), {"case": other.cases.get().pk, "place": place_key(world)}
    )
    assert response.status_code == 422
    assert "Trường hợp của bạn: Lựa chọn không hợp lệ" in text(response)
    response = citizen_client.post(
        start_url(world), {"case": world.case.pk, "place": f"{world.center.pk}-{world.outsider.pk}"}
    )
    assert response.status_code == 422
    assert counts() == before


def test_a_component_of_another_procedure_is_refused_and_nothing_is_saved(citizen_client, world):
    draft = start_draft(citizen_client, world)
    first = components_of(world)[0]
    foreign = ProcedureVersionFactory().cases.get().components.first()
    before = counts()
    response = upload(
        citizen_client, draft, {f"file_{first.pk}": pdf(), f"file_{foreign.pk}": pdf("khac.pdf")}
    )
    assert response.status_code == 422
    assert "không thuộc trường hợp thủ tục của hồ sơ này" in text(response)
    assert counts() == before


def test_a_missing_required_file_stops_the_step_and_the_submission(citizen_client, world):
    draft = start_draft(citizen_client, world)
    fill_applicant(citizen_client, draft)
    first, second = components_of(world)
    response = upload(citizen_client, draft, {f"file_{first.pk}": pdf()})
    assert response.status_code == 422
    assert f"Còn thiếu giấy tờ bắt buộc: {second.name}." in text(response)
    assert draft.files.count() == 1  # the valid upload is kept; the step asks for the rest

    citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/nhan-ket-qua/", {"channel": "online"})
    review = citizen_client.get(f"/ho-so-dang-soan/{draft.public_id}/kiem-tra/")
    assert [problem.step for problem, _url in review.context["problems"]] == ["components"]
    before = counts()
    response = citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/kiem-tra/")
    assert response.status_code == 422
    assert f"Còn thiếu giấy tờ bắt buộc: {second.name}." in text(response)
    assert counts() == before
    draft.refresh_from_db()
    assert draft.submitted_at is None


@pytest.mark.parametrize(
    ("upload_file", "message"),
    [
        (png("to-khai.pdf"), "mang đuôi .pdf nhưng nội dung là PNG"),
        (SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00 this is a program"), "chương trình chạy được"),
        (SimpleUploadedFile("ghi-chu.txt", b"chi la van ban"), "định dạng .txt không được chấp nhận"),
        (SimpleUploadedFile("to-khai.pdf", b"chi la van ban"), "Không nhận dạng được nội dung tệp"),
    ],
    ids=["disguised-png", "executable", "text-extension", "unknown-content"],
)
def test_a_wrong_file_type_is_refused_with_nothing_saved(citizen_client, world, upload_file, message):
    draft = start_draft(citizen_client, world)
    first, second = components_of(world)
    before = counts()
    response = upload(citizen_client, draft, {f"file_{first.pk}": upload_file, f"file_{second.pk}": png()})
    assert response.status_code == 422
    html = text(response)
    assert message in html
    assert "không tệp nào được lưu" in html
    # The message sits next to its field and the field points at it.
    assert f'<p class="error" id="file_{first.pk}_error">' in html
    assert f'aria-describedby="file_{first.pk}_help file_{first.pk}_error" aria-invalid="true"' in html
    assert f'<a href="#file_{first.pk}">' in html
    assert counts() == before


def test_an_oversized_file_is_refused(citizen_client, world):
    first = components_of(world)[0]
    first.max_size_mb = 1
    first.save()
    draft = start_draft(citizen_client, world)
    big = pdf("ban-quet.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    before = counts()
    response = upload(citizen_client, draft, {f"file_{first.pk}": big})
    assert response.status_code == 422
    assert "vượt quá giới hạn 1 MB" in text(response)
    assert counts() == before


def test_reusing_a_file_that_is_not_ones_own_is_refused(citizen_client, world):
    stranger = world.submit_online(actor=world.other_citizen)
    their_file = DossierFile.objects.filter(component__dossier=stranger).first()
    draft = start_draft(citizen_client, world)
    second = components_of(world)[1]
    before = counts()
    response = upload(citizen_client, draft, {f"reuse_{second.pk}": their_file.pk})
    assert response.status_code == 422
    assert "Không tìm thấy tệp đã nộp trước đây để dùng lại cho giấy tờ này." in text(response)
    response = upload(citizen_client, draft, {f"reuse_{second.pk}": "1 OR 1=1"})
    assert response.status_code == 422
    assert counts() == before


def test_an_invalid_identity_number_is_shown_next_to_its_field(citizen_client, world):
    draft = start_draft(citizen_client, world)
    data_before = dict(SubmissionDraft.objects.get(pk=draft.pk).data)
    response = fill_applicant(citizen_client, draft, identity_number="12345", phone="")
    assert response.status_code == 422
    html = text(response)
    assert (
        '<p class="error" id="id_phone_error">Vui lòng nhập số điện thoại để nhận thông báo về hồ sơ.' in html
    )
    response = fill_applicant(citizen_client, draft, identity_number="12345")
    html = text(response)
    assert response.status_code == 422
    assert re.search(
        r'<p class="error" id="id_identity_number_error">Số định danh cá nhân phải gồm 12 chữ số', html
    )
    assert 'aria-describedby="id_identity_number_help id_identity_number_error"' in html
    assert 'aria-invalid="true"' in html
    assert SubmissionDraft.objects.get(pk=draft.pk).data == data_before


def test_postal_return_needs_an_address(citizen_client, world):
    draft = start_draft(citizen_client, world)
    response = citizen_client.post(
        f"/ho-so-dang-soan/{draft.public_id}/nhan-ket-qua/", {"channel": "postal", "delivery_address": " "}
    )
    assert response.status_code == 422
    assert "Vui lòng nhập địa chỉ nhận kết quả qua bưu chính." in text(response)
    response = citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/nhan-ket-qua/", {"channel": "fax"})
    assert response.status_code == 422
    draft.refresh_from_db()
    assert "result_channel" not in draft.data


def test_a_new_version_published_meanwhile_stops_the_old_draft(citizen_client, world, clock):
    draft = ready_draft(citizen_client, world)
    world.version.status = world.version.Status.RETIRED
    world.version.save()
    before = counts()
    response = citizen_client.post(f"/ho-so-dang-soan/{draft.public_id}/kiem-tra/")
    assert response.status_code == 422
    assert "hiện không tiếp nhận hồ sơ trực tuyến; vui lòng soạn hồ sơ mới" in text(response)
    assert counts() == before


def test_drafts_of_an_account_are_limited(citizen_client, world, monkeypatch):
    from motcua.dossiers import submission

    monkeypatch.setattr(submission, "MAX_OPEN_DRAFTS", 2)
    start_draft(citizen_client, world)
    start_draft(citizen_client, world)
    response = citizen_client.post(start_url(world), {"case": world.case.pk, "place": place_key(world)})
    assert response.status_code == 422
    assert "Bạn đang có 2 hồ sơ đang soạn" in text(response)
    assert SubmissionDraft.objects.count() == 2


def test_a_staff_member_sees_only_their_own_drafts(client, world):
    client.force_login(world.citizen)
    start_draft(client, world)
    client.force_login(UserFactory())
    assert client.get("/ho-so-dang-soan/").context["rows"] == []

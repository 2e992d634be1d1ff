"""Upload checks: real type by magic bytes, accepted extensions, size; nothing half-saved on refusal."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.core.errors import ValidationFailed
from motcua.dossiers import services
from motcua.dossiers.files import check_upload
from motcua.dossiers.models import Dossier, DossierCodeCounter, DossierFile, DossierResult

from .conftest import PDF_BYTES, pdf

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _docx_bytes(folder: str = "word/") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<document/>")
    return buffer.getvalue()


def _check(name, content, accepted=("pdf", "jpg", "jpeg", "png", "doc", "docx"), max_mb=10):
    return check_upload(_upload(name, content), accepted_extensions=list(accepted), max_size_mb=max_mb)


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("a.pdf", PDF_BYTES, "pdf"),
        ("anh.JPG", JPEG_BYTES, "jpeg"),
        ("anh.png", PNG_BYTES, "png"),
        ("don.docx", _docx_bytes(), "docx"),
        ("don.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "ole"),
    ],
)
def test_accepted_files_are_recognised(name, content, kind):
    checked = _check(name, content)
    assert checked.kind.name == kind
    assert checked.size == len(content)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00" + b"\x00" * 64, b"\x7fELF\x02\x01\x01" + b"\x00" * 64, b"#!/bin/sh\nrm -rf /\n"],
    ids=["windows-exe", "elf", "script"],
)
def test_executables_are_refused_whatever_their_name(content):
    with pytest.raises(ValidationFailed) as raised:
        _check("to-khai.pdf", content)
    assert raised.value.code == "executable_file"
    assert "to-khai.pdf" in raised.value.message


def test_content_must_match_the_extension():
    with pytest.raises(ValidationFailed) as raised:
        _check("to-khai.pdf", PNG_BYTES)
    assert raised.value.code == "file_type_mismatch"
    assert "PNG" in raised.value.message
    with pytest.raises(ValidationFailed):
        _check("bang.docx", _docx_bytes("xl/"))  # a spreadsheet named .docx


def test_extension_must_be_accepted_by_the_component():
    with pytest.raises(ValidationFailed) as raised:
        _check("anh.png", PNG_BYTES, accepted=("pdf",))
    assert raised.value.code == "file_extension_not_accepted"
    assert "pdf" in raised.value.message


def test_unknown_content_empty_files_and_size_limit():
    with pytest.raises(ValidationFailed) as unknown:
        _check("ghi-chu.pdf", b"just some text")
    assert unknown.value.code == "file_type_unknown"
    with pytest.raises(ValidationFailed) as empty:
        _check("rong.pdf", b"")
    assert empty.value.code == "empty_file"
    with pytest.raises(ValidationFailed) as large:
        _check("lon.pdf", PDF_BYTES + b"0" * (1024 * 1024), max_mb=1)
    assert large.value.code == "file_too_large"
    assert "1 MB" in large.value.message


@pytest.mark.django_db
def test_a_bad_file_refuses_the_whole_submission(world, settings):
    documents = world.documents()
    documents[1] = services.DocumentData(
        case_component=documents[1].case_component, files=[_upload("cccd.pdf", b"MZ" + b"\x00" * 100)]
    )
    with pytest.raises(ValidationFailed):
        world.submit_online(documents=documents)
    assert not Dossier.objects.exists()
    assert not DossierFile.objects.exists()
    assert not DossierCodeCounter.objects.exists()
    assert not (settings.MEDIA_ROOT / "dossiers").exists()


@pytest.mark.django_db
def test_files_stored_before_a_failure_are_removed(world, settings, monkeypatch):
    original = services._store_file
    calls = []

    def failing_store(**kwargs):
        calls.append(1)
        row = original(**kwargs)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return row

    monkeypatch.setattr(services, "_store_file", failing_store)
    with pytest.raises(RuntimeError):
        world.submit_online()
    assert len(calls) == 2
    assert not Dossier.objects.exists()
    assert not list(settings.MEDIA_ROOT.rglob("*.pdf"))


@pytest.mark.django_db
def test_online_submission_needs_every_required_component(world):
    documents = world.documents()[:1]
    with pytest.raises(ValidationFailed) as raised:
        world.submit_online(documents=documents)
    assert raised.value.code == "missing_components"
    assert "Bản chụp Căn cước" in raised.value.message


@pytest.mark.django_db
def test_staff_attach_scanned_files(world):
    dossier = world.register()
    assert dossier.components.first().digitisation_state == 0
    dossier = services.dossier_attach_files(
        dossier=dossier,
        actor=world.reception,
        revision=dossier.revision,
        documents=[
            services.DocumentData(case_component=world.case.components.first(), files=[pdf("scan.pdf")])
        ],
    )
    component = dossier.components.get(case_component=world.case.components.first())
    assert component.digitisation_state == 1
    assert component.files.get().uploaded_by == world.reception
    assert dossier.events.last().action == "attach_file"
    with pytest.raises(ValidationFailed):
        services.dossier_attach_files(
            dossier=dossier,
            actor=world.reception,
            revision=dossier.revision,
            documents=[services.DocumentData(name="Ảnh", files=[_upload("anh.pdf", PNG_BYTES)])],
        )


@pytest.mark.django_db
def test_result_files_are_checked_too(world):
    dossier = world.in_processing()
    dossier = services.dossier_submit_for_approval(
        dossier=dossier, actor=world.specialist, revision=dossier.revision
    )
    with pytest.raises(ValidationFailed):
        services.dossier_approve(
            dossier=dossier,
            actor=world.leader,
            revision=dossier.revision,
            results=[services.ResultData(name="Kết quả", file=_upload("kq.pdf", b"\x7fELF" + b"\x00" * 10))],
        )
    assert not DossierResult.objects.exists()

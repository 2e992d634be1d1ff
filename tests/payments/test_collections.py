"""Cash, bank transfer and post-office collections with their proof; receipts (separately for phí and lệ phí,
numbered, as PDF); refunds due and done."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from motcua.catalog.models import Fee
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.dossiers import services as dossier_services
from motcua.dossiers.workflow import DossierStatus
from motcua.payments import selectors, services
from motcua.payments.models import CollectionMethod, PaymentEvent, PaymentRequest, Receipt, Refund
from motcua.payments.receipts import amount_in_words, render_receipt_pdf

from .conftest import PNG_BYTES, pdf


def collect(world, request, **overrides):
    kwargs = {
        "request": request,
        "actor": world.reception,
        "method": CollectionMethod.CASH,
        "amount": request.amount,
        "proof": pdf("phieu-thu.pdf"),
        "payer_name": "Nguyễn Văn An",
        "reference": "PT-0001",
    }
    kwargs.update(overrides)
    return services.payment_collection_record(**kwargs)


@pytest.fixture
def counter_request(world):
    return world.request_of(world.register())


def test_cash_at_the_counter_with_proof(world, counter_request, settings):
    collection = collect(world, counter_request)
    assert collection.amount == 200000 and collection.agency == world.center
    assert collection.proof_content_type == "application/pdf" and len(collection.proof_sha256) == 64
    assert collection.proof.name.startswith("payments/collections/") and collection.proof.name.endswith(
        ".pdf"
    )
    request = PaymentRequest.objects.get(pk=counter_request.pk)
    assert request.state == "paid" and request.paid_via == "cash" and not request.paid_through_dvcqg
    receipt = Receipt.objects.get(request=request)
    assert (receipt.kind, receipt.amount, receipt.collection_id, receipt.method) == (
        "le_phi",
        200000,
        collection.pk,
        "cash",
    )
    assert receipt.agency == world.department and receipt.display_number == "LPHI/26E 0000001"
    dossier = request.dossier
    dossier.refresh_from_db()
    assert dossier.paid_online is False
    assert PaymentEvent.objects.filter(request=request, action="pay", actor=world.reception).exists()


@pytest.mark.parametrize(
    ("method", "reference", "proof"),
    [
        (CollectionMethod.BANK_TRANSFER, "FT260302001", SimpleUploadedFile("uy-nhiem-chi.png", PNG_BYTES)),
        (
            CollectionMethod.POSTAL,
            "BL-BD-0099",
            SimpleUploadedFile("bien-lai-buu-dien.pdf", b"%PDF-1.4\n%%EOF\n"),
        ),
    ],
)
def test_transfer_and_post_office_collections(world, counter_request, method, reference, proof):
    collection = collect(world, counter_request, method=method, reference=reference, proof=proof)
    assert collection.method == method and collection.reference == reference
    assert PaymentRequest.objects.get(pk=counter_request.pk).paid_via == method


def test_bad_collections_change_nothing(world, counter_request):
    with pytest.raises(ValidationFailed) as error:
        collect(world, counter_request, amount=199000)
    assert "không khớp" in error.value.message
    with pytest.raises(ValidationFailed):
        collect(world, counter_request, proof=SimpleUploadedFile("chung-tu.pdf", b"MZ\x90\x00 not a pdf"))
    with pytest.raises(ValidationFailed):
        collect(world, counter_request, proof=SimpleUploadedFile("chung-tu.pdf", b"plain text"))
    with pytest.raises(ValidationFailed):
        collect(world, counter_request, proof=None)
    with pytest.raises(ValidationFailed):
        collect(world, counter_request, method="crypto")
    with pytest.raises(ValidationFailed):
        collect(world, counter_request, method=CollectionMethod.BANK_TRANSFER, reference="")
    with pytest.raises(PermissionDenied):
        collect(world, counter_request, actor=world.outsider)
    with pytest.raises(PermissionDenied):
        collect(world, counter_request, actor=world.specialist)
    assert not selectors.may_record_payments(world.specialist, counter_request.dossier)
    assert selectors.may_record_payments(world.leader, counter_request.dossier)
    assert PaymentRequest.objects.get(pk=counter_request.pk).state == "unpaid"
    assert not Receipt.objects.exists()
    collect(world, counter_request)
    with pytest.raises(ValidationFailed):
        collect(world, counter_request)  # already paid


def test_receipts_are_separate_per_kind_and_numbered_in_sequence(world, sandbox):
    Fee.objects.filter(version=world.version).update(timing=Fee.Timing.AFTER)
    first = world.request_of(world.submit_online())
    second = world.request_of(world.submit_online())
    collect(world, first)
    collect(world, second, actor=world.leader)
    numbers = list(
        Receipt.objects.order_by("kind", "number").values_list("kind", "series", "number", "amount")
    )
    assert numbers == [
        ("le_phi", "LPHI/26E", 1, 200000),
        ("le_phi", "LPHI/26E", 2, 200000),
        ("phi", "PHI/26E", 1, 50000),
        ("phi", "PHI/26E", 2, 50000),
    ]


def test_an_exempt_line_is_not_on_the_receipt(world):
    Fee.objects.filter(version=world.version).update(timing=Fee.Timing.AFTER)
    request = world.request_of(world.submit_online())
    services.payment_request_exempt(
        request=request, actor=world.reception, reason="Trẻ em", line_ids=[request.lines.get(code="P01").pk]
    )
    request.refresh_from_db()
    collect(world, request)
    assert list(Receipt.objects.values_list("kind", "amount")) == [("le_phi", 200000)]


def test_the_receipt_pdf_is_in_vietnamese_and_stored_by_the_job(world, counter_request):
    collect(world, counter_request)
    receipt = Receipt.objects.get()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_receipt_pdf(receipt))).pages)
    assert "BIÊN LAI THU LỆ PHÍ" in text and "LPHI/26E" in text and "0000001" in text
    assert "200.000 đ" in text and "Hai trăm nghìn đồng" in text and "Nguyễn Văn An" in text
    assert selectors.receipt_pdf(receipt).startswith(b"%PDF")  # rendered on demand until the job keeps it
    assert services.receipts_store_pending() == 1
    receipt.refresh_from_db()
    assert receipt.file.name.endswith(".pdf") and len(receipt.sha256) == 64
    assert selectors.receipt_pdf(receipt).startswith(b"%PDF")
    assert services.receipts_store_pending() == 0  # once
    assert selectors.receipt_get_for(world.reception, receipt.pk) == receipt  # behind the dossier access gate
    from motcua.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.receipt_get_for(world.other_citizen, receipt.pk)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5000, "Năm nghìn đồng"),
        (15000, "Mười lăm nghìn đồng"),
        (21000, "Hai mươi mốt nghìn đồng"),
        (105000, "Một trăm lẻ năm nghìn đồng"),
        (250000, "Hai trăm năm mươi nghìn đồng"),
        (1500000, "Một triệu năm trăm nghìn đồng"),
        (1000050, "Một triệu không trăm năm mươi đồng"),
        (2024000000, "Hai tỷ không trăm hai mươi tư triệu đồng"),
        (34000, "Ba mươi tư nghìn đồng"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words


def test_refund_due_then_done_with_proof(world, counter_request):
    collect(world, counter_request)
    request = PaymentRequest.objects.get(pk=counter_request.pk)
    with pytest.raises(ValidationFailed):
        services.refund_record_due(request=request, actor=world.reception, reason="bogus")
    refund = services.refund_record_due(
        request=request, actor=world.reception, reason=Refund.Reason.OTHER, note="Thu nhầm"
    )
    assert refund.state == Refund.State.DUE and refund.amount == 200000
    with pytest.raises(Conflict):
        services.refund_record_due(request=request, actor=world.reception, reason=Refund.Reason.OTHER)
    assert list(selectors.refunds_for(world.reception, state="due")) == [refund]
    assert list(selectors.refunds_for(world.outsider)) == []
    with pytest.raises(PermissionDenied):
        services.refund_record_done(refund=refund, actor=world.outsider, method="cash", proof=pdf())
    with pytest.raises(ValidationFailed):
        services.refund_record_done(refund=refund, actor=world.reception, method="cash", proof=None)
    done = services.refund_record_done(
        refund=refund,
        actor=world.reception,
        method=CollectionMethod.BANK_TRANSFER,
        proof=pdf("unc.pdf"),
        reference="FT9",
    )
    assert done.state == Refund.State.DONE and done.done_by == world.reception and done.proof_sha256
    request.refresh_from_db()
    assert request.state == PaymentRequest.State.REFUNDED and request.refunded_at == done.done_at
    with pytest.raises(ValidationFailed):
        services.refund_record_done(refund=done, actor=world.reception, method="cash", proof=pdf())
    summary = selectors.payment_summary_for(request.dossier)
    assert summary.amount_refunded == 200000 and summary.state == "refunded"


def test_a_paid_dossier_not_received_gets_a_refund_due(world):
    world.version.online_payment_offered = False
    world.version.save()
    dossier = world.submit_online()
    request = world.request_of(dossier)
    collect(world, request)
    dossier.refresh_from_db()
    dossier_services.dossier_refuse_reception(
        dossier=dossier, actor=world.reception, revision=dossier.revision, reason="Hồ sơ giả mạo"
    )
    refund = Refund.objects.get(request=request)
    assert refund.reason == Refund.Reason.NOT_RECEIVED and refund.state == Refund.State.DUE
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.NOT_RECEIVED

"""Payment status in the dossier API; the jobs are registered with the worker."""

from __future__ import annotations

from motcua.core.jobs import registered_jobs
from motcua.payments import services
from motcua.payments.models import CollectionMethod

from .conftest import pdf


def test_the_dossier_detail_shows_payments(client, world, sandbox):
    dossier = world.submit_online()
    client.force_login(world.citizen)
    payment = client.get(f"/api/v1/dossiers/{dossier.code}").json()["payment"]
    assert payment["state"] == "unpaid" and payment["amount_due"] == 250000 and payment["blocks_reception"]
    (request,) = payment["requests"]
    assert (request["origin"], request["timing"], request["state_label"]) == (
        "catalog",
        "before",
        "Chưa thanh toán",
    )
    assert [(line["kind"], line["amount"]) for line in request["lines"]] == [
        ("le_phi", 200000),
        ("phi", 50000),
    ]

    transaction = services.payment_start(request=world.request_of(dossier), actor=world.citizen)
    payment = client.get(f"/api/v1/dossiers/{dossier.code}").json()["payment"]
    assert payment["state"] == "pending"
    assert payment["requests"][0]["transactions"][0]["reference"] == transaction.reference
    assert payment["requests"][0]["transactions"][0]["provider"] == "paygov"


def test_a_paid_dossier_shows_its_receipts_and_one_without_fees_shows_none(client, world):
    dossier = world.register()
    services.payment_collection_record(
        request=world.request_of(dossier),
        actor=world.reception,
        method=CollectionMethod.CASH,
        amount=200000,
        proof=pdf(),
    )
    client.force_login(world.reception)
    payment = client.get(f"/api/v1/dossiers/{dossier.code}").json()["payment"]
    assert payment["state"] == "paid" and payment["amount_paid"] == 200000 and not payment["blocks_reception"]
    assert payment["requests"][0]["paid_via"] == "cash"
    assert [(r["kind"], r["number"]) for r in payment["requests"][0]["receipts"]] == [
        ("le_phi", "LPHI/26E 0000001")
    ]

    world.version.fees.all().delete()
    free = world.register()
    assert client.get(f"/api/v1/dossiers/{free.code}").json()["payment"] is None


def test_the_jobs_are_registered():
    assert {"payments.query_pending", "payments.reconcile", "payments.store_receipts"} <= set(
        registered_jobs()
    )

"""Dossiers (already loaded by the selectors) to the API's response shapes. No queries here."""

from __future__ import annotations

from django.utils import timezone

from motcua.agencies.models import StaffRole
from motcua.api.presenters import label
from motcua.catalog.models import Channel
from motcua.dossiers.identity import ApplicantKind
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import PublicProgress
from motcua.dossiers.workflow import DossierStatus, Substate, Transition


def _local(moment):
    return timezone.localtime(moment) if moment is not None else None


def _agency(agency) -> dict:
    return {"code": agency.code, "name": agency.name}


def status(code: int) -> dict:
    return {"code": code, "label": label(DossierStatus, code)}


def dossier_summary(dossier: Dossier) -> dict:
    """Needs ``dossiers.selectors.LIST_RELATED`` loaded."""
    version = dossier.procedure_version
    return {
        "code": dossier.code,
        "status": status(dossier.status),
        "substate": dossier.substate,
        "substate_label": label(Substate, dossier.substate) if dossier.substate else "",
        "revision": dossier.revision,
        "channel": dossier.channel,
        "channel_label": label(Channel, dossier.channel),
        "procedure": {
            "national_code": version.procedure.national_code,
            "name": version.name,
            "case_id": dossier.procedure_case_id,
            "case_name": dossier.procedure_case.name,
        },
        "receiving_agency": _agency(dossier.receiving_agency),
        "competent_agency": _agency(dossier.competent_agency),
        "applicant_name": dossier.applicant_name,
        "submitted_at": _local(dossier.submitted_at),
        "received_at": _local(dossier.received_at),
        "appointment_at": _local(dossier.appointment_at),
        "finished_at": _local(dossier.finished_at),
        "returned_at": _local(dossier.returned_at),
        "is_overdue": dossier.is_overdue,
    }


def _shipment(shipment) -> dict | None:
    if shipment is None:
        return None
    return {
        "reference": shipment.reference,
        "direction": shipment.direction,
        "status": shipment.status,
        "status_label": shipment.status_label,
        "slip_number": shipment.slip_number,
        "sync_state": shipment.sync_state,
        "postage": shipment.postage,
        "status_changed_at": _local(shipment.status_changed_at),
        "delivered_at": _local(shipment.delivered_at),
        "failure_reason": shipment.failure_reason,
    }


def postal_status(postal) -> dict | None:
    """A ``postal.selectors.PostalStatus`` (or None) as the API shows it."""
    if postal is None:
        return None
    return {
        "option": postal.option,
        "option_label": postal.option_label,
        "recipient_name": postal.recipient_name,
        "return_address": postal.return_address,
        "handover_signed_at": _local(postal.handover_signed_at),
        "inbound": _shipment(postal.inbound),
        "outbound": _shipment(postal.outbound),
    }


def payment_status(summary) -> dict | None:
    """A ``payments.selectors.PaymentSummary`` (or None) as the API shows it; None when the dossier has no
    payment request."""
    if summary is None or not summary.requests:
        return None
    return {
        "state": summary.state,
        "amount_due": summary.amount_due,
        "amount_paid": summary.amount_paid,
        "amount_refunded": summary.amount_refunded,
        "blocks_reception": summary.blocks_reception,
        "requests": [
            {
                "id": str(request.public_id),
                "origin": request.origin,
                "timing": request.timing,
                "state": request.state,
                "state_label": str(request.get_state_display()),
                "description": request.description,
                "amount": request.amount,
                "online_payment_allowed": request.online_payment_allowed,
                "paid_at": _local(request.paid_at),
                "paid_via": request.paid_via,
                "paid_through_dvcqg": request.paid_through_dvcqg,
                "exempt": request.exempt,
                "exemption_reason": request.exemption_reason,
                "lines": [
                    {
                        "kind": line.kind,
                        "code": line.code,
                        "name": line.name,
                        "amount": line.amount,
                        "exempt": line.exempt,
                    }
                    for line in request.lines.all()
                ],
                "transactions": [
                    {
                        "reference": tx.reference,
                        "provider": tx.provider,
                        "through_dvcqg": tx.through_dvcqg,
                        "status": tx.status,
                        "amount": tx.amount,
                        "provider_transaction_id": tx.provider_transaction_id,
                        "bank_code": tx.bank_code,
                        "initiated_at": _local(tx.initiated_at),
                        "settled_at": _local(tx.settled_at),
                    }
                    for tx in request.transactions.all()
                ],
                "receipts": [
                    {
                        "kind": receipt.kind,
                        "number": receipt.display_number,
                        "amount": receipt.amount,
                        "issued_at": _local(receipt.issued_at),
                    }
                    for receipt in request.receipts.all()
                ],
            }
            for request in summary.requests
        ],
    }


def dossier_detail(dossier: Dossier, *, actions: list[Transition], postal=None, payment=None) -> dict:
    """Needs what ``dossiers.selectors.dossier_detail_for`` loads; ``postal`` from
    ``postal.selectors.postal_status_for_dossier``; ``payment`` from ``payments.selectors.payment_summary_for``."""
    submitter = None
    if dossier.submitter_name:
        submitter = {
            "name": dossier.submitter_name,
            "identity_number": dossier.submitter_identity_number,
            "phone": dossier.submitter_phone,
            "authorisation_document": dossier.authorisation_document,
        }
    return {
        **dossier_summary(dossier),
        "summary": dossier.summary,
        "result_channel": dossier.result_channel,
        "clock_started_at": _local(dossier.clock_started_at),
        "due_at": _local(dossier.due_at),
        "applicant": {
            "kind": dossier.applicant_kind,
            "kind_label": label(ApplicantKind, dossier.applicant_kind),
            "name": dossier.applicant_name,
            "identity_number": dossier.applicant_identity_number,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
            "address": dossier.applicant_address,
        },
        "submitter": submitter,
        "components": [
            {
                "component_id": component.case_component_id,
                "name": component.name,
                "copy_type": component.copy_type,
                "quantity": component.quantity,
                "reused_code": component.reused_code,
                "files": [
                    {
                        "name": item.original_name,
                        "size": item.size,
                        "sha256": item.sha256,
                        "content_type": item.content_type,
                        "uploaded_at": _local(item.uploaded_at),
                    }
                    for item in component.files.all()
                ],
            }
            for component in dossier.components.all()
        ],
        "steps": [
            {
                "id": step.pk,
                "kind": step.kind,
                "stage": step.stage,
                "name": step.name,
                "agency": _agency(step.agency),
                "role": step.role,
                "role_label": label(StaffRole, step.role),
                "assignee": str(step.assignee) if step.assignee_id else None,
                "started_at": _local(step.started_at),
                "due_at": _local(step.due_at),
                "finished_at": _local(step.finished_at),
                "timeliness": step.timeliness,
            }
            for step in sorted(dossier.steps.all(), key=lambda s: (s.stage, s.order, s.pk))
        ],
        "results": [
            {"code": result.code, "name": result.name, "issued_at": _local(result.issued_at)}
            for result in dossier.results.all()
        ],
        "actions": [
            {"name": t.name, "label": str(t.label), "reason_required": t.reason_required} for t in actions
        ],
        "postal": postal_status(postal),
        "payment": payment_status(payment),
    }


def public_progress(progress: PublicProgress) -> dict:
    """Exactly what the public lookup answers: no personal data."""
    return {
        "dossier_code": progress.code,
        "status": {"code": progress.status, "label": progress.status_label},
        "procedure_name": progress.procedure_name,
        "receiving_agency_name": progress.receiving_agency_name,
        "appointment_at": _local(progress.appointment_at),
        "completed_steps": [
            {"name": step.name, "finished_at": _local(step.finished_at)} for step in progress.completed_steps
        ],
    }

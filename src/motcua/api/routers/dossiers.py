"""Dossiers for partner systems (bearer token) and signed-in people (session): submit, read, list, act.

Every rule is the domain's: who may see a dossier (``dossiers.selectors``), who may do what and when
(``dossiers.workflow`` through ``dossiers.services``). A partner system acts through its service account,
holding its roles at its agency, and only the actions it is allowed. This module only translates.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router, Status

from motcua.agencies.models import Agency
from motcua.api import presenters_dossiers
from motcua.api.auth import TOKEN_OR_SESSION, Caller, client_address
from motcua.api.pagination import paginate
from motcua.api.schemas import Problem
from motcua.api.schemas_dossiers import (
    ActionIn,
    DocumentIn,
    DossierCreateIn,
    DossierDetailOut,
    DossierListQuery,
    DossierPage,
    FileIn,
)
from motcua.catalog.models import CaseComponent, Channel, ProcedureCase
from motcua.catalog.selectors import versions_in_force
from motcua.core.errors import Conflict, ValidationFailed
from motcua.dossiers import services
from motcua.dossiers.models import Dossier, ResultChannel
from motcua.dossiers.selectors import DossierFilters, dossier_detail_for, dossier_get_for, dossier_search_for
from motcua.dossiers.workflow import TRANSITIONS, DossierStatus, available_transitions
from motcua.integration.selectors import api_client_check_action
from motcua.integration.services import CLIENT_ACTIONS, dossier_submit_idempotent
from motcua.payments.selectors import payment_summary_for
from motcua.payments.services import LineData, payment_request_obligation
from motcua.postal.selectors import postal_status_for_dossier

router = Router(tags=["dossiers"], auth=TOKEN_OR_SESSION)

CODE_PATH = Path(..., max_length=60, description="Mã hồ sơ, ví dụ 000.00.01.H42-260302-0001.")
# The workflow's "not from this state" and "precondition failed" are conflicts with the dossier's state here.
STATE_CONFLICT_CODES = {"transition_not_allowed", "transition_precondition"}


def _caller(request) -> Caller:
    return request.auth


def _detail(caller: Caller, code: str) -> dict:
    dossier = dossier_detail_for(caller.user, code)
    actions = available_transitions(dossier, caller.user)
    if caller.client is not None:
        actions = [t for t in actions if t.name in caller.client.allowed_actions]
    return presenters_dossiers.dossier_detail(
        dossier,
        actions=actions,
        postal=postal_status_for_dossier(dossier),
        payment=payment_summary_for(dossier),
    )


# --- Reading ------------------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: DossierPage, 401: Problem, 422: Problem},
    operation_id="dossier_list",
    summary="Danh sách hồ sơ",
    description=(
        "Hồ sơ bên gọi được xem, mới nộp trước: hệ thống kết nối thấy hồ sơ mà cơ quan của mình tiếp nhận, "
        "giải quyết, đang giữ bước xử lý hoặc được lấy ý kiến; người dân thấy hồ sơ của mình. Lọc theo trạng "
        "thái và ngày tiếp nhận (`from`, `to`). Có phân trang; số truy vấn không phụ thuộc số hồ sơ."
    ),
)
def dossier_list(request, query: Query[DossierListQuery]):
    filters = DossierFilters(status=query.status, received_from=query.from_, received_to=query.to)
    dossiers = dossier_search_for(_caller(request).user, filters=filters)
    return paginate(
        dossiers, page=query.page, page_size=query.page_size, present=presenters_dossiers.dossier_summary
    )


@router.get(
    "/{code}",
    response={200: DossierDetailOut, 401: Problem, 404: Problem},
    operation_id="dossier_detail",
    summary="Chi tiết hồ sơ",
    description=(
        "Toàn bộ hồ sơ: chủ hồ sơ, thành phần và tệp (tên, dung lượng, mã băm), quá trình xử lý, kết quả, "
        "phiên bản dữ liệu (`revision`) và các thao tác bên gọi được thực hiện lúc này. Hồ sơ không tồn tại "
        "và hồ sơ bên gọi không được xem đều trả về cùng một lỗi 404."
    ),
)
def dossier_detail(request, code: str = CODE_PATH):
    return _detail(_caller(request), code)


# --- Submission -----------------------------------------------------------------------------------------------


def _decode(item: FileIn) -> SimpleUploadedFile:
    try:
        content = base64.b64decode(item.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            _("Tệp “%(name)s”: nội dung không phải base64 hợp lệ.") % {"name": item.name},
            code="invalid_base64",
        ) from None
    return SimpleUploadedFile(item.name, content)


def _documents(case: ProcedureCase, documents: list[DocumentIn]) -> list[services.DocumentData]:
    components = {component.pk: component for component in CaseComponent.objects.filter(case=case)}
    converted = []
    for document in documents:
        component = None
        if document.component_id is not None:
            component = components.get(document.component_id)
            if component is None:
                raise ValidationFailed(
                    _("Thành phần hồ sơ số %(id)s không thuộc trường hợp “%(case)s”.")
                    % {"id": document.component_id, "case": case.name},
                    code="unknown_component",
                )
        converted.append(
            services.DocumentData(
                case_component=component,
                name=document.name,
                copy_type=document.copy_type,
                quantity=document.quantity,
                reused_code=document.reused_code,
                files=[_decode(item) for item in document.files],
            )
        )
    return converted


def _case(procedure: str, case_id: int | None) -> ProcedureCase:
    version = (
        versions_in_force()
        .filter(procedure__national_code=procedure.strip())
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        raise ValidationFailed(
            _("Không có thủ tục hành chính mã %(code)s đang áp dụng.") % {"code": procedure},
            code="unknown_procedure",
        )
    cases = list(version.cases.select_related("version").order_by("order", "pk"))
    if case_id is not None:
        case = next((case for case in cases if case.pk == case_id), None)
        if case is None:
            raise ValidationFailed(
                _("Trường hợp số %(id)s không thuộc thủ tục %(code)s.") % {"id": case_id, "code": procedure},
                code="unknown_case",
            )
        return case
    if len(cases) != 1:
        raise ValidationFailed(
            _("Thủ tục %(code)s có %(count)s trường hợp; hãy chọn case_id trong: %(ids)s.")
            % {"code": procedure, "count": len(cases), "ids": ", ".join(str(case.pk) for case in cases)},
            code="case_required",
        )
    return cases[0]


def _agency(code: str, *, field: str) -> Agency:
    agency = Agency.objects.filter(is_active=True).filter(Q(code=code) | Q(code_qd20=code)).first()
    if agency is None:
        raise ValidationFailed(
            _("Không tìm thấy cơ quan có mã %(code)s.") % {"code": code},
            code="unknown_agency",
            extra={"errors": [{"field": field, "message": _("Không tìm thấy cơ quan.")}]},
        )
    return agency


def _create(caller: Caller, payload: DossierCreateIn, origin: str) -> Dossier:
    case = _case(payload.procedure, payload.case_id)
    if payload.receiving_agency:
        receiving = _agency(payload.receiving_agency, field="receiving_agency")
    elif caller.client is not None:
        receiving = caller.client.agency
    else:
        raise ValidationFailed(
            _("Vui lòng chọn cơ quan tiếp nhận (receiving_agency)."), code="receiving_agency_required"
        )
    competent = (
        _agency(payload.competent_agency, field="competent_agency") if payload.competent_agency else receiving
    )
    applicant = services.ApplicantData(**payload.applicant.model_dump())
    submitter = services.SubmitterData(**payload.submitter.model_dump()) if payload.submitter else None
    documents = _documents(case, payload.documents)
    common = {
        "actor": caller.user,
        "procedure_case": case,
        "receiving_agency": receiving,
        "competent_agency": competent,
        "applicant": applicant,
        "documents": documents,
        "summary": payload.summary,
        "submitter": submitter,
        "origin": origin,
    }
    if payload.channel == Channel.ONLINE:
        return services.dossier_submit_online(
            **common, result_channel=payload.result_channel or ResultChannel.ONLINE
        )
    return services.dossier_register_at_counter(
        **common,
        channel=payload.channel,
        result_channel=payload.result_channel or ResultChannel.COUNTER,
        submitted_at=payload.submitted_at,
    )


def _fingerprint(payload: DossierCreateIn) -> str:
    canonical = json.dumps(
        payload.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@router.post(
    "",
    response={201: DossierDetailOut, 401: Problem, 403: Problem, 409: Problem, 422: Problem},
    operation_id="dossier_create",
    summary="Nộp hồ sơ",
    description=(
        "Cho phần mềm tại quầy và hệ thống đối tác. Kênh `direct`/`postal`: cán bộ (hoặc hệ thống kết nối có vai "
        "trò cán bộ tiếp nhận tại cơ quan tiếp nhận) tiếp nhận hồ sơ giấy: hồ sơ có mã, hạn và ngày hẹn trả "
        "(trạng thái 2). Kênh `online`: hồ sơ trực tuyến chờ tiếp nhận (trạng thái 1). Tệp gửi trong JSON dạng "
        "base64 (cả yêu cầu tối đa 10 MB). Gửi kèm tiêu đề `Idempotency-Key` (chuỗi duy nhất do bên gọi sinh) "
        "để gửi lại an toàn: yêu cầu lặp lại với cùng khóa trả về đúng hồ sơ đã tạo (tiêu đề "
        "`Idempotent-Replayed: true`), không bao giờ tạo hồ sơ thứ hai. Dữ liệu không hợp lệ (số định danh, "
        "loại hoặc dung lượng tệp, thiếu giấy tờ bắt buộc…) trả về 422 và không lưu gì."
    ),
)
def dossier_create(
    request,
    payload: DossierCreateIn,
    response: HttpResponse,
    idempotency_key: str = Header(
        "",
        alias="Idempotency-Key",
        max_length=200,
        description="Khóa chống trùng do bên gọi sinh (ví dụ UUID), dùng lại khi gửi lại cùng một hồ sơ.",
    ),
):
    caller = _caller(request)
    action = "submit_online" if payload.channel == Channel.ONLINE else "register"
    if caller.client is not None:
        api_client_check_action(client=caller.client, action=action)
    origin = client_address(request)
    submission = dossier_submit_idempotent(
        scope=caller.scope,
        key=idempotency_key,
        fingerprint=_fingerprint(payload),
        create=lambda: _create(caller, payload, origin),
    )
    if submission.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(201, _detail(caller, submission.dossier.code))


# --- Actions ------------------------------------------------------------------------------------------------


def _user(username: str, *, field: str):
    user = (
        get_user_model().objects.filter(username=username.strip(), is_active=True).first()
        if username
        else None
    )
    if user is None:
        raise ValidationFailed(
            _("Không tìm thấy cán bộ có tên đăng nhập “%(name)s”.") % {"name": username},
            code="unknown_user",
            extra={"errors": [{"field": field, "message": _("Không tìm thấy cán bộ.")}]},
        )
    return user


def _step(dossier: Dossier, step_id: int | None):
    if step_id is None:
        return None
    step = dossier.steps.filter(pk=step_id).first()
    if step is None:
        raise ValidationFailed(_("Hồ sơ không có bước số %(id)s.") % {"id": step_id}, code="unknown_step")
    return step


def _required(value, field: str):
    if value is None:
        message = _("Thiếu giá trị bắt buộc.")
        raise ValidationFailed(
            _("Thao tác này cần %(field)s.") % {"field": field},
            extra={"errors": [{"field": field, "message": message}]},
        )
    return value


def _results(body: ActionIn) -> list[services.ResultData]:
    return [
        services.ResultData(name=item.name, file=_decode(item.file) if item.file is not None else None)
        for item in body.results
    ]


def _request_supplement(name: str, dossier: Dossier, body: ActionIn, kw: dict) -> Dossier:
    """One service serves both names (it picks by status): the name called must be the one it would pick."""
    picked = (
        "request_supplement_at_reception"
        if dossier.status == DossierStatus.SUBMITTED
        else "request_supplement"
    )
    if name != picked:
        raise Conflict(
            _(
                "Không thể thực hiện “%(action)s” khi hồ sơ đang ở trạng thái “%(state)s”; hãy dùng “%(other)s”."
            )
            % {"action": TRANSITIONS[name].label, "state": dossier.get_status_display(), "other": picked},
            code="transition_not_allowed",
        )
    return services.dossier_request_supplement(**kw, reason=body.reason, items=body.items)


def _request_payment(dossier: Dossier, body: ActionIn, kw: dict) -> Dossier:
    """A financial obligation with its lines, through the payments app (as the back office's form): the dossier
    goes to status 6 with a payment request the applicant can pay online or at the counter."""
    if not body.lines:
        raise ValidationFailed(
            _("Vui lòng nêu ít nhất một khoản phải nộp (tên, loại phí hoặc lệ phí, số tiền)."),
            code="obligation_lines_required",
            extra={"errors": [{"field": "lines", "message": _("Thiếu giá trị bắt buộc.")}]},
        )
    payment_request_obligation(
        **kw,
        description=body.description,
        lines=[LineData(name=line.name, amount=line.amount, kind=line.kind) for line in body.lines],
    )
    return dossier


Perform = Callable[[Dossier, Caller, ActionIn, dict], Dossier]

# Each action: the service it calls, with the parameters it reads from the body.
PERFORM: dict[str, Perform] = {
    "receive": lambda d, c, b, kw: services.dossier_receive(**kw),
    "refuse_reception": lambda d, c, b, kw: services.dossier_refuse_reception(**kw, reason=b.reason),
    "request_supplement_at_reception": lambda d, c, b, kw: _request_supplement(
        "request_supplement_at_reception", d, b, kw
    ),
    "request_supplement": lambda d, c, b, kw: _request_supplement("request_supplement", d, b, kw),
    "submit_supplement": lambda d, c, b, kw: services.dossier_submit_supplement(
        **kw, documents=_documents(d.procedure_case, b.documents)
    ),
    "assign": lambda d, c, b, kw: services.dossier_assign(
        **kw, assignee=_user(b.assignee, field="assignee"), step=_step(d, b.step_id)
    ),
    "hand_over": lambda d, c, b, kw: services.dossier_hand_over(
        **kw,
        step=_step(d, b.step_id),
        next_assignee=_user(b.next_assignee, field="next_assignee") if b.next_assignee else None,
        note=b.note,
    ),
    "consult": lambda d, c, b, kw: services.dossier_consult(
        **kw,
        agencies=[_agency(code, field="agencies") for code in b.agencies],
        question=b.question,
        deadline=_required(b.deadline, "deadline"),
    ),
    "answer_consultation": lambda d, c, b, kw: services.dossier_answer_consultation(**kw, answer=b.answer),
    "submit_for_approval": lambda d, c, b, kw: services.dossier_submit_for_approval(
        **kw, step=_step(d, b.step_id), note=b.note
    ),
    "approve": lambda d, c, b, kw: services.dossier_approve(**kw, results=_results(b)),
    "send_back": lambda d, c, b, kw: services.dossier_send_back(**kw, reason=b.reason),
    "refuse": lambda d, c, b, kw: services.dossier_refuse(**kw, reason=b.reason),
    "request_payment": lambda d, c, b, kw: _request_payment(d, b, kw),
    "propose_extension": lambda d, c, b, kw: services.dossier_propose_extension(
        **kw, reason=b.reason, new_appointment=_required(b.new_appointment, "new_appointment")
    ),
    "approve_extension": lambda d, c, b, kw: services.dossier_approve_extension(**kw, note=b.note),
    "reject_extension": lambda d, c, b, kw: services.dossier_reject_extension(**kw, reason=b.reason),
    "notify_early_return": lambda d, c, b, kw: services.dossier_notify_early_return(**kw),
    "return_result": lambda d, c, b, kw: services.dossier_return_result(**kw, channel=b.channel),
    "withdraw": lambda d, c, b, kw: services.dossier_withdraw(**kw, reason=b.reason),
    "stop": lambda d, c, b, kw: services.dossier_stop(**kw, reason=b.reason),
    "attach_file": lambda d, c, b, kw: services.dossier_attach_files(
        **kw, documents=_documents(d.procedure_case, b.documents)
    ),
}
assert set(PERFORM) == {name for name in CLIENT_ACTIONS if not TRANSITIONS[name].creates}, (
    "every action mapped"
)


@router.post(
    "/{code}/actions/{action}",
    response={200: DossierDetailOut, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem},
    operation_id="dossier_action",
    summary="Thực hiện thao tác trên hồ sơ",
    description=(
        "Thao tác theo bảng chuyển trạng thái của quy trình (như trên trang cán bộ), ví dụ `receive`, "
        "`request_supplement`, `assign`, `hand_over`, `approve`, `return_result`. Thân yêu cầu luôn có "
        "`revision` (phiên bản dữ liệu đã đọc) và các tham số của thao tác. Kết quả: hồ sơ sau thao tác. "
        "Hồ sơ đã thay đổi sau khi đọc: 409 “Hồ sơ vừa được thay đổi”. Không có quyền: 403; thao tác không "
        "thực hiện được ở trạng thái hiện tại: 409 kèm lý do; thao tác không tồn tại hoặc tham số sai: 422. "
        "Khi bị từ chối, hồ sơ không thay đổi gì."
    ),
)
def dossier_action(
    request,
    body: ActionIn,
    code: str = CODE_PATH,
    action: str = Path(
        ..., max_length=60, description="Tên thao tác (cột `name` của bảng chuyển trạng thái)."
    ),
):
    caller = _caller(request)
    perform = PERFORM.get(action)
    if perform is None:
        hint = ""
        if action in TRANSITIONS and TRANSITIONS[action].creates:
            hint = " " + _("Hồ sơ mới được nộp bằng POST /api/v1/dossiers.")
        raise ValidationFailed(
            _("Thao tác “%(action)s” không tồn tại.") % {"action": action} + hint,
            code="unknown_action",
            extra={
                "errors": [
                    {
                        "field": "action",
                        "message": _("Chọn một thao tác trong: %(names)s.") % {"names": ", ".join(PERFORM)},
                    }
                ]
            },
        )
    dossier = dossier_get_for(caller.user, code)
    if caller.client is not None:
        api_client_check_action(client=caller.client, action=action)
    common = {
        "dossier": dossier,
        "actor": caller.user,
        "revision": body.revision,
        "origin": client_address(request),
    }
    try:
        perform(dossier, caller, body, common)
    except ValidationFailed as error:
        if error.code in STATE_CONFLICT_CODES:
            raise Conflict(error.message, code=error.code, extra=error.extra) from error
        raise
    return _detail(caller, dossier.code)

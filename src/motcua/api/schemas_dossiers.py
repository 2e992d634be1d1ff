"""Request and response shapes of the dossier endpoints and the public lookup (API v1).

Descriptions are the API's documentation (plain Vietnamese literals, see ``schemas.py``). Files travel inside
the JSON as base64 (``FileIn``): one request carries the whole submission, so it can be replayed safely with
an ``Idempotency-Key`` and is typed end to end in the OpenAPI document.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema

from motcua.api.schemas import PageMeta, PageQuery
from motcua.catalog.models import Channel, Fee
from motcua.dossiers.identity import ApplicantKind
from motcua.dossiers.models import CopyType, ResultChannel
from motcua.dossiers.workflow import Substate

ChannelCode = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
ResultChannelCode = Literal[tuple(ResultChannel.values)]  # type: ignore[valid-type]
ApplicantKindCode = Literal[tuple(ApplicantKind.values)]  # type: ignore[valid-type]
CopyTypeCode = Literal[tuple(CopyType.values)]  # type: ignore[valid-type]
SubstateCode = Literal[tuple(Substate.values)]  # type: ignore[valid-type]
FeeKindCode = Literal[tuple(Fee.Kind.values)]  # type: ignore[valid-type]


# --- Input ---------------------------------------------------------------------------------------------------


class FileIn(Schema):
    name: str = Field(
        ...,
        min_length=1,
        max_length=255,
        description="Tên tệp kèm đuôi, ví dụ to-khai.pdf.",
        examples=["to-khai.pdf"],
    )
    content_base64: str = Field(
        ...,
        min_length=1,
        description=(
            "Nội dung tệp mã hóa base64 (RFC 4648). Loại tệp được nhận dạng từ nội dung, phải khớp với đuôi "
            "tên tệp và thuộc các định dạng thành phần hồ sơ chấp nhận; dung lượng trong giới hạn của thành phần."
        ),
    )


class DocumentIn(Schema):
    component_id: int | None = Field(
        None,
        description=(
            "Mã số thành phần hồ sơ của trường hợp thủ tục (`cases[].components[].id` trong "
            "GET /procedures/{code}); để trống với giấy tờ khác, khi đó phải có `name`."
        ),
    )
    name: str = Field("", max_length=500, description="Tên giấy tờ khác (khi không có `component_id`).")
    copy_type: CopyTypeCode = Field(
        CopyType.DIGITISED.value, description="Hình thức: original, copy, digitised."
    )
    quantity: int = Field(1, ge=1, le=100, description="Số lượng.")
    reused_code: str = Field(
        "", max_length=80, description="Mã giấy tờ hoặc mã kết quả (…-KQn) được tái sử dụng thay cho tệp."
    )
    files: list[FileIn] = Field([], max_length=20, description="Tệp của giấy tờ.")


class ApplicantIn(Schema):
    kind: ApplicantKindCode = Field(
        ApplicantKind.CITIZEN.value, description="Loại chủ hồ sơ: citizen, business, organisation."
    )
    name: str = Field(..., min_length=1, max_length=255, description="Tên chủ hồ sơ.")
    identity_number: str = Field(
        "",
        max_length=20,
        description="Công dân: số định danh cá nhân 12 chữ số (hoặc CMND 9 chữ số); doanh nghiệp: mã số thuế.",
    )
    phone: str = Field("", max_length=20, description="Số điện thoại.")
    email: str = Field("", max_length=254, description="Thư điện tử.")
    address: str = Field("", max_length=500, description="Địa chỉ.")


class SubmitterIn(Schema):
    name: str = Field(..., min_length=1, max_length=255, description="Họ tên người được ủy quyền nộp.")
    identity_number: str = Field(
        "", max_length=20, description="Số định danh cá nhân của người được ủy quyền."
    )
    phone: str = Field("", max_length=20, description="Số điện thoại.")
    authorisation_document: str = Field("", max_length=255, description="Giấy ủy quyền (số, ngày).")


class DossierCreateIn(Schema):
    procedure: str = Field(
        ..., min_length=1, max_length=20, description="Mã TTHC quốc gia của thủ tục.", examples=["1.001193"]
    )
    case_id: int | None = Field(
        None, description="Mã số trường hợp thủ tục; bỏ trống khi thủ tục chỉ có một trường hợp."
    )
    channel: ChannelCode = Field(
        Channel.DIRECT.value,
        description=(
            "Kênh nộp: direct (tại quầy) hoặc postal (bưu chính): hồ sơ được tiếp nhận ngay (trạng thái 2, có "
            "ngày hẹn trả); online: hồ sơ trực tuyến chờ tiếp nhận (trạng thái 1)."
        ),
    )
    receiving_agency: str | None = Field(
        None,
        max_length=35,
        description=(
            "Mã định danh cơ quan có bộ phận một cửa tiếp nhận; mặc định là cơ quan của hệ thống kết nối."
        ),
    )
    competent_agency: str | None = Field(
        None,
        max_length=35,
        description="Mã định danh cơ quan có thẩm quyền giải quyết; mặc định là cơ quan tiếp nhận.",
    )
    applicant: ApplicantIn = Field(..., description="Chủ hồ sơ.")
    submitter: SubmitterIn | None = Field(None, description="Người được ủy quyền nộp, nếu có.")
    summary: str = Field("", max_length=1000, description="Trích yếu; mặc định là tên thủ tục.")
    result_channel: ResultChannelCode | None = Field(
        None,
        description="Hình thức nhận kết quả: counter, online, postal; mặc định counter (hồ sơ giấy) hoặc online.",
    )
    submitted_at: datetime | None = Field(
        None,
        description=(
            "Hồ sơ bưu chính: thời điểm ký biên bản giao nhận (thời điểm tiếp nhận theo quy định). Mặc định: "
            "thời điểm gửi yêu cầu."
        ),
    )
    documents: list[DocumentIn] = Field(
        [],
        max_length=50,
        description="Thành phần hồ sơ. Hồ sơ trực tuyến phải có tệp (hoặc mã tái sử dụng) cho mọi thành phần bắt buộc.",
    )


class ResultIn(Schema):
    name: str = Field(..., min_length=1, max_length=500, description="Tên kết quả giải quyết.")
    file: FileIn | None = Field(
        None, description="Tệp kết quả (pdf, docx, doc, jpg, png, xml; tối đa 50 MB)."
    )


class ObligationLineIn(Schema):
    name: str = Field(
        ...,
        min_length=1,
        max_length=500,
        description="Tên khoản phải nộp.",
        examples=["Lệ phí cấp giấy chứng nhận"],
    )
    kind: FeeKindCode = Field(..., description="Loại khoản: `phi` (phí) hoặc `le_phi` (lệ phí).")
    amount: int = Field(..., gt=0, description="Số tiền (đồng), lớn hơn 0.", examples=[100000])


class ActionIn(Schema):
    """Parameters of every action; each action reads the ones it needs (see the table in docs/api.md)."""

    revision: int = Field(
        ...,
        ge=0,
        description=(
            "Phiên bản dữ liệu (`revision`) của hồ sơ mà bên gọi đã đọc. Hồ sơ đã thay đổi sau đó thì thao tác "
            "bị từ chối (409) và không có gì thay đổi."
        ),
    )
    reason: str = Field(
        "", max_length=4000, description="Lý do (bắt buộc với thao tác từ chối, trả lại, dừng, rút…)."
    )
    note: str = Field("", max_length=4000, description="Ghi chú của bước hoặc ý kiến lãnh đạo.")
    items: list[str] = Field(
        [], max_length=50, description="request_supplement: danh sách đầy đủ giấy tờ cần bổ sung."
    )
    assignee: str = Field("", max_length=150, description="assign: tên đăng nhập của cán bộ được giao.")
    step_id: int | None = Field(
        None, description="assign, hand_over, submit_for_approval: mã số bước (`steps[].id`)."
    )
    next_assignee: str = Field(
        "", max_length=150, description="hand_over: tên đăng nhập của cán bộ nhận bước tiếp theo."
    )
    agencies: list[str] = Field(
        [], max_length=20, description="consult: mã định danh các cơ quan được lấy ý kiến."
    )
    question: str = Field("", max_length=4000, description="consult: nội dung xin ý kiến.")
    deadline: datetime | None = Field(None, description="consult: hạn trả lời.")
    answer: str = Field("", max_length=4000, description="answer_consultation: ý kiến trả lời.")
    description: str = Field(
        "",
        max_length=1000,
        description="request_payment: nghĩa vụ tài chính cần thực hiện (nội dung thanh toán người nộp thấy).",
    )
    lines: list[ObligationLineIn] = Field(
        [],
        max_length=20,
        description=(
            "request_payment: các khoản phải nộp (ít nhất một). Người nộp thanh toán trực tuyến hoặc nộp tại bộ "
            "phận một cửa; khi đã thanh toán, được ghi nhận thu hoặc miễn, hồ sơ tự động được giải quyết tiếp."
        ),
    )
    new_appointment: datetime | None = Field(None, description="propose_extension: ngày hẹn trả mới.")
    channel: ResultChannelCode | None = Field(
        None, description="return_result: hình thức trả kết quả; mặc định hình thức người nộp đã chọn."
    )
    results: list[ResultIn] = Field([], max_length=10, description="approve: các kết quả giải quyết.")
    documents: list[DocumentIn] = Field(
        [], max_length=50, description="submit_supplement, attach_file: giấy tờ và tệp."
    )


class DossierFilters(Schema):
    status: int | None = Field(None, ge=1, le=10, description="Trạng thái hồ sơ (mã quốc gia 1–10).")
    from_: date | None = Field(None, alias="from", description="Tiếp nhận từ ngày (YYYY-MM-DD).")
    to: date | None = Field(None, description="Tiếp nhận đến hết ngày (YYYY-MM-DD).")


class DossierListQuery(PageQuery, DossierFilters):
    pass


# --- Output --------------------------------------------------------------------------------------------------


class StatusOut(Schema):
    code: int = Field(description="Mã trạng thái quốc gia (1–10).")
    label: str = Field(description="Tên trạng thái.")


class AgencyRefOut(Schema):
    code: str = Field(description="Mã định danh cơ quan (QCVN 102:2016).")
    name: str = Field(description="Tên cơ quan.")


class ProcedureRefOut(Schema):
    national_code: str = Field(description="Mã TTHC quốc gia.")
    name: str = Field(description="Tên thủ tục (theo phiên bản hồ sơ được tiếp nhận).")
    case_id: int = Field(description="Mã số trường hợp thủ tục.")
    case_name: str = Field(description="Tên trường hợp thủ tục.")


class DossierSummaryOut(Schema):
    code: str = Field(description="Mã hồ sơ.")
    status: StatusOut = Field(description="Trạng thái hồ sơ.")
    substate: SubstateCode = Field(description="Tình trạng xử lý trong trạng thái (mã).")
    substate_label: str = Field(description="Tình trạng xử lý.")
    revision: int = Field(description="Phiên bản dữ liệu: gửi lại giá trị này khi thực hiện thao tác.")
    channel: ChannelCode = Field(description="Kênh nộp.")
    channel_label: str = Field(description="Tên kênh nộp.")
    procedure: ProcedureRefOut = Field(description="Thủ tục và trường hợp.")
    receiving_agency: AgencyRefOut = Field(description="Cơ quan tiếp nhận.")
    competent_agency: AgencyRefOut = Field(description="Cơ quan có thẩm quyền giải quyết.")
    applicant_name: str = Field(description="Tên chủ hồ sơ.")
    submitted_at: datetime | None = Field(description="Thời điểm nộp.")
    received_at: datetime | None = Field(description="Thời điểm tiếp nhận.")
    appointment_at: datetime | None = Field(description="Ngày hẹn trả kết quả.")
    finished_at: datetime | None = Field(description="Thời điểm có kết quả.")
    returned_at: datetime | None = Field(description="Thời điểm trả kết quả.")
    is_overdue: bool = Field(description="Quá hạn: đã qua ngày hẹn trả mà hồ sơ còn đang giải quyết.")


class DossierPage(PageMeta):
    items: list[DossierSummaryOut]


class ApplicantOut(Schema):
    kind: ApplicantKindCode = Field(description="Loại chủ hồ sơ.")
    kind_label: str = Field(description="Tên loại chủ hồ sơ.")
    name: str = Field(description="Tên chủ hồ sơ.")
    identity_number: str = Field(description="Số định danh hoặc mã số thuế.")
    phone: str = Field(description="Số điện thoại.")
    email: str = Field(description="Thư điện tử.")
    address: str = Field(description="Địa chỉ.")


class SubmitterOut(Schema):
    name: str = Field(description="Họ tên người được ủy quyền.")
    identity_number: str = Field(description="Số định danh cá nhân.")
    phone: str = Field(description="Số điện thoại.")
    authorisation_document: str = Field(description="Giấy ủy quyền.")


class FileOut(Schema):
    name: str = Field(description="Tên tệp gốc.")
    size: int = Field(description="Dung lượng (byte).")
    sha256: str = Field(description="Mã băm SHA-256 của nội dung.")
    content_type: str = Field(description="Định dạng nhận dạng từ nội dung.")
    uploaded_at: datetime = Field(description="Thời điểm tải lên.")


class DossierComponentOut(Schema):
    component_id: int | None = Field(description="Mã số thành phần theo quy định, nếu có.")
    name: str = Field(description="Tên giấy tờ.")
    copy_type: CopyTypeCode = Field(description="Hình thức.")
    quantity: int = Field(description="Số lượng.")
    reused_code: str = Field(description="Mã giấy tờ, kết quả được tái sử dụng.")
    files: list[FileOut] = Field(description="Tệp đính kèm.")


class StepOut(Schema):
    id: int = Field(description="Mã số bước.")
    kind: Literal["reception", "process", "return"] = Field(description="Loại bước.")
    stage: int = Field(description="Nhóm xử lý (các bước cùng nhóm xử lý song song).")
    name: str = Field(description="Tên bước.")
    agency: AgencyRefOut = Field(description="Cơ quan thực hiện.")
    role: str = Field(description="Vai trò thực hiện.")
    role_label: str = Field(description="Tên vai trò.")
    assignee: str | None = Field(description="Cán bộ được giao.")
    started_at: datetime | None = Field(description="Bắt đầu.")
    due_at: datetime | None = Field(description="Hạn của bước.")
    finished_at: datetime | None = Field(description="Kết thúc.")
    timeliness: Literal["", "early", "on_time", "late"] = Field(description="Trước hạn, đúng hạn, quá hạn.")


class ResultOutItem(Schema):
    code: str = Field(description="Mã kết quả (<mã hồ sơ>-KQn).")
    name: str = Field(description="Tên kết quả.")
    issued_at: datetime = Field(description="Thời điểm ban hành.")


class ActionOut(Schema):
    name: str = Field(description="Tên thao tác dùng trong POST /dossiers/{code}/actions/{action}.")
    label: str = Field(description="Tên thao tác.")
    reason_required: bool = Field(description="Phải nêu lý do.")


class PostalShipmentOut(Schema):
    reference: str = Field(description="Mã tham chiếu của đơn bưu gửi (do hệ thống cấp).")
    direction: Literal["inbound", "outbound"] = Field(
        description="inbound: bưu chính chuyển hồ sơ đến cơ quan; outbound: chuyển trả kết quả."
    )
    status: Literal[
        "created",
        "accepted",
        "picked_up",
        "in_transit",
        "delivered",
        "delivery_failed",
        "returned",
        "cancelled",
    ] = Field(description="Trạng thái bưu gửi.")
    status_label: str = Field(description="Tên trạng thái.")
    slip_number: str = Field(description="Số phiếu gửi của doanh nghiệp bưu chính (trống khi chưa có).")
    sync_state: Literal["queued", "sending", "sent", "failed"] = Field(
        description="Yêu cầu gửi doanh nghiệp bưu chính: đang chờ, đang gửi, đã gửi, lỗi."
    )
    postage: int | None = Field(description="Cước phí (đồng), người dân trả.")
    status_changed_at: datetime | None = Field(description="Thời điểm đổi trạng thái.")
    delivered_at: datetime | None = Field(description="Thời điểm phát thành công.")
    failure_reason: str = Field(description="Lý do phát không thành công.")


class PostalOut(Schema):
    option: Literal["", "send", "return", "both"] = Field(
        description="Gửi hồ sơ, nhận kết quả, hoặc cả hai qua bưu chính công ích (trống: chỉ có đơn bưu gửi)."
    )
    option_label: str = Field(description="Tên hình thức.")
    recipient_name: str = Field(description="Người nhận kết quả.")
    return_address: str = Field(description="Địa chỉ nhận kết quả.")
    handover_signed_at: datetime | None = Field(
        description="Thời điểm ký biên bản giao nhận hồ sơ (thời điểm nộp hợp lệ của hồ sơ qua bưu chính)."
    )
    inbound: PostalShipmentOut | None = Field(description="Chiều chuyển hồ sơ đến cơ quan.")
    outbound: PostalShipmentOut | None = Field(description="Chiều chuyển trả kết quả.")


class PaymentLineOut(Schema):
    kind: Literal["phi", "le_phi"] = Field(description="phi (phí) hoặc le_phi (lệ phí).")
    code: str = Field(description="Mã phí, lệ phí.")
    name: str = Field(description="Tên khoản thu.")
    amount: int = Field(description="Số tiền (đồng).")
    exempt: bool = Field(description="Người nộp được miễn khoản này.")


class PaymentTransactionOut(Schema):
    reference: str = Field(description="Mã tham chiếu của hệ thống (MaThamChieu / vnp_TxnRef).")
    provider: Literal["paygov", "vnpay"] = Field(description="Cổng thanh toán.")
    through_dvcqg: bool = Field(description="Thanh toán qua nền tảng thanh toán của Cổng DVCQG.")
    status: Literal["initiated", "succeeded", "failed"] = Field(description="Khởi tạo, thành công, thất bại.")
    amount: int = Field(description="Số tiền (đồng).")
    provider_transaction_id: str = Field(description="Mã giao dịch của cổng (MaGiaoDich).")
    bank_code: str = Field(description="Ngân hàng (MaNganHang).")
    initiated_at: datetime = Field(description="Thời điểm khởi tạo.")
    settled_at: datetime | None = Field(description="Thời điểm ghi nhận kết quả.")


class PaymentReceiptOut(Schema):
    kind: Literal["phi", "le_phi"] = Field(description="Biên lai thu phí hoặc lệ phí.")
    number: str = Field(description="Ký hiệu và số biên lai.")
    amount: int = Field(description="Số tiền (đồng).")
    issued_at: datetime = Field(description="Thời điểm lập.")


class PaymentRequestOut(Schema):
    id: str = Field(description="Mã của yêu cầu thanh toán.")
    origin: Literal["catalog", "obligation"] = Field(
        description="catalog: phí, lệ phí theo thủ tục; obligation: nghĩa vụ tài chính do cơ quan yêu cầu."
    )
    timing: Literal["before", "after"] = Field(description="Thu trước hoặc sau khi tiếp nhận hồ sơ.")
    state: Literal["unpaid", "pending", "paid", "refunded", "cancelled"] = Field(
        description="Chưa thanh toán, chờ thanh toán, đã thanh toán, đã hoàn phí, hủy."
    )
    state_label: str = Field(description="Tên tình trạng.")
    description: str = Field(description="Nội dung thanh toán.")
    amount: int = Field(description="Số tiền phải nộp (đồng), không kể khoản được miễn.")
    online_payment_allowed: bool = Field(description="Được thanh toán trực tuyến.")
    paid_at: datetime | None = Field(description="Thời điểm thanh toán.")
    paid_via: str = Field(description="online, cash, bank_transfer hoặc postal (trống khi chưa thanh toán).")
    paid_through_dvcqg: bool = Field(description="Đã thanh toán qua nền tảng thanh toán Cổng DVCQG.")
    exempt: bool = Field(description="Được miễn toàn bộ.")
    exemption_reason: str = Field(description="Lý do miễn.")
    lines: list[PaymentLineOut] = Field(description="Các khoản phí, lệ phí.")
    transactions: list[PaymentTransactionOut] = Field(
        description="Các lần thanh toán trực tuyến, mới nhất trước."
    )
    receipts: list[PaymentReceiptOut] = Field(description="Biên lai (riêng cho phí và lệ phí).")


class PaymentOut(Schema):
    state: Literal["", "unpaid", "pending", "paid", "refunded", "cancelled"] = Field(
        description="Tình trạng chung (trống khi hồ sơ không có phí, lệ phí)."
    )
    amount_due: int = Field(description="Số tiền còn phải nộp (đồng).")
    amount_paid: int = Field(description="Số tiền đã nộp (đồng).")
    amount_refunded: int = Field(description="Số tiền đã hoàn (đồng).")
    blocks_reception: bool = Field(
        description="Thủ tục thu phí trước khi tiếp nhận và người nộp chưa thanh toán: chưa thể tiếp nhận."
    )
    requests: list[PaymentRequestOut] = Field(description="Các yêu cầu thanh toán của hồ sơ.")


class DossierDetailOut(DossierSummaryOut):
    summary: str = Field(description="Trích yếu.")
    result_channel: ResultChannelCode = Field(description="Hình thức nhận kết quả.")
    clock_started_at: datetime | None = Field(description="Bắt đầu tính thời hạn.")
    due_at: datetime | None = Field(description="Hạn giải quyết theo quy định.")
    applicant: ApplicantOut = Field(description="Chủ hồ sơ.")
    submitter: SubmitterOut | None = Field(description="Người được ủy quyền nộp.")
    components: list[DossierComponentOut] = Field(description="Thành phần hồ sơ.")
    steps: list[StepOut] = Field(description="Quá trình xử lý (phiếu kiểm soát, Mẫu 05).")
    results: list[ResultOutItem] = Field(description="Kết quả giải quyết.")
    actions: list[ActionOut] = Field(description="Các thao tác bên gọi được thực hiện lúc này.")
    postal: PostalOut | None = Field(None, description="Bưu chính công ích: đăng ký và hành trình bưu gửi.")
    payment: PaymentOut | None = Field(None, description="Phí, lệ phí và thanh toán của hồ sơ.")


# --- Public lookup ---------------------------------------------------------------------------------------------


class PublicStepOut(Schema):
    name: str = Field(description="Tên bước đã hoàn thành.")
    finished_at: datetime = Field(description="Thời điểm hoàn thành.")


class PublicProgressOut(Schema):
    dossier_code: str = Field(description="Mã hồ sơ.")
    status: StatusOut = Field(description="Trạng thái hồ sơ.")
    procedure_name: str = Field(description="Tên thủ tục hành chính.")
    receiving_agency_name: str = Field(description="Cơ quan tiếp nhận hồ sơ.")
    appointment_at: datetime | None = Field(description="Ngày hẹn trả kết quả.")
    completed_steps: list[PublicStepOut] = Field(description="Các bước đã hoàn thành, theo thứ tự thời gian.")

"""Typed request and response shapes of API v1.

Descriptions are the API's documentation (Vietnamese) and end up in the committed ``openapi.json``; they are
kept as plain literals so that the document does not depend on the request language. Labels inside responses
(``*_label``) follow the request language.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from django.conf import settings
from ninja import Field, Schema

from motcua.agencies.models import Agency
from motcua.catalog.models import Channel, Fee, ProcedureAgency, ProcedureCase, TimeUnit

LevelCode = Literal["province", "district", "commune"]
AgencyKindCode = Literal[tuple(Agency.Kind.values)]  # type: ignore[valid-type]
AgencyRoleCode = Literal[tuple(ProcedureAgency.Role.values)]  # type: ignore[valid-type]
TimeUnitCode = Literal[tuple(TimeUnit.values)]  # type: ignore[valid-type]
ChannelCode = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
FeeKindCode = Literal[tuple(Fee.Kind.values)]  # type: ignore[valid-type]
FeeTimingCode = Literal[tuple(Fee.Timing.values)]  # type: ignore[valid-type]
SupplementRuleCode = Literal[tuple(ProcedureCase.SupplementRule.values)]  # type: ignore[valid-type]

DEFAULT_PAGE_SIZE = 20


# --- Query parameters -------------------------------------------------------------------------------------


class PageQuery(Schema):
    page: int = Field(1, ge=1, description="Số trang, bắt đầu từ 1.")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE,
        ge=1,
        le=settings.MOTCUA_API_PAGE_SIZE_MAX,
        description=f"Số mục mỗi trang, tối đa {settings.MOTCUA_API_PAGE_SIZE_MAX}.",
    )


class ProcedureFilters(Schema):
    q: str = Field(
        "",
        max_length=200,
        description="Từ khóa tìm trong tên, từ khóa, mã thủ tục và lĩnh vực; không phân biệt dấu và chữ hoa.",
    )
    agency: str = Field(
        "",
        max_length=60,
        description="Mã định danh cơ quan (QCVN 102:2016 hoặc QĐ 20/2020) có vai trò trong thủ tục.",
    )
    level: LevelCode | None = Field(None, description="Cấp thực hiện: province, district hoặc commune.")
    field: str = Field("", max_length=40, description="Mã lĩnh vực.")
    online: bool = Field(
        False, description="Chỉ lấy thủ tục có dịch vụ công trực tuyến (một phần hoặc toàn trình)."
    )


class AgencyFilters(Schema):
    q: str = Field(
        "", max_length=200, description="Từ khóa tìm trong tên, tên viết tắt và mã; không phân biệt dấu."
    )
    level: LevelCode | None = Field(None, description="Cấp: province, district hoặc commune.")
    kind: AgencyKindCode | None = Field(None, description="Loại cơ quan.")


# Filters come first in the documented parameters, paging last (pydantic orders base fields by reversed MRO).
class ProcedureListQuery(PageQuery, ProcedureFilters):
    pass


class AgencyListQuery(PageQuery, AgencyFilters):
    pass


# --- Shared pieces ----------------------------------------------------------------------------------------


class PageMeta(Schema):
    count: int = Field(description="Tổng số mục khớp điều kiện.")
    page: int = Field(description="Trang hiện tại.")
    page_size: int = Field(description="Số mục mỗi trang.")
    pages: int = Field(description="Tổng số trang (0 khi không có mục nào).")


class FieldOut(Schema):
    code: str = Field(description="Mã lĩnh vực.")
    name: str = Field(description="Tên lĩnh vực.")


class ProcessingTime(Schema):
    amount: float = Field(description="Thời hạn giải quyết.")
    unit: TimeUnitCode = Field(description="Đơn vị thời gian.")
    unit_label: str = Field(description="Tên đơn vị thời gian.")
    online_amount: float | None = Field(description="Thời hạn khi nộp trực tuyến, nếu khác.")
    text: str = Field(description="Thời hạn dạng đọc được, ví dụ “15 ngày làm việc”.")


class ProcedureAgencyOut(Schema):
    role: AgencyRoleCode = Field(description="Vai trò của cơ quan trong thủ tục.")
    role_label: str = Field(description="Tên vai trò.")
    code: str = Field(description="Mã định danh cơ quan (QCVN 102:2016), hoặc mã đơn vị ngoài tỉnh.")
    code_qd20: str = Field(description="Mã định danh theo QĐ 20/2020, nếu có.")
    name: str = Field(description="Tên cơ quan.")
    in_province: bool = Field(description="Cơ quan thuộc tỉnh (có trong danh mục cơ quan của hệ thống).")


# --- Procedures ---------------------------------------------------------------------------------------------


class ProcedureSummary(Schema):
    national_code: str = Field(description="Mã TTHC trên CSDL quốc gia, ví dụ 1.001234.")
    local_code: str = Field(description="Mã TTHC của địa phương, nếu có.")
    name: str = Field(description="Tên thủ tục hành chính.")
    field: FieldOut | None = Field(description="Lĩnh vực.")
    levels: list[LevelCode] = Field(description="Các cấp thực hiện.")
    online_service_level: int = Field(ge=1, le=4, description="Mức độ dịch vụ công trực tuyến (1–4).")
    fully_online: bool = Field(description="Dịch vụ công trực tuyến toàn trình.")
    processing_time: ProcessingTime | None = Field(description="Thời hạn giải quyết của trường hợp đầu tiên.")
    agencies: list[ProcedureAgencyOut] = Field(description="Cơ quan liên quan và vai trò.")


class ProcedurePage(PageMeta):
    items: list[ProcedureSummary]


class ComponentOut(Schema):
    id: int = Field(description="Mã số thành phần hồ sơ trong hệ thống.")
    order: int = Field(description="Thứ tự.")
    code: str = Field(description="Mã giấy tờ.")
    name: str = Field(description="Tên giấy tờ.")
    originals: int = Field(description="Số bản chính.")
    copies: int = Field(description="Số bản sao.")
    is_required: bool = Field(description="Bắt buộc.")
    accepted_types: list[str] = Field(description="Định dạng tệp chấp nhận khi nộp trực tuyến.")
    max_size_mb: int = Field(description="Dung lượng tối đa mỗi tệp (MB).")
    form_name: str = Field(description="Tên mẫu đơn, tờ khai.")
    form_download_url: str | None = Field(description="Địa chỉ tải mẫu đơn do cổng cung cấp, nếu có tệp mẫu.")
    form_url: str = Field(description="Đường dẫn mẫu đơn trên CSDL quốc gia, nếu có.")
    replaceable_by_result_code: str = Field(description="Có thể thay bằng kết quả TTHC có mã này.")


class FeeOut(Schema):
    kind: FeeKindCode = Field(description="Loại: phí hoặc lệ phí.")
    kind_label: str = Field(description="Tên loại.")
    code: str = Field(description="Mã phí, lệ phí.")
    amount: int = Field(description="Số tiền (đồng).")
    description: str = Field(description="Mô tả.")
    timing: FeeTimingCode = Field(description="Thời điểm thu.")
    timing_label: str = Field(description="Tên thời điểm thu.")
    channel: ChannelCode | None = Field(description="Kênh nộp áp dụng; để trống nếu áp dụng cho mọi kênh.")
    case_id: int | None = Field(description="Trường hợp áp dụng; để trống nếu áp dụng cho mọi trường hợp.")
    exemptions: str = Field(description="Đối tượng miễn, giảm.")


class CaseOut(Schema):
    id: int = Field(description="Mã số trường hợp trong hệ thống.")
    order: int = Field(description="Thứ tự.")
    name: str = Field(description="Tên trường hợp.")
    processing_time: ProcessingTime = Field(description="Thời hạn giải quyết.")
    no_appointment: bool = Field(description="Không hẹn ngày trả kết quả.")
    accepted_online: bool = Field(description="Tiếp nhận trực tuyến.")
    supplement_rule: SupplementRuleCode = Field(description="Cách tính thời hạn khi bổ sung hồ sơ.")
    description: str = Field(description="Ghi chú.")
    components: list[ComponentOut] = Field(description="Thành phần hồ sơ.")


class SequenceStepOut(Schema):
    order: int = Field(description="Thứ tự.")
    case_name: str = Field(description="Trường hợp áp dụng, nếu có.")
    text: str = Field(description="Nội dung bước.")


class ResultOut(Schema):
    code: str = Field(description="Mã kết quả.")
    name: str = Field(description="Tên kết quả.")
    template_name: str = Field(description="Tên tệp mẫu kết quả.")
    template_url: str = Field(description="Đường dẫn tệp mẫu.")


class LegalBasisOut(Schema):
    number: str = Field(description="Số ký hiệu văn bản.")
    title: str = Field(description="Trích yếu.")
    issuer: str = Field(description="Cơ quan ban hành.")
    issued_on: date | None = Field(description="Ngày ban hành.")
    effective_on: date | None = Field(description="Ngày hiệu lực.")
    url: str = Field(description="Đường dẫn văn bản.")


class VersionOut(Schema):
    number: int = Field(description="Số phiên bản.")
    effective_from: datetime = Field(description="Hiệu lực từ.")
    publication_decision: str = Field(description="Quyết định công bố.")


class ProcedureDetail(ProcedureSummary):
    version: VersionOut = Field(description="Phiên bản đang áp dụng.")
    procedure_type: str = Field(description="Loại thủ tục.")
    description: str = Field(description="Mô tả.")
    sequence: str = Field(description="Trình tự thực hiện (văn bản).")
    sequence_steps: list[SequenceStepOut] = Field(description="Các bước thực hiện.")
    method: str = Field(description="Cách thức thực hiện.")
    subjects: str = Field(description="Đối tượng thực hiện.")
    requirements: str = Field(description="Yêu cầu, điều kiện.")
    result_description: str = Field(description="Kết quả thực hiện (mô tả).")
    reception_address: str = Field(description="Địa chỉ tiếp nhận.")
    fee_description: str = Field(description="Phí, lệ phí (mô tả).")
    postal_submission_allowed: bool = Field(description="Cho phép nộp qua dịch vụ bưu chính công ích.")
    postal_return_allowed: bool = Field(description="Cho phép trả kết quả qua dịch vụ bưu chính công ích.")
    online_payment_offered: bool = Field(description="Có thanh toán trực tuyến.")
    is_interconnected: bool = Field(description="Thủ tục liên thông.")
    cross_boundary_allowed: bool = Field(description="Tiếp nhận không phụ thuộc địa giới hành chính.")
    cases: list[CaseOut] = Field(description="Các trường hợp với thành phần hồ sơ.")
    fees: list[FeeOut] = Field(description="Phí, lệ phí.")
    results: list[ResultOut] = Field(description="Kết quả thực hiện.")
    legal_bases: list[LegalBasisOut] = Field(description="Căn cứ pháp lý.")


# --- Agencies -----------------------------------------------------------------------------------------------


class WorkingHours(Schema):
    morning_start: time = Field(description="Buổi sáng từ.")
    morning_end: time = Field(description="Buổi sáng đến.")
    afternoon_start: time = Field(description="Buổi chiều từ.")
    afternoon_end: time = Field(description="Buổi chiều đến.")
    paper_cutoff: time = Field(
        description="Giờ chuyển hồ sơ giấy: hồ sơ nhận sau giờ này tính vào ngày làm việc tiếp theo."
    )
    saturday_morning_open: bool = Field(description="Làm việc sáng thứ Bảy.")


class AgencyOut(Schema):
    code: str = Field(description="Mã định danh (QCVN 102:2016).")
    code_qd20: str = Field(description="Mã định danh (QĐ 20/2020), nếu có.")
    name: str = Field(description="Tên cơ quan.")
    short_name: str = Field(description="Tên viết tắt.")
    level: LevelCode = Field(description="Cấp.")
    level_label: str = Field(description="Tên cấp.")
    kind: AgencyKindCode = Field(description="Loại cơ quan.")
    kind_label: str = Field(description="Tên loại cơ quan.")
    parent_code: str | None = Field(description="Mã định danh cơ quan cấp trên.")
    address: str = Field(description="Địa chỉ.")
    phone: str = Field(description="Điện thoại.")
    email: str = Field(description="Thư điện tử.")
    is_one_stop_unit: bool = Field(description="Là bộ phận một cửa (Trung tâm PVHCC hoặc Bộ phận TN&TKQ).")
    working_hours: WorkingHours | None = Field(description="Giờ làm việc của bộ phận một cửa.")


class AgencyPage(PageMeta):
    items: list[AgencyOut]


# --- System -------------------------------------------------------------------------------------------------


class HealthOut(Schema):
    status: Literal["ok"] = Field(description="“ok” khi hệ thống hoạt động.")
    version: str = Field(description="Phiên bản phần mềm.")


# --- Errors -------------------------------------------------------------------------------------------------


class ProblemFieldError(Schema):
    field: str | None = Field(description="Tham số bị lỗi.")
    message: str = Field(description="Mô tả lỗi.")


class Problem(Schema):
    """Lỗi theo RFC 9457 (application/problem+json)."""

    type: str = Field(description="URI định danh loại lỗi.")
    title: str = Field(description="Tóm tắt loại lỗi.")
    status: int = Field(description="Mã trạng thái HTTP.")
    detail: str = Field(description="Giải thích cụ thể.")
    instance: str = Field(description="Đường dẫn của yêu cầu.")
    code: str = Field(description="Mã lỗi ngắn gọn.")
    errors: list[ProblemFieldError] | None = Field(None, description="Chi tiết từng tham số (lỗi 422).")

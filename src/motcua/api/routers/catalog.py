"""Public procedure catalog: search and the full procedure in force."""

from __future__ import annotations

from ninja import Path, Query, Router

from motcua.api import presenters
from motcua.api.pagination import paginate
from motcua.api.schemas import Problem, ProcedureDetail, ProcedureListQuery, ProcedurePage
from motcua.catalog.selectors import procedure_in_force, procedure_list

router = Router(tags=["catalog"])


@router.get(
    "",
    response={200: ProcedurePage, 422: Problem},
    operation_id="procedure_list",
    summary="Tra cứu thủ tục hành chính",
    description=(
        "Danh sách thủ tục hành chính đang áp dụng, có phân trang. Từ khóa `q` không phân biệt dấu và chữ "
        "hoa (“dang ky khai sinh” tìm được “Đăng ký khai sinh”); mọi từ phải xuất hiện trong tên, từ khóa, "
        "mã thủ tục hoặc lĩnh vực. Thủ tục có tên chứa nguyên cụm từ được xếp trước, sau đó theo tên."
    ),
)
def procedure_list_endpoint(request, filters: Query[ProcedureListQuery]):
    versions = procedure_list(
        query=filters.q,
        agency_code=filters.agency.strip(),
        level=filters.level or "",
        field_code=filters.field.strip(),
        online_only=filters.online,
    )
    return paginate(
        versions, page=filters.page, page_size=filters.page_size, present=presenters.procedure_summary
    )


@router.get(
    "/{code}",
    response={200: ProcedureDetail, 404: Problem},
    operation_id="procedure_detail",
    summary="Chi tiết thủ tục hành chính",
    description=(
        "Toàn bộ nội dung phiên bản đang áp dụng của thủ tục có mã TTHC quốc gia `code`: các trường hợp với "
        "thành phần hồ sơ, phí và lệ phí, kết quả, căn cứ pháp lý, cơ quan và vai trò, trình tự thực hiện. "
        "Mã không tồn tại hoặc thủ tục không còn áp dụng trả về 404."
    ),
)
def procedure_detail_endpoint(
    request, code: str = Path(..., description="Mã TTHC quốc gia, ví dụ 1.001234.", max_length=20)
):
    return presenters.procedure_detail(procedure_in_force(national_code=code), request=request)

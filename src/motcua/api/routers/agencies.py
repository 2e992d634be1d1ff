"""Public list of agencies and one-stop units."""

from __future__ import annotations

from ninja import Query, Router

from motcua.agencies.selectors import agency_list
from motcua.api import presenters
from motcua.api.pagination import paginate
from motcua.api.schemas import AgencyListQuery, AgencyPage, Problem

router = Router(tags=["agencies"])


@router.get(
    "",
    response={200: AgencyPage, 422: Problem},
    operation_id="agency_list",
    summary="Danh sách cơ quan",
    description=(
        "Các cơ quan đang hoạt động với mã định danh theo QCVN 102:2016 và QĐ 20/2020, cấp, loại, cơ quan "
        "cấp trên; bộ phận một cửa kèm giờ làm việc. Cấp tỉnh trước, sau đó theo tên. Có phân trang."
    ),
)
def agency_list_endpoint(request, filters: Query[AgencyListQuery]):
    agencies = agency_list(level=filters.level or "", kind=filters.kind or "", query=filters.q)
    return paginate(agencies, page=filters.page, page_size=filters.page_size, present=presenters.agency)

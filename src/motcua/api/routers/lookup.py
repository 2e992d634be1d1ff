"""Public dossier lookup by code: the status and the steps done, never personal data (TT 01/2018 Art. 16)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import Path, Router

from motcua.api import presenters_dossiers, ratelimit
from motcua.api.auth import client_address
from motcua.api.schemas import Problem
from motcua.api.schemas_dossiers import PublicProgressOut
from motcua.dossiers.selectors import dossier_public_progress

router = Router(tags=["lookup"])

DEFAULT_RATE_PER_MINUTE = 30


@router.get(
    "/{code}",
    response={200: PublicProgressOut, 404: Problem, 429: Problem},
    operation_id="dossier_lookup",
    summary="Tra cứu tiến độ hồ sơ",
    description=(
        "Công khai, không cần xác thực: theo mã hồ sơ, trả về trạng thái, tên thủ tục, cơ quan tiếp nhận, ngày "
        "hẹn trả và các bước đã hoàn thành (tên, thời điểm). Không có thông tin cá nhân của người nộp. Mã không "
        "tồn tại trả về 404. Mỗi địa chỉ IP được tra cứu tối đa 30 lần mỗi phút; vượt quá trả về 429 kèm "
        "tiêu đề Retry-After (số giây phải chờ)."
    ),
)
def dossier_lookup(
    request, code: str = Path(..., max_length=60, description="Mã hồ sơ, ví dụ 000.00.01.H42-260302-0001.")
):
    limit = int(getattr(settings, "MOTCUA_LOOKUP_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))
    verdict = ratelimit.hit("lookup", client_address(request), limit=limit, window=60)
    if not verdict.allowed:
        from motcua.api.v1 import problem  # (v1 imports this module while it is being built)

        response = problem(
            request,
            status=429,
            detail=_(
                "Bạn đã tra cứu quá %(limit)s lần trong một phút; vui lòng thử lại sau %(seconds)s giây."
            )
            % {"limit": limit, "seconds": verdict.retry_after},
            code="too_many_requests",
        )
        response["Retry-After"] = str(verdict.retry_after)
        return response
    return presenters_dossiers.public_progress(dossier_public_progress(code))

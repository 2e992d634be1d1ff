"""API v1 /postal: the postal operator's signed tracking webhook (see docs/postal.md §6 and docs/api.md)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema

from motcua.api.schemas import Problem
from motcua.api.v1 import problem
from motcua.postal.services import postal_webhook_receive

router = Router(tags=["postal"])


class WebhookAnswer(Schema):
    code: str = Field(description="ok, duplicate hoặc ignored_out_of_order.")
    message: str = Field(description="Giải thích bằng tiếng Việt.")


@router.post(
    "/webhook",
    response={200: WebhookAnswer, 400: Problem, 401: Problem, 404: Problem},
    operation_id="postal_webhook",
    summary="Cập nhật hành trình bưu gửi từ doanh nghiệp bưu chính",
    description=(
        "Doanh nghiệp bưu chính gửi từng sự kiện hành trình (JSON: event_id, reference, slip_number, sequence, "
        "status, occurred_at, location, note), ký bằng HMAC-SHA256 trên chuỗi “<X-Postal-Timestamp>.<nội dung>” "
        "với khóa bí mật chung (tiêu đề X-Postal-Signature: sha256=<hex>). 200 code=ok: đã ghi nhận; 200 "
        "code=duplicate: sự kiện đã nhận trước đó; 200 code=ignored_out_of_order: sự kiện cũ hơn trạng thái "
        "hiện tại, bỏ qua; 401: thiếu hoặc sai chữ ký, thời điểm ký ngoài khoảng cho phép; 404: không có "
        "đơn với mã tham chiếu; 400: nội dung sai. Chỉ 5xx hoặc không trả lời mới cần gửi lại."
    ),
)
def postal_webhook(request: HttpRequest):
    outcome = postal_webhook_receive(
        body=request.body, headers=request.headers, origin=request.META.get("REMOTE_ADDR", "")
    )
    if outcome.status >= 400:
        return problem(request, status=outcome.status, detail=outcome.message, code=outcome.code)
    return JsonResponse(
        {"code": outcome.code, "message": outcome.message}, json_dumps_params={"ensure_ascii": False}
    )

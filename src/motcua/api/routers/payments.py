"""API v1 /payments: the payment providers' server-to-server notifications (see docs/payments.md).

These endpoints answer in the partner's own protocol, not problem+json: the PayGov-style callback gets
``{MaLoi, MoTaLoi, MaDoiTac, ThoiGianGD, MaXacThuc}``, the VNPay-style IPN ``{RspCode, Message}``. Every message
is logged with its verdict; a forged signature, a wrong amount, an unknown reference or a replay changes
nothing. The payment status of a dossier is part of ``GET /dossiers/{code}`` (``payment``).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema

from motcua.payments.models import Provider
from motcua.payments.services import payment_notification_receive

router = Router(tags=["payments"])


class PayGovReply(Schema):
    MaLoi: str = Field(
        description="00 đã ghi nhận; 05 đã ghi nhận trước đó (không thay đổi); 01 sai mã xác thực; 02 không có mã "
        "tham chiếu; 03 sai số tiền; 04 dữ liệu không hợp lệ; 99 lỗi hệ thống, gửi lại sau."
    )
    MoTaLoi: str = Field(description="Mô tả kết quả.")
    MaDoiTac: str = Field(description="Mã đối tác của hệ thống.")
    ThoiGianGD: str = Field(description="Thời điểm trả lời, yyyyMMddHHmmss (GMT+7).")
    MaXacThuc: str = Field(description="SHA-256 của MaLoi|MoTaLoi|MaDoiTac|ThoiGianGD|khóa bí mật.")


class VnpayReply(Schema):
    RspCode: str = Field(
        description="00 xác nhận thành công; 01 không tìm thấy đơn; 02 đơn đã được xác nhận; 04 sai số tiền; "
        "97 sai chữ ký; 99 lỗi khác."
    )
    Message: str = Field(description="Mô tả kết quả.")


def _remote_addr(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@router.post(
    "/paygov/callback",
    response={200: PayGovReply},
    auth=None,
    operation_id="payments_paygov_callback",
    summary="Thông báo kết quả thanh toán từ nền tảng thanh toán DVCQG (PayGov)",
    description=(
        "Nền tảng thanh toán gửi JSON gồm LoaiBanTin, MaLoi, MaDoiTac, MaThamChieu, SoTien, MaTienTe, MaGiaoDich, "
        "MaNganHang, ThoiGianGD, ThongTinGiaoDich và MaXacThuc = SHA-256 của các trường theo thứ tự đó nối bằng "
        "“|”, cuối là khóa bí mật chung. MaLoi 00 là thanh toán thành công. Hệ thống kiểm tra chữ ký, mã tham "
        "chiếu và số tiền rồi trả lời theo định dạng của đối tác; thông báo lặp lại hoặc đến sau kết quả đã ghi "
        "nhận không làm thay đổi gì."
    ),
)
def paygov_callback(request: HttpRequest):
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    reply = payment_notification_receive(
        provider=Provider.PAYGOV, data=data, remote_addr=_remote_addr(request)
    )
    return JsonResponse(reply.body, status=reply.status, json_dumps_params={"ensure_ascii": False})


@router.get(
    "/vnpay/ipn",
    response={200: VnpayReply},
    auth=None,
    operation_id="payments_vnpay_ipn",
    summary="Thông báo kết quả thanh toán (IPN) từ cổng VNPay",
    description=(
        "Cổng gửi các tham số vnp_* trên địa chỉ (GET) với vnp_SecureHash = HMAC-SHA512 của chuỗi tham số đã sắp "
        "xếp theo tên (giá trị mã hóa kiểu quote_plus). vnp_ResponseCode và vnp_TransactionStatus 00 là thành "
        "công; vnp_Amount là số tiền × 100. Trả lời {RspCode, Message} theo tài liệu VNPay."
    ),
)
def vnpay_ipn(request: HttpRequest):
    data = {key: request.GET.get(key, "") for key in request.GET}
    reply = payment_notification_receive(
        provider=Provider.VNPAY, data=data, remote_addr=_remote_addr(request)
    )
    return JsonResponse(reply.body, status=reply.status, json_dumps_params={"ensure_ascii": False})

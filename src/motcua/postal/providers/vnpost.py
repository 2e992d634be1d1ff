"""The VNPost-style HTTP JSON protocol (to be aligned with the provincial contract; docs/postal.md §5).

    POST {url}/orders                     Authorization: Bearer <key>
        {"partner_code", "reference", "service": "BCCI", "direction": "inbound"|"outbound",
         "sender": {"name", "phone", "address"}, "receiver": {...}, "contents", "cod_amount",
         "callback_url", "note"}
        -> 201 (new) / 200 (same reference again) {"reference", "slip_number", "status", "postage", "created_at"}
    POST {url}/orders/{reference}/cancel  -> 200 {... "status": "cancelled"} · 409 not cancellable
    GET  {url}/orders/{reference}         -> 200 {..., "events": [{"event_id", "sequence", "status",
                                                   "occurred_at", "location", "note"}]}
    errors: {"error_code", "message"}

400, 401, 403, 404, 409 and 422 are final (the request is refused as it is); any other status, a timeout or
a refused connection is temporary and the request is tried again.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from django.utils.translation import gettext as _

from . import OrderAnswer, OrderRequest, PostalProviderError, Tracking, TrackingUpdate

FINAL_HTTP_STATUSES = frozenset({400, 401, 403, 404, 409, 422})


def _int_or_none(value) -> int | None:
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


class HttpPostalProvider:
    def __init__(self, *, name: str, url: str, api_key: str, partner_code: str, timeout: float):
        if not url:
            raise PostalProviderError(_("Chưa cấu hình địa chỉ đơn vị bưu chính (MOTCUA_POSTAL_URL)."))
        self.name, self.url, self.api_key = name, url.rstrip("/"), api_key
        self.partner_code, self.timeout = partner_code, timeout

    # --- the three calls -------------------------------------------------------------------------------------

    def create_order(self, order: OrderRequest) -> OrderAnswer:
        payload = {
            "partner_code": self.partner_code,
            "reference": order.reference,
            "service": "BCCI",
            "direction": order.direction,
            "sender": {
                "name": order.sender.name,
                "phone": order.sender.phone,
                "address": order.sender.address,
            },
            "receiver": {
                "name": order.receiver.name,
                "phone": order.receiver.phone,
                "address": order.receiver.address,
            },
            "contents": order.contents,
            "cod_amount": int(order.cod_amount or 0),
            "callback_url": order.callback_url,
            "note": order.note,
        }
        return self._answer(self._call("POST", "/orders", payload))

    def cancel_order(self, reference: str) -> OrderAnswer:
        return self._answer(self._call("POST", f"/orders/{urllib.parse.quote(reference)}/cancel", {}))

    def get_tracking(self, reference: str) -> Tracking:
        data = self._call("GET", f"/orders/{urllib.parse.quote(reference)}", None)
        answer = self._answer(data)
        events = []
        for raw in data.get("events") or []:
            if not isinstance(raw, dict):
                continue
            events.append(
                TrackingUpdate(
                    event_id=str(raw.get("event_id", "")),
                    sequence=_int_or_none(raw.get("sequence")) or 0,
                    status=str(raw.get("status", "")),
                    occurred_at=str(raw.get("occurred_at", "")),
                    location=str(raw.get("location", "")),
                    note=str(raw.get("note", "")),
                )
            )
        return Tracking(
            reference=answer.reference,
            slip_number=answer.slip_number,
            status=answer.status,
            postage=answer.postage,
            events=events,
        )

    # --- transport -----------------------------------------------------------------------------------------------

    @staticmethod
    def _answer(data: dict) -> OrderAnswer:
        slip = str(data.get("slip_number") or "")
        if not slip or not data.get("reference"):
            raise PostalProviderError(_("Đơn vị bưu chính trả lời thiếu số phiếu gửi."))
        return OrderAnswer(
            reference=str(data["reference"]),
            slip_number=slip,
            status=str(data.get("status") or ""),
            postage=_int_or_none(data.get("postage")),
        )

    def _call(self, method: str, path: str, payload: dict | None) -> dict:
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = None
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = _error_detail(exc)
            raise PostalProviderError(
                _("Đơn vị bưu chính trả lời HTTP %(status)s: %(detail)s")
                % {"status": exc.code, "detail": detail},
                permanent=exc.code in FINAL_HTTP_STATUSES,
                status=exc.code,
            ) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise PostalProviderError(
                _("Không kết nối được đơn vị bưu chính: %(error)s") % {"error": type(exc).__name__}
            ) from exc
        try:
            data = json.loads(raw or b"{}")
        except ValueError as exc:
            raise PostalProviderError(_("Đơn vị bưu chính trả lời không phải JSON.")) from exc
        if not isinstance(data, dict):
            raise PostalProviderError(_("Đơn vị bưu chính trả lời không phải JSON."))
        return data


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        data = json.loads(exc.read(2000) or b"{}")
    except (ValueError, OSError):
        return ""
    if isinstance(data, dict):
        return f"{data.get('error_code', '')} {data.get('message', '')}".strip()[:300]
    return ""

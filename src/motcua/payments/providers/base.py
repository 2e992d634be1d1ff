"""The provider interface: what the payments services ask of an online payment provider.

A provider starts a payment (returns the URL of its payment page), reads the messages it sends us
(callback / IPN) into a :class:`Report`, answers them in its own format, queries one transaction, lists a day's
transactions for reconciliation and, where it offers it, returns its PDF receipt. Network failures raise
:class:`ProviderUnavailable`; answers that make no sense raise :class:`ProviderError`. Providers never touch
the database.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from motcua.core.logging import redact

logger = logging.getLogger("motcua.payments.providers")

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
STAMP_FORMAT = "%Y%m%d%H%M%S"  # yyyyMMddHHmmss, GMT+7 (deadlines.md §2.1)


class ProviderUnavailable(Exception):
    """The provider could not be reached, timed out or answered with a server error."""


class ProviderError(Exception):
    """The provider answered, but refused the request or answered something we cannot read."""


class ReportStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Report:
    """What a provider says about one transaction (in a callback, an IPN, a query answer or a listing)."""

    reference: str
    status: ReportStatus
    amount: int | None
    provider_transaction_id: str = ""
    bank_code: str = ""
    paid_at: datetime | None = None
    code: str = ""  # the provider's result code (MaLoi, vnp_ResponseCode / vnp_TransactionStatus)
    message: str = ""


@dataclass(frozen=True)
class Incoming:
    """A message received from the provider, read but not yet judged against our records."""

    report: Report | None  # None when the message is malformed
    signature_ok: bool
    error: str = ""  # why it is malformed


@dataclass(frozen=True)
class StartData:
    """Everything a provider may need to open a payment page."""

    reference: str
    amount: int
    description: str
    created_at: datetime
    return_url: str
    client_ip: str = ""
    dossier_code: str = ""
    procedure_code: str = ""
    procedure_name: str = ""
    agency_code: str = ""
    agency_name: str = ""
    payer_name: str = ""
    payer_identity: str = ""
    payer_address: str = ""
    lines: list[dict] = field(default_factory=list)  # {"kind", "code", "name", "amount"}


class PaymentProvider:
    code: str = ""
    through_dvcqg: bool = False

    def start(self, data: StartData) -> str:  # pragma: no cover - interface
        """Open a payment; return the URL of the payment page the citizen is sent to."""
        raise NotImplementedError

    def query(
        self, *, reference: str, created_at: datetime, client_ip: str = ""
    ) -> Report:  # pragma: no cover
        raise NotImplementedError

    def read_incoming(self, data: dict) -> Incoming:  # pragma: no cover - interface
        raise NotImplementedError

    def reply(self, *, verdict: str, data: dict) -> tuple[int, dict]:  # pragma: no cover - interface
        """HTTP status and JSON body answering a callback / IPN with our ``verdict``."""
        raise NotImplementedError

    def listing(self, day: date) -> list[Report]:  # pragma: no cover - interface
        """Every transaction the provider recorded on ``day`` (for reconciliation)."""
        raise NotImplementedError

    def bill(self, *, reference: str, created_at: datetime) -> bytes:
        raise ProviderError("this provider has no receipt download")


# --- Helpers ---------------------------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime(STAMP_FORMAT)


def parse_stamp(text) -> datetime | None:
    try:
        return datetime.strptime(str(text or ""), STAMP_FORMAT).replace(tzinfo=LOCAL_TZ)
    except ValueError:
        return None


def parse_amount(value) -> int | None:
    try:
        text = str(value).strip()
        amount = int(text)
    except (TypeError, ValueError):
        return None
    return amount if amount >= 0 else None


def http_call(
    url: str,
    *,
    method: str = "GET",
    body: dict | None = None,
    headers: dict | None = None,
    timeout: float = 10,
) -> tuple[int, str, bytes]:
    """One HTTP exchange: (status, content type, body). 5xx, refused connections and timeouts raise
    ``ProviderUnavailable``; other HTTP errors are returned as they are."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method=method,
        headers={
            "Accept": "application/json, application/pdf",
            **({"Content-Type": "application/json; charset=utf-8"} if data is not None else {}),
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        content = exc.read(64 * 1024)
        if exc.code >= 500:
            raise ProviderUnavailable(f"HTTP {exc.code} from {url}") from exc
        return exc.code, exc.headers.get("Content-Type", "") if exc.headers else "", content
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        logger.warning(
            "payment provider unreachable at %s: %s", url, redact(f"{type(exc).__name__}: {reason}")
        )
        raise ProviderUnavailable(f"{type(exc).__name__}: {reason}") from exc


def json_answer(status: int, content: bytes) -> dict:
    try:
        answer = json.loads(content or b"{}")
    except ValueError as exc:
        raise ProviderError(f"HTTP {status}: the answer is not JSON") from exc
    if not isinstance(answer, dict):
        raise ProviderError(f"HTTP {status}: the answer is not a JSON object")
    return answer

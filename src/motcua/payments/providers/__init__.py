"""Online payment providers (docs/payments.md): PayGov-style (DVCQG payment platform) and VNPay-style. The
sandbox payment server (``motcua.sandbox.payment``) speaks both; the default settings point at it."""

from __future__ import annotations

from django.conf import settings

from .base import (
    Incoming,
    PaymentProvider,
    ProviderError,
    ProviderUnavailable,
    Report,
    ReportStatus,
    StartData,
)
from .paygov import PayGovProvider
from .vnpay import VnpayProvider

__all__ = [
    "Incoming",
    "PayGovProvider",
    "PaymentProvider",
    "ProviderError",
    "ProviderUnavailable",
    "Report",
    "ReportStatus",
    "StartData",
    "VnpayProvider",
    "get_provider",
]


def get_provider(code: str) -> PaymentProvider:
    """The provider ``code`` ("paygov" / "vnpay") configured from the settings (read on every call, so
    tests may change them)."""
    if code == PayGovProvider.code:
        return PayGovProvider(
            url=settings.MOTCUA_PAYGOV_URL,
            listing_url=settings.MOTCUA_PAYGOV_LISTING_URL,
            partner_code=settings.MOTCUA_PAYGOV_PARTNER_CODE,
            token=settings.MOTCUA_PAYGOV_TOKEN,
            secret=settings.MOTCUA_PAYGOV_SECRET,
            timeout=settings.MOTCUA_PAYMENT_TIMEOUT_SECONDS,
            beneficiary=(
                settings.MOTCUA_PAYMENT_BENEFICIARY_ACCOUNT,
                settings.MOTCUA_PAYMENT_BENEFICIARY_BANK,
                settings.MOTCUA_PAYMENT_BENEFICIARY_NAME,
            ),
        )
    if code == VnpayProvider.code:
        return VnpayProvider(
            payment_url=settings.MOTCUA_VNPAY_PAYMENT_URL,
            api_url=settings.MOTCUA_VNPAY_API_URL,
            listing_url=settings.MOTCUA_VNPAY_LISTING_URL,
            tmn_code=settings.MOTCUA_VNPAY_TMN_CODE,
            hash_secret=settings.MOTCUA_VNPAY_HASH_SECRET,
            timeout=settings.MOTCUA_PAYMENT_TIMEOUT_SECONDS,
            expire_minutes=settings.MOTCUA_PAYMENT_EXPIRE_MINUTES,
        )
    raise ValueError(f"unknown payment provider {code!r}")

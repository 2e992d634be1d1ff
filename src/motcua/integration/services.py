"""Writes of the integration app: API clients and their tokens, idempotent inbound submissions.

A token is ``mcua_`` followed by 43 URL-safe random characters (256 bits). It is returned once by the service
that issues it and never stored: the database keeps its SHA-256 hash (to find the client) and its first
characters (to recognise it in lists). Nothing here logs a token.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, StaffMembership, StaffRole
from motcua.core.errors import ValidationFailed
from motcua.dossiers.models import Dossier
from motcua.dossiers.workflow import TRANSITIONS, TRANSITIONS_LIST

from .models import TOKEN_PREFIX_LENGTH, ApiClient, IdempotencyKey

TOKEN_PREFIX = "mcua_"
# How often ``last_used_at`` is written at most (a write per request would cost more than the request).
LAST_USED_RESOLUTION = timedelta(minutes=1)

# Roles a partner system may hold (supervision and administration are for people).
CLIENT_ROLES = (StaffRole.RECEPTION_OFFICER, StaffRole.SPECIALIST, StaffRole.LEADER, StaffRole.CLERK)
# Actions a client may be allowed: every transition the API exposes (refusal at the counter has no endpoint;
# transitions only the system performs, such as record_payment, are not exposed).
CLIENT_ACTIONS = tuple(
    t.name for t in TRANSITIONS_LIST if t.name != "refuse_at_counter" and t.roles != {"system"}
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def actions_for_roles(roles: Iterable[str]) -> list[str]:
    """The actions the transition table lets these roles perform (the default allowance of a new client)."""
    roles = set(roles)
    return [name for name in CLIENT_ACTIONS if TRANSITIONS[name].roles & roles]


def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(roles))
    if not cleaned:
        raise ValidationFailed(_("Hệ thống kết nối cần ít nhất một vai trò."))
    unknown = [role for role in cleaned if role not in CLIENT_ROLES]
    if unknown:
        raise ValidationFailed(
            _("Vai trò không hợp lệ cho hệ thống kết nối: %(roles)s.") % {"roles": ", ".join(unknown)}
        )
    return cleaned


def _clean_actions(actions: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(actions))
    unknown = [action for action in cleaned if action not in CLIENT_ACTIONS]
    if unknown:
        raise ValidationFailed(_("Thao tác không hợp lệ: %(actions)s.") % {"actions": ", ".join(unknown)})
    return cleaned


def _clean_name(name: str, *, exclude: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("Vui lòng nhập tên hệ thống kết nối."))
    if ApiClient.objects.filter(name=name).exclude(pk=exclude).exists():
        raise ValidationFailed(_("Đã có hệ thống kết nối tên “%(name)s”.") % {"name": name})
    return name[:200]


@dataclass(frozen=True)
class IssuedToken:
    client: ApiClient
    token: str  # show it once, then forget it


@transaction.atomic
def api_client_create(
    *,
    name: str,
    agency: Agency,
    roles: Iterable[str] | None = None,
    allowed_actions: Iterable[str] | None = None,
    note: str = "",
) -> IssuedToken:
    """Create a client with its service account and memberships, and issue its first token."""
    name = _clean_name(name)
    roles = _clean_roles(roles if roles is not None else [StaffRole.RECEPTION_OFFICER])
    actions = _clean_actions(allowed_actions if allowed_actions is not None else actions_for_roles(roles))
    account = get_user_model()(
        username=f"api-{uuid.uuid4().hex[:12]}",
        kind="staff",
        full_name=name,
    )
    account.set_unusable_password()  # the account never signs in; it only acts through the token
    account.save()
    token = _new_token()
    client = ApiClient.objects.create(
        name=name,
        agency=agency,
        roles=roles,
        allowed_actions=actions,
        account=account,
        note=note,
        token_prefix=token[:TOKEN_PREFIX_LENGTH],
        token_hash=token_hash(token),
        token_issued_at=timezone.now(),
    )
    _sync_memberships(client)
    return IssuedToken(client=client, token=token)


@transaction.atomic
def api_client_update(
    *,
    client: ApiClient,
    name: str | None = None,
    agency: Agency | None = None,
    roles: Iterable[str] | None = None,
    allowed_actions: Iterable[str] | None = None,
    is_active: bool | None = None,
    note: str | None = None,
) -> ApiClient:
    """Change a client; its service account follows (name, memberships at the agency, active or not)."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if name is not None:
        client.name = _clean_name(name, exclude=client.pk)
    if agency is not None:
        client.agency = agency
    if roles is not None:
        client.roles = _clean_roles(roles)
    if allowed_actions is not None:
        client.allowed_actions = _clean_actions(allowed_actions)
    if is_active is not None:
        client.is_active = is_active
    if note is not None:
        client.note = note
    client.save()
    account = client.account
    if account.full_name != client.name:
        account.full_name = client.name
        account.save(update_fields=["full_name"])
    _sync_memberships(client)
    return client


def _sync_memberships(client: ApiClient) -> None:
    """The service account holds exactly the client's roles at the client's agency, active with the client.

    Written here because agencies has no membership service; the rows are ordinary staff memberships, which
    is what lets the workflow treat the client like a member of staff.
    """
    memberships = StaffMembership.objects.filter(user=client.account)
    memberships.exclude(agency=client.agency, role__in=client.roles).delete()
    for role in client.roles:
        StaffMembership.objects.update_or_create(
            user=client.account,
            agency=client.agency,
            role=role,
            defaults={"is_active": client.is_active, "title": _("Hệ thống kết nối")},
        )


@transaction.atomic
def api_client_issue_token(*, client: ApiClient) -> IssuedToken:
    """Issue a new token; the previous one stops working at once."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    token = _new_token()
    client.token_prefix = token[:TOKEN_PREFIX_LENGTH]
    client.token_hash = token_hash(token)
    client.token_issued_at = timezone.now()
    client.save(update_fields=["token_prefix", "token_hash", "token_issued_at", "updated_at"])
    return IssuedToken(client=client, token=token)


def api_client_authenticate(*, token: str, now: datetime | None = None) -> ApiClient | None:
    """The active client holding ``token``, or None; notes when it was last used (at most once a minute)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    client = (
        ApiClient.objects.select_related("account", "agency")
        .filter(token_hash=token_hash(token), is_active=True)
        .first()
    )
    if client is None:
        return None
    now = now or timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


# --- Idempotent submissions ---------------------------------------------------------------------------------


IDEMPOTENCY_KEY_MAX_LENGTH = 200


@dataclass(frozen=True)
class Submission:
    dossier: Dossier
    replayed: bool  # True when the key had been used: the dossier was created by an earlier request


def _replay(scope: str, key: str, fingerprint: str) -> Submission | None:
    record = IdempotencyKey.objects.filter(scope=scope, key=key).select_related("dossier").first()
    if record is None or record.dossier is None:
        return None
    if record.fingerprint != fingerprint:
        raise ValidationFailed(
            _("Khóa chống trùng “%(key)s” đã được dùng cho một yêu cầu khác; hãy dùng khóa mới.")
            % {"key": key},
            code="idempotency_key_reused",
        )
    return Submission(dossier=record.dossier, replayed=True)


def dossier_submit_idempotent(
    *, scope: str, key: str, fingerprint: str, create: Callable[[], Dossier]
) -> Submission:
    """Run ``create`` once per (caller, key): a replayed request answers the dossier of the first one.

    The key row is written first in the same transaction as the dossier, so a concurrent request with the
    same key waits on it (PostgreSQL) and, once the first commits, answers the first request's dossier; if
    ``create`` is refused, the key is not kept and may be used again. A key used with a different request is
    refused (``idempotency_key_reused``). Without a key, ``create`` simply runs.
    """
    key = (key or "").strip()
    if not key:
        return Submission(dossier=create(), replayed=False)
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
        raise ValidationFailed(
            _("Khóa chống trùng (Idempotency-Key) tối đa %(max)s ký tự in được.")
            % {"max": IDEMPOTENCY_KEY_MAX_LENGTH},
            code="idempotency_key_invalid",
        )
    earlier = _replay(scope, key, fingerprint)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(scope=scope, key=key, fingerprint=fingerprint)
            dossier = create()
            record.dossier = dossier
            record.save(update_fields=["dossier"])
    except IntegrityError:
        earlier = _replay(scope, key, fingerprint)  # a concurrent request with the key committed first
        if earlier is None:
            raise
        return earlier
    return Submission(dossier=dossier, replayed=False)

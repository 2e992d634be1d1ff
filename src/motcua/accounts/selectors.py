"""Reads of the accounts app: who signs in with a name, pending codes, and what a profile prefills."""

from __future__ import annotations

import uuid

from motcua.core.errors import ValidationFailed

from .contacts import Contact, parse_contact
from .models import User, VerificationCode


def user_with_verified_contact(contact: Contact) -> User | None:
    """The account whose verified phone or e-mail is ``contact`` (at most one, by constraint)."""
    if contact.is_phone:
        users = User.objects.filter(phone=contact.value, phone_verified_at__isnull=False)
    else:
        users = User.objects.filter(email__iexact=contact.value, email_verified_at__isnull=False)
    return users.first()


def users_for_sign_in(identifier: str) -> list[User]:
    """The accounts a sign-in name may designate: the one whose verified phone or e-mail it is, and the
    one whose username it is (two different accounts when someone's old phone number is another's
    username). The password decides between them."""
    identifier = (identifier or "").strip()
    if not identifier:
        return []
    users = []
    try:
        by_contact = user_with_verified_contact(parse_contact(identifier))
    except ValidationFailed:
        by_contact = None
    if by_contact is not None:
        users.append(by_contact)
    by_username = (
        User.objects.filter(username=identifier).first()
        or User.objects.filter(username__iexact=identifier).order_by("pk").first()
    )
    if by_username is not None and by_username not in users:
        users.append(by_username)
    return users


def is_token(value) -> bool:
    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def verification_get(token) -> VerificationCode | None:
    """The code row behind a page's ``token`` (with its user), or None for anything unknown."""
    if not is_token(token):
        return None
    return VerificationCode.objects.select_related("user").filter(token=token).first()


def applicant_prefill(user) -> dict:
    """Initial values of a dossier's applicant (chủ hồ sơ) from the signed-in account's profile.

    Keys follow ``dossiers.services.ApplicantData`` (``kind`` "citizen" or "business", ``name``,
    ``identity_number``, ``phone``, ``email``, ``address``) plus ``birth_date``, ``sex``, ``vneid_verified``
    and ``tech_id`` (MaDoiTuong for the national sync). A business's name is its organisation name. An
    anonymous user, or a staff account, prefills nothing: ``{}``.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_applicant:
        return {}
    business = user.kind == User.Kind.BUSINESS
    return {
        "kind": user.kind,
        "name": (user.organisation_name if business else "") or user.full_name,
        "identity_number": user.identity_number,
        "phone": user.phone,
        "email": user.email,
        "address": user.address,
        "birth_date": user.birth_date,
        "sex": user.sex,
        "representative_name": user.full_name if business else "",
        "vneid_verified": user.is_vneid_verified,
        "tech_id": user.vneid_tech_id,
    }

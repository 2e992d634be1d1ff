"""Writes of ratings and petitions. Refusals are ``motcua.core.errors`` exceptions with Vietnamese messages;
nothing is half-saved.

Ratings: :func:`rating_submit` (once per dossier, after the result: status 9 or 10). Who may rate is
proven by the owner's account or by the dossier code plus the applicant's (or authorised submitter's)
phone number, compared in normalised form.

Petitions: :func:`petition_send` → :func:`petition_answer` → :func:`petition_publish` (or
:func:`petition_decline`); every change appends a ``PetitionEvent``.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.agencies.models import Agency, StaffMembership, StaffRole
from motcua.catalog.models import TimeUnit
from motcua.core.calendar import get_calendar
from motcua.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from motcua.core.text import fold, normalize_spaces
from motcua.dossiers.deadlines import schedule_for
from motcua.dossiers.files import check_upload
from motcua.dossiers.models import Dossier

from .models import (
    Petition,
    PetitionAnswer,
    PetitionDeadline,
    PetitionEvent,
    PetitionState,
    Rating,
    RatingAnswer,
    RatingChannel,
    RatingProof,
    SatisfactionCriterion,
    SatisfactionLevel,
)
from .selectors import RESULT_STATUSES, criteria_for
from .signals import petition_answered

logger = logging.getLogger(__name__)

# A dossier can be rated once it has its result.
RATEABLE_STATUSES = RESULT_STATUSES
COMMENT_MAX_LENGTH = 2000

# Used when no PetitionDeadline row exists at all (the data migration creates the default row).
FALLBACK_PETITION_WORKING_DAYS = 10
PETITION_ATTACHMENT_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "doc", "docx"]
PETITION_ATTACHMENT_MAX_MB = 10
# Staff who answer petitions and who publish answers (leaders and administrators approve publication).
ANSWERING_ROLES = frozenset(set(StaffRole.values) - {StaffRole.SUPERVISOR})
PUBLISHING_ROLES = frozenset({StaffRole.LEADER, StaffRole.ADMINISTRATOR})


# --- Phone numbers -------------------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def normalise_phone(value: str) -> str:
    """The national form of a Vietnamese phone number, for comparison: "+84 912.345.678" → "0912345678".

    Returns "" for anything that is not a phone number, so two unusable values never compare equal.
    """
    phone = _PHONE_SEPARATORS.sub("", value or "")
    if phone.startswith("+84"):
        phone = "0" + phone[3:]
    elif phone.startswith("84") and len(phone) >= 11:
        phone = "0" + phone[2:]
    return phone if re.fullmatch(r"0\d{9,10}", phone) else ""


def phone_matches(dossier: Dossier, phone: str) -> bool:
    """Whether ``phone`` is the applicant's or the authorised submitter's number on ``dossier``."""
    given = normalise_phone(phone)
    if not given:
        return False
    on_file = {normalise_phone(dossier.applicant_phone), normalise_phone(dossier.submitter_phone)} - {""}
    return any(secrets.compare_digest(given, number) for number in on_file)


# --- Ratings ----------------------------------------------------------------------------------------------------


def _level(value, label: str) -> int:
    try:
        return SatisfactionLevel(int(value)).value
    except (TypeError, ValueError) as error:
        raise ValidationFailed(
            _("Mức đánh giá “%(label)s” không hợp lệ.") % {"label": label}, code="invalid_level"
        ) from error


def check_rateable(dossier: Dossier) -> None:
    """Raise unless ``dossier`` has its result and has not been rated yet."""
    if dossier.status not in RATEABLE_STATUSES:
        raise ValidationFailed(
            _("Hồ sơ %(code)s chưa có kết quả; bạn có thể đánh giá sau khi hồ sơ được giải quyết xong.")
            % {"code": dossier.code},
            code="not_rateable_yet",
        )
    if Rating.objects.filter(dossier=dossier).exists():
        raise Conflict(
            _("Hồ sơ %(code)s đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần.") % {"code": dossier.code},
            code="already_rated",
        )


def _check_rater(dossier: Dossier, *, account, phone: str) -> str:
    """The proof used: the owner's account, else the phone number on file. Raises PermissionDenied."""
    if account is not None and getattr(account, "is_authenticated", False) and dossier.owner_id == account.pk:
        return RatingProof.ACCOUNT
    if not phone:
        raise ValidationFailed(
            _("Vui lòng nhập số điện thoại đã khai khi nộp hồ sơ, hoặc đăng nhập bằng tài khoản chủ hồ sơ."),
            code="phone_required",
        )
    if not normalise_phone(dossier.applicant_phone) and not normalise_phone(dossier.submitter_phone):
        raise PermissionDenied(
            _(
                "Hồ sơ này không có số điện thoại để xác nhận. Vui lòng đăng nhập bằng tài khoản chủ hồ sơ "
                "hoặc đánh giá tại bộ phận một cửa."
            ),
            code="no_phone_on_file",
        )
    if not phone_matches(dossier, phone):
        raise PermissionDenied(
            _("Số điện thoại không khớp với số đã khai trong hồ sơ %(code)s. Chưa có gì được lưu.")
            % {"code": dossier.code},
            code="wrong_phone",
        )
    return RatingProof.PHONE


@transaction.atomic
def rating_submit(
    *,
    dossier: Dossier,
    overall,
    answers: Mapping[str, object] | None = None,
    comment: str = "",
    account=None,
    phone: str = "",
    channel: str = RatingChannel.ONLINE,
    now: datetime | None = None,
) -> Rating:
    """Record the applicant's rating of ``dossier``.

    ``answers`` maps criterion codes (of the criteria in force, see ``selectors.criteria_for``) to levels;
    criteria left out are "no opinion". The rater is the owner's signed-in ``account`` or whoever gives the
    ``phone`` number on file. A second rating raises ``Conflict`` (also when two arrive at once: the
    database's unique constraint decides).
    """
    now = now or timezone.now()
    locked = Dossier.objects.select_for_update().filter(pk=dossier.pk).first()
    if locked is None:
        raise NotFound(_("Không tìm thấy hồ sơ."))
    proof = _check_rater(locked, account=account, phone=phone)
    check_rateable(locked)
    if channel not in RatingChannel.values:
        raise ValidationFailed(_("Kênh đánh giá không hợp lệ."), code="invalid_channel")
    if overall in (None, ""):
        raise ValidationFailed(_("Vui lòng chọn mức đánh giá chung."), code="overall_required")
    overall_level = _level(overall, _("đánh giá chung"))
    criteria = {c.code: c for c in criteria_for(locked, day=timezone.localdate(now))}
    chosen: list[tuple[SatisfactionCriterion, int]] = []
    for code, value in (answers or {}).items():
        if value in (None, ""):
            continue
        criterion = criteria.get(code)
        if criterion is None:
            raise ValidationFailed(
                _("Tiêu chí “%(code)s” không áp dụng cho hồ sơ này.") % {"code": code},
                code="unknown_criterion",
            )
        chosen.append((criterion, _level(value, criterion.name)))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationFailed(
            _("Ý kiến khác dài tối đa %(max)s ký tự.") % {"max": COMMENT_MAX_LENGTH}, code="comment_too_long"
        )
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                dossier=locked,
                channel=channel,
                proof=proof,
                rated_by=account if proof == RatingProof.ACCOUNT else None,
                overall=overall_level,
                comment=comment,
                rated_at=now,
            )
    except IntegrityError as error:
        raise Conflict(
            _("Hồ sơ %(code)s đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần.") % {"code": locked.code},
            code="already_rated",
        ) from error
    RatingAnswer.objects.bulk_create(
        RatingAnswer(rating=rating, criterion=criterion, level=level) for criterion, level in chosen
    )
    return rating


# --- Petitions --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PetitionData:
    """What the sender fills in. At least a phone number or an e-mail address is needed for the answer."""

    sender_name: str
    subject: str
    content: str
    sender_phone: str = ""
    sender_email: str = ""
    sender_address: str = ""
    dossier_code: str = ""


SUBJECT_MAX_LENGTH = 255
CONTENT_MAX_LENGTH = 5000
ANSWER_MAX_LENGTH = 10000
_TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I: codes are read aloud and typed


def _new_tracking_code(now: datetime) -> str:
    """PAKN-YYMMDD-XXXXXX: the date, then 6 random characters (codes must not be guessable in sequence)."""
    suffix = "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(6))
    return f"PAKN-{timezone.localtime(now):%y%m%d}-{suffix}"


def normalise_tracking_code(value: str) -> str:
    return "".join((value or "").split()).upper()


def petition_working_days(agency: Agency) -> int:
    """The agency's own answer time limit, else the default row's, else the built-in fallback."""
    rows = dict(
        PetitionDeadline.objects.filter(Q(agency__isnull=True) | Q(agency=agency)).values_list(
            "agency_id", "working_days"
        )
    )
    return rows.get(agency.pk) or rows.get(None) or FALLBACK_PETITION_WORKING_DAYS


def petition_due(agency: Agency, received_at: datetime) -> tuple[int, datetime]:
    """(working days, due moment) for a petition to ``agency`` received at ``received_at``.

    Counted with the agency's one-stop office hours (default hours when it has none): counting starts at
    the next office-hours moment and whole working days keep the time of day (docs/calendar.md).
    """
    days = petition_working_days(agency)
    calendar = get_calendar(schedule_for(agency))
    return days, calendar.due(received_at, days, TimeUnit.WORKING_DAYS).due


def _clean_text(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("Vui lòng nhập %(label)s.") % {"label": label}, code="required")
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s dài tối đa %(max)s ký tự.") % {"label": label.capitalize(), "max": max_length},
            code="too_long",
        )
    return text


def _clean_petition(data: PetitionData) -> dict:
    cleaned = {
        "sender_name": normalize_spaces(_clean_text(data.sender_name, label=_("họ và tên"), max_length=200)),
        "subject": normalize_spaces(
            _clean_text(data.subject, label=_("tiêu đề"), max_length=SUBJECT_MAX_LENGTH)
        ),
        "content": _clean_text(data.content, label=_("nội dung"), max_length=CONTENT_MAX_LENGTH),
        "sender_address": normalize_spaces(
            _clean_text(data.sender_address, label=_("địa chỉ"), max_length=300, required=False)
        ),
    }
    phone = (data.sender_phone or "").strip()
    if phone and not normalise_phone(phone):
        raise ValidationFailed(
            _("Số điện thoại “%(value)s” không hợp lệ.") % {"value": phone}, code="invalid_phone"
        )
    email = (data.sender_email or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as error:
            raise ValidationFailed(
                _("Địa chỉ thư điện tử “%(value)s” không hợp lệ.") % {"value": email}, code="invalid_email"
            ) from error
    if not phone and not email:
        raise ValidationFailed(
            _("Vui lòng để lại số điện thoại hoặc thư điện tử để nhận trả lời."), code="contact_required"
        )
    cleaned["sender_phone"] = normalise_phone(phone)
    cleaned["sender_email"] = email
    code = "".join((data.dossier_code or "").split())
    cleaned["dossier_code"] = code
    cleaned["dossier"] = None
    if code:
        cleaned["dossier"] = Dossier.objects.filter(code__iexact=code).first()
        if cleaned["dossier"] is None:
            raise ValidationFailed(
                _("Không tìm thấy hồ sơ có mã %(code)s. Kiểm tra lại mã hoặc để trống.") % {"code": code},
                code="unknown_dossier",
            )
        cleaned["dossier_code"] = cleaned["dossier"].code
    return cleaned


def _record(
    petition: Petition,
    *,
    action: str,
    before: str,
    actor=None,
    note: str = "",
    origin: str = "",
    now: datetime,
) -> PetitionEvent:
    name = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        name = (getattr(actor, "full_name", "") or actor.get_username())[:200]
    return PetitionEvent.objects.create(
        petition=petition,
        occurred_at=now,
        actor=actor if name else None,
        actor_name=name,
        action=action,
        from_state=before,
        to_state=petition.state,
        note=note,
        origin=(origin or "")[:100],
    )


def _refresh_search_text(petition: Petition, answers: list[str]) -> None:
    """The folded text searched on the public page: subject, public question and answers."""
    petition.search_text = fold(" ".join([petition.subject, petition.public_content, *answers]))


@transaction.atomic
def petition_send(
    *,
    agency: Agency,
    data: PetitionData,
    attachment=None,
    account=None,
    origin: str = "",
    now: datetime | None = None,
) -> Petition:
    """Receive a petition for ``agency``: give it a tracking code and its due date in working days."""
    now = now or timezone.now()
    if agency is None or not agency.is_active:
        raise ValidationFailed(_("Vui lòng chọn cơ quan nhận phản ánh, kiến nghị."), code="agency_required")
    cleaned = _clean_petition(data)
    checked = None
    if attachment:
        checked = check_upload(
            attachment,
            accepted_extensions=PETITION_ATTACHMENT_EXTENSIONS,
            max_size_mb=PETITION_ATTACHMENT_MAX_MB,
        )
    days, due_at = petition_due(agency, now)
    petition = Petition(
        agency=agency,
        sender_account=account
        if account is not None and getattr(account, "is_authenticated", False)
        else None,
        received_at=now,
        working_days=days,
        due_at=due_at,
        state=PetitionState.RECEIVED,
        **cleaned,
    )
    if checked is not None:
        petition.attachment_name = checked.original_name
        petition.attachment_type = checked.content_type
        petition.attachment_size = checked.size
    stored = ""
    try:
        if checked is not None:
            petition.attachment.save(checked.original_name, attachment, save=False)
            stored = petition.attachment.name
        _save_with_tracking_code(petition, now)
        _record(petition, action="send", before="", actor=account, origin=origin, now=now)
    except Exception:
        if stored:  # the row is rolled back; the file system is not transactional
            petition.attachment.storage.delete(stored)
        raise
    return petition


def _save_with_tracking_code(petition: Petition, now: datetime, attempts: int = 5) -> None:
    """Insert ``petition`` under a fresh random tracking code; the unique constraint settles collisions."""
    for attempt in range(attempts):
        petition.tracking_code = _new_tracking_code(now)
        try:
            with transaction.atomic():
                petition.save(force_insert=True)
            return
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            petition.pk = None


def _staff_roles(user, agency_id: int) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(
        StaffMembership.objects.filter(user=user, agency_id=agency_id, is_active=True).values_list(
            "role", flat=True
        )
    )


def _check_staff(user, petition: Petition, roles: frozenset[str], message: str) -> None:
    """Superusers act everywhere; others need one of ``roles`` at the petition's agency.

    Staff of another agency get ``NotFound`` (they may not learn that the petition exists).
    """
    if getattr(user, "is_superuser", False):
        return
    held = _staff_roles(user, petition.agency_id)
    if not held:
        raise NotFound(_("Không tìm thấy phản ánh, kiến nghị."))
    if not held & roles:
        raise PermissionDenied(message, code="role_required")


def _locked(petition: Petition) -> Petition:
    try:
        return Petition.objects.select_for_update().get(pk=petition.pk)
    except Petition.DoesNotExist as error:
        raise NotFound(_("Không tìm thấy phản ánh, kiến nghị.")) from error


def _answer_texts(petition: Petition) -> list[str]:
    return list(petition.answers.order_by("answered_at", "pk").values_list("content", flat=True))


@transaction.atomic
def petition_answer(
    *, petition: Petition, actor, content: str, origin: str = "", now: datetime | None = None
) -> PetitionAnswer:
    """Answer a petition (received → answered). A further answer may be added while it is answered."""
    now = now or timezone.now()
    locked = _locked(petition)
    _check_staff(actor, locked, ANSWERING_ROLES, _("Vai trò của bạn không được trả lời phản ánh, kiến nghị."))
    if locked.state not in (PetitionState.RECEIVED, PetitionState.ANSWERED):
        raise ValidationFailed(
            _("Phản ánh, kiến nghị đang ở tình trạng “%(state)s”, không trả lời thêm được.")
            % {"state": locked.get_state_display()},
            code="invalid_state",
        )
    text = _clean_text(content, label=_("nội dung trả lời"), max_length=ANSWER_MAX_LENGTH)
    before = locked.state
    answer = PetitionAnswer.objects.create(petition=locked, content=text, answered_by=actor, answered_at=now)
    if locked.answered_at is None:
        locked.answered_at = now
    locked.state = PetitionState.ANSWERED
    locked.save(update_fields=["answered_at", "state", "updated_at"])
    event = _record(
        locked,
        action="answer",
        before=before,
        actor=actor,
        origin=origin,
        now=now,
        note=_("Trả lời đúng hạn") if now <= locked.due_at else _("Trả lời quá hạn"),
    )
    petition_answered.send(sender=Petition, petition=locked, answer=answer, event=event)
    return answer


@transaction.atomic
def petition_publish(
    *, petition: Petition, actor, public_content: str = "", origin: str = "", now: datetime | None = None
) -> Petition:
    """Publish an answered petition on /phan-anh-kien-nghi/ (answered → published).

    ``public_content`` is the question as it will be shown, with personal details removed; by default the
    content as sent. The sender's name and contact are never published.
    """
    now = now or timezone.now()
    locked = _locked(petition)
    _check_staff(
        actor, locked, PUBLISHING_ROLES, _("Chỉ lãnh đạo hoặc quản trị của cơ quan được công khai trả lời.")
    )
    if locked.state != PetitionState.ANSWERED:
        raise ValidationFailed(
            _("Chỉ công khai được phản ánh, kiến nghị đã có trả lời."), code="invalid_state"
        )
    text = (public_content or "").strip() or locked.content
    locked.public_content = _clean_text(text, label=_("nội dung công khai"), max_length=CONTENT_MAX_LENGTH)
    locked.state = PetitionState.PUBLISHED
    locked.published_at = now
    _refresh_search_text(locked, _answer_texts(locked))
    locked.save(update_fields=["public_content", "state", "published_at", "search_text", "updated_at"])
    _record(locked, action="publish", before=PetitionState.ANSWERED, actor=actor, origin=origin, now=now)
    return locked


@transaction.atomic
def petition_unpublish(
    *, petition: Petition, actor, reason: str, origin: str = "", now: datetime | None = None
) -> Petition:
    """Take a published answer off the public page (published → answered); a reason is required."""
    now = now or timezone.now()
    locked = _locked(petition)
    _check_staff(
        actor, locked, PUBLISHING_ROLES, _("Chỉ lãnh đạo hoặc quản trị của cơ quan được gỡ công khai.")
    )
    if locked.state != PetitionState.PUBLISHED:
        raise ValidationFailed(_("Phản ánh, kiến nghị này chưa được công khai."), code="invalid_state")
    note = _clean_text(reason, label=_("lý do"), max_length=1000)
    locked.state = PetitionState.ANSWERED
    locked.published_at = None
    locked.search_text = ""
    locked.save(update_fields=["state", "published_at", "search_text", "updated_at"])
    _record(
        locked,
        action="unpublish",
        before=PetitionState.PUBLISHED,
        actor=actor,
        note=note,
        origin=origin,
        now=now,
    )
    return locked


@transaction.atomic
def petition_decline(
    *, petition: Petition, actor, reason: str, origin: str = "", now: datetime | None = None
) -> Petition:
    """Không thụ lý (received → declined): e.g. a duplicate, or not enough information to handle it."""
    now = now or timezone.now()
    locked = _locked(petition)
    _check_staff(
        actor,
        locked,
        PUBLISHING_ROLES,
        _("Chỉ lãnh đạo hoặc quản trị của cơ quan được quyết định không thụ lý."),
    )
    if locked.state != PetitionState.RECEIVED:
        raise ValidationFailed(
            _("Chỉ quyết định không thụ lý khi phản ánh, kiến nghị chưa được trả lời."), code="invalid_state"
        )
    locked.decline_reason = _clean_text(reason, label=_("lý do không thụ lý"), max_length=1000)
    locked.state = PetitionState.DECLINED
    locked.declined_at = now
    locked.save(update_fields=["decline_reason", "state", "declined_at", "updated_at"])
    _record(
        locked,
        action="decline",
        before=PetitionState.RECEIVED,
        actor=actor,
        note=locked.decline_reason,
        origin=origin,
        now=now,
    )
    return locked


@transaction.atomic
def petition_rate_handling(
    *, petition: Petition, level, origin: str = "", now: datetime | None = None
) -> Petition:
    """The sender's satisfaction with the handling (Decision 766 PETITION_HANDLING_SATISFACTION), once."""
    now = now or timezone.now()
    locked = _locked(petition)
    if locked.state not in (PetitionState.ANSWERED, PetitionState.PUBLISHED):
        raise ValidationFailed(
            _("Bạn có thể đánh giá sau khi phản ánh, kiến nghị được trả lời."), code="not_answered"
        )
    if locked.handling_rating is not None:
        raise Conflict(_("Bạn đã đánh giá việc giải quyết phản ánh, kiến nghị này."), code="already_rated")
    locked.handling_rating = _level(level, _("mức hài lòng"))
    locked.handling_rated_at = now
    locked.save(update_fields=["handling_rating", "handling_rated_at", "updated_at"])
    _record(
        locked,
        action="rate_handling",
        before=locked.state,
        note=locked.get_handling_rating_display(),
        origin=origin,
        now=now,
    )
    return locked

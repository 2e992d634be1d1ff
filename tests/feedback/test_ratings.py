"""Satisfaction ratings: once per dossier, after the result, by the owner's account or the phone on file."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.dossiers.workflow import DossierStatus
from motcua.feedback import selectors, services
from motcua.feedback.models import (
    PetitionDeadline,
    Rating,
    RatingChannel,
    RatingProof,
    SatisfactionCriterion,
    SatisfactionLevel,
)

pytestmark = pytest.mark.django_db

VERY = SatisfactionLevel.VERY_SATISFIED
OK = SatisfactionLevel.SATISFIED
NOT = SatisfactionLevel.NOT_SATISFIED


def test_the_data_migration_loads_the_criteria_and_the_default_deadline():
    codes = list(selectors.criteria_in_force(date(2026, 3, 2)).values_list("code", flat=True))
    assert codes == [
        "processing_time",
        "agencies_contacted",
        "contacts_with_unit",
        "procedure_information",
        "staff_attitude",
        "result_and_cost",
        "petition_handling",
        "online_service",
    ]
    assert SatisfactionCriterion.objects.get(code="online_service").online_only
    default = PetitionDeadline.objects.get(agency__isnull=True)
    assert default.working_days == 10


def test_the_owner_rates_overall_and_per_criterion(world):
    dossier = world.returned()
    rating = services.rating_submit(
        dossier=dossier,
        overall=VERY,
        answers={"staff_attitude": "3", "processing_time": 2, "contacts_with_unit": ""},
        comment="  Cán bộ hướng dẫn tận tình. ",
        account=world.citizen,
    )
    assert rating.overall == VERY
    assert rating.proof == RatingProof.ACCOUNT
    assert rating.rated_by == world.citizen
    assert rating.channel == RatingChannel.ONLINE
    assert rating.comment == "Cán bộ hướng dẫn tận tình."
    answers = dict(rating.answers.values_list("criterion__code", "level"))
    assert answers == {"staff_attitude": 3, "processing_time": 2}  # "" is no opinion


def test_a_dossier_with_its_result_ready_can_be_rated(world):
    dossier = world.resolved()
    assert dossier.status == DossierStatus.RESOLVED
    assert services.rating_submit(dossier=dossier, overall=OK, account=world.citizen).overall == OK


def test_a_dossier_still_in_processing_cannot_be_rated(world):
    dossier = world.in_processing()
    with pytest.raises(ValidationFailed) as error:
        services.rating_submit(dossier=dossier, overall=OK, account=world.citizen)
    assert "chưa có kết quả" in error.value.message
    assert not Rating.objects.exists()


def test_a_second_rating_of_the_same_dossier_is_refused(world):
    dossier = world.returned()
    services.rating_submit(dossier=dossier, overall=VERY, account=world.citizen)
    with pytest.raises(Conflict) as error:
        services.rating_submit(dossier=dossier, overall=NOT, phone="0912345678")
    assert error.value.message == f"Hồ sơ {dossier.code} đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần."
    assert Rating.objects.get().overall == VERY


def test_the_database_refuses_a_second_rating_row(world):
    dossier = world.returned()
    services.rating_submit(dossier=dossier, overall=VERY, account=world.citizen)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(dossier=dossier, overall=NOT, proof=RatingProof.PHONE)


def test_the_phone_on_file_proves_the_rater_in_any_common_notation(world):
    dossier = world.returned()
    rating = services.rating_submit(dossier=dossier, overall=OK, phone="+84 912.345.678")
    assert rating.proof == RatingProof.PHONE
    assert rating.rated_by is None


def test_a_wrong_phone_is_refused_and_nothing_is_saved(world):
    dossier = world.returned()
    with pytest.raises(PermissionDenied) as error:
        services.rating_submit(
            dossier=dossier, overall=NOT, answers={"staff_attitude": 1}, phone="0987654321"
        )
    assert error.value.code == "wrong_phone"
    assert "không khớp" in error.value.message
    assert not Rating.objects.exists()


def test_someone_else_signed_in_must_still_give_the_phone(world):
    dossier = world.returned()
    with pytest.raises(ValidationFailed) as error:
        services.rating_submit(dossier=dossier, overall=OK, account=world.specialist)
    assert error.value.code == "phone_required"


def test_the_authorised_submitters_phone_also_proves_the_rater(world):
    dossier = world.returned()
    dossier.submitter_phone = "0934000111"
    dossier.save(update_fields=["submitter_phone"])
    assert (
        services.rating_submit(dossier=dossier, overall=OK, phone="0934 000 111").proof == RatingProof.PHONE
    )


def test_a_dossier_without_any_phone_cannot_be_rated_by_phone(world):
    dossier = world.returned(phone="")
    with pytest.raises(PermissionDenied) as error:
        services.rating_submit(dossier=dossier, overall=OK, phone="0912345678")
    assert error.value.code == "no_phone_on_file"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0912345678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84 912 345 678", "0912345678"),
        ("(091) 234-5678", "0912345678"),
        ("02393855123", "02393855123"),  # landline with an area code
        ("12345", ""),
        ("", ""),
    ],
)
def test_phone_numbers_are_normalised_before_comparison(given, expected):
    assert services.normalise_phone(given) == expected


def test_the_overall_rating_is_required_and_levels_are_checked(world):
    dossier = world.returned()
    with pytest.raises(ValidationFailed, match="mức đánh giá chung"):
        services.rating_submit(dossier=dossier, overall="", account=world.citizen)
    with pytest.raises(ValidationFailed, match="không hợp lệ"):
        services.rating_submit(dossier=dossier, overall=7, account=world.citizen)
    with pytest.raises(ValidationFailed, match="không hợp lệ"):
        services.rating_submit(
            dossier=dossier, overall=OK, answers={"staff_attitude": "x"}, account=world.citizen
        )
    assert not Rating.objects.exists()


def test_the_online_criterion_is_not_asked_about_a_counter_dossier(world):
    dossier = world.returned_at_counter()
    assert "online_service" not in [c.code for c in selectors.criteria_for(dossier)]
    with pytest.raises(ValidationFailed) as error:
        services.rating_submit(dossier=dossier, overall=OK, answers={"online_service": 3}, phone="0912345678")
    assert error.value.code == "unknown_criterion"


def test_only_criteria_in_force_are_asked(world):
    dossier = world.returned()
    SatisfactionCriterion.objects.filter(code="petition_handling").update(effective_to=date(2026, 1, 1))
    SatisfactionCriterion.objects.create(
        code="waiting_time", name="Thời gian chờ tại quầy", effective_from=date(2026, 4, 1), order=9
    )
    SatisfactionCriterion.objects.create(
        code="parking",
        name="Chỗ để xe",
        effective_from=date(2026, 1, 1),
        effective_to=date(2026, 3, 2),
        order=10,
    )
    codes = [c.code for c in selectors.criteria_for(dossier)]
    assert "petition_handling" not in codes
    assert "waiting_time" not in codes  # not yet in force
    assert "parking" not in codes  # ended the day before today
    assert "staff_attitude" in codes
    with pytest.raises(ValidationFailed):
        services.rating_submit(
            dossier=dossier, overall=OK, answers={"petition_handling": 3}, account=world.citizen
        )

"""Two ratings of one dossier at the same moment on PostgreSQL: exactly one is kept."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from motcua.core.errors import Conflict
from motcua.feedback import services
from motcua.feedback.models import Petition, Rating

from .conftest import APPLICANT_PHONE

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_ratings_at_once_one_is_kept_the_other_is_refused(world):
    dossier = world.returned()
    barrier = threading.Barrier(2)

    def rate(level: int):
        try:
            barrier.wait()
            services.rating_submit(dossier=dossier, overall=level, phone=APPLICANT_PHONE)
            return "saved"
        except Conflict:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(rate, [1, 3]))
    assert outcomes == ["refused", "saved"]
    assert Rating.objects.filter(dossier=dossier).count() == 1


def test_concurrent_petitions_get_distinct_tracking_codes(world):
    def send(number: int) -> str:
        try:
            return services.petition_send(
                agency=world.department,
                data=services.PetitionData(
                    sender_name=f"Người gửi {number}",
                    sender_phone="0905111222",
                    subject="Hỏi",
                    content="Nội dung",
                ),
            ).tracking_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(send, range(40)))
    assert len(set(codes)) == 40
    assert Petition.objects.count() == 40

"""Admin in Vietnamese: criteria and deadlines editable, ratings and petitions read-only."""

from __future__ import annotations

import pytest
from factories import SuperuserFactory

from motcua.feedback import services
from motcua.feedback.models import Rating, SatisfactionCriterion

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    client.force_login(SuperuserFactory())
    return client


def test_every_feedback_admin_page_opens(admin_client, world):
    dossier = world.returned()
    rating = services.rating_submit(
        dossier=dossier, overall=3, answers={"staff_attitude": 2}, account=world.citizen
    )
    petition = services.petition_send(
        agency=world.department,
        data=services.PetitionData(
            sender_name="A", sender_phone="0905111222", subject="Hỏi", content="Nội dung"
        ),
    )
    for url in (
        "/admin/feedback/",
        "/admin/feedback/satisfactioncriterion/",
        "/admin/feedback/satisfactioncriterion/?in_force=yes",
        "/admin/feedback/satisfactioncriterion/add/",
        "/admin/feedback/rating/",
        f"/admin/feedback/rating/{rating.pk}/change/",
        "/admin/feedback/petitiondeadline/",
        "/admin/feedback/petitiondeadline/add/",
        "/admin/feedback/petition/",
        f"/admin/feedback/petition/{petition.pk}/change/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    html = admin_client.get("/admin/feedback/").content.decode()
    assert "Tiêu chí đánh giá mức độ hài lòng" in html
    assert "Phản ánh, kiến nghị" in html


def test_ratings_are_read_only_and_do_not_show_the_evaluator(admin_client, world):
    dossier = world.returned()
    rating = services.rating_submit(dossier=dossier, overall=3, account=world.citizen)
    assert admin_client.get("/admin/feedback/rating/add/").status_code == 403
    html = admin_client.get(f"/admin/feedback/rating/{rating.pk}/change/").content.decode()
    assert world.citizen.username not in html and str(world.citizen) not in html
    assert (
        admin_client.post(f"/admin/feedback/rating/{rating.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Rating.objects.filter(pk=rating.pk).exists()


def test_an_answered_criterion_keeps_its_wording(admin_client, world):
    dossier = world.returned()
    services.rating_submit(dossier=dossier, overall=3, answers={"staff_attitude": 2}, account=world.citizen)
    answered = SatisfactionCriterion.objects.get(code="staff_attitude")
    html = admin_client.get(f"/admin/feedback/satisfactioncriterion/{answered.pk}/change/").content.decode()
    assert 'name="name"' not in html and 'name="effective_to"' in html
    assert admin_client.get(f"/admin/feedback/satisfactioncriterion/{answered.pk}/delete/").status_code == 403
    fresh = SatisfactionCriterion.objects.get(code="result_and_cost")
    html = admin_client.get(f"/admin/feedback/satisfactioncriterion/{fresh.pk}/change/").content.decode()
    assert 'name="name"' in html

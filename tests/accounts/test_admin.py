"""The user admin shows the verification state, read-only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from motcua.accounts.models import User

pytestmark = pytest.mark.django_db


def test_user_admin_list_and_page(client, citizen):
    admin = User.objects.create(username="quantri", is_staff=True, is_superuser=True, kind=User.Kind.STAFF)
    citizen.vneid_verified_at, citizen.vneid_tech_id = timezone.now(), "tech-9"
    citizen.save()
    client.force_login(admin)
    listing = client.get("/admin/accounts/user/?vneid_verified_at__isnull=False")
    assert listing.status_code == 200 and "0912345678" in listing.content.decode()
    page = client.get(f"/admin/accounts/user/{citizen.pk}/change/").content.decode()
    assert "tech-9" in page and 'name="vneid_tech_id"' not in page  # shown, not editable
    assert 'name="organisation_name"' in page and 'name="birth_date"' in page

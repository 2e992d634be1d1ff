"""The admin shows dossiers read-only and edits process templates (see test_process_templates for rules)."""

from __future__ import annotations

import pytest
from factories import SuperuserFactory

pytestmark = pytest.mark.django_db


def test_dossiers_are_read_only_in_the_admin(client, world):
    dossier = world.in_processing()
    client.force_login(SuperuserFactory())
    listing = client.get("/admin/dossiers/dossier/")
    assert listing.status_code == 200
    assert dossier.code in listing.content.decode()
    page = client.get(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    response = client.post(f"/admin/dossiers/dossier/{dossier.pk}/change/", {"applicant_name": "Khác"})
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.applicant_name == "Nguyễn Văn An"
    assert client.get("/admin/dossiers/dossier/add/").status_code == 403


def test_process_templates_are_listed(client, world):
    client.force_login(SuperuserFactory())
    assert client.get("/admin/dossiers/processtemplate/").status_code == 200
    assert client.get("/admin/dossiers/processtemplate/add/").status_code == 200

"""The official forms (Mẫu 01–06) served as PDF behind the dossier access gate."""

from __future__ import annotations

import pytest

from .conftest import Desk

pytestmark = pytest.mark.django_db


def test_unknown_form_is_not_found(world):
    dossier = world.register()
    assert Desk(world.reception).get(f"/can-bo/ho-so/{dossier.code}/mau/07/").status_code == 404


def test_receipt_is_a_pdf_shown_in_the_browser(world):
    pytest.importorskip("motcua.paperwork.services")
    dossier = world.register()
    response = Desk(world.reception).get(f"/can-bo/ho-so/{dossier.code}/mau/01/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.startswith(b"%PDF")


def test_forms_of_other_agencies_dossiers_are_not_found(world):
    pytest.importorskip("motcua.paperwork.services")
    dossier = world.register()
    assert Desk(world.outsider).get(f"/can-bo/ho-so/{dossier.code}/mau/01/").status_code == 404


def test_a_form_the_dossier_does_not_have_is_explained(world):
    pytest.importorskip("motcua.paperwork.services")
    dossier = world.register()
    response = Desk(world.reception).get(f"/can-bo/ho-so/{dossier.code}/mau/03/", follow=True)
    assert response.redirect_chain[-1][0] == f"/can-bo/ho-so/{dossier.code}/"
    assert "không bị từ chối" in response.content.decode()


def test_the_printed_form_records_who_printed_it(world):
    pytest.importorskip("motcua.paperwork.services")
    from motcua.paperwork.models import PaperworkDocument

    dossier = world.register()
    Desk(world.reception).get(f"/can-bo/ho-so/{dossier.code}/mau/05/")
    assert PaperworkDocument.objects.get(dossier=dossier, form="05").created_by == world.reception

"""Back-office pages of the reports area (included under /can-bo/ by backoffice.urls)."""

from django.urls import path

from . import views_reports as views

urlpatterns: list = [
    path("bao-cao/", views.dashboard, name="reports_dashboard"),
    path("bao-cao/ho-so/", views.dossier_list, name="reports_dossiers"),
    path("bao-cao/excel/", views.export, name="reports_export"),
]

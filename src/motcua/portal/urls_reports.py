"""Public and citizen pages of the reports area (included at the site root by motcua.urls)."""

from django.urls import path  # noqa: F401

app_name = "reports"

urlpatterns: list = []

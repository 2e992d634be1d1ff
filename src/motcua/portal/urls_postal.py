"""Public and citizen pages of the postal area (included at the site root by motcua.urls)."""

from django.urls import path  # noqa: F401

app_name = "postal"

urlpatterns: list = []

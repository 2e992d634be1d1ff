"""Back-office pages of the postal area (included under /can-bo/ by backoffice.urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

"""Public and citizen pages of the reports area (included at the site root by motcua.urls)."""

from django.urls import path

from . import views_reports as views

app_name = "reports"

urlpatterns: list = [
    path("cong-khai/", views.transparency, name="transparency"),
    path("cong-khai/<str:code>/", views.agency, name="agency"),
]

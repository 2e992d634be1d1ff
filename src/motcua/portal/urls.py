from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedure_list"),
    path("thu-tuc/<str:national_code>/", views.procedure_detail, name="procedure_detail"),
    path(
        "thu-tuc/<str:national_code>/mau/<int:component_id>/",
        views.component_form_download,
        name="component_form_download",
    ),
    path("co-quan/", views.agency_list, name="agency_list"),
    path("co-quan/<str:code>/", views.agency_detail, name="agency_detail"),
    path("linh-vuc/", views.field_list, name="field_list"),
    path("linh-vuc/<str:code>/", views.field_detail, name="field_detail"),
]

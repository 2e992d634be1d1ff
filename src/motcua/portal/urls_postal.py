"""Public and citizen pages of the postal area (included at the site root by motcua.urls)."""

from django.urls import path

from . import views_postal as views

app_name = "postal"

urlpatterns = [
    path("gui-ho-so-qua-buu-chinh/<str:national_code>/", views.pickup_start, name="pickup_start"),
    path("buu-chinh/yeu-cau/", views.my_requests, name="my_requests"),
    path("buu-chinh/yeu-cau/<uuid:public_id>/", views.request_detail, name="request_detail"),
    path("buu-chinh/yeu-cau/<uuid:public_id>/huy/", views.request_cancel, name="request_cancel"),
    path("ho-so-cua-toi/<str:code>/dia-chi-nhan-ket-qua/", views.return_address, name="return_address"),
]

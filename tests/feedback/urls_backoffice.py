"""The site's URLs with the back-office petition pages mounted as backoffice/urls.py will include them
("can-bo/phan-anh-kien-nghi/", namespace "backoffice:petitions"), for tests until that include lands."""

from django.urls import include, path

from motcua.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path(
        "can-bo/",
        include(([path("phan-anh-kien-nghi/", include("motcua.backoffice.urls_feedback"))], "backoffice")),
    ),
    *site_urlpatterns,
]

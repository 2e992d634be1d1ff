"""Back-office petition pages; included in backoffice/urls.py under "phan-anh-kien-nghi/" (namespace
"backoffice:petitions")."""

from django.urls import path

from . import views_feedback as views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="list"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/tep-dinh-kem/", views.petition_attachment, name="attachment"),
]

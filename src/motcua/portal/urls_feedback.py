"""Public lookup, satisfaction rating and petition pages, included at the site root."""

from django.urls import path

from . import views_feedback as views

app_name = "feedback"

urlpatterns = [
    path("tra-cuu/", views.lookup, name="lookup"),
    path("danh-gia/<str:code>/", views.rate, name="rate"),
    path("phan-anh-kien-nghi/", views.petition_list, name="petition_list"),
    path("phan-anh-kien-nghi/gui/", views.petition_send, name="petition_send"),
    path("phan-anh-kien-nghi/theo-doi/", views.petition_track, name="petition_track"),
    path("phan-anh-kien-nghi/<int:pk>/", views.petition_detail, name="petition_detail"),
]

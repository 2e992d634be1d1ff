"""The citizen's dossier pages, included at the site root: online submission, drafts, my dossiers."""

from django.urls import path

from . import views_dossiers as views

app_name = "citizen"

urlpatterns = [
    path("nop-ho-so/<str:national_code>/", views.submission_start, name="submission_start"),
    path("ho-so-dang-soan/", views.draft_list, name="draft_list"),
    path("ho-so-dang-soan/<uuid:draft_id>/", views.draft_resume, name="draft_resume"),
    path("ho-so-dang-soan/<uuid:draft_id>/truong-hop/", views.draft_case, name="draft_case"),
    path("ho-so-dang-soan/<uuid:draft_id>/chu-ho-so/", views.draft_applicant, name="draft_applicant"),
    path("ho-so-dang-soan/<uuid:draft_id>/giay-to/", views.draft_components, name="draft_components"),
    path("ho-so-dang-soan/<uuid:draft_id>/giay-to/<int:file_id>/", views.draft_file, name="draft_file"),
    path(
        "ho-so-dang-soan/<uuid:draft_id>/giay-to/<int:file_id>/bo/",
        views.draft_file_remove,
        name="draft_file_remove",
    ),
    path("ho-so-dang-soan/<uuid:draft_id>/nhan-ket-qua/", views.draft_result, name="draft_result"),
    path("ho-so-dang-soan/<uuid:draft_id>/kiem-tra/", views.draft_review, name="draft_review"),
    path("ho-so-dang-soan/<uuid:draft_id>/xoa/", views.draft_delete, name="draft_delete"),
    path("ho-so-cua-toi/", views.my_dossiers, name="my_dossiers"),
    path("ho-so-cua-toi/<str:code>/", views.dossier_detail, name="dossier_detail"),
    path("ho-so-cua-toi/<str:code>/da-nop/", views.dossier_submitted, name="dossier_submitted"),
    path("ho-so-cua-toi/<str:code>/bo-sung/", views.dossier_supplement, name="dossier_supplement"),
    path("ho-so-cua-toi/<str:code>/ket-qua/<int:result_id>/", views.result_download, name="result_download"),
    path("ho-so-cua-toi/<str:code>/tep/<int:file_id>/", views.dossier_file_download, name="dossier_file"),
    path("ho-so-cua-toi/<str:code>/thong-bao/", views.messages_mark_read, name="messages_mark_read"),
]

from django.urls import include, path

from .views import auth, counter, dossier, notifications, registers, worklist

app_name = "backoffice"

urlpatterns = [
    path("", worklist.worklist, name="worklist"),
    path("viec/<slug:slug>/", worklist.worklist, name="worklist_bucket"),
    path("dang-nhap/", auth.StaffLoginView.as_view(), name="login"),
    path("dang-xuat/", auth.StaffLogoutView.as_view(), name="logout"),
    path("co-quan/", auth.choose_agency, name="choose_agency"),
    path("tiep-nhan/moi/", counter.counter_new, name="counter_new"),
    path("ho-so/<str:code>/", dossier.dossier_detail, name="dossier"),
    path("ho-so/<str:code>/thao-tac/<slug:action>/", dossier.dossier_action, name="dossier_action"),
    path("ho-so/<str:code>/tep/<int:file_id>/", dossier.dossier_file, name="dossier_file"),
    path("ho-so/<str:code>/ket-qua/<int:result_id>/", dossier.result_file, name="result_file"),
    path("ho-so/<str:code>/mau/<str:form>/", dossier.paperwork, name="paperwork"),
    path("so-theo-doi-ho-so/", registers.register, name="register"),
    path("thong-bao-loi/", notifications.failed_notifications, name="failed_notifications"),
    path("thong-bao-loi/<int:pk>/gui-lai/", notifications.resend_notification, name="resend_notification"),
    path("thong-bao/", notifications.my_messages, name="my_messages"),
    path("thong-bao/da-doc/", notifications.my_messages_read, name="my_messages_read"),
    path("phan-anh-kien-nghi/", include("motcua.backoffice.urls_feedback")),
    path("", include("motcua.backoffice.urls_payments")),
    path("", include("motcua.backoffice.urls_postal")),
    path("", include("motcua.backoffice.urls_reports")),
]

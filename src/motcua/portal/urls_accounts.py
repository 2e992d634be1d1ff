"""Account pages at the site root (included with app_name "account")."""

from django.urls import path

from . import views_accounts as views

app_name = "account"

urlpatterns = [
    path("dang-ky/", views.register, name="register"),
    path("xac-minh/", views.verify, name="verify"),
    path("xac-minh/gui-lai/", views.resend_code, name="resend_code"),
    path("dang-nhap/", views.sign_in, name="sign_in"),
    path("dang-nhap/vneid/", views.oidc_start, name="oidc_start"),
    path("dang-nhap/vneid/xong/", views.oidc_callback, name="oidc_callback"),
    path("dang-xuat/", views.sign_out, name="sign_out"),
    path("da-dang-xuat/", views.signed_out, name="signed_out"),
    path("het-phien/", views.session_expired, name="session_expired"),
    path("quen-mat-khau/", views.password_reset, name="password_reset"),
    path("quen-mat-khau/dat-lai/", views.password_reset_finish, name="password_reset_finish"),
    path("tai-khoan/", views.profile, name="profile"),
    path("tai-khoan/xac-minh-lien-he/", views.contact_verify_start, name="contact_verify_start"),
]

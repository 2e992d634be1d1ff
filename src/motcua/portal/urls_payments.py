"""Public and citizen pages of the payments area (included at the site root by motcua.urls)."""

from django.urls import path

from . import views_payments as views

app_name = "payments"

urlpatterns = [
    path("ho-so-cua-toi/<str:code>/thanh-toan/", views.pay, name="pay"),
    path("ho-so-cua-toi/<str:code>/bien-lai/", views.receipts, name="receipts"),
    path(
        "ho-so-cua-toi/<str:code>/bien-lai/<int:receipt_id>/", views.receipt_download, name="receipt_download"
    ),
    # Where the payment providers send the browser back (MOTCUA_PAYMENT_RETURN_URL's default).
    path("thanh-toan/ket-qua/", views.payment_return, name="return"),
]

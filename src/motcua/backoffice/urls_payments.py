"""Back-office pages of the payments area (included under /can-bo/ by backoffice.urls)."""

from django.urls import path

from .views import payments as views

urlpatterns = [
    path("ho-so/<str:code>/thanh-toan/<uuid:request_id>/thu/", views.collect, name="payments_collect"),
    path("ho-so/<str:code>/thanh-toan/<uuid:request_id>/mien/", views.exempt, name="payments_exempt"),
    path(
        "ho-so/<str:code>/thanh-toan/<uuid:request_id>/hoan-phi/",
        views.refund_due,
        name="payments_refund_due",
    ),
    path("ho-so/<str:code>/hoan-phi/<int:refund_id>/", views.refund_done, name="payments_refund_done"),
    path(
        "ho-so/<str:code>/hoan-phi/<int:refund_id>/chung-tu/",
        views.refund_proof,
        name="payments_refund_proof",
    ),
    path(
        "ho-so/<str:code>/khoan-thu/<int:collection_id>/chung-tu/",
        views.collection_proof,
        name="payments_collection_proof",
    ),
    path("ho-so/<str:code>/bien-lai/<int:receipt_id>/", views.receipt, name="payments_receipt"),
    path("thanh-toan/khoan-thu/", views.collections, name="payments_collections"),
    path("thanh-toan/bien-lai/", views.receipts, name="payments_receipts"),
    path("thanh-toan/hoan-phi/", views.refunds, name="payments_refunds"),
    path("thanh-toan/doi-soat/", views.reconciliation, name="payments_reconciliation"),
    path(
        "thanh-toan/doi-soat/chenh-lech/<int:mismatch_id>/",
        views.mismatch_resolve,
        name="payments_mismatch_resolve",
    ),
]

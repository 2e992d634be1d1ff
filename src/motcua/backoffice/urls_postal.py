"""Back-office pages of the postal area (included under /can-bo/ by backoffice.urls)."""

from django.urls import path

from .views import postal as views

urlpatterns = [
    path("buu-chinh/", views.shipments, name="postal_shipments"),
    path("buu-chinh/don/<int:pk>/", views.order_detail, name="postal_order"),
    path("buu-chinh/don/<int:pk>/huy/", views.order_cancel, name="postal_order_cancel"),
    path("buu-chinh/don/<int:pk>/gui-lai/", views.order_retry, name="postal_order_retry"),
    path("ho-so/<str:code>/gui-ket-qua-buu-chinh/", views.send_result, name="postal_send_result"),
    path("buu-chinh/bien-ban/", views.handovers, name="postal_handovers"),
    path("buu-chinh/bien-ban/moi/", views.handover_new, name="postal_handover_new"),
    path("buu-chinh/bien-ban/<int:pk>/", views.handover_detail, name="postal_handover"),
    path("buu-chinh/bien-ban/<int:pk>/them/", views.handover_add_item, name="postal_handover_add_item"),
    path(
        "buu-chinh/bien-ban/<int:pk>/bo/<int:item_id>/",
        views.handover_remove_item,
        name="postal_handover_remove_item",
    ),
    path("buu-chinh/bien-ban/<int:pk>/ky/", views.handover_sign, name="postal_handover_sign"),
    path(
        "buu-chinh/bien-ban/<int:pk>/phi/<int:item_id>/",
        views.handover_fee_proof,
        name="postal_handover_fee_proof",
    ),
    path("buu-chinh/bien-ban/<int:pk>/in/", views.handover_print, name="postal_handover_print"),
]

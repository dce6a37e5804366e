from django.urls import path

from plantwright.erp import views

urlpatterns = [
    path("purchasing/", views.purchasing_queue, name="purchasing-queue"),
    path("purchasing/sites/<int:site_id>/po/", views.purchase_order_create, name="purchase-order-create"),
    path("purchase-orders/<int:po_id>/send/", views.purchase_order_send, name="purchase-order-send"),
    path(
        "purchase-orders/<int:po_id>/lines/<int:line_number>/",
        views.purchase_order_line_update,
        name="purchase-order-line-update",
    ),
    path("purchase-orders/<int:po_id>/receive/", views.purchase_order_receive, name="purchase-order-receive"),
    path("purchase-orders/<int:po_id>/invoice/", views.purchase_order_invoice, name="purchase-order-invoice"),
    path("purchase-orders/<int:po_id>/cancel/", views.purchase_order_cancel, name="purchase-order-cancel"),
    path("sites/<int:site_id>/connector/", views.site_connector, name="site-connector"),
    path("integrations/erp-events/", views.erp_events, name="erp-events"),
]

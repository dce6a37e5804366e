from django.urls import path

from plantwright.procurement import views

urlpatterns = [
    path("work-orders/<int:work_order_id>/parts-requests/new/", views.parts_request_new, name="parts-request-new"),
    path("parts-requests/<int:request_id>/submit/", views.parts_request_submit, name="parts-request-submit"),
    path("parts-requests/<int:request_id>/approve/", views.parts_request_approve, name="parts-request-approve"),
    path("parts-requests/<int:request_id>/reject/", views.parts_request_reject, name="parts-request-reject"),
    path("request-lines/<int:line_id>/cancel/", views.request_line_cancel, name="request-line-cancel"),
    path("purchase-orders/<int:po_id>/", views.purchase_order_detail, name="purchase-order-detail"),
]

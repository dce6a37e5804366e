from django.urls import path

from plantwright.maintenance import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sites/<int:site_id>/closed-periods/", views.closed_periods, name="closed-periods"),
    path("history-import/", views.history_import, name="history-import"),
    path("history-import/<int:job_id>/", views.history_import_job, name="history-import-job"),
    path("history-import/<int:job_id>/apply/", views.history_import_apply, name="history-import-apply"),
    path("requests/", views.work_request_list, name="work-request-list"),
    path("requests/new/", views.work_request_new, name="work-request-new"),
    path("requests/<int:request_id>/", views.work_request_detail, name="work-request-detail"),
    path("requests/<int:request_id>/attachments/", views.work_request_attach, name="work-request-attach"),
    path(
        "requests/<int:request_id>/<str:action>/",
        views.work_request_triage,
        name="work-request-triage",
    ),
    path("work-orders/", views.work_order_list, name="work-order-list"),
    path("work-orders/new/", views.work_order_new, name="work-order-new"),
    path("assets/<int:asset_id>/cost-ledger/", views.asset_ledger, name="asset-cost-ledger"),
    path("work-orders/<int:work_order_id>/attachments/", views.work_order_attach, name="work-order-attach"),
    path("attachments/<int:attachment_id>/", views.attachment_file, name="attachment-file"),
    path("work-orders/<int:work_order_id>/", views.work_order_detail, name="work-order-detail"),
    path("work-orders/<int:work_order_id>/print/", views.work_order_print, name="work-order-print"),
    path("work-orders/<int:work_order_id>/edit/", views.work_order_edit, name="work-order-edit"),
    path("work-orders/<int:work_order_id>/transition/", views.work_order_transition, name="work-order-transition"),
    path("work-orders/<int:work_order_id>/failure/", views.work_order_execution, name="work-order-execution"),
    path("work-orders/<int:work_order_id>/labor/", views.work_order_labor, name="work-order-labor"),
    path("work-orders/<int:work_order_id>/contractor/", views.work_order_contractor, name="work-order-contractor"),
    path("work-orders/<int:work_order_id>/checks/<int:check_id>/", views.work_order_check, name="work-order-check"),
    path("work-orders/<int:work_order_id>/tasks/<int:task_id>/", views.work_order_task, name="work-order-task"),
    path("entries/<str:kind>/<int:entry_id>/reverse/", views.entry_reverse, name="entry-reverse"),
    path("my-time/", views.my_time, name="my-time"),
]

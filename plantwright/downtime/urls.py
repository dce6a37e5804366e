from django.urls import path

from plantwright.downtime import views

urlpatterns = [
    path("downtime/", views.stop_list, name="downtime-list"),
    path("downtime/rejected/", views.rejected_events, name="downtime-rejected"),
    path("sites/<int:site_id>/downtime-rules/", views.rules, name="downtime-rules"),
    path("sites/<int:site_id>/downtime-rules/<int:rule_id>/delete/", views.rule_delete, name="downtime-rule-delete"),
    path("sites/<int:site_id>/oee-webhook/", views.oee_webhook, name="downtime-oee-webhook"),
]

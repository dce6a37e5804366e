from django.urls import path

from plantwright.outbox import views

urlpatterns = [
    path("integrations/outbox/", views.outbox, name="outbox"),
    path("integrations/outbox/<int:message_id>/retry/", views.outbox_retry, name="outbox-retry"),
    path("integrations/outbox/<int:message_id>/cancel/", views.outbox_cancel, name="outbox-cancel"),
]

from django.urls import path

from plantwright.outbox import subscription_views, views

urlpatterns = [
    path("integrations/outbox/", views.outbox, name="outbox"),
    path("integrations/outbox/<int:message_id>/retry/", views.outbox_retry, name="outbox-retry"),
    path("integrations/outbox/<int:message_id>/cancel/", views.outbox_cancel, name="outbox-cancel"),
    path("sites/<int:site_id>/event-subscriptions/", subscription_views.event_subscriptions,
         name="event-subscriptions"),
    path("event-subscriptions/<int:subscription_id>/", subscription_views.event_subscription_deliveries,
         name="event-subscription-deliveries"),
    path("event-subscriptions/<int:subscription_id>/active/", subscription_views.event_subscription_active,
         name="event-subscription-active"),
    path("event-subscriptions/<int:subscription_id>/rotate/", subscription_views.event_subscription_rotate,
         name="event-subscription-rotate"),
    path("event-subscriptions/<int:subscription_id>/delete/", subscription_views.event_subscription_delete,
         name="event-subscription-delete"),
]  # fmt: skip

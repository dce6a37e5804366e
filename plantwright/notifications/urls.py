from django.urls import path

from plantwright.notifications import views

urlpatterns = [
    path("notifications/", views.inbox, name="notifications"),
    path("notifications/bell/", views.bell, name="notifications-bell"),
    path("notifications/read/", views.read, name="notifications-read"),
    path("notifications/preferences/", views.preferences, name="notification-preferences"),
]

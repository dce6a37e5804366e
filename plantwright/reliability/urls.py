from django.urls import path

from plantwright.reliability import views

urlpatterns = [
    path("reliability/", views.dashboard, name="reliability-dashboard"),
    path("reliability/audit/", views.audit, name="reliability-audit"),
    path("reliability/failures/", views.failures, name="reliability-failures"),
]

from django.urls import path

from plantwright.reliability import views

urlpatterns = [
    path("reliability/", views.dashboard, name="reliability-dashboard"),
    path("reliability/failures/", views.failures, name="reliability-failures"),
]

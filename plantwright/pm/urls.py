from django.urls import path

from plantwright.pm import views, views_plans

urlpatterns = [
    path("pm/", views.schedules, name="pm-schedules"),
    path("pm/forecast/", views.forecast, name="pm-forecast"),
    path("pm/sites/<int:site_id>/generate/", views.generate, name="pm-generate"),
    path("pm/sites/<int:site_id>/grace/", views.grace, name="pm-grace"),
    path("pm/sites/<int:site_id>/schedules/new/", views.schedule_edit, name="pm-schedule-new"),
    path("pm/sites/<int:site_id>/schedules/<int:schedule_id>/", views.schedule_edit, name="pm-schedule-edit"),
    path("pm/sites/<int:site_id>/job-plans/", views_plans.job_plans, name="pm-job-plans"),
    path("pm/sites/<int:site_id>/job-plans/new/", views_plans.job_plan_edit, name="pm-job-plan-new"),
    path("pm/sites/<int:site_id>/job-plans/<int:plan_id>/", views_plans.job_plan_edit, name="pm-job-plan-edit"),
]

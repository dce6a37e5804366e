from django.contrib.auth import views as auth_views
from django.urls import path

from plantwright.accounts import pwa, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", views.token_list, name="token-list"),
    path("account/language/", views.language, name="account-language"),
    path("manifest.webmanifest", pwa.manifest, name="web-manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),  # at the root: its scope is every page
    path("offline/", pwa.offline, name="offline"),
]

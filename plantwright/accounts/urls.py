from django.urls import path

from plantwright.accounts import oidc, pwa, sign_in_views, views

urlpatterns = [
    path("login/", sign_in_views.SignIn.as_view(), name="login"),
    path("logout/", sign_in_views.sign_out, name="logout"),
    path("oidc/authenticate/", oidc.OidcSignIn.as_view(), name="oidc-sign-in"),
    path("oidc/callback/", oidc.OidcCallback.as_view(), name="oidc-callback"),
    path("sites/<int:site_id>/sign-in-groups/", sign_in_views.sign_in_groups, name="sign-in-groups"),
    path("sign-in-groups/<int:mapping_id>/delete/", sign_in_views.sign_in_group_delete, name="sign-in-group-delete"),
    path("account/tokens/", views.token_list, name="token-list"),
    path("account/language/", views.language, name="account-language"),
    path("manifest.webmanifest", pwa.manifest, name="web-manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),  # at the root: its scope is every page
    path("offline/", pwa.offline, name="offline"),
]

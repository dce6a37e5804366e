"""Signing in and out (a local password, the company account over OpenID Connect, or the directory's
password over LDAP), and the page where a site's administrator maps directory groups to roles."""

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from plantwright.accounts import oidc, selectors, services
from plantwright.accounts.roles import Role
from plantwright.core.errors import DomainError


def password_sign_in() -> bool:
    """Whether the sign-in page asks for a user name and password (local, or the directory's)."""
    return settings.LOCAL_PASSWORDS or bool(settings.LDAP_SERVER_URI)


class SignIn(auth_views.LoginView):
    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            oidc=oidc.enabled(),
            oidc_label=settings.OIDC_PROVIDER_LABEL or _("company account"),
            passwords=password_sign_in(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not password_sign_in():
            messages.error(request, _("Sign in with your company account."))
            return redirect("login")
        return super().post(request, *args, **kwargs)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    id_token = request.session.get("oidc_id_token", "")
    auth.logout(request)
    back = request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
    return HttpResponseRedirect(oidc.end_session_url(request, id_token, back) or back)


class MappingForm(forms.Form):
    group = forms.CharField(max_length=200, label=_("Directory group"))
    role = forms.ChoiceField(choices=Role.choices, label=_("Role at this site"))


def _page(request: HttpRequest, site, form=None, status: int = 200) -> HttpResponse:
    context = {
        "site": site,
        "mappings": selectors.list_mappings(request.user, site.pk),
        "form": form or MappingForm(),
        "oidc_issuer": settings.OIDC_ISSUER,
        "ldap_server": settings.LDAP_SERVER_URI,
        "local_passwords": settings.LOCAL_PASSWORDS,
    }
    return render(request, "accounts/sign_in_groups.html", context, status=status)


@login_required
def sign_in_groups(request: HttpRequest, site_id: int) -> HttpResponse:
    site = selectors.get_site(request.user, site_id)
    if request.method != "POST":
        return _page(request, site)
    form = MappingForm(request.POST)
    if not form.is_valid():
        return _page(request, site, form, status=422)
    try:
        services.add_mapping(request.user, site, form.cleaned_data["group"], form.cleaned_data["role"])
    except DomainError as exc:
        form.add_error("group", exc.message)
        return _page(request, site, form, status=exc.status)
    messages.success(request, _("Saved: members of the group hold the role from now on."))
    return redirect("sign-in-groups", site.pk)


@login_required
@require_POST
def sign_in_group_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    mapping = selectors.get_mapping(request.user, mapping_id)
    services.remove_mapping(request.user, mapping)
    messages.success(request, _("Removed: the group's members no longer hold the role."))
    return redirect("sign-in-groups", mapping.site_id)

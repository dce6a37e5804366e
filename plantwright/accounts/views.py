from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.accounts import selectors, services
from plantwright.core.errors import DomainError
from plantwright.core.http.pages import next_page


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    new_secret = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "create":
                new_secret = services.create_token(request.user, request.POST.get("name", "")).secret
            elif request.POST.get("action") == "revoke":
                token = services.revoke_token(request.user, int(request.POST.get("token", "0") or 0))
                messages.success(request, _("Token {name} revoked.").format(name=token.name))
                return redirect("token-list")
        except (DomainError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "Invalid token."))
    return render(
        request, "accounts/tokens.html", {"tokens": selectors.list_tokens(request.user), "new_secret": new_secret}
    )


@login_required
@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """Choose the UI's language (from the user menu); back to the page it was chosen on."""
    try:
        services.set_language(request.user, request.POST.get("language", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(next_page(request, "home"))

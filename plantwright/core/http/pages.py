"""What HTML views share: a page of a list, a service's refusal on its form field, where to go next."""

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from plantwright.core.errors import DomainError

PAGE_SIZE = 25


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the field it names, or on the form as a whole."""
    field = exc.details.get("field", "")
    field = field.split(".")[-1] if field not in form.fields else field
    form.add_error(field if field in form.fields else None, exc.message)


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE, paginator=Paginator) -> Page:
    """A page of the list (`?page=`); `paginator=KeysFirstPaginator` for lists that are paged deep."""
    return paginator(queryset, per_page).get_page(request.GET.get("page"))


def next_page(request: HttpRequest, fallback: str) -> str:
    """Where a form's `next` asks to go afterwards, if it is a page of this site (never another host)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback

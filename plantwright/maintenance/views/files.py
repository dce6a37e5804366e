"""Photos and documents on requests and WOs: upload, and the file to those who may see it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plantwright.core.errors import DomainError
from plantwright.maintenance import selectors, services
from plantwright.maintenance.attachment_files import attachment_response


def _attach(request: HttpRequest, **target) -> HttpResponse:
    """Store the uploaded files (several at once from a phone) and go back to the record."""
    record = target.get("work_order") or target.get("work_request")
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, _("Choose a photo or a PDF first."))
    for upload in files:
        try:
            services.attach(request.user, upload, source=f"ui:{request.user.username}", **target)
        except DomainError as exc:
            messages.error(request, f"{upload.name}: {exc.message}")
    name = "work-order-detail" if "work_order" in target else "work-request-detail"
    return redirect(name, record.pk)


@login_required
@require_POST
def work_order_attach(request: HttpRequest, work_order_id: int) -> HttpResponse:
    return _attach(request, work_order=selectors.get_work_order(request.user, work_order_id))


@login_required
@require_POST
def work_request_attach(request: HttpRequest, request_id: int) -> HttpResponse:
    return _attach(request, work_request=selectors.get_work_request(request.user, request_id))


@login_required
def attachment_file(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The file, to those who may see its site; photos inline, documents as downloads."""
    attachment = selectors.get_attachment(request.user, attachment_id)
    return attachment_response(attachment)

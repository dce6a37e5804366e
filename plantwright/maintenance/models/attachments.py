"""Photos and documents on work requests and WOs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from plantwright.accounts.models import Site


class Attachment(models.Model):
    """A file on a work request and/or a WO. Approving a request sets the WO too, so what the
    operator photographed stays with the request and shows on the WO: it never disappears."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    work_request = models.ForeignKey(
        "maintenance.WorkRequest", on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    work_order = models.ForeignKey(
        "maintenance.WorkOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=200, help_text="The file name as uploaded")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text="Bytes stored (after resizing a photo)")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=80, help_text="ui:<user>, api:<user> or portal:<address>")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_request__isnull=False) | Q(work_order__isnull=False),
                name="attachment_belongs_to_a_request_or_wo",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

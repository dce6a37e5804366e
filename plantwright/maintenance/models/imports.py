"""A history file on its way in: checked in the worker, looked at by the one who brought it, applied."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from plantwright.accounts.models import Site


class ImportJob(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        INVALID = "invalid", _("Problems found")
        APPLYING = "applying", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=20, help_text="The kind of file (import_kinds)")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    file = models.FileField(upload_to="imports/")
    file_name = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CHECKING)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    error = models.JSONField(default=dict, blank=True, help_text="The refusal: code, message, problems")
    preview = models.JSONField(default=dict, blank=True, help_text="The header and first rows, as read")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} import {self.pk} ({self.status})"

    @property
    def kind_label(self):
        from plantwright.maintenance.import_kinds import import_kind

        kind = import_kind(self.kind)
        return kind.label if kind else self.kind

    @property
    def running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.rows_done / self.rows_total)) if self.rows_total else 0

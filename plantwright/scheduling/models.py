"""One row per periodic job: when it is due next, and how its last run went."""

from django.db import models


class ScheduledJob(models.Model):
    """Claimed by one scheduler per period (a conditional UPDATE), run by one task worker."""

    name = models.CharField(max_length=100, unique=True)
    every_seconds = models.PositiveIntegerField()
    next_due_at = models.DateTimeField()
    running = models.BooleanField(default=False)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=500, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

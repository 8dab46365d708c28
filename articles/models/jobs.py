"""When the periodic work last ran, so /healthz can tell when scheduled publishing, expiry and
retention deletes have stopped."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobsRun(models.Model):
    """One row, rewritten by every `run_jobs` run (pk 1): a table of every run would grow by
    1,440 rows a day for nothing."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    failed = models.PositiveIntegerField(default=0, help_text=_("Items the run could not handle."))

    class Meta:
        verbose_name = _("periodic jobs run")

    def __str__(self) -> str:
        return f"run_jobs finished at {self.finished_at:%Y-%m-%d %H:%M:%S}"

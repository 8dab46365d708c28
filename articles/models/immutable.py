"""Rows that are written once and never changed: revisions, signatures and audit events."""

from __future__ import annotations

from django.db import models


class ImmutableRowError(Exception):
    """Raised when code tries to change or delete a row that is a record of what happened."""


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRowError(f"{self.model.__name__} rows are never updated.")

    def delete(self):
        raise ImmutableRowError(f"{self.model.__name__} rows are never deleted.")


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ImmutableRowError(
                f"{type(self).__name__} {self.pk} is a record; it never changes."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError(
            f"{type(self).__name__} {self.pk} is a record; it is never deleted."
        )

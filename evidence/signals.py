"""Signals evidence sends so that other apps can follow it without evidence knowing them.

`source_edited` is sent inside the transaction of a person's edit of a source (the admin), with
`source`, `actor`, `action` ("source_created", "source_changed" or "source_deleted") and
`changes` ({field: new value as text}). The audit trail (`articles.audit.edits`) listens; a
receiver that raises rolls the edit back, so no edit goes unrecorded.

`retraction_changed` is sent inside the transaction that changes whether a source is retracted
(a registry check finding a retraction notice; `editing.save_source` too, should a form ever let
a person change it), with `source`. The public site listens: pages citing it tell their readers."""

from django.dispatch import Signal

source_edited = Signal()
retraction_changed = Signal()

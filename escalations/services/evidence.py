"""Evidence on a case: private files, written and deleted only once their change commits.

A file's bytes reach the storage in a ``transaction.on_commit`` callback, never inside the
transaction: if the change that carried the file rolls back (here or in any surrounding
transaction, such as the admin's save of the whole case form), its callbacks are discarded and
nothing was ever written, so no stray file can outlive its row. Should the write itself fail
after the commit, the callback removes the row and its log entry again, so that evidence never
lists a file it does not have. The caller's file must stay readable until the commit (an
upload does, for the whole request).
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone

from escalations.models import Case, CaseAttachment, CaseNote
from escalations.models.case import evidence_path
from escalations.permissions import can_see_case
from escalations.services.cases import case_add_note
from escalations.services.errors import CasePermissionDenied

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024


def evidence_display_name(name: str) -> str:
    """Return the name to show and offer for download: no folders, no control characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(character for character in base if character.isprintable()).strip()
    if base.strip(".") == "":
        return "evidence"
    if len(base) > 255:
        stem, extension = os.path.splitext(base)
        base = stem[: 255 - len(extension[:20])] + extension[:20]
    return base


def evidence_check_size(file: File, *, name: str | None = None) -> None:
    """Raise ValidationError, naming the file and the limit, if it is empty or too large."""
    name = name or evidence_display_name(file.name or "")
    limit = settings.EVIDENCE_MAX_UPLOAD_MB
    if not file.size:
        raise ValidationError(f"{name} is empty.", code="empty")
    if file.size > limit * MEGABYTE:
        raise ValidationError(
            f"{name} is too large ({file.size / MEGABYTE:.1f} MB); evidence files may be at "
            f"most {limit} MB each.", code="too_large",
        )


@transaction.atomic
def case_add_evidence(
    *, case: Case, actor, file: File, description: str = "", now: datetime | None = None,
) -> CaseAttachment:
    """Attach a file to the case as the actor, and log it in the case's log.

    The row records the original name, the uploader and the time; the bytes are stored under a
    random name once the transaction commits (see the module's docstring).
    """
    now = now or timezone.now()
    if not (can_see_case(actor, case) and actor.has_perm("escalations.add_caseattachment")):
        raise CasePermissionDenied(f"{actor} may not add evidence to case {case.ticket_id}.")
    name = evidence_display_name(file.name or "")
    evidence_check_size(file, name=name)
    attachment = CaseAttachment(case=case, original_name=name, description=description,
                                uploaded_by=actor, uploaded_at=now)
    # A plain name: the field takes the file as stored and writes nothing itself.
    attachment.file = evidence_path(attachment, name)
    attachment.full_clean()
    attachment.save()
    note = case_add_note(
        case=case, actor=actor, now=now,
        body=f"Evidence added: {name}" + (f" ({description})" if description else ""),
    )
    storage, stored_name = attachment.file.storage, attachment.file.name
    transaction.on_commit(
        lambda: _evidence_write(storage, stored_name, file, attachment_id=attachment.pk,
                                note_id=note.pk),
        robust=True,
    )
    return attachment


def _evidence_write(storage: Storage, name: str, file: File, *, attachment_id: int,
                    note_id: int) -> None:
    """Write the committed evidence's bytes; if that fails, remove its row and log entry."""
    try:
        stored = storage.save(name, file)
    except Exception:
        logger.exception("Evidence %s could not be stored; its row is removed.", attachment_id)
        with transaction.atomic():
            CaseAttachment.objects.filter(pk=attachment_id).delete()
            CaseNote.objects.filter(pk=note_id).delete()
        raise
    if stored != name:  # the storage chose another name (only if the random one was taken)
        CaseAttachment.objects.filter(pk=attachment_id).update(file=stored)


@transaction.atomic
def case_remove_evidence(*, attachment: CaseAttachment, actor,
                         now: datetime | None = None) -> None:
    """Remove a piece of evidence (administrators only), logging it; the file goes on commit."""
    case = attachment.case
    if not (actor.is_superuser and can_see_case(actor, case)):
        raise CasePermissionDenied(f"{actor} may not remove evidence from case {case.ticket_id}.")
    storage, stored_name = attachment.file.storage, attachment.file.name
    case_add_note(case=case, actor=actor, now=now or timezone.now(),
                  body=f"Evidence removed: {attachment.original_name}")
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored_name), robust=True)


@transaction.atomic
def case_delete(*, case: Case, actor) -> None:
    """Delete a case (administrators only, e.g. a test case) and, once that commits, its files.

    The database cascades to the evidence rows; their private files would otherwise stay on
    disk with nothing pointing at them.
    """
    if not actor.is_superuser:
        raise CasePermissionDenied(f"{actor} may not delete case {case.ticket_id}.")
    stored = [(attachment.file.storage, attachment.file.name)
              for attachment in case.attachments.all()]
    case.delete()
    for storage, name in stored:
        transaction.on_commit(partial(storage.delete, name), robust=True)

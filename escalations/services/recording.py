"""Saving a case with its audit trail: who, which transition, why."""

from __future__ import annotations

from datetime import datetime
from operator import attrgetter

from escalations.bulk import bulk_insert_copying, bulk_insert_values
from escalations.models import Case

HistoricalCase = Case.history.model
TRACKED = [field.attname for field in HistoricalCase.tracked_fields]
_read_tracked = attrgetter(*TRACKED)


def historical_row(case: Case, *, at: datetime, actor, transition: str, reason: str,
                   history_type: str = "~") -> dict[str, object]:
    """Return the historical row of the case as it is now, as {attname: value}.

    Bulk writers (the SLA sweep, the importer) bump the version themselves and write these rows
    with history_insert, so the audit trail is the one a save() would have written.
    """
    return _with_history_columns(dict(zip(TRACKED, _read_tracked(case), strict=True)), at=at,
                                 actor=actor, transition=transition, reason=reason,
                                 history_type=history_type)


def _with_history_columns(row: dict[str, object], *, at: datetime, actor, transition: str,
                          reason: str, history_type: str) -> dict[str, object]:
    row.update(history_date=at, history_user_id=actor.pk if actor else None,
               history_change_reason=reason, history_type=history_type,
               history_transition=transition)
    return row


def history_insert(rows: list[dict[str, object]]) -> int:
    """Write historical rows built by historical_row, in bulk."""
    return bulk_insert_values(HistoricalCase, rows)


class PartialSnapshots:
    """History rows of cases of which a bulk writer changed only some fields (the SLA sweep).

    row() keeps the case's id, the changed fields and the history columns; insert() has the
    database copy every other tracked field from the case's row, which the caller holds locked
    and has not changed. The rows are the ones historical_row and history_insert would write.
    """

    def __init__(self, changed: list[str]) -> None:
        self.given = ["id", *(name for name in changed if name in TRACKED and name != "id")]
        self._read = attrgetter(*self.given)
        self.copied = [name for name in TRACKED if name not in self.given]

    def row(self, case: Case, *, at: datetime, actor, transition: str, reason: str,
            history_type: str = "~") -> dict[str, object]:
        return _with_history_columns(dict(zip(self.given, self._read(case), strict=True)),
                                     at=at, actor=actor, transition=transition, reason=reason,
                                     history_type=history_type)

    def insert(self, rows: list[dict[str, object]]) -> int:
        return bulk_insert_copying(HistoricalCase, rows, source=Case, key="id",
                                   copied=self.copied)


def case_save_with_history(
    *, case: Case, actor, transition: str, reason: str, at: datetime | None = None
) -> None:
    """Save the case, writing one historical row that names the actor, transition and reason.

    at dates the historical row (the injected clock); it defaults to the current time.
    """
    case._history_user = actor
    case._change_reason = reason
    case._history_transition = transition
    if at is not None:
        case._history_date = at
    try:
        case.save()
    finally:
        # simple_history leaves these on the instance; a later save must not inherit them.
        for attribute in ("_history_user", "_change_reason", "_history_transition",
                          "_history_date"):
            case.__dict__.pop(attribute, None)

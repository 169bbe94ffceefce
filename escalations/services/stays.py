"""The case's stays at tiers: one row per stay, written by the transition services."""

from __future__ import annotations

from datetime import datetime

from escalations.models import Case, Tier, TierStay


def stay_open(*, case: Case, now: datetime, actor=None) -> TierStay:
    """Record that the case entered its current tier at now."""
    tier = Tier.objects.filter(policy_id=case.policy_id, level=case.tier).first()
    return TierStay.objects.create(
        case=case, level=case.tier, tier_name=tier.name if tier else f"Tier {case.tier}",
        entered_at=now, due_at=case.due_at, entered_by=actor,
    )


def current_stay(case: Case) -> TierStay | None:
    """Return the stay the case is in now (the one not yet left)."""
    return case.stays.filter(left_at__isnull=True).order_by("-entered_at", "-id").first()


def stay_close(*, case: Case, now: datetime, left_by: str) -> None:
    """Record that the case left its current tier (escalated, resolved) at now."""
    case.stays.filter(left_at__isnull=True).update(left_at=now, left_by=left_by)


def stay_sync_due(*, case: Case) -> None:
    """Record the current stay's deadline after it moved (resume after hold, new risk)."""
    case.stays.filter(left_at__isnull=True).update(due_at=case.due_at)


def stay_acknowledge(*, case: Case, now: datetime) -> None:
    """Record the first acknowledgement of the current stay."""
    case.stays.filter(left_at__isnull=True, acknowledged_at__isnull=True).update(
        acknowledged_at=now
    )

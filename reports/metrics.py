"""Every figure of the reports and the dashboard, defined once over cases and their stays.

Each function takes the cases in scope (a queryset already limited to what the reader may see)
and a period, and runs a fixed number of queries whatever the number of cases.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, QuerySet

from escalations.choices import ACTIVE_STATES, CaseState
from escalations.models import Case, TierStay
from reports.periods import Period

HOUR = 3600.0


def stays_of(cases: QuerySet[Case]) -> QuerySet[TierStay]:
    """Return the tier stays of the cases in scope, unordered (metrics aggregate them; the
    default ordering would sort every stay by its case's list order first)."""
    return TierStay.objects.filter(case__in=cases.values("pk")).order_by()


def hours(span: timedelta) -> float:
    return span.total_seconds() / HOUR


def percentile(values: list[float], share: float) -> float | None:
    """Return the share-th percentile (0.5 = median) by linear interpolation, or None."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- the figures (one sentence each in the README) ------------------------------------------

def opened(cases: QuerySet[Case], period: Period) -> int:
    """Cases opened in the period."""
    return cases.filter(opened_at__gte=period.start, opened_at__lt=period.end).count()


def resolved(cases: QuerySet[Case], period: Period) -> int:
    """Cases resolved in the period (and not reopened since)."""
    return cases.filter(resolved_at__gte=period.start, resolved_at__lt=period.end).count()


def closed(cases: QuerySet[Case], period: Period) -> int:
    """Cases closed in the period."""
    return cases.filter(closed_at__gte=period.start, closed_at__lt=period.end).count()


def still_open(cases: QuerySet[Case], period: Period) -> int:
    """Cases opened before the period's end and not resolved by then."""
    return cases.filter(opened_at__lt=period.end).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.end)
    ).exclude(state=CaseState.CLOSED, closed_at__lt=period.end).count()


def escalation_count(cases: QuerySet[Case], period: Period) -> int:
    """Escalations in the period: tier stays left by escalating (manually or by the SLA)."""
    return stays_of(cases).filter(
        left_by="escalate", left_at__gte=period.start, left_at__lt=period.end
    ).count()


def escalation_frequency(cases: QuerySet[Case], period: Period) -> float | None:
    """Escalations in the period per case opened in the period."""
    count = opened(cases, period)
    return escalation_count(cases, period) / count if count else None


def breach_rate(cases: QuerySet[Case], period: Period) -> float | None:
    """Share of the tier deadlines falling in the period that were missed."""
    due = stays_of(cases).filter(due_at__gte=period.start, due_at__lt=period.end)
    figures = due.aggregate(total=Count("pk"), missed=Count("pk", filter=Q(
        breached_at__isnull=False)))
    return figures["missed"] / figures["total"] if figures["total"] else None


def resolution_hours(cases: QuerySet[Case], period: Period) -> list[float]:
    """Hours from opening to resolution of the cases resolved in the period."""
    rows = cases.filter(resolved_at__gte=period.start, resolved_at__lt=period.end)
    rows = rows.order_by().values_list("opened_at", "resolved_at")
    return [hours(done - start) for start, done in rows.iterator(chunk_size=10000)]


def average_feedback(cases: QuerySet[Case], period: Period) -> float | None:
    """Average customer feedback (1-5) of the cases closed in the period."""
    return cases.filter(closed_at__gte=period.start, closed_at__lt=period.end,
                        feedback_score__isnull=False).aggregate(avg=Avg("feedback_score"))["avg"]


def summary(cases: QuerySet[Case], period: Period) -> dict[str, float | int | None]:
    """Return the headline figures of a period."""
    times = resolution_hours(cases, period)
    return {
        "Cases opened": opened(cases, period),
        "Cases resolved": resolved(cases, period),
        "Cases closed": closed(cases, period),
        "Still open at month end": still_open(cases, period),
        "Escalations": escalation_count(cases, period),
        "Escalation frequency (per case opened)": escalation_frequency(cases, period),
        "SLA breach rate": breach_rate(cases, period),
        "Median time to resolve (h)": percentile(times, 0.5),
        "90th percentile time to resolve (h)": percentile(times, 0.9),
        "Average customer feedback (1-5)": average_feedback(cases, period),
    }


def by_policy(cases: QuerySet[Case], period: Period) -> list[dict]:
    """Opened, resolved, closed and still open per policy."""
    rows: dict[str, Counter] = defaultdict(Counter)
    window = Q(opened_at__gte=period.start, opened_at__lt=period.end)
    for name, count in cases.filter(window).values_list("policy__name").annotate(n=Count("pk")):
        rows[name]["opened"] = count
    for name, count in cases.filter(resolved_at__gte=period.start, resolved_at__lt=period.end
                                    ).values_list("policy__name").annotate(n=Count("pk")):
        rows[name]["resolved"] = count
    for name, count in cases.filter(closed_at__gte=period.start, closed_at__lt=period.end
                                    ).values_list("policy__name").annotate(n=Count("pk")):
        rows[name]["closed"] = count
    return [{"policy": name, **counts} for name, counts in sorted(rows.items())]


def by_category(cases: QuerySet[Case], period: Period) -> list[dict]:
    """The common issues: cases opened per category, ranked, with resolution and breaches."""
    window = cases.filter(opened_at__gte=period.start, opened_at__lt=period.end).order_by()
    rows = {
        name: {"category": name, "opened": count, "resolved": 0, "breached": 0,
               "median_resolve_h": None}
        for name, count in window.values_list("category__name").annotate(n=Count("pk"))
    }
    times: dict[str, list[float]] = defaultdict(list)
    for name, start, done, breached in window.values_list(
        "category__name", "opened_at", "resolved_at", "sla_breached"
    ).iterator(chunk_size=10000):
        if done is not None:
            rows[name]["resolved"] += 1
            times[name].append(hours(done - start))
        rows[name]["breached"] += bool(breached)
    for name, values in times.items():
        rows[name]["median_resolve_h"] = percentile(values, 0.5)
    return sorted(rows.values(), key=lambda row: (-row["opened"], row["category"]))


def by_tier(cases: QuerySet[Case], period: Period) -> list[dict]:
    """Per policy tier: cases that reached it in the period, time spent there, breaches."""
    stays = stays_of(cases).filter(entered_at__gte=period.start, entered_at__lt=period.end)
    rows: dict[tuple[str, int], dict] = {}
    spent: dict[tuple[str, int], list[float]] = defaultdict(list)
    for policy, level, name, entered, left, breached, case_id in stays.values_list(
        "case__policy__name", "level", "tier_name", "entered_at", "left_at", "breached_at",
        "case_id",
    ).iterator(chunk_size=10000):
        key = (policy, level)
        row = rows.setdefault(key, {"policy": policy, "level": level, "tier": name,
                                    "cases": set(), "breaches": 0})
        row["cases"].add(case_id)
        row["breaches"] += breached is not None
        if left is not None:
            spent[key].append(hours(left - entered))
    result = []
    for key in sorted(rows):
        row = rows[key]
        values = spent[key]
        result.append({
            "policy": row["policy"], "level": row["level"], "tier": row["tier"],
            "cases_reached": len(row["cases"]), "breaches": row["breaches"],
            "average_hours": sum(values) / len(values) if values else None,
            "median_hours": percentile(values, 0.5),
        })
    return result


def responsiveness(cases: QuerySet[Case], period: Period, *, by: str) -> list[dict]:
    """Per team (by='team') or owner (by='owner'): acknowledgement, resolution, breaches.

    Time to acknowledge is measured from entering a tier to acknowledging it, for stays
    entered in the period; time to resolve and cases handled count the cases resolved in it.
    """
    field = "case__team__name" if by == "team" else "case__assignee__username"
    rows: dict[str, dict] = defaultdict(lambda: {"ack": [], "resolve": [], "breaches": 0,
                                                 "handled": 0})
    for key, entered, acked, breached in stays_of(cases).filter(
        entered_at__gte=period.start, entered_at__lt=period.end
    ).values_list(field, "entered_at", "acknowledged_at", "breached_at").iterator(
        chunk_size=10000
    ):
        row = rows[key or "(unassigned)"]
        if acked is not None:
            row["ack"].append(hours(acked - entered))
        row["breaches"] += breached is not None
    case_field = field.removeprefix("case__")
    for key, start, done in cases.filter(
        resolved_at__gte=period.start, resolved_at__lt=period.end
    ).order_by().values_list(case_field, "opened_at", "resolved_at").iterator(chunk_size=10000):
        row = rows[key or "(unassigned)"]
        row["handled"] += 1
        row["resolve"].append(hours(done - start))
    return [
        {by: key, "median_ack_h": percentile(row["ack"], 0.5),
         "median_resolve_h": percentile(row["resolve"], 0.5), "breaches": row["breaches"],
         "cases_handled": row["handled"]}
        for key, row in sorted(rows.items())
    ]


def weekly(cases: QuerySet[Case], weeks: list[Period]) -> list[dict]:
    """Per week: opened, resolved, breach rate and median time to resolve."""
    return [
        {"week": week.label, "opened": opened(cases, week), "resolved": resolved(cases, week),
         "breach_rate": breach_rate(cases, week),
         "median_resolve_h": percentile(resolution_hours(cases, week), 0.5)}
        for week in weeks
    ]


# --- the dashboard's live figures --------------------------------------------------------

def open_by_tier_and_state(cases: QuerySet[Case]) -> list[dict]:
    """Active cases per policy tier and state."""
    rows = cases.filter(state__in=ACTIVE_STATES).values(
        "policy__name", "tier", "state").annotate(n=Count("pk")).order_by("policy__name", "tier")
    return list(rows)


def overdue(cases: QuerySet[Case], now: datetime) -> int:
    """Open or in-progress cases past their deadline."""
    return cases.filter(state__in=[CaseState.OPEN, CaseState.IN_PROGRESS],
                        due_at__lt=now).count()


def at_risk(cases: QuerySet[Case], now: datetime) -> int:
    """Open or in-progress cases flagged at risk and not yet overdue."""
    return cases.filter(state__in=[CaseState.OPEN, CaseState.IN_PROGRESS], at_risk=True,
                        due_at__gte=now).count()


def breached_in(cases: QuerySet[Case], period: Period) -> int:
    """Tier deadlines missed in the period."""
    return stays_of(cases).filter(breached_at__gte=period.start,
                                  breached_at__lt=period.end).count()

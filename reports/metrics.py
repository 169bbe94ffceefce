"""Every figure of the reports and the dashboard, defined once over cases and their stays.

Each function takes the cases in scope (a queryset already limited to what the reader may see)
and a period, and runs a fixed number of queries whatever the number of cases.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet

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


# --- what each word counts: one queryset per definition -------------------------------------

MISSED = Q(breached_at__isnull=False)


def within(field: str, period: Period) -> Q:
    """Return the condition that the time in field falls in the period."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def cases_opened(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    """Return the cases opened in the period."""
    return cases.filter(within("opened_at", period)).order_by()


def cases_resolved(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    """Return the cases resolved in the period, whenever they were opened (reopening clears
    resolved_at, so a reopened case counts when it is resolved again)."""
    return cases.filter(within("resolved_at", period)).order_by()


def cases_closed(cases: QuerySet[Case], period: Period) -> QuerySet[Case]:
    """Return the cases closed in the period."""
    return cases.filter(within("closed_at", period)).order_by()


def deadlines_due(cases: QuerySet[Case], period: Period) -> QuerySet[TierStay]:
    """Return the tier stays whose deadline falls in the period, whenever they were entered."""
    return stays_of(cases).filter(within("due_at", period))


def deadlines_missed(cases: QuerySet[Case], period: Period) -> QuerySet[TierStay]:
    """Return the breaches of the period: stays whose deadline falls in it and was missed."""
    return deadlines_due(cases, period).filter(MISSED)


def stays_entered(cases: QuerySet[Case], period: Period) -> QuerySet[TierStay]:
    """Return the tier stays entered in the period (time in tier, time to acknowledge)."""
    return stays_of(cases).filter(within("entered_at", period))


def count_by(rows: QuerySet, field: str) -> dict[Any, int]:
    """Return how many of the rows have each value of field (one grouped query)."""
    return dict(rows.order_by().values_list(field).annotate(n=Count("pk")))


def resolution_hours_by(cases: QuerySet[Case], period: Period,
                        field: str | None) -> dict[Any, list[float]]:
    """Return the hours from opening to resolution of the cases resolved in the period, per
    value of field (all under None when field is None)."""
    columns = [field] if field else []
    result: dict[Any, list[float]] = defaultdict(list)
    for *key, start, done in cases_resolved(cases, period).values_list(
        *columns, "opened_at", "resolved_at"
    ).iterator(chunk_size=10000):
        result[key[0] if key else None].append(hours(done - start))
    return result


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# --- the figures (one sentence each in the README and in the workbook's notes) ---------------

DEFINITIONS = {
    "Cases opened": "cases opened in the month.",
    "Cases resolved": "cases resolved in the month, whenever they were opened (a reopened case "
                      "counts in the month it is resolved again).",
    "Cases closed": "cases closed in the month.",
    "Still open at month end": "cases opened before the end of the month and neither resolved "
                               "nor closed by then.",
    "Escalations": "times a case moved up a tier in the month, by hand or by the SLA sweep.",
    "Escalation frequency (per case opened)": "escalations in the month divided by the cases "
                                              "opened in the month.",
    "Deadlines due": "tier deadlines falling in the month (each stay at a tier with a time "
                     "limit has one), whenever the case reached the tier.",
    "Breaches (deadlines missed)": "tier deadlines falling in the month that were missed (the "
                                   "case was still at the tier when its time ran out), whenever "
                                   "the case reached the tier.",
    "SLA breach rate": "breaches divided by deadlines due: the share of the tier deadlines "
                       "falling in the month that were missed.",
    "Median time to resolve (h)": "hours from opening to resolution, middle value, over the "
                                  "cases resolved in the month.",
    "90th percentile time to resolve (h)": "hours from opening to resolution within which nine "
                                           "in ten of the cases resolved in the month were "
                                           "resolved.",
    "Average customer feedback (1-5)": "average feedback score (1 to 5) of the cases closed in "
                                       "the month that have one.",
    "Cases that reached it": "cases that entered the tier in the month.",
    "Average hours in tier": "hours from entering the tier to leaving it, average, over the "
                             "stays that began in the month and have ended.",
    "Median hours in tier": "hours from entering the tier to leaving it, middle value, over the "
                            "stays that began in the month and have ended.",
    "Median hours to acknowledge": "hours from a case entering a tier to its owner "
                                   "acknowledging it, middle value, over the stays that began "
                                   "in the month and were acknowledged.",
}

def opened(cases: QuerySet[Case], period: Period) -> int:
    """Cases opened in the period."""
    return cases_opened(cases, period).count()


def resolved(cases: QuerySet[Case], period: Period) -> int:
    """Cases resolved in the period, whenever they were opened."""
    return cases_resolved(cases, period).count()


def closed(cases: QuerySet[Case], period: Period) -> int:
    """Cases closed in the period."""
    return cases_closed(cases, period).count()


def still_open(cases: QuerySet[Case], period: Period) -> int:
    """Cases opened before the period's end and not resolved by then."""
    return cases.filter(opened_at__lt=period.end).filter(
        Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.end)
    ).exclude(state=CaseState.CLOSED, closed_at__lt=period.end).count()


def escalation_count(cases: QuerySet[Case], period: Period) -> int:
    """Escalations in the period: tier stays left by escalating (manually or by the SLA)."""
    return stays_of(cases).filter(within("left_at", period), left_by="escalate").count()


def escalation_frequency(cases: QuerySet[Case], period: Period) -> float | None:
    """Escalations in the period per case opened in the period."""
    return ratio(escalation_count(cases, period), opened(cases, period))


def deadline_counts(cases: QuerySet[Case], period: Period) -> tuple[int, int]:
    """Return the tier deadlines falling in the period and how many were missed (breaches)."""
    figures = deadlines_due(cases, period).aggregate(
        due=Count("pk"), missed=Count("pk", filter=MISSED))
    return figures["due"], figures["missed"]


def breaches(cases: QuerySet[Case], period: Period) -> int:
    """Breaches in the period: tier deadlines falling in it that were missed."""
    return deadlines_missed(cases, period).count()


def breach_rate(cases: QuerySet[Case], period: Period) -> float | None:
    """Share of the tier deadlines falling in the period that were missed."""
    due, missed = deadline_counts(cases, period)
    return ratio(missed, due)


def resolution_hours(cases: QuerySet[Case], period: Period) -> list[float]:
    """Hours from opening to resolution of the cases resolved in the period."""
    return resolution_hours_by(cases, period, None).get(None, [])


def average_feedback(cases: QuerySet[Case], period: Period) -> float | None:
    """Average customer feedback (1-5) of the cases closed in the period."""
    return cases_closed(cases, period).filter(feedback_score__isnull=False).aggregate(
        avg=Avg("feedback_score"))["avg"]


def summary(cases: QuerySet[Case], period: Period) -> dict[str, float | int | None]:
    """Return the headline figures of a period (named as in DEFINITIONS)."""
    times = resolution_hours(cases, period)
    opened_, escalations = opened(cases, period), escalation_count(cases, period)
    due, missed = deadline_counts(cases, period)
    return {
        "Cases opened": opened_,
        "Cases resolved": resolved(cases, period),
        "Cases closed": closed(cases, period),
        "Still open at month end": still_open(cases, period),
        "Escalations": escalations,
        "Escalation frequency (per case opened)": ratio(escalations, opened_),
        "Deadlines due": due,
        "Breaches (deadlines missed)": missed,
        "SLA breach rate": ratio(missed, due),
        "Median time to resolve (h)": percentile(times, 0.5),
        "90th percentile time to resolve (h)": percentile(times, 0.9),
        "Average customer feedback (1-5)": average_feedback(cases, period),
    }


# --- the same figures broken down: each part counts exactly what the figure counts ----------

def by_policy(cases: QuerySet[Case], period: Period) -> list[dict]:
    """Cases opened, resolved and closed in the period, per policy."""
    counts = {name: count_by(rows(cases, period), "policy__name") for name, rows in (
        ("opened", cases_opened), ("resolved", cases_resolved), ("closed", cases_closed))}
    policies = sorted(set().union(*counts.values()))
    return [{"policy": policy, **{name: counts[name].get(policy, 0) for name in counts}}
            for policy in policies]


def by_category(cases: QuerySet[Case], period: Period) -> list[dict]:
    """The common issues: per category, cases opened and resolved in the period, breaches in
    it and the median time to resolve; ranked by cases opened."""
    opened_ = count_by(cases_opened(cases, period), "category__name")
    times = resolution_hours_by(cases, period, "category__name")  # one per case resolved
    missed = count_by(deadlines_missed(cases, period), "case__category__name")
    rows = [
        {"category": name, "opened": opened_.get(name, 0), "resolved": len(times.get(name, [])),
         "breaches": missed.get(name, 0), "median_resolve_h": percentile(times.get(name, []), 0.5)}
        for name in set(opened_) | set(times) | set(missed)
    ]
    return sorted(rows, key=lambda row: (-row["opened"], -row["resolved"], -row["breaches"],
                                         row["category"]))


def by_tier(cases: QuerySet[Case], period: Period) -> list[dict]:
    """Per policy tier: cases that entered it in the period and the time they spent there;
    breaches of its deadlines in the period (whenever the stay began)."""
    rows: dict[tuple[str, int], dict] = {}
    spent: dict[tuple[str, int], list[float]] = defaultdict(list)
    for policy, level, name, entered, left, case_id in stays_entered(cases, period).values_list(
        "case__policy__name", "level", "tier_name", "entered_at", "left_at", "case_id",
    ).iterator(chunk_size=10000):
        key = (policy, level)
        row = rows.setdefault(key, {"policy": policy, "level": level, "tier": name,
                                    "cases": set(), "breaches": 0})
        row["cases"].add(case_id)
        if left is not None:
            spent[key].append(hours(left - entered))
    for policy, level, name, count in deadlines_missed(cases, period).values_list(
        "case__policy__name", "level"
    ).annotate(name=Max("tier_name"), n=Count("pk")):
        rows.setdefault((policy, level), {"policy": policy, "level": level, "tier": name,
                                          "cases": set()})["breaches"] = count
    result = []
    for key in sorted(rows):
        row, values = rows[key], spent[key]
        result.append({
            "policy": row["policy"], "level": row["level"], "tier": row["tier"],
            "cases_reached": len(row["cases"]), "breaches": row.get("breaches", 0),
            "average_hours": sum(values) / len(values) if values else None,
            "median_hours": percentile(values, 0.5),
        })
    return result


def responsiveness(cases: QuerySet[Case], period: Period, *, by: str) -> list[dict]:
    """Per team (by='team') or owner (by='owner'): acknowledgement, resolution, breaches.

    Time to acknowledge is measured from entering a tier to acknowledging it, for stays
    entered in the period; resolved and the time to resolve count the cases resolved in it;
    breaches are the period's, each counted for the case's team or owner.
    """
    field = "team__name" if by == "team" else "assignee__username"
    acks: dict[Any, list[float]] = defaultdict(list)  # a row for everyone who had a stay
    for key, entered, acked in stays_entered(cases, period).values_list(
        f"case__{field}", "entered_at", "acknowledged_at"
    ).iterator(chunk_size=10000):
        spans = acks[key]
        if acked is not None:
            spans.append(hours(acked - entered))
    times = resolution_hours_by(cases, period, field)
    missed = count_by(deadlines_missed(cases, period), f"case__{field}")
    keys = set(acks) | set(times) | set(missed)
    return sorted(
        ({by: key or "(unassigned)", "median_ack_h": percentile(acks.get(key, []), 0.5),
          "median_resolve_h": percentile(times.get(key, []), 0.5),
          "breaches": missed.get(key, 0), "resolved": len(times.get(key, []))}
         for key in keys),
        key=lambda row: row[by],
    )


def weekly(cases: QuerySet[Case], weeks: list[Period]) -> list[dict]:
    """Per week: opened, resolved, breaches, breach rate and median time to resolve."""
    rows = []
    for week in weeks:
        due, missed = deadline_counts(cases, week)
        rows.append({"week": week.label, "opened": opened(cases, week),
                     "resolved": resolved(cases, week), "breaches": missed,
                     "breach_rate": ratio(missed, due),
                     "median_resolve_h": percentile(resolution_hours(cases, week), 0.5)})
    return rows


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

"""The admin index dashboard: the user's scope at a glance, with links into the case list."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from escalations.choices import CaseState
from escalations.models import Tier
from escalations.selectors import cases_visible_to
from reports import metrics
from reports.periods import Period, recent_weeks

CHART_WIDTH, CHART_HEIGHT, BAR = 560, 160, 14


def _link(**params) -> str:
    return reverse("admin:escalations_case_changelist") + "?" + urlencode(params)


def weekly_chart(rows: list[dict]) -> dict:
    """Lay out an SVG bar chart of opened vs resolved per week (no JavaScript, no CDN)."""
    top = max([max(r["opened"], r["resolved"]) for r in rows] + [1])
    step = CHART_WIDTH / max(len(rows), 1)
    bars = []
    for index, row in enumerate(rows):
        x = index * step + 8
        for offset, key, colour in ((0, "opened", "#417690"), (BAR + 2, "resolved", "#79aec8")):
            height = round(row[key] / top * (CHART_HEIGHT - 30))
            bars.append({"x": round(x + offset), "y": CHART_HEIGHT - 20 - height,
                         "height": height, "width": BAR, "colour": colour, "value": row[key],
                         "label": f"{row['week']}: {row[key]} {key}"})
    labels = [{"x": round(i * step + 8), "text": row["week"]} for i, row in enumerate(rows)]
    return {"bars": bars, "labels": labels, "width": CHART_WIDTH, "height": CHART_HEIGHT}


def dashboard_for(user, *, now: datetime | None = None) -> dict:
    """Return the dashboard of the user's scope (a fixed number of queries)."""
    now = now or timezone.now()
    cases = cases_visible_to(user)
    local = timezone.localtime(now)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0,
                                                               microsecond=0)
    this_week = Period(start=monday, end=monday + timedelta(days=7), label="this week")
    names = {(t.policy_id, t.level): t.name for t in Tier.objects.all()}
    policy_ids = {t.policy.name: t.policy_id for t in Tier.objects.select_related("policy")}
    tiers = []
    for row in metrics.open_by_tier_and_state(cases):
        policy_id = policy_ids.get(row["policy__name"])
        tiers.append({
            "policy": row["policy__name"], "tier": row["tier"],
            "name": names.get((policy_id, row["tier"]), ""),
            "state": CaseState(row["state"]).label, "count": row["n"],
            "url": _link(tier=f"{policy_id}:{row['tier']}", state=row["state"]),
        })
    weekly = metrics.weekly(cases, recent_weeks(now, 8))
    return {
        "cards": [
            {"label": "Open escalations", "value": cases.filter(
                state__in=[CaseState.OPEN, CaseState.IN_PROGRESS, CaseState.ON_HOLD]).count(),
             "url": _link(state="active")},
            {"label": "Overdue", "value": metrics.overdue(cases, now), "url": _link(due="overdue"),
             "alert": True},
            {"label": "At risk", "value": metrics.at_risk(cases, now), "url": _link(due="at_risk")},
            {"label": "Deadlines missed this week", "value": metrics.breaches(cases, this_week),
             "url": _link(due="breached")},
        ],
        "tiers": tiers,
        "weekly": weekly,
        "chart": weekly_chart(weekly),
    }

"""The admin's sidebar and user menu (django-unfold): where people go, shown to who may."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse, reverse_lazy

from escalations.admin.filters import CASE_VIEWS


def _may(permission: str):
    def check(request: HttpRequest) -> bool:
        return request.user.has_perm(permission)

    check.__name__ = f"may_{permission.replace('.', '_')}"
    return check


may_view_cases = _may("escalations.view_case")
may_add_cases = _may("escalations.add_case")
may_view_reports = _may("reports.view_monthlyreport")
may_view_notifications = _may("escalations.view_notification")
may_view_templates = _may("escalations.view_notificationtemplate")
may_view_policies = _may("escalations.view_policy")
may_view_users = _may("accounts.view_user")
may_view_teams = _may("accounts.view_team")


def _cases(query: str = "") -> str:
    return reverse("admin:escalations_case_changelist") + (f"?{query}" if query else "")


def _is_view(query: str):
    def active(request: HttpRequest) -> bool:
        return (request.path == reverse("admin:escalations_case_changelist")
                and request.GET.urlencode() == query)

    return active


def sidebar(request: HttpRequest) -> list[dict]:
    """Return the sidebar's groups (UNFOLD["SIDEBAR"]["navigation"])."""
    return [
        {"title": "Cases", "separator": False, "items": [
            *[{"title": title, "icon": icon, "link": lambda request, q=query: _cases(q),
               "active": _is_view(query) if query != "state=active" else _active_default,
               "permission": "config.navigation.may_view_cases"}
              for title, icon, query in CASE_VIEWS],
            {"title": "Open a case", "icon": "add_circle",
             "link": reverse_lazy("admin:escalations_case_add"),
             "permission": "config.navigation.may_add_cases"},
        ]},
        _group("Reports", [
            ("Dashboard", "dashboard", "admin:index", None),
            ("Monthly reports", "summarize", "admin:reports_monthlyreport_changelist",
             "may_view_reports"),
        ]),
        _group("Notifications", [
            ("Outbox", "outbox", "admin:escalations_notification_changelist",
             "may_view_notifications"),
            ("Templates", "mail", "admin:escalations_notificationtemplate_changelist",
             "may_view_templates"),
        ]),
        _group("Set-up", [
            ("Policies", "stairs", "admin:escalations_policy_changelist", "may_view_policies"),
            ("Categories", "category", "admin:escalations_category_changelist",
             "may_view_policies"),
            ("Users", "person", "admin:accounts_user_changelist", "may_view_users"),
            ("Teams", "groups", "admin:accounts_team_changelist", "may_view_teams"),
            ("Memberships", "badge", "admin:accounts_membership_changelist", "may_view_teams"),
        ]),
    ]


def _group(title: str, items: list[tuple[str, str, str, str | None]]) -> dict:
    """Return a sidebar group of (title, icon, url name, permission check name) links."""
    return {"title": title, "separator": True, "items": [
        {"title": name, "icon": icon, "link": reverse_lazy(url_name),
         **({"permission": f"config.navigation.{check}"} if check else {})}
        for name, icon, url_name, check in items
    ]}


def _active_default(request: HttpRequest) -> bool:
    return (request.path == reverse("admin:escalations_case_changelist")
            and request.GET.urlencode() in ("", "state=active"))


def account_links(request: HttpRequest) -> list[dict]:
    """Return the user menu's links (UNFOLD["ACCOUNT"]["navigation"])."""
    return [{"title": "Notification settings",
             "link": reverse_lazy("admin:accounts_user_preferences")}]

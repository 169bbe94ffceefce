"""The admin's sidebar and user menu (django-unfold): where people go, shown to who may."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse, reverse_lazy


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
    case_views = [
        ("Active cases", "list", "state=active"),
        ("My open cases", "person", "queue=mine&state=active"),
        ("My team's queue", "group", "queue=team&state=active"),
        ("Overdue", "alarm", "due=overdue&state=active"),
        ("Resolved and closed", "task_alt", "state=all"),
    ]
    return [
        {"title": "Cases", "separator": False, "items": [
            *[{"title": title, "icon": icon, "link": lambda request, q=query: _cases(q),
               "active": _is_view(query) if query != "state=active" else _active_default,
               "permission": "config.navigation.may_view_cases"}
              for title, icon, query in case_views],
            {"title": "Open a case", "icon": "add_circle",
             "link": reverse_lazy("admin:escalations_case_add"),
             "permission": "config.navigation.may_add_cases"},
        ]},
        {"title": "Reports", "separator": True, "items": [
            {"title": "Dashboard", "icon": "dashboard", "link": reverse_lazy("admin:index")},
            {"title": "Monthly reports", "icon": "summarize",
             "link": reverse_lazy("admin:reports_monthlyreport_changelist"),
             "permission": "config.navigation.may_view_reports"},
        ]},
        {"title": "Notifications", "separator": True, "items": [
            {"title": "Outbox", "icon": "outbox",
             "link": reverse_lazy("admin:escalations_notification_changelist"),
             "permission": "config.navigation.may_view_notifications"},
            {"title": "Templates", "icon": "mail",
             "link": reverse_lazy("admin:escalations_notificationtemplate_changelist"),
             "permission": "config.navigation.may_view_templates"},
        ]},
        {"title": "Set-up", "separator": True, "items": [
            {"title": "Policies", "icon": "stairs",
             "link": reverse_lazy("admin:escalations_policy_changelist"),
             "permission": "config.navigation.may_view_policies"},
            {"title": "Categories", "icon": "category",
             "link": reverse_lazy("admin:escalations_category_changelist"),
             "permission": "config.navigation.may_view_policies"},
            {"title": "Users", "icon": "person",
             "link": reverse_lazy("admin:accounts_user_changelist"),
             "permission": "config.navigation.may_view_users"},
            {"title": "Teams", "icon": "groups",
             "link": reverse_lazy("admin:accounts_team_changelist"),
             "permission": "config.navigation.may_view_teams"},
            {"title": "Memberships", "icon": "badge",
             "link": reverse_lazy("admin:accounts_membership_changelist"),
             "permission": "config.navigation.may_view_teams"},
        ]},
    ]


def _active_default(request: HttpRequest) -> bool:
    return (request.path == reverse("admin:escalations_case_changelist")
            and request.GET.urlencode() in ("", "state=active"))


def account_links(request: HttpRequest) -> list[dict]:
    """Return the user menu's links (UNFOLD["ACCOUNT"]["navigation"])."""
    return [{"title": "Notification settings",
             "link": reverse_lazy("admin:accounts_user_preferences")}]

"""Users, departments, teams, ranked roles and who holds which role in which team."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.functional import cached_property

from accounts.choices import NotificationChannel, RoleScope


class User(AbstractUser):
    """A member of staff (or the system user that the SLA sweep acts as)."""

    is_system = models.BooleanField(
        default=False, help_text="The automation account; it cannot log in."
    )
    notification_channel = models.CharField(
        max_length=10, choices=NotificationChannel.choices, default=NotificationChannel.EMAIL,
        help_text="Where this person is told about cases: email, the team chat, or both.",
    )
    muted_events = models.JSONField(
        default=list, blank=True,
        help_text="Events this person does not want to hear about (critical ones still arrive).",
    )

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def memberships_cached(self) -> list[Membership]:
        """Return this user's memberships with their role and team (one query per request)."""
        return list(self.memberships.select_related("role", "team", "team__department"))

    @cached_property
    def team_ids_seen(self) -> set[int]:
        """Return the ids of the teams this user's memberships cover (see visible_team_ids)."""
        from accounts.selectors import team_ids_seen

        return team_ids_seen(self)

    @property
    def rank(self) -> int:
        """Return the highest rank among this user's roles (superusers outrank every role)."""
        if self.is_superuser:
            return 10_000
        return max((m.role.rank for m in self.memberships_cached), default=0)

    def has_role(self, *slugs: str) -> bool:
        """Return True if the user holds any of the roles named by slug, in any team."""
        return any(m.role.slug in slugs for m in self.memberships_cached)


class Department(models.Model):
    """A group of teams run by the same managers (e.g. Customer Experience, Commercial)."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team that owns cases: Customer Service, Sales/BD, Operations, Legal."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="teams")
    email = models.EmailField(blank=True, help_text="Shared mailbox of the team, if any.")
    chat_webhook_url = models.URLField(
        blank=True, help_text="Incoming-webhook URL of the team's chat group (Slack or Teams)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A job in the escalation ladder, ranked; each role carries a Django group of permissions."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    rank = models.PositiveSmallIntegerField(
        help_text="Higher ranks may act on cases owned by lower ranks (e.g. resolve, close)."
    )
    scope = models.CharField(max_length=20, choices=RoleScope.choices, default=RoleScope.TEAM)
    sees_confidential = models.BooleanField(
        default=False, help_text="May see cases flagged confidential (legal, data breach)."
    )
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="escalation_role",
        help_text="The permission group members of this role are put in.",
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user holding a role in a team."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="one_role_per_user_per_team"),
        ]
        ordering = ["team__name", "role__rank"]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} in {self.team}"

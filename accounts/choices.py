"""Choices for the organisation: how far a role sees."""

from django.db import models


class RoleScope(models.TextChoices):
    """How far a role's holder sees cases: their team, their department, or everything."""

    TEAM = "team", "Own team(s)"
    DEPARTMENT = "department", "Own department(s)"
    ALL = "all", "Whole organisation"


class NotificationChannel(models.TextChoices):
    """How a person wants to be told about cases."""

    EMAIL = "email", "Email"
    CHAT = "chat", "Team chat"
    BOTH = "both", "Email and team chat"

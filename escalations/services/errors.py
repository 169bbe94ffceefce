"""Errors the case services raise, each with a message fit to show the user."""

from django.core.exceptions import PermissionDenied


class CaseConflict(Exception):
    """The case was changed by someone else since it was loaded."""


class TransitionRefused(Exception):
    """The transition is not possible from the case's state or conditions."""


class CasePermissionDenied(PermissionDenied):
    """The acting user may not do this to this case."""


__all__ = ["CaseConflict", "CasePermissionDenied", "TransitionRefused"]

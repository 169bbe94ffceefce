"""Infrastructure signal: copy the running transition's name onto the historical row."""

from django.dispatch import receiver  # noqa: F401
from simple_history.signals import pre_create_historical_record


def _record_transition(sender, instance, history_instance, **kwargs) -> None:
    if hasattr(history_instance, "history_transition"):
        history_instance.history_transition = getattr(instance, "_history_transition", "") or ""


def connect() -> None:
    """Connect the receiver once."""
    pre_create_historical_record.connect(
        _record_transition, dispatch_uid="escalations.record_transition"
    )

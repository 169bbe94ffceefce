"""Values worked out once per model instance, for functions that live outside the model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def kept_on(instance: object, name: str, make: Callable[[], T]) -> T:
    """Return make(), worked out the first time and kept in the instance's __dict__ under name
    (as cached_property does; instances loaded again start afresh)."""
    try:
        return instance.__dict__[name]
    except KeyError:
        value = instance.__dict__[name] = make()
        return value

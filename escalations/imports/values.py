"""Turning tracker cells into values: dates, money, ratings. Errors say what was wrong."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

EXCEL_EPOCH = datetime(1899, 12, 30)
MAX_TEXT = 100_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
    "%d/%m/%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y %H:%M", "%d %b %Y",
    "%d %B %Y", "%Y/%m/%d %H:%M", "%Y/%m/%d",
]


class CellError(ValueError):
    """A cell whose value cannot be used; the message says why."""


def text(value: object, *, limit: int = MAX_TEXT) -> str:
    """Return a cell as stripped text, refusing absurdly long values."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if result[:1] == "'" and result[1:2] in FORMULA_STARTS:
        result = result[1:]  # our export's formula escaping, undone
    if len(result) > limit:
        raise CellError(f"is {len(result):,} characters long; the limit is {limit:,}.")
    return result


def moment(value: object, zone: ZoneInfo) -> datetime | None:
    """Return an aware datetime from ISO text, a spreadsheet date or an Excel serial number.

    Naive times are taken to be in zone (the policy's time zone).
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(0))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = _serial(float(value))
    else:
        raw = str(value).strip()
        if not raw:
            return None
        parsed = _parse_text(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def _serial(number: float) -> datetime:
    if not 1 <= number < 2_958_466:  # Excel's 1900-01-01 to 9999-12-31
        raise CellError(f"'{number}' is not a date.")
    return EXCEL_EPOCH + timedelta(days=number)


def _parse_text(raw: str) -> datetime:
    if re.fullmatch(r"\d+(\.\d+)?", raw):
        return _serial(float(raw))
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        pass
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern)
        except ValueError:
            continue
    raise CellError(f"'{raw}' is not a date (use 2026-11-23, 23/11/2026 or 2026-11-23 14:05).")


def money(value: object) -> Decimal | None:
    """Return an amount from '1,234.50', '$1234.5' or a number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(f"'{value}' is not an amount.")
    raw = re.sub(r"^\s*(?:[A-Za-z]{1,3}\s*)?[$€£¥]?\s*", "", str(value)).replace(",", "").strip()
    if not re.fullmatch(r"-?\d+(\.\d+)?", raw):
        raise CellError(f"'{value}' is not an amount.")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise CellError(f"'{value}' is not an amount.") from None
    if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
        raise CellError(f"'{value}' is not a plausible order value.")
    return amount.quantize(Decimal("0.01"))


def rating(value: object, *, low: int = 1, high: int = 5) -> int | None:
    """Return a 1-5 rating from 5, 5.0, '5' or '5 - critical'."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    match = re.match(r"\s*(\d+)\b", str(value))
    if not match:
        raise CellError(f"'{value}' is not a rating from {low} to {high}.")
    number = int(match.group(1))
    if not low <= number <= high:
        raise CellError(f"{number} is not a rating from {low} to {high}.")
    return number

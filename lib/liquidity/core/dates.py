"""Dates: parsing ISO dates and as_of, the US business-day calendar, and today's date (a clock tests can freeze).

LIQUIDITY_TODAY=YYYY-MM-DD freezes the clock (tests, reproducible reruns); otherwise today is the UTC date.
"""
from __future__ import annotations

import datetime as _dt
import os
import re

import numpy as np
import pandas as pd
from pandas.tseries.holiday import USFederalHolidayCalendar
from pandas.tseries.offsets import CustomBusinessDay

from .errors import InputError

# US business days (federal holidays off): the calendar of FRED's daily money-market series and of the DTS.
US_BUSINESS_DAY = CustomBusinessDay(calendar=USFederalHolidayCalendar())
_HOLIDAYS = np.array(US_BUSINESS_DAY.holidays, dtype="datetime64[D]")


def add_business_days(dates, n: int) -> pd.DatetimeIndex:
    """`date + n * US_BUSINESS_DAY` for every date at once (numpy's business-day calendar; a weekend or holiday
    date first rolls back, which is what pandas does: Saturday + 1 = Monday)."""
    days = pd.DatetimeIndex(dates).values.astype("datetime64[D]")
    return pd.DatetimeIndex(np.busday_offset(days, n, roll="backward", holidays=_HOLIDAYS))


def today() -> pd.Timestamp:
    """Today's date (UTC), or LIQUIDITY_TODAY when set: every "now" in the suite comes from here."""
    frozen = os.environ.get("LIQUIDITY_TODAY", "").strip()
    if frozen:
        return parse_date(frozen, "LIQUIDITY_TODAY")
    return pd.Timestamp(_dt.datetime.now(_dt.timezone.utc).date())


_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value, name: str = "date") -> pd.Timestamp:
    """An ISO date (YYYY-MM-DD) or raise InputError naming the parameter."""
    if isinstance(value, (_dt.date, pd.Timestamp)) and not isinstance(value, bool):
        return pd.Timestamp(value).normalize()
    if not isinstance(value, str) or not _DATE_RE.match(value.strip()):
        raise InputError(f"parameter {name}={value!r} is not a date: use the form YYYY-MM-DD, e.g. 2025-10-31")
    try:
        return pd.Timestamp(_dt.date.fromisoformat(value.strip()))
    except ValueError:
        raise InputError(f"parameter {name}={value!r} is not a real calendar date: use YYYY-MM-DD") from None


RELATIVE_DATES = ("next_quarter_end",)


def is_relative_date(value) -> bool:
    return isinstance(value, str) and value.strip().lower() in RELATIVE_DATES


def resolve_date(value, name: str, reference) -> pd.Timestamp:
    """A date parameter that may be relative to `reference` (the latest data): "next_quarter_end" is the first
    quarter end at least four weeks after it; anything else must be an ISO date."""
    if is_relative_date(value):
        ref = pd.Timestamp(reference) + pd.Timedelta(weeks=4)
        return (ref + pd.offsets.QuarterEnd(0)).normalize()
    return parse_date(value, name)


def parse_as_of(value) -> pd.Timestamp | None:
    """'latest' (or None) means no cut; else an ISO date."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "latest"):
        return None
    if not isinstance(value, (str, _dt.date, pd.Timestamp)) or (
            isinstance(value, str) and not _DATE_RE.match(value.strip())):
        raise InputError(f"parameter as_of={value!r} is not allowed: use \"latest\" or a date YYYY-MM-DD")
    return parse_date(value, "as_of")  # a well-formed impossible date says "not a real calendar date"



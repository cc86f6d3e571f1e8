"""Date tokens of custom prefixes and suffixes, and counter periods.

A custom series may print the date of issue in its prefix or suffix with
tokens: ``{YYYY}`` ``{YY}`` ``{MM}`` ``{DD}``, ``{WW}`` (ISO 8601 week),
``{JJJ}`` (day of the year) and ``{FY}`` (fiscal year, named by the
calendar year it ends in, starting in the series' fiscal start month).
Its counter restarts every period (``never``, ``yearly``, ``monthly``,
``weekly`` (ISO weeks, from Monday) or ``daily``; a year is the fiscal
year). Numbers stay unique because the tokens tell the period: two days of
different periods never print the same tokens. Both the tokens and the
period come from one day: the date of issue in the series' time zone.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

RESETS = ("never", "yearly", "monthly", "weekly", "daily")
TOKEN_WIDTHS = {"YYYY": 4, "YY": 2, "MM": 2, "DD": 2, "WW": 2, "JJJ": 3, "FY": 4}
TOKEN = re.compile(r"\{(YYYY|YY|MM|DD|WW|JJJ|FY)\}")
# Serials of a dated series are stored with the day of issue: the day's
# index from DAY_ZERO times the series' capacity, plus the serial.
DAY_ZERO = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)
# From 1901 to 2099 the calendar (weekdays, leap years, so ISO weeks and
# fiscal years too) repeats every 28 years: 29 years starting in 2000 show
# whether tokens tell every period apart. {YY} repeats only after 2099.
_CHECKED = (date(2000, 1, 1), date(2029, 1, 1))

RESET_INVALID = "Choose one of: never, yearly, monthly, weekly, daily."
FISCAL_START_INVALID = "Use a month number from 1 to 12."
TOKENS_MISS_PERIOD = (
    "The prefix and suffix must tell {reset} periods apart, or numbers of "
    "two periods would be equal: add {hint}."
)
PERIOD_HINTS = {
    "yearly": "{YYYY} (or {FY} when the fiscal year starts after January)",
    "monthly": "{YYYY}{MM}",
    "weekly": "{YYYY}{MM}{DD} or {YYYY}{JJJ} ({YYYY}{WW} repeats across "
    "New Year, when ISO week 1 starts in December)",
    "daily": "{YYYY}{MM}{DD} or {YYYY}{JJJ}",
}


def zone_exists(zone: str) -> bool:
    """Return whether ``zone`` names an IANA time zone.

    >>> zone_exists("Europe/Berlin"), zone_exists("Mars/Base"), zone_exists("../x")
    (True, False, False)
    """
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def local_day(instant: datetime, zone: str) -> date:
    """Return the date an aware ``instant`` falls on in the IANA ``zone``.

    >>> from datetime import timezone
    >>> local_day(datetime(2026, 12, 31, 11, tzinfo=timezone.utc), "Pacific/Kiritimati")
    datetime.date(2027, 1, 1)
    """
    return instant.astimezone(ZoneInfo(zone)).date()


def fiscal_year(day: date, start_month: int) -> int:
    """Return the fiscal year of ``day``: the calendar year it ends in.

    >>> fiscal_year(date(2026, 4, 1), 4), fiscal_year(date(2026, 3, 31), 4)
    (2027, 2026)
    """
    if start_month == 1 or day.month < start_month:
        return day.year
    return day.year + 1


_VALUES = {
    "YYYY": lambda day, _: f"{day.year:04d}",
    "YY": lambda day, _: f"{day.year % 100:02d}",
    "MM": lambda day, _: f"{day.month:02d}",
    "DD": lambda day, _: f"{day.day:02d}",
    "WW": lambda day, _: f"{day.isocalendar().week:02d}",
    "JJJ": lambda day, _: f"{day.timetuple().tm_yday:03d}",
    "FY": lambda day, start_month: f"{fiscal_year(day, start_month):04d}",
}


def expand(template: str, day: date, start_month: int = 1) -> str:
    """Return ``template`` with its tokens replaced by ``day``'s values.

    >>> expand("WH-{YY}{MM}-", date(2026, 11, 30))
    'WH-2611-'
    >>> expand("{YYYY}{WW}{JJJ}", date(2027, 1, 1))
    '202753001'
    """
    if "{" not in template:
        return template
    return TOKEN.sub(lambda m: _VALUES[m[1]](day, start_month), template)


def period_start(reset: str, day: date, start_month: int = 1) -> date | None:
    """Return the first day of ``day``'s period (None: counter never resets).

    >>> period_start("weekly", date(2027, 1, 1))  # ISO week 53 of 2026
    datetime.date(2026, 12, 28)
    >>> period_start("yearly", date(2026, 3, 31), 4)
    datetime.date(2025, 4, 1)
    """
    if reset == "never":
        return None
    if reset == "yearly":
        year = day.year if day.month >= start_month else day.year - 1
        return date(year, start_month, 1)
    if reset == "monthly":
        return day.replace(day=1)
    if reset == "weekly":
        return day - timedelta(days=day.weekday())
    return day


def next_period_start(reset: str, start: date) -> date:
    """Return the first day of the period after the one that begins on ``start``.

    >>> next_period_start("monthly", date(2026, 12, 1))
    datetime.date(2027, 1, 1)
    """
    if reset == "yearly":
        return start.replace(year=start.year + 1)
    if reset == "monthly":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=7 if reset == "weekly" else 1)


def period_label(reset: str, start: date, start_month: int = 1) -> str:
    """Return how people name the period that begins on ``start``.

    >>> period_label("weekly", date(2026, 12, 28))
    '2026-W53'
    >>> period_label("yearly", date(2026, 4, 1), 4)
    'FY2027'
    """
    if reset == "yearly":
        return str(start.year) if start_month == 1 else f"FY{start.year + 1}"
    if reset == "monthly":
        return f"{start:%Y-%m}"
    if reset == "weekly":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return start.isoformat()


@functools.lru_cache(maxsize=256)
def tokens_tell_periods_apart(template: str, reset: str, start_month: int) -> bool:
    """Return whether no two days of different periods print the same tokens.

    >>> tokens_tell_periods_apart("{YYYY}{WW}", "weekly", 1)
    False
    >>> tokens_tell_periods_apart("{YYYY}{JJJ}", "weekly", 1)
    True
    """
    if reset == "never":
        return True
    seen: dict[str, date | None] = {}
    day, stop = _CHECKED
    while day < stop:
        period = period_start(reset, day, start_month)
        if seen.setdefault(expand(template, day, start_month), period) != period:
            return False
        day += timedelta(days=1)
    return True


def period_errors(template: str, reset: object, start_month: object) -> dict[str, str]:
    """Return the per-field errors of a series' reset rule (empty if valid)."""
    if not (isinstance(reset, str) and reset in RESETS):
        return {"counter_reset": RESET_INVALID}
    if isinstance(start_month, bool) or start_month not in range(1, 13):
        return {"fiscal_start_month": FISCAL_START_INVALID}
    if not tokens_tell_periods_apart(template, reset, int(start_month)):
        return {
            "counter_reset": TOKENS_MISS_PERIOD.format(
                reset=reset, hint=PERIOD_HINTS[reset]
            )
        }
    return {}

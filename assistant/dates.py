"""Publication dates: read from a line of a page, stored as ISO (YYYY-MM-DD), shown as '6 March 2026'.

A date the page gives without a year ('Washington DC, February 5') is kept as the page states it: a year
is never guessed.
"""

from __future__ import annotations

import re

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")
MONTHS = (  # a regex alternation: full names and the usual abbreviations
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|august|"
    "september|october|november|december"
)
_MONTH_NUM = {name[:3].lower(): i for i, name in enumerate(MONTH_NAMES, start=1)}
DATE_PATTERNS = [
    re.compile(r"\b(?P<y>(19|20)\d\d)-(?P<m>\d\d)-(?P<d>\d\d)(?!\d)"),
    re.compile(rf"\b(?P<mon>{MONTHS})\.?\s+(?P<d>\d{{1,2}})(st|nd|rd|th)?,?\s+(?P<y>(19|20)\d\d)\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<mon>{MONTHS})\.?,?\s+(?P<y>(19|20)\d\d)\b", re.I),
]
_YEARLESS = [
    re.compile(rf"^(?P<mon>{MONTHS})\.?\s+(?P<d>\d{{1,2}})$", re.I),
    re.compile(rf"^(?P<d>\d{{1,2}})\s+(?P<mon>{MONTHS})\.?$", re.I),
]


def find_date(line: str) -> str:
    """Return an ISO date (YYYY-MM-DD) found in a line, or ''."""
    for pattern in DATE_PATTERNS:
        m = pattern.search(line)
        if not m:
            continue
        parts = m.groupdict()
        month = int(parts["m"]) if parts.get("m") else _MONTH_NUM[parts["mon"].lower()[:3]]
        day = int(parts["d"])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f"{int(parts['y']):04d}-{month:02d}-{day:02d}"
    return ""


def display_date(published: str) -> str:
    """Show a stored publication date to a reader: '6 March 2026', '5 February' without a year, or 'undated'."""
    published = published.strip()
    if not published:
        return "undated"
    m = re.fullmatch(r"((19|20)\d\d)-(\d\d)-(\d\d)", published)
    if m and 1 <= int(m[3]) <= 12:
        return f"{int(m[4])} {MONTH_NAMES[int(m[3]) - 1]} {m[1]}"
    for pattern in _YEARLESS:
        if m := pattern.match(published):
            return f"{int(m['d'])} {MONTH_NAMES[_MONTH_NUM[m['mon'].lower()[:3]] - 1]}"
    return published


def table_date(published: str | None) -> str:
    """Show a stored date in a sortable table column: ISO ('2026-03-06'), which sorts by day as text; one without
    a year as display_date shows it ('5 February'); undated as ''."""
    published = (published or "").strip()
    return published if is_iso(published) else display_date(published) if published else ""


def is_iso(published: str | None) -> bool:
    """True for a stored date with a year, month and day ('2026-03-06')."""
    return bool(re.fullmatch(r"(19|20)\d\d-\d\d-\d\d", (published or "").strip()))


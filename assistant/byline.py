"""Who published a page, and when, as its byline or dateline says.

'By Nadia Corvell, Ashcombe Courier', 'Port Alder Gazette — March 6, 2025', 'BRISTOL, March 3 (Reuters) -',
'WASHINGTON (AP) —'. A name that could be a reporter's role ('health reporter') is not taken for an outlet.
"""

from __future__ import annotations

import re

from .dates import MONTHS, find_date

# A dateline with no year ("Washington DC, February 5"): kept as the page states it.
DATELINE_RE = re.compile(rf"^[A-Z][\w .'-]{{1,40}},\s*(?P<date>({MONTHS})\.?\s+\d{{1,2}})\s*$", re.I)
# A wire dateline opening the first paragraph: "BRISTOL, March 3 (Reuters) -", "WASHINGTON (AP) —".
WIRE_DATELINE_RE = re.compile(r"^[A-Z][A-Z .'-]+(,\s*(?P<date>[^()]{1,40}?))?\s*"
                              r"\((?P<agency>[A-Z][\w&. ]{0,30})\)\s*[-–—:]")
BYLINE_RE = re.compile(r"^by\s+", re.I)
BYLINE_PART_SEPARATOR_RE = re.compile(r"\s+[|—–•·-]\s+")  # "By A, Outlet | March 3, 2026"
ROLE_RE = re.compile(r"\b(reporter|correspondent|writer|editor|staff|contributor|columnist|photographer|producer|"
                     r"journalist|bureau|desk)\b", re.I)  # "By Jane Doe, health reporter": not an outlet
NAME_LIST_RE = re.compile(r"\s+and\s+")  # two names joined in a byline ('Li Wei and Ann Lee')
_NAME_SMALL_WORDS = {"of", "the", "and", "for", "on", "in", "at", "&"}


def is_outlet_name(part: str) -> bool:
    """True for a short name in title case that is not a date or a role: 'Ashcombe Courier', 'The Hill'."""
    words = part.split()
    return (1 <= len(words) <= 6 and not find_date(part) and not ROLE_RE.search(part) and not re.search(r"\d", part)
            and words[0][0].isupper() and all(w[0].isupper() or w in _NAME_SMALL_WORDS for w in words))


def byline_outlet(line: str) -> str:
    """Return the outlet a byline or dateline names ('By Nadia Corvell, Ashcombe Courier', 'Port Alder Gazette —
    March 6, 2025', 'WASHINGTON (AP) —'), or ''."""
    line = line.strip(" *_")
    wire = WIRE_DATELINE_RE.match(line)
    if wire:
        return wire["agency"].strip()
    if len(line) > 150:  # a paragraph of reporting, not a byline
        return ""
    parts = BYLINE_PART_SEPARATOR_RE.split(line)
    byline = BYLINE_RE.match(parts[0])
    if byline:  # the names come first; the outlet after the last comma: "By A and B, Outlet"
        after = parts[0][byline.end():].rsplit(", ", 1)[1:]
        # "By A, B and C": the last of a list of names, not an outlet
        parts = [p for p in after if not NAME_LIST_RE.search(p)] + parts[1:]
    elif len(parts) < 2 or not any(find_date(p) for p in parts):
        return ""
    return next((p.strip() for p in parts if is_outlet_name(p.strip())), "")


def read_byline(lines: list[str]) -> tuple[str, str]:
    """Return the outlet and publication date that a page's opening lines state (bylines, datelines)."""
    outlet = next((o for o in map(byline_outlet, lines) if o), "")
    short = [line for line in lines if len(line) < 120]
    published = next((d for d in map(find_date, short) if d), "")
    for line in lines if not published else []:  # a wire dateline's date, or one without a year as stated
        dateline = DATELINE_RE.match(line) or WIRE_DATELINE_RE.match(line)
        stated = ((dateline and dateline["date"]) or "").strip()
        if find_date(stated) or re.fullmatch(rf"({MONTHS})\.?\s+\d{{1,2}}", stated, re.I):
            return outlet, find_date(stated) or stated
    return outlet, published

"""Publication dates: read from a page's line as ISO, shown to readers as '6 March 2026' by one function."""

import pytest

from assistant.dates import display_date, find_date


@pytest.mark.parametrize("line, iso", [
    ("2026-03-14T08:30:00Z", "2026-03-14"),
    ("By Nora Castellanos, Ridgeway Ledger | October 21, 2026", "2026-10-21"),
    ("Feb. 05, 2026 • 3 min read", "2026-02-05"),
    ("*By Dana Holt, Harbour Times — 2 March 2026*", "2026-03-02"),
    ("Sun, 01 Mar 2026 08:00:00 GMT", "2026-03-01"),
    ("Washington DC, February 5", ""),  # no year: not an ISO date
    ("The 340 jobs go in 2027.", ""),
])
def test_find_date_reads_an_iso_date_from_a_line(line, iso):
    assert find_date(line) == iso


@pytest.mark.parametrize("stored, shown", [
    ("2026-03-06", "6 March 2026"),
    ("2025-12-11", "11 December 2025"),
    ("February 5", "5 February"),  # a date the page gave without a year stays without one
    ("Feb. 5", "5 February"),
    ("", "undated"),
    ("sometime last spring", "sometime last spring"),  # a record's own wording, shown as given
])
def test_display_date_shows_day_month_year(stored, shown):
    assert display_date(stored) == shown

"""Publication dates: read from a page's line as ISO, shown to readers as '6 March 2026' by one function."""

import pytest

from assistant.dates import display_date, find_date, table_date


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


@pytest.mark.parametrize("stored, shown", [
    ("2026-03-06", "2026-03-06"),  # ISO sorts by day as text
    ("March 3", "3 March"),
    ("", ""),
    (None, ""),
    ("2026-02-30", "2026-02-30"),  # no such day: shown as stored, not a crash
])
def test_table_date_is_iso_or_as_stated(stored, shown):
    assert table_date(stored) == shown


def test_dates_without_a_year_stay_unresolved_and_nothing_fails(fake_assistant, tmp_path):
    """'March 3' is not made ISO (no year is guessed): it is stored as stated, listed, shown and passed over by
    the as-of filter and the recency preference, never an error."""
    from assistant.app import ChatPage

    (tmp_path / "wire.txt").write_text("Ferry operator cuts winter sailings\n\nBRISTOL, March 3 (Reuters) - The ferry "
                                       "operator cut its winter sailings to two a day, citing fuel costs.\n")
    (tmp_path / "feed.jsonl").write_text('{"id": "bridge", "published_at": "March 3", "text": "The old bridge '
                                         'closed for repairs last Friday, the county said."}\n')
    report = fake_assistant.ingest([tmp_path])
    assert sorted(report.added) == ["bridge", "wire"] and not report.failed
    assert {a.doc_id: a.published for a in fake_assistant.store.articles()} == {"bridge": "March 3",
                                                                                "wire": "March 3"}
    assert [row[2] for row in ChatPage(fake_assistant, pace=0).corpus()] == ["3 March", "3 March"]
    for as_of in (None, "2026-03-01", "this week"):
        answer = fake_assistant.ask("What did the ferry operator cut this week?", as_of=as_of)
        assert answer.citations and answer.citations[0].published == "March 3"


from datetime import date

from assistant.analyse import analyse, resolve_date
from assistant.dates import display_date
from assistant.chunk import split_sentences


def _sentences(text):
    return [text[s.start : s.end] for s in split_sentences(text)]


def test_sentences_are_not_cut_at_abbreviations():
    text = "Regulators banned Red No. 3 last Friday. The chain ranked year-end No. 1 in sales."
    assert _sentences(text) == ["Regulators banned Red No. 3 last Friday.", "The chain ranked year-end No. 1 in sales."]


def test_entities_carry_offsets_into_the_text():
    text = "Harwick Mining laid off 340 workers in Dunmere, costing $4.5 million, or 12% of its staff."
    found = analyse(text).entities
    assert found, "spaCy found no entity"
    for e in found:
        assert text[e.start : e.end] == e.text
    labels = {e.text: e.label for e in found}
    assert labels["$4.5 million"] == "MONEY"
    assert labels["12%"] == "PERCENT"
    assert labels["Dunmere"] in {"GPE", "LOC"}


def test_relative_dates_resolve_against_the_publish_date():
    text = "The council voted last Friday. Residents were told yesterday."
    resolved = {e.text: e.resolved for e in analyse(text, "2026-03-10").entities if e.label == "DATE"}
    assert resolved["last Friday"] == "2026-03-06"
    assert resolved["yesterday"] == "2026-03-09"


def test_relative_dates_stay_unresolved_without_a_publish_date():
    text = "The council voted last Friday."
    assert [e.resolved for e in analyse(text, None).entities if e.label == "DATE"] == [""]
    assert resolve_date("last Friday", None) is None
    assert resolve_date("last Friday", "unknown") is None


def test_weekday_in_a_report_of_that_weekday_is_that_day():
    assert resolve_date("on Tuesday", date(2026, 3, 10)) == date(2026, 3, 10)  # a Tuesday
    assert resolve_date("on Friday", date(2026, 3, 10)) == date(2026, 3, 6)


def test_dates_are_shown_day_month_year():
    assert display_date("2026-03-06") == "6 March 2026"


def test_store_keeps_entities_and_analyses_old_articles_once(fake_assistant, tmp_path):
    (tmp_path / "a.txt").write_text("Quarry shut\n\nHarwick Mining said on Tuesday it would shut the Carrow Hill "
                                    "quarry in Dunmere, putting 340 jobs at risk.\n", encoding="utf-8")
    fake_assistant.ingest([tmp_path / "a.txt"])
    store = fake_assistant.store
    stored = store.entities("a")
    assert any(e.text == "340" for e in stored)
    # a store written before entities were kept: the rows are gone, and the next read analyses the text again
    with store.db:
        store.db.execute("DELETE FROM entities")
        store.db.execute("DELETE FROM analysed")
    store._entity_cache.clear()
    again = store.entities("a")
    assert [(e.start, e.end, e.label) for e in again] == [(e.start, e.end, e.label) for e in stored]
    assert store.db.execute("SELECT count(*) FROM analysed").fetchone()[0] == 1

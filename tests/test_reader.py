"""The reader: what a question asks for (from its parse), the short answer voted from the best sentences, and
sources that give different figures. End-to-end tests use the real model and real Chroma in a temporary store."""

import json

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.analyse import Entity
from assistant.question import asked_for
from assistant.reader import KIN_WEIGHT, Asked, asked, vote
from assistant.retrieve import KIND_LABELS, SentenceHit


@pytest.mark.parametrize("question, wh, labels", [
    ("Which company announced it would cut 10,000 jobs?", "which", {"ORG"}),
    ("What is the capital of France?", "what", {"GPE"}),
    ("In which city did the summit take place?", "which", {"GPE"}),
    ("What was the name of the hurricane that hit Florida?", "what", {"EVENT"}),
    ("Which streaming service raised its prices?", "which", None),  # "service": not in the table
    ("How many people died in the floods?", "how many", {"CARDINAL"}),
    ("How much did the bridge cost?", "how much", {"MONEY"}),
    ("When did Rubio arrive in Munich?", "when", {"DATE"}),
    ("Where was the quarry?", "where", {"GPE", "LOC", "FAC"}),
    ("Who won the French Open?", "who", {"PERSON", "ORG"}),
    ("What percentage of voters backed it?", "what", {"PERCENT"}),
])
def test_the_parse_tells_what_is_asked(question, wh, labels):
    a = asked(question)
    assert a.wh == wh
    if labels is not None:
        assert labels <= set(a.labels)


@pytest.mark.parametrize("question", ["What did Rubio say about Iran?", "Why did the talks fail?",
                                      "How did the union respond?", "Is the bridge open?"])
def test_sentence_questions_ask_for_no_entity(question):
    assert asked(question).labels == ()


def test_who_is_a_named_person_asks_for_a_role_not_a_name():
    assert asked("Who is Ali Shamkhani?").labels == ()
    assert "PERSON" in asked("Who is the mayor of Eastvale?").labels


def test_an_unlisted_head_noun_asks_for_no_entity():
    # "sport" and "loan" are in no row of the table: a sentence answer, not a guess at the nearest row's label
    assert asked("Which sport did she play at college?").labels == ()
    assert asked("Which loan did the bank call in?").labels == ()
    assert asked("Which carmaker recalled the most vehicles?").labels == ()
    assert "ORG" in asked("Which automaker recalled the most vehicles?").labels  # listed


def _hit(doc, start, end, score):
    return SentenceHit(doc, start, end, np.zeros(3, np.float32), score, 0.5, 0.5, 1, score)


def _entity(text, label, words, after=0):
    start = text.index(words, after)
    return Entity(label, start, start + len(words), words)


def test_votes_sum_across_articles_and_skip_what_the_question_names():
    texts = {"a": "Brennick Aggregates runs the site, said Ford.", "b": "The site is run by Brennick Aggregates.",
             "c": "Tenmoor Quarry Ltd owns the land."}
    ents = {"a": [_entity(texts["a"], "ORG", "Brennick Aggregates"), _entity(texts["a"], "PERSON", "Ford")],
            "b": [_entity(texts["b"], "ORG", "Brennick Aggregates")],
            "c": [_entity(texts["c"], "ORG", "Tenmoor Quarry Ltd")]}
    hits = [_hit("c", 0, len(texts["c"]), 0.80), _hit("a", 0, len(texts["a"]), 0.78),
            _hit("b", 0, len(texts["b"]), 0.76)]
    q = Asked("which", "company", ("ORG",), frozenset({"which", "company", "runs", "the", "site"}))
    found = vote(hits, q, lambda d, s, e: [x for x in ents[d] if s <= x.start and x.end <= e], texts.__getitem__)
    # two articles beat one; a PERSON counts at half weight (small models tag unfamiliar companies as people)
    assert [c.text for c in found] == ["Brennick Aggregates", "Tenmoor Quarry Ltd", "Ford"]
    assert found[0].doc_ids == {"a", "b"}
    assert found[2].votes == pytest.approx(found[0].mentions[0].weight * KIN_WEIGHT)
    q_named = Asked("which", "company", ("ORG",), frozenset({"which", "company", "brennick", "aggregates"}))
    found = vote(hits, q_named, lambda d, s, e: [x for x in ents[d] if s <= x.start and x.end <= e],
                 texts.__getitem__)
    assert [c.text for c in found] == ["Tenmoor Quarry Ltd", "Ford"]


def test_a_short_name_folds_into_the_longer_one_and_counts_need_a_number():
    texts = {"a": "Ford Motor said on Monday that Ford would recall several cars and 300 trucks."}
    ents = {"a": [_entity(texts["a"], "ORG", "Ford Motor"), _entity(texts["a"], "ORG", "Ford", after=5),
                  _entity(texts["a"], "CARDINAL", "several"), _entity(texts["a"], "CARDINAL", "300")]}
    look = lambda d, s, e: [x for x in ents[d] if s <= x.start and x.end <= e]
    hits = [_hit("a", 0, len(texts["a"]), 0.9)]
    orgs = vote(hits, Asked("which", "company", ("ORG",), frozenset({"which"})), look, texts.__getitem__)
    assert [(c.text, len(c.mentions)) for c in orgs] == [("Ford Motor", 2)]
    counts = vote(hits, Asked("how many", "", ("CARDINAL",), frozenset({"how", "many"})), look, texts.__getitem__)
    assert [c.text for c in counts] == ["300"]


QUARRY = """Carrow Hill quarry collapse: crews search for missing workers

Published: 2026-03-09

Rescue crews at the Carrow Hill quarry searched through the night after a wall of rock gave way last Friday.
The quarry is operated by Brennick Aggregates, a company based in Tenmoor.
Officials said 12 children were evacuated from the nearby school as a precaution.
"""

QUARRY_2 = """Carrow Hill: school evacuation larger than first reported

Published: 2026-03-09

Emergency services now say 17 children were evacuated from the school near the Carrow Hill quarry.
The collapse was the worst at the site in two decades, according to the county council.
"""


@pytest.fixture(scope="module")
def quarry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quarry")
    (folder / "collapse.txt").write_text(QUARRY, encoding="utf-8")
    (folder / "evacuation.txt").write_text(QUARRY_2, encoding="utf-8")
    a = Assistant(settings=Settings(store=tmp_path_factory.mktemp("quarry-store")))
    a.ingest([folder])
    yield a
    a.close()


def _check_short(answer, assistant):
    short = answer.short_answer
    text = assistant.store.article_text(short["doc_id"])
    assert text[short["start"]:short["end"]] == short["text"]
    cited = answer.citations[short["citation"] - 1]
    assert cited.doc_id == short["doc_id"] and cited.start <= short["start"] and short["end"] <= cited.end
    assert answer.answer.startswith(short["shown"])


def test_the_answer_leads_with_the_entity_asked_for(quarry):
    answer = quarry.ask("Which company operates the Carrow Hill quarry?", as_of="2026-03-11")
    assert not answer.abstained
    assert answer.short_answer["text"] == "Brennick Aggregates"
    _check_short(answer, quarry)
    assert json.loads(json.dumps(answer.to_dict()))["short_answer"]["text"] == "Brennick Aggregates"


def test_a_relative_date_is_answered_with_the_day_it_names(quarry):
    answer = quarry.ask("When did the rock wall at Carrow Hill quarry give way?", as_of="2026-03-11")
    assert not answer.abstained
    assert answer.short_answer["text"] == "last Friday"
    assert answer.short_answer["shown"] == "last Friday (6 March 2026)"
    _check_short(answer, quarry)


def test_sources_giving_different_figures_are_both_given_and_marked(quarry):
    answer = quarry.ask("How many children were evacuated from the school near Carrow Hill quarry?",
                        as_of="2026-03-11")
    assert not answer.abstained
    short = answer.short_answer
    figures = {short["text"]} | {r["text"] for r in short.get("disagreeing", [])}
    assert figures == {"12", "17"}
    for rival in short["disagreeing"]:
        cited = answer.citations[rival["citation"] - 1]
        assert cited.doc_id != short["doc_id"] and cited.start <= rival["start"] < rival["end"] <= cited.end
    assert "(the sources disagree)" in answer.answer


def test_a_figure_reported_days_later_is_an_update_not_a_disagreement(tmp_path):
    folder = tmp_path / "later"
    folder.mkdir()
    (folder / "collapse.txt").write_text(QUARRY, encoding="utf-8")
    (folder / "evacuation.txt").write_text(QUARRY_2.replace("2026-03-09", "2026-03-11"), encoding="utf-8")
    a = Assistant(settings=Settings(store=tmp_path / "store"))
    a.ingest([folder])
    answer = a.ask("How many children were evacuated from the school near Carrow Hill quarry?", as_of="2026-03-12")
    a.close()
    assert answer.short_answer["text"] == "17" and "disagreeing" not in answer.short_answer
    assert "Earlier reports said" in answer.answer and "(the sources disagree)" not in answer.answer


def test_a_why_question_keeps_a_sentence_answer(quarry):
    answer = quarry.ask("Why were children evacuated from the school?", as_of="2026-03-11")
    assert answer.short_answer is None


TYPED = """Summit news

Geneva hosted the summit on Monday.

The summit took place at the lakeside hall.

He had met Chancellor Friedrich Merz before the talks.

One firefighter was treated and released on Tuesday.

Firefighter Dana Cole was treated at the scene.

The city bought a new ferry last year.

The consultation will begin in February.
"""


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("typed")
    (folder / "summit.txt").write_text(TYPED, encoding="utf-8")
    a = Assistant(settings=Settings(store=tmp_path_factory.mktemp("typed-store")))
    a.ingest([folder])
    yield a
    a.close()


@pytest.mark.parametrize("question, sentence, holds", [
    # a place that opens its sentence is still a place (the question rules wanted a preposition before it)
    ("Where was the summit held?", "Geneva hosted the summit on Monday.", True),
    ("Where was the summit held?", "The summit took place at the lakeside hall.", False),
    ("What is the name of the chancellor?", "He had met Chancellor Friedrich Merz before the talks.", True),
    ("What is the name of the firefighter?", "One firefighter was treated and released on Tuesday.", False),
    ("What is the name of the firefighter?", "Firefighter Dana Cole was treated at the scene.", True),
    ("What is the name of the new ferry?", "The city bought a new ferry last year.", False),
    ("When will the consultation begin?", "The consultation will begin in February.", True),
    ("When will the consultation begin?", "Geneva hosted the summit on Monday.", True),  # a day: of the kind
    ("When did Dana Cole get treated?", "Firefighter Dana Cole was treated at the scene.", False),
])
def test_dates_places_and_names_are_told_by_the_stored_entities(typed, question, sentence, holds):
    (doc,) = [info.doc_id for info in typed.store.articles()]
    start = typed.store.article_text(doc).index(sentence)
    kind, _ = asked_for(question)
    assert kind in KIND_LABELS
    assert typed.retriever.holds_kind(kind, typed.retriever.asked(question), doc, start, start + len(sentence),
                                      sentence) is holds


def test_a_measure_needs_a_number():
    how_old = asked("How old was the pilot who flew around the world?")
    assert how_old.weight(Entity("DATE", 0, 9, "Wednesday")) == 0.0  # a day says when, not how old
    assert how_old.weight(Entity("DATE", 0, 12, "17 years old")) == 1.0
    assert how_old.weight(Entity("CARDINAL", 0, 2, "17")) == 1.0
    when = asked("When did the pilot land?")
    assert when.weight(Entity("DATE", 0, 9, "Wednesday")) == 1.0  # (a when-question needs no number)


def test_counting_a_unit_of_time_or_money_asks_for_that_entity():
    assert asked("For how many years did the company make the engine?").labels[0] == "DATE"  # "600 years": a DATE
    assert asked("How many hours did the rescue take?").labels[0] == "TIME"
    assert asked("How many people were evacuated?").labels[0] == "CARDINAL"  # people: counted, no unit


def test_an_abbreviation_with_or_without_dots_is_the_same_name():
    q = asked("Which country was the former US diplomat accused of spying for?")
    assert not q.answers(Entity("GPE", 0, 4, "U.S."))  # the question's own country is not the answer
    assert q.answers(Entity("GPE", 0, 4, "Cuba"))
    assert not asked("Which country did the U.K. minister visit?").answers(Entity("GPE", 0, 2, "UK"))

"""The answer rules: typed answers, rejoinders, sentence choice, corroboration (real model, small corpora)."""

import numpy as np
import pytest

from assistant.answer import answers_kind, choose, same_statement
from assistant.core import Assistant
from assistant.lexical import terms
from assistant.retrieve import Evidence, SentenceHit, answers_previous
from assistant.settings import EVALS_DIR, Settings


STRIKE = """Bus drivers to strike in Eastvale

Bus drivers in Eastvale will walk off the job on Monday after wage talks with the city broke down, the drivers' union said.
The union says the strike will involve 410 drivers and mechanics. Eastvale Transit disputes that figure, saying only 350 of its staff belong to the union.
The city has arranged extra trains on the northern line during the walkout.
Union president Maria Okafor said drivers had gone four years without a raise.
"""

LIBRARY = """Eastvale opens new central library

The city opened its new central library on Tuesday, after three years of building work on Mill Road.
The library has a rooftop garden, a children's wing and a hall for concerts.
Residents who toured the building praised its bright reading rooms and the garden.
The council has set aside $2 million for books and computers over the next five years.
"""


SCHOOL = """Eastvale board votes to close Elm Street Primary

The Eastvale school board voted 4-3 on Monday to close Elm Street Primary at the end of the school year.
Trustee Omar Bellweather voted against the closure. Bellweather said families had been brought in far too late.
"We told parents in May and voted in June. That is not consultation, that is notification," he said.
The board chair said falling enrolment had left the district no choice.
"""


def _ingested(tmp_path_factory, name: str, corpus) -> Assistant:
    """An Assistant with the real model over its own temporary store holding `corpus`: a folder, or articles
    by file name ({"strike.txt": STRIKE}) to write into a new one."""
    if isinstance(corpus, dict):
        folder = tmp_path_factory.mktemp(name)
        for file_name, text in corpus.items():
            (folder / file_name).write_text(text, encoding="utf-8")
        corpus = folder
    a = Assistant(settings=Settings(store=tmp_path_factory.mktemp(f"{name}-store")))
    a.ingest([corpus])
    return a


@pytest.fixture(scope="module")
def eastvale(tmp_path_factory):
    a = _ingested(tmp_path_factory, "eastvale", {"strike.txt": STRIKE, "library.txt": LIBRARY, "school.txt": SCHOOL})
    yield a
    a.close()


def test_disputed_figure_is_answered_with_both_sides(eastvale):
    answer = eastvale.ask("How many workers will take part in the bus strike?")
    assert not answer.abstained
    assert "410" in answer.answer and "350" in answer.answer
    assert answer.answer.index("410") < answer.answer.index("350")  # the claim, then the rejoinder
    claim = next(i for i, s in enumerate(answer.sentences, start=1) if "410" in s.text)
    reply = next(s for s in answer.sentences if "350" in s.text)
    assert reply.disputes == claim  # marked, so the chat page can say the sources disagree
    assert all(s.disputes is None for s in answer.sentences if s is not reply)


def test_typed_question_the_articles_cannot_answer_abstains(eastvale):
    answer = eastvale.ask("How much did the new central library with the rooftop garden cost to build?")
    assert answer.abstained, answer.answer


def test_person_question_answered_by_someone_else_s_name_abstains(eastvale):
    # The strike article names a person, but nobody who will run the library: no answer.
    answer = eastvale.ask("Who will run the new central library's rooftop garden?")
    assert answer.abstained, answer.answer


def test_person_question_the_articles_answer_is_answered(eastvale):
    answer = eastvale.ask("Who leads the drivers' union?")
    assert not answer.abstained
    assert "Maria Okafor" in answer.answer


@pytest.mark.parametrize("question", ["What is the cost of the damage to the library's books and computers?",
                                      "What was the total cost of the repairs to the council's library computers?"])
def test_amount_for_something_else_does_not_answer_the_cost_of_what_is_asked(eastvale, question):
    # The library article has $2 million for books and computers, but not for damage or repairs.
    answer = eastvale.ask(question)
    assert answer.abstained, answer.answer


def test_amount_for_what_is_asked_is_answered(eastvale):
    answer = eastvale.ask("How much money has the council set aside for library books?")
    assert not answer.abstained
    assert "$2 million" in answer.answer


def test_typed_question_the_articles_answer_is_answered(eastvale):
    answer = eastvale.ask("On which day did the new central library open?")
    assert not answer.abstained
    assert "Tuesday" in answer.answer


def _hit(n: int, score: float, words: set[str], typed: bool = False) -> SentenceHit:
    vector = np.zeros(8, dtype=np.float32)
    vector[n] = 1.0  # orthogonal: no two hits are the same statement
    return SentenceHit(f"doc{n}", 0, 10, vector, score, 0.5, 0.5, 1, score, frozenset(words), typed)


def test_choose_prefers_a_sentence_for_the_unanswered_part_of_the_question():
    weights = {"chairman": 0.5, "audience": 0.3, "speech": 0.2}
    hits = [_hit(0, 0.90, {"speech", "audience"}), _hit(1, 0.86, {"speech", "audience", "hall"}),
            _hit(2, 0.82, {"chairman", "said"})]
    picked = [group[0].doc_id for group in choose(hits, weights, limit=2)]
    assert picked == ["doc0", "doc2"]  # the chairman's sentence beats a second one about the audience


def test_choose_keeps_score_order_when_no_part_is_left_uncovered():
    weights = {"speech": 1.0}
    hits = [_hit(0, 0.90, {"speech"}), _hit(1, 0.86, {"speech"}), _hit(2, 0.82, {"speech"})]
    assert [g[0].doc_id for g in choose(hits, weights, limit=3)] == ["doc0", "doc1", "doc2"]


def test_choose_leaves_out_sentences_far_below_the_best_unless_typed():
    weights = {"speech": 1.0}
    hits = [_hit(0, 0.90, {"speech"}), _hit(1, 0.70, {"speech"}), _hit(2, 0.70, {"speech"}, typed=True)]
    assert [g[0].doc_id for g in choose(hits, weights, limit=3)] == ["doc0", "doc2"]


def test_same_statement_needs_the_same_figures():
    a = frozenset(terms("Council approved the harbour expansion in a 7-2 vote, with $18 million from the city."))
    b = frozenset(terms("Council approved the harbour expansion in a 7-2 vote, a $48 million project for the city."))
    c = frozenset(terms("In a 7-2 vote the council approved the harbour expansion, the city paying $18 million."))
    assert not same_statement(a, b, 0.95)  # 18 million is not 48 million
    assert same_statement(a, c, 0.95)


def test_same_statement_allows_one_report_to_give_fewer_figures():
    a = frozenset(terms("Security forces have killed more than 6,800 protesters and arrested over 50,000."))
    b = frozenset(terms("Security forces have killed more than 6,800 protesters, rights groups said."))
    assert same_statement(a, b, 0.9)


def _eval_corpus(name: str):
    """A module-scoped fixture: an Assistant over evals/corpus_<name>."""
    @pytest.fixture(scope="module")
    def fixture(tmp_path_factory):
        a = _ingested(tmp_path_factory, name, EVALS_DIR / f"corpus_{name}")
        yield a
        a.close()
    return fixture


harbor = _eval_corpus("harbor")
valley = _eval_corpus("valley")


def test_outcome_the_articles_report_is_answered(harbor):
    answer = harbor.ask("What did the council decide about the harbour expansion?")
    assert not answer.abstained
    assert "7-2" in answer.answer


def test_outcome_of_a_dispute_still_under_way_abstains(harbor):
    # The ferry strike has been called; no article reports how it was settled.
    answer = harbor.ask("What deal did the ferry workers and Port Alder Transit finally settle on?")
    assert answer.abstained, answer.answer


@pytest.mark.parametrize("question", ["What share of the harbour expansion will the city pay?",
                                      "How much will the city put toward the harbour project?"])
def test_each_sentence_is_cited_once_and_corroborated_only_by_the_same_figures(harbor, question):
    answer = harbor.ask(question)
    assert not answer.abstained
    spans = [(c.doc_id, c.start) for c in answer.citations]
    assert len(spans) == len(set(spans)), answer.answer
    for sentence in answer.sentences:
        head, *others = [answer.citations[n - 1].quote for n in sentence.citations]
        for other in others:  # "$18 million for the city's share" is not backed by "a $48 million expansion"
            assert not ("18 million" in head and "48 million" in other), (head, other)


def test_question_about_something_no_article_mentions_abstains(eastvale):
    # The library article says when the library opened; nothing mentions a planetarium.
    answer = eastvale.ask("When is the planetarium at the new central library due to open?")
    assert answer.abstained, answer.answer
    assert not eastvale.ask("When did the new central library open?").abstained


@pytest.mark.parametrize("sentence, answers", [
    ("Port Alder Transit disputes that figure, saying only 210 are covered.", True),
    ("Ridgeline Air put the figure at 118.", True),
    ("That estimate is far too low, the union said.", True),
    ("But the ministry denied any such meeting had taken place.", True),
    ("The total came to $48 million.", False),  # "the total" alone refers back to nothing
    ("Officials said the number of cases rose.", False),
])
def test_answers_previous(sentence, answers):
    assert answers_previous(sentence) is answers


def test_who_is_the_role_names_the_person_holding_it_even_when_every_article_names_them(harbor):
    # Mayor Elena Brask is in most harbor passages, so her name is the articles' topic; under the title asked
    # about it is still the answer.
    answer = harbor.ask("Who is the mayor?")
    assert not answer.abstained, answer.answer
    assert "Elena Brask" in answer.sentences[0].text


@pytest.mark.parametrize("question, role", [
    ("Who is Dana Whitcombe?", "union president Dana Whitcombe"),
    ("Who is Nadia Kovac?", "chief executive Nadia Kovac"),  # the model has never seen the name: cosine ~0.03
    ("Who is Owen Pritchard?", "Owen Pritchard, the transit agency's general manager"),
])
def test_who_is_a_named_person_is_answered_with_their_role(harbor, question, role):
    answer = harbor.ask(question)
    assert not answer.abstained, answer.answer
    assert role in answer.sentences[0].text


def test_who_is_someone_no_article_names_abstains(harbor):
    assert harbor.ask("Who is John Smith?").abstained
    assert harbor.ask("Who is Dana Smith?").abstained  # one of the two names is not enough


def test_what_someone_said_on_a_topic_is_their_quote_with_its_speaker(eastvale):
    # The quote ends '"...," he said.': the sentence before it says who "he" is, and comes with it.
    answer = eastvale.ask("What did Bellweather say about the consultation?")
    assert not answer.abstained, answer.answer
    texts = [s.text for s in answer.sentences]
    quote = next(i for i, t in enumerate(texts) if "notification" in t)
    assert quote > 0 and texts[quote - 1].startswith("Bellweather said")


def test_a_quote_s_speaker_is_named_whatever_was_asked(eastvale):
    answer = eastvale.ask("Who said the board told parents in May and voted in June?")
    assert not answer.abstained, answer.answer
    texts = [s.text for s in answer.sentences]
    quote = next(i for i, t in enumerate(texts) if "notification" in t)
    assert quote > 0 and "Bellweather" in texts[quote - 1], texts


def test_what_someone_said_is_answered_below_the_threshold_when_they_speak_on_it(valley):
    # Names the model has never seen keep the cosine low (confidence ~0.58, under the threshold), but a sentence
    # with Kessling speaking and the word asked about answers the question.
    question = "What did Kessling say about the consultation?"
    answer = valley.ask(question)
    assert answer.confidence < valley.composer.calibration["threshold"]
    assert not answer.abstained, answer.answer
    assert "That is not consultation, that is notification" in answer.answer
    assert valley.ask("What did Kessling say about the runway?").abstained  # no word of it anywhere


def test_a_typed_sentence_the_model_matches_closely_is_about_the_question():
    # "Which gathering had Rubio just addressed?": "...a speech he delivered to the Munich Security Conference"
    # shares only the articles' topic name with the question, but the model puts it closest of all.
    evidence = Evidence([], "event", {"which", "gathering", "rubio"}, 0.0, 0.3, frozenset({"address"}))
    far = SentenceHit("d", 0, 10, np.zeros(8, np.float32), 0.40, 0.05, 0.5, 1, 0.5, frozenset({"rubio"}), True)
    close = SentenceHit("d", 0, 10, np.zeros(8, np.float32), 0.70, 0.05, 0.5, 1, 0.8, frozenset({"rubio"}), True)
    untyped = SentenceHit("d", 0, 10, np.zeros(8, np.float32), 0.70, 0.05, 0.5, 1, 0.8, frozenset({"rubio"}))
    assert not answers_kind(far, evidence)  # the topic name alone does not make it about the question
    assert answers_kind(close, evidence)
    assert not answers_kind(untyped, evidence)  # it still has to hold an event's name


def test_who_said_a_quote_is_answered_by_the_sentence_naming_its_speaker(eastvale):
    # The quote ends '..., he said.'; the sentence before it ("Bellweather said ...") names him by surname only,
    # which counts as a person because the article names "Omar Bellweather" in full.
    answer = eastvale.ask("Who said the board had notified parents rather than consulted them?")
    assert not answer.abstained
    assert answer.sentences[0].text.startswith("Bellweather said")
    assert answer.short_answer["text"] == "Bellweather"  # the answer leads with the name (reader.py)
    assert "notification" in answer.answer


INTERVIEW = """Harbour master defends dredging plan

Harbour master Colm Brady defended the plan to dredge the Eastvale channel in an interview with Eastvale Radio on Thursday.
"The channel has to be deeper," Brady told Eastvale Radio.
"Container ships that once came in on any tide now anchor outside the breakwater for six or seven hours, their crews idle and their cargoes late, and every one of those hours costs the shipping lines money that they will not get back from anyone," Brady told Eastvale Radio host Priya Lindqvist.
The dredging is due to start in March and to take six weeks.
Port engineer Dr. Ines Varga said the work had already been postponed twice.
"The river brings the mud down every winter," she said.
"No dredger on earth keeps it out for good."
"""


@pytest.fixture(scope="module")
def dredging(tmp_path_factory):
    a = _ingested(tmp_path_factory, "interview", {"dredging.txt": INTERVIEW, "library.txt": LIBRARY})
    yield a
    a.close()


def test_who_someone_spoke_to_is_read_from_the_words_around_the_quote(dredging):
    # The long quote makes up most of the sentence naming the host, so that sentence as a whole is far from the
    # question; the short quote's sentence is close to it and names no one new.
    answer = dredging.ask("Who interviewed Brady for Eastvale Radio?")
    assert not answer.abstained, answer.answer
    assert "Priya Lindqvist" in answer.sentences[0].text, answer.answer


def test_a_quote_continuing_another_is_answered_with_the_speaker_of_both(dredging):
    # '"No dredger ... for good."' has no attribution; the quote before it ends "she said", and the sentence
    # before that names her (after "Dr.", which does not end a sentence).
    answer = dredging.ask("Who warned that dredging would never keep the mud out for good?")
    assert not answer.abstained, answer.answer
    texts = [s.text for s in answer.sentences]
    text = dredging.store.article_text("dredging")
    evidence = dredging.retriever.score_sentences(answer.question, dredging.retriever.search(answer.question))
    bare = next(h for h in evidence.hits if text[h.start : h.end].startswith('"No dredger'))
    assert [text[h.start : h.end][:20] for h in dredging.retriever.speakers(bare)] == [
        '"The river brings th', "Port engineer Dr. In"]  # nearest first
    assert texts[:3] == ["Port engineer Dr. Ines Varga said the work had already been postponed twice.",
                         '"The river brings the mud down every winter," she said.',
                         '"No dredger on earth keeps it out for good."'], texts


@pytest.mark.parametrize("question", ["How much revenue does the council lose on the library each year?",
                                      "Which developer is building the library's rooftop garden?"])
def test_asked_for_something_no_article_mentions_abstains(eastvale, question):
    # The library article has an amount ($2 million for books) and names (Mill Road), but no article mentions
    # revenue or a developer at all, so none of them can be the answer.
    assert eastvale.ask(question).abstained


def test_asked_for_a_percentage_a_count_does_not_answer(eastvale):
    # The strike article counts drivers (410, 350) but gives no share of anything.
    assert eastvale.ask("What percentage of the drivers belong to the union?").abstained


def test_asked_for_something_the_articles_count_is_answered(eastvale):
    # (the money question of this kind is test_amount_for_what_is_asked_is_answered)
    answer = eastvale.ask("How many mechanics will join the strike?")
    assert not answer.abstained and "410" in answer.answer


@pytest.mark.parametrize("corpus, question, answer_starts", [
    ("harbor", "What is the union asking for?", "The union is seeking a 6 per cent"),
    ("valley", "What is the pilots' union seeking?", "The union is seeking a 14 per cent"),
])
def test_what_someone_is_demanding_is_the_sentence_saying_what_they_seek(request, corpus, question, answer_starts):
    answer = request.getfixturevalue(corpus).ask(question)
    assert not answer.abstained
    assert answer.sentences[0].text.startswith(answer_starts)


def test_a_year_question_is_not_answered_by_a_weekday(eastvale):
    # "opened its new central library on Tuesday": a day, but no article gives the year
    answer = eastvale.ask("In what year did the new central library open?")
    assert answer.abstained, answer.answer
    assert not eastvale.ask("On which day did the new central library open?").abstained


UNKNOWN = """Tram drivers strike in Westvale

Tram drivers in Westvale walked off the job on Monday after pay talks with the city broke down.
The union has not said how long the strike will last, and the city said it would run extra buses.
The last tram strike, in 2019, lasted nine days.
"""


def test_a_sentence_saying_it_is_not_known_is_not_an_answer(tmp_path_factory):
    a = _ingested(tmp_path_factory, "westvale", {"trams.txt": UNKNOWN})
    try:
        answer = a.ask("How long will the tram strike in Westvale go on?")
        assert answer.abstained, answer.answer  # not "nine days" (2019) nor the sentence saying nobody knows
        assert not a.ask("When did the tram drivers walk off the job?").abstained
    finally:
        a.close()

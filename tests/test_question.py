"""Reading a question (assistant/question.py): the kind of thing it asks for, and whether a sentence holds one."""

import pytest

from assistant.question import (answer_type, asked_for, counted_noun, has_answer_type, outcome_subject, said_about,
                                surnames_in)


@pytest.mark.parametrize("question, kind", [
    ("How many drivers will strike?", "number"),
    ("To what purity level is the uranium enriched?", "number"),
    ("What was the total dollar cost of the storm damage?", "money"),
    ("How much did the library cost to build?", "money"),
    ("How much is the city contributing to the harbour?", "number"),
    ("What is the new terminal expected to cost?", "money"),  # "cost" as the verb asked about
    ("What will the repairs cost the town?", "money"),
    ("What is the painting worth?", "money"),
    ("What does the ferry cost cover?", None),  # not a value: what the cost pays for
    ("What percentage of drivers voted to strike?", "percent"),  # a count of drivers does not answer
    ("By what percentage did fares rise?", "percent"),
    ("When does the walkout begin?", "date"),
    ("On which day did the minister speak?", "date"),
    ("Where were the talks held?", "place"),
    ("What did she promise, and in which city?", "place"),  # a second interrogative joined by "and"
    ("At which event, and in which city, did she speak?", "event"),  # the first one that says wins
    ("Who chairs the conference?", "person"),
    ("Besides the mayor, whose support will decide the vote?", "person"),
    ("What is the name of the new ferry?", "name"),
    ("Which developer is buying the school grounds?", "name"),
    ("What group of workers is on strike?", None),  # the answer need not be a proper name
    ("What event forced the evacuation?", None),
    ("What sparked the wildfire?", "cause"),
    ("What was the likely cause of the outage?", "cause"),
    ("What was agreed when the delegations met in Muscat?", "outcome"),  # not a date: "when" is a conjunction
    ("Which international gathering had he just addressed when he spoke?", "event"),  # not a date question
    ("What summit did the ministers attend?", "event"),
    ("How did the minister describe the plan?", None),
    ("Who is Ali Shamkhani?", "identity"),  # asks what a named person is, not for a name
    ("Who was Shamkhani", "identity"),
    ("Who is Iran's Supreme Leader?", "person"),  # a role: the answer is a name
    ("Who is the mayor?", "person"),
    ("Who is President of Iran?", "person"),
    ("What are the ferry workers demanding from the agency?", "demand"),
    ("What is the union asking for?", "demand"),
    ("What does the mayor want to build?", "demand"),  # not "which mayor"
    ("What are the strikers' demands?", "demand"),
    ("In what year was the sea wall built?", "year"),
    ("Which year did the ferry service start?", "year"),
    ("When will the wall be rebuilt next year?", "date"),
])
def test_answer_type_reads_the_question_s_own_interrogative(question, kind):
    assert answer_type(question) == kind


@pytest.mark.parametrize("question, words", [
    ("By what margin did the council approve the plan?", "what margin"),
    ("What was the total dollar cost of the damage?", "What was the total dollar cost"),
    ("Who will head the delegation?", "Who"),
    ("How did the minister describe the plan?", ""),
    ("What is the new terminal expected to cost?", "What is "),  # not the whole question
])
def test_asked_for_gives_the_words_that_ask(question, words):
    assert asked_for(question)[1] == words


@pytest.mark.parametrize("question, kind", [
    ("What is the population of Port Alder?", "number"),  # not a place question: "of Port" is not the focus
    ("What was the cost of the repairs?", "money"),
])
def test_focus_does_not_reach_past_of(question, kind):
    assert answer_type(question) == kind


def test_person_is_judged_by_surname():
    known = {"who", "did", "trump", "meet"}
    assert not has_answer_type("person", "He said President Donald Trump would travel.", known)
    assert has_answer_type("person", "He met Foreign Minister Abbas Araghchi in Oman.", known)


def test_a_topic_name_is_an_answer_when_it_carries_the_title_asked_about():
    known, topic = {"who", "is", "the", "mayor"}, frozenset({"elena", "brask", "trump"})  # names in most passages
    assert has_answer_type("person", "Mayor Elena Brask toured Water Street.", known, topic)
    assert has_answer_type("person", "The fire chief, Fire Chief Ronan Aldercott, spoke.", {"who", "fire", "chief"})
    assert not has_answer_type("person", "Councillor Elena Brask spoke.", known, topic)  # not the title asked about
    assert not has_answer_type("person", "He said US President Donald Trump would go.", {"who", "president"}, topic)
    assert has_answer_type("person", "He said US President Donald Trump would go.", {"who", "president"})


@pytest.mark.parametrize("question, asked", [
    ("What did Kessling say about the consultation?", ("Kessling", "the consultation")),
    ("What did Nadine Forsythe tell farmers about allocations?", ("Nadine Forsythe", "allocations")),
    ("What did Whitcombe say?", ("Whitcombe", "")),
    ("What did the tribunal rule?", None),
    ("What did he say about it?", None),
])
def test_said_about_reads_who_and_on_what(question, asked):
    assert said_about(question) == asked


def test_saying_something_about_a_rule_is_not_an_outcome_question():
    assert answer_type("What did Forsythe say about the carry-over rule?") is None
    assert answer_type("What did the tribunal rule?") == "outcome"


@pytest.mark.parametrize("sentence, has_role", [
    ("The union president Dana Whitcombe said so.", True),
    ("Ali Shamkhani, a top aide to the leader, spoke.", True),
    ("It elaborated on remarks by Vice President JD Vance.", True),
    ("Rubio told Bloomberg News Editor-in-Chief John Micklethwait.", True),
    ("Whitcombe said the union would strike.", False),  # named, but nothing says who she is
    ("The union president said so.", False),  # a role, but not hers
])
def test_identity_needs_the_name_with_a_role(sentence, has_role):
    question_words = {"who", "is", "dana", "whitcombe", "ali", "shamkhani", "vance", "micklethwait"}
    assert has_answer_type("identity", sentence, question_words) == has_role


@pytest.mark.parametrize("question, subject", [
    ("What did the tribunal rule on the appeal?", "the tribunal"),
    ("What deal did the union and the airline finally settle on?", "the union and the airline"),
    ("Has the congestion charge worked?", "the congestion charge"),
    ("What was agreed at the summit?", ""),
])
def test_outcome_questions_and_who_decided(question, subject):
    assert answer_type(question) == "outcome"
    assert outcome_subject(question) == subject


@pytest.mark.parametrize("question", ["Do the two sides agree on the agenda?", "Did the minister work in Tehran?",
                                      "How would the city react if the union decided to strike again?"])
def test_agree_or_decide_in_a_clause_is_not_an_outcome_question(question):
    assert answer_type(question) != "outcome"


def test_outcome_needs_a_reported_outcome():
    assert has_answer_type("outcome", "The council voted 7-2 on Monday to approve the plan.", set())
    assert has_answer_type("outcome", "The two sides have agreed to resume talks next week.", set())
    assert not has_answer_type("outcome", "The appeal will be heard by the tribunal on September 9.", set())
    assert not has_answer_type("outcome", "The US believed there was an agreed forum for talks in Turkey.", set())


def test_cause_needs_words_that_give_a_cause():
    assert has_answer_type("cause", "The fire was started by a downed power line, investigators said.", set())
    assert has_answer_type("cause", "Officials blamed the outage on a failed transformer.", set())
    assert not has_answer_type("cause", "The fire spread quickly after the wind rose on Monday.", set())


def test_an_event_needs_an_event_s_name():
    asked = {"which", "gathering", "had", "he", "addressed"}
    assert has_answer_type("event", "He had spoken at the Munich Security Conference that morning.", asked)
    assert has_answer_type("event", "He spoke on the sidelines of the Critical Minerals Ministerial.", asked)
    # a person, a place or an agency is a name but not an event's
    assert not has_answer_type("event", "He had met Chancellor Friedrich Merz in Munich.", asked)
    assert not has_answer_type("event", "The Calder Valley Water Authority met on Monday.", asked)


def test_a_surname_saying_something_is_a_person_when_the_article_names_them_in_full():
    asked = {"which", "trustee", "complained"}
    surnames = surnames_in("Trustees Omar Kessling and Beatrice Nunn voted against the motion.")
    assert surnames == {"kessling", "nunn"}
    kessling = "Kessling said families had been brought in far too late."
    assert has_answer_type("person", kessling, asked, surnames=surnames)
    assert has_answer_type("person", '"It is too late," said Nunn.', asked, surnames=surnames)
    assert not has_answer_type("person", kessling, asked)
    assert not has_answer_type("person", "Tehran said the talks would go ahead.", asked, surnames=surnames)


@pytest.mark.parametrize("question, noun", [
    ("How much revenue is the airline losing each day?", "revenue"),
    ("How much ticket revenue is the festival losing?", "revenue"),  # the last word before the verb
    ("How many workers will join the strike?", ""),  # a number: "410 drivers and mechanics" may answer
    ("Which developer is buying the school grounds?", "developer"),
    ("How much money would closing the school save?", ""),  # generic: any amount of money may answer
    ("How much more money did the council budget?", ""),
    ("How much did the library cost?", ""),
    ("What is the name of the new ferry?", ""),
    ("Which international gathering had he addressed?", ""),  # an event: its name is checked instead
])
def test_counted_noun_is_what_the_question_counts_or_names_by_category(question, noun):
    assert counted_noun(question, *asked_for(question)) == noun


def test_a_demand_needs_words_that_say_what_someone_seeks():
    assert has_answer_type("demand", "The union is seeking a 6 per cent wage increase.", set())
    assert has_answer_type("demand", "Parents called for the vote to be delayed.", set())
    assert not has_answer_type("demand", "An exhausted pilot is the last thing anyone wants in a cockpit.", set())
    assert not has_answer_type("demand", "Crews will walk off the job on Saturday.", set())


def test_a_year_needs_a_year():
    asked = {"in", "what", "year", "was", "the", "wall", "built"}
    assert has_answer_type("year", "The wall was built in 1962 after a flood.", asked)
    assert not has_answer_type("year", "The consultation will begin in February.", asked)
    assert not has_answer_type("year", "About 2000 people left their homes.", asked)


def test_percent_needs_a_percentage():
    asked = {"what", "percentage", "voted"}
    assert not has_answer_type("percent", "Roughly 300 mail ballots were still arriving.", asked)
    assert all(has_answer_type("percent", s, asked) for s in ("Turnout was 41.5 percent.", "a rise of 3.9 per cent",
                                                               "up 12% on last year", "Six per cent was offered."))


def test_money_needs_an_amount_of_money():
    asked = {"how", "much", "did", "the", "library", "cost"}
    assert not has_answer_type("money", "The library took three years to build.", asked)
    assert has_answer_type("money", "The library cost $12.5 million.", asked)
    assert has_answer_type("money", "It cost 4 million euros.", asked)


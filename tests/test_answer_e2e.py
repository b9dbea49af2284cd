"""Acceptance: the real model over the seeds answers the headline question, every fact backed by a verbatim quote."""

import re

import pytest

from assistant.settings import SEEDS_DIR

pytestmark = pytest.mark.e2e

QUESTION = "What topics did Rubio say talks with Iran must include?"
# Each fact, with the phrasings (lower case) that state it in the seed articles.
FACTS = {
    "missiles": ("missile",),
    "terrorism or proxies": ("terror", "prox"),
    "the nuclear programme": ("nuclear",),
    "the treatment of Iran's own people": ("own people", "own citizens"),
}
COMMENT_BAIT = [
    "Is the port of Chabahar at stake for India?",
    "Has the maximum pressure strategy worked?",
    "What did readers say about the difference between the Iranian people and their regime?",
]


def raw_seed(doc_id: str) -> str:
    return (SEEDS_DIR / f"{doc_id}.txt").read_text(encoding="utf-8")


def reader_comments() -> str:
    """Everything under the 'Reader Comments' heading of every seed that has one."""
    return "\n".join(raw_seed(p.stem).split("Reader Comments", 1)[1]
                     for p in sorted(SEEDS_DIR.glob("*.txt")) if "Reader Comments" in p.read_text(encoding="utf-8"))


def answer_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """(sentence, [n, ...]) for each sentence of the answer and the markers that follow it."""
    return [(m[1], [int(n) for n in re.findall(r"\d+", m[2])])
            for m in re.finditer(r"\s*([^\[\]]+?)\s*((?:\[\d+\])+)", answer)]


@pytest.fixture(scope="module")
def answer(seeded_assistant):
    return seeded_assistant.ask(QUESTION).to_dict()


def test_acceptance_question_answered(answer):
    assert answer["abstained"] is False
    assert answer["citations"]


@pytest.mark.parametrize("fact", FACTS)
def test_acceptance_answer_states_fact_with_a_citation_that_says_it(seeded_assistant, answer, fact):
    phrasings = FACTS[fact]
    citations = {c["n"]: c for c in answer["citations"]}
    backing = [citations[n] for text, numbers in answer_sentences(answer["answer"]) for n in numbers
               if any(p in text.lower() for p in phrasings)
               and any(p in citations[n]["quote"].lower() for p in phrasings)]
    assert backing, f"no answer sentence states {fact} with a citation that says it:\n{answer['answer']}"
    for c in backing:
        # Verbatim from the stored article, and from the capture itself (not a reconstruction of it).
        assert seeded_assistant.store.article_text(c["doc_id"])[c["start"] : c["end"]] == c["quote"]
        assert c["quote"] in raw_seed(c["doc_id"])


def test_acceptance_every_citation_verbatim_and_from_reporting(seeded_assistant, answer):
    comments = reader_comments()
    assert comments  # the seeds do carry reader comments, so the check below means something
    for c in answer["citations"]:
        assert seeded_assistant.store.article_text(c["doc_id"])[c["start"] : c["end"]] == c["quote"]
        assert c["quote"] in raw_seed(c["doc_id"])
        assert c["quote"] not in comments


@pytest.mark.parametrize("question", COMMENT_BAIT)
def test_answers_never_quote_reader_comments(seeded_assistant, question):
    comments = reader_comments()
    for c in seeded_assistant.ask(question).citations:
        assert c.quote not in comments
        assert c.quote in raw_seed(c.doc_id).split("Reader Comments", 1)[0]

"""The Assistant facade over a real Chroma store in tmp_path, with the fake embedder."""

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from llama_index.core.schema import NodeWithScore, TextNode

from assistant import Assistant, Settings
from assistant.core import is_follow_up, retrieval_query
from assistant.errors import BadQuestion
from assistant.lexical import terms
from assistant.retrieve import keep_closest
from assistant.settings import SEEDS_DIR
from tests.fakes import HashEmbedding

SEED_IDS = sorted(p.stem for p in SEEDS_DIR.glob("*.txt"))
SEARCH_KEYS = {"rank", "doc_id", "title", "source", "url", "published", "text", "score"}
ANSWER_KEYS = {"question", "answer", "abstained", "citations"}
CITATION_KEYS = {"n", "doc_id", "title", "source", "url", "published", "quote", "start", "end"}
ANSWERABLE = "What topics did Rubio say talks with Iran must include?"
UNANSWERABLE = "What is the recipe for sourdough bread with rye flour?"
# An answer is a run of sentences, each followed by one or more [n] markers.
ANSWER_SENTENCE_RE = re.compile(r"\s*(?P<text>[^\[\]]+?)\s*(?P<marks>(?:\[\d+\])+)")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The seeds ingested once for this module's read-only tests (fake embedder, real Chroma)."""
    a = Assistant(settings=Settings(store=tmp_path_factory.mktemp("fake-seeded")), embedder=HashEmbedding())
    a.ingest()
    yield a
    a.close()


@pytest.fixture
def corpus(tmp_path):
    """A private copy of the seeds that a test may edit."""
    return Path(shutil.copytree(SEEDS_DIR, tmp_path / "corpus"))


def chroma_ids(assistant: Assistant, doc_id: str | None = None) -> list[str]:
    where = {"doc_id": doc_id} if doc_id else None
    return sorted(assistant.store.collection.get(where=where, include=[])["ids"])


def answer_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Split an answer into (sentence, [n, ...]); fail if any text is left without a marker."""
    pieces = list(ANSWER_SENTENCE_RE.finditer(answer))
    assert "".join(m.group() for m in pieces).strip() == answer.strip(), f"text without a citation: {answer!r}"
    return [(m["text"], [int(n) for n in re.findall(r"\d+", m["marks"])]) for m in pieces]


def assert_verbatim(assistant: Assistant, citation: dict) -> None:
    text = assistant.store.article_text(citation["doc_id"])
    assert text[citation["start"] : citation["end"]] == citation["quote"]
    assert citation["quote"].strip()


# --- ingest --------------------------------------------------------------------------------------------

def test_ingest_seeds_adds_every_article(fake_assistant):
    report = fake_assistant.ingest()
    assert sorted(report.added) == SEED_IDS
    assert report.updated == report.unchanged == report.failed == []
    assert report.articles_total == 5
    assert report.passages_written == report.passages_total > 5
    assert fake_assistant.store.collection.count() == report.passages_total


def test_ingest_again_changes_nothing(fake_assistant, corpus):
    first = fake_assistant.ingest([corpus])
    second = fake_assistant.ingest([corpus])
    assert sorted(second.unchanged) == SEED_IDS
    assert second.added == second.updated == second.failed == []
    assert second.passages_written == 0
    assert second.passages_total == first.passages_total
    assert fake_assistant.store.collection.count() == fake_assistant.store.passage_count() == first.passages_total


def test_ingest_again_after_reopening_the_store_changes_nothing(tmp_path, corpus):
    settings = Settings(store=tmp_path / "store")
    first = Assistant(settings=settings, embedder=HashEmbedding())
    total = first.ingest([corpus]).passages_total
    first.close()
    again = Assistant(settings=settings, embedder=HashEmbedding())
    try:
        report = again.ingest([corpus])
        assert sorted(report.unchanged) == SEED_IDS
        assert report.passages_written == 0
        assert again.store.collection.count() == again.store.passage_count() == total
    finally:
        again.close()


def test_ingest_changed_article_replaced(fake_assistant, corpus):
    fake_assistant.ingest([corpus])
    doc_id = next(i for i in SEED_IDS if i.startswith("001"))
    path = corpus / f"{doc_id}.txt"
    old = path.read_text(encoding="utf-8")
    dropped = "He further described Iran as a country with a deep cultural history"
    assert dropped in old
    # Keep the top of the article only, and add a new paragraph: fewer passages than before.
    head = old.split("Highlighting what meaningful talks")[0]
    path.write_text(head + "\nThe ferry to Kish island was cancelled because of the zebra parade.\n", encoding="utf-8")

    report = fake_assistant.ingest([corpus])

    assert report.updated == [doc_id]
    assert sorted(report.unchanged) == sorted(set(SEED_IDS) - {doc_id})
    text = fake_assistant.store.article_text(doc_id)
    assert dropped not in text and "zebra parade" in text
    stored = fake_assistant.store.article(doc_id).passages
    assert chroma_ids(fake_assistant, doc_id) == sorted(f"{doc_id}#{i}" for i in range(stored))
    assert fake_assistant.store.collection.count() == fake_assistant.store.passage_count() == report.passages_total
    documents = fake_assistant.store.collection.get(where={"doc_id": doc_id}, include=["documents"])["documents"]
    assert not any(dropped in d for d in documents)
    hits = fake_assistant.search("zebra parade Kish ferry", k=3).results
    assert hits[0].doc_id == doc_id and "zebra parade" in hits[0].text
    assert all(dropped not in p.text for p in fake_assistant.search("deep cultural history clerical", k=10).results
               if p.doc_id == doc_id)


def test_ingest_bad_file_reported_and_the_rest_ingested(fake_assistant, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "ferry.txt").write_text("The island ferry will run an extra evening sailing on Fridays from April.")
    (folder / "scan.txt").write_bytes(b"%PDF-1.7\x00\x00binary")
    report = fake_assistant.ingest([folder])
    assert report.added == ["ferry"]
    assert [(f.source, "binary" in f.reason) for f in report.failed] == [(str(folder / "scan.txt"), True)]
    assert report.articles_total == 1


def test_ingest_same_stem_in_two_folders_keeps_both(fake_assistant, tmp_path):
    for sub, text in (("a", "The first copy of the ferry story says fares rise in April."),
                      ("b", "The second copy of the ferry story says fares rise in May.")):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "ferry.txt").write_text(text)
    report = fake_assistant.ingest([tmp_path / "a", tmp_path / "b"])
    assert report.added == ["ferry", "ferry~2"] and report.failed == []
    assert report.renamed == [{"id": "ferry~2", "path": str(tmp_path / "b" / "ferry.txt"), "clashes_with": "ferry",
                               "other_path": str((tmp_path / "a" / "ferry.txt").resolve())}]
    assert "April" in fake_assistant.store.article_text("ferry")
    assert "May" in fake_assistant.store.article_text("ferry~2")


def test_ingest_report_to_dict_is_the_json_contract(fake_assistant, tmp_path):
    (tmp_path / "bad.docx").write_text("not an article")
    data = fake_assistant.ingest([SEEDS_DIR, tmp_path / "bad.docx"]).to_dict()
    assert {"added", "updated", "unchanged", "failed", "passages_total"} <= data.keys()
    assert data["failed"] == [{"source": str(tmp_path / "bad.docx"), "reason": data["failed"][0]["reason"]}]


def test_ensure_seeded_ingests_seeds_into_an_empty_store(fake_assistant):
    notices = []
    assert fake_assistant.ensure_seeded(notice=notices.append) is True
    assert fake_assistant.store.article_count() == 5
    assert len(notices) == 1 and "empty" in notices[0] and str(SEEDS_DIR) in notices[0]
    assert fake_assistant.ensure_seeded(notice=notices.append) is False
    assert len(notices) == 1


def test_ensure_seeded_leaves_a_filled_store_alone(fake_assistant, tmp_path):
    (tmp_path / "ferry.txt").write_text("The island ferry will run an extra evening sailing on Fridays from April.")
    fake_assistant.ingest([tmp_path / "ferry.txt"])
    notices = []
    assert fake_assistant.ensure_seeded(notice=notices.append) is False
    assert notices == []
    assert fake_assistant.store.article_count() == 1


# --- search --------------------------------------------------------------------------------------------

def test_search_returns_ranked_contract_results(seeded):
    result = seeded.search("Rubio ballistic missiles nuclear programme", k=5)
    rows = result.to_dict()["results"]
    assert len(rows) == 5
    for row in rows:
        assert SEARCH_KEYS <= row.keys()
        assert row["doc_id"] in SEED_IDS
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    for p in result.results:
        assert seeded.store.article_text(p.doc_id)[p.start : p.end] == p.text


def test_search_finds_the_article_that_has_the_words(seeded):
    top = seeded.search("Michelangelo Rolling Stones beer", k=3).results[0]
    assert top.doc_id.startswith("003")
    assert "Michelangelo" in top.text
    assert top.source == "NDTV"


def test_lexical_ranking_leaves_out_passages_matched_only_by_common_words(seeded):
    # "Rubio" is in most passages: FTS5 gives it an idf of ~0, so ranking those passages would hand them rank
    # fusion credit for nothing ("Who interviewed Rubio for Bloomberg?" lost the Bloomberg passage that way).
    lexical = seeded.retriever.lexical
    assert seeded.store.lexical.search(terms("Rubio"), 5)  # they match...
    assert lexical.retrieve("Rubio") == []  # ...but are not ranked
    found = lexical.retrieve("Who interviewed Rubio for Bloomberg?")
    assert found and all(re.search("Bloomberg|interview", hit.node.get_content()) for hit in found)
    assert any("Micklethwait" in hit.node.get_content() for hit in found)


class _SynonymEmbedding(HashEmbedding):
    """The fake embedder, which also reads "conference" as "gathering": a match in meaning BM25 cannot see."""

    def _embed(self, text: str) -> np.ndarray:
        return super()._embed(re.sub(r"\bconference\b", "gathering", text, flags=re.I))


def test_search_keeps_the_passage_closest_in_meaning_that_shares_no_word(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "conference.txt").write_text("Conference opens\n\nThe conference opened.\n", encoding="utf-8")
    for i in range(10):  # share the question's words, with much else: BM25 and the model both find them
        (corpus / f"remarks{i}.txt").write_text(
            f"Remarks {i}\n\nRubio addressed reporters about tariffs{i} harbour{i} budget{i} weather{i} "
            f"trains{i} schools{i} bridges{i}.\n", encoding="utf-8")
    for i in range(15):  # and the rest of the corpus does not mention Rubio at all
        (corpus / f"other{i}.txt").write_text(f"Other {i}\n\nFarmers planted orchards{i}.\n", encoding="utf-8")
    a = Assistant(settings=Settings(store=tmp_path / "store"), embedder=_SynonymEmbedding())
    try:
        a.ingest([corpus])
        question = "Which gathering did Rubio address?"
        assert a.retriever.lexical.retrieve(question)  # BM25 ranks the remarks...
        assert all("opened" not in n.node.get_content() for n in a.retriever.lexical.retrieve(question))
        results = a.search(question, k=8).results  # ...ahead of the passage only the model finds
        assert len(results) == 8
        assert any(p.text.endswith("The conference opened.") for p in results)
        assert [p.score for p in results] == sorted((p.score for p in results), reverse=True)
    finally:
        a.close()


def test_keep_closest_puts_missing_closest_passages_last():
    nodes = [NodeWithScore(node=TextNode(id_=str(i), text=str(i)), score=1.0 / (i + 1)) for i in range(6)]
    assert [n.node.node_id for n in keep_closest(nodes, ["4", "1"], 3)] == ["0", "1", "4"]
    assert [n.node.node_id for n in keep_closest(nodes, ["0", "1"], 3)] == ["0", "1", "2"]  # already in
    assert [n.node.node_id for n in keep_closest(nodes, ["5", "4"], 3)] == ["0", "4", "5"]


def test_search_carries_article_metadata(seeded):
    hits = seeded.search("HRANA 6,800 protesters killed", k=3).results
    top = hits[0]
    assert top.doc_id.startswith("004")
    assert (top.title, top.published) == ("US wants Iran talks to cover more than nuclear program: Rubio", "2026-02-05")


# --- ask -----------------------------------------------------------------------------------------------

def test_ask_returns_the_contract(seeded):
    data = seeded.ask(ANSWERABLE).to_dict()
    assert ANSWER_KEYS <= data.keys()
    assert data["question"] == ANSWERABLE
    assert data["abstained"] is False
    assert data["citations"]
    for c in data["citations"]:
        assert CITATION_KEYS <= c.keys()
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))


def test_ask_every_answer_sentence_cites_and_every_quote_is_verbatim(seeded):
    data = seeded.ask(ANSWERABLE).to_dict()
    citations = {c["n"]: c for c in data["citations"]}
    sentences = answer_sentences(data["answer"])
    assert sentences
    for text, numbers in sentences:
        assert numbers and all(n in citations for n in numbers)
        # An answer sentence is the first cited quote, whitespace aside.
        assert " ".join(text.split()) == " ".join(citations[numbers[0]]["quote"].split())
    assert {n for _, numbers in sentences for n in numbers} == set(citations)
    for c in data["citations"]:
        assert_verbatim(seeded, c)


def test_ask_citation_metadata_matches_the_article(seeded):
    for c in seeded.ask("How many protesters did HRANA say were killed?").citations:
        info = seeded.store.article(c.doc_id)
        assert (c.title, c.source, c.url, c.published) == (info.title, info.source, info.url, info.published)


def test_ingest_stores_no_reader_comment_text(seeded):
    raw = (SEEDS_DIR / f"{SEED_IDS[1]}.txt").read_text(encoding="utf-8")
    comment_lines = [ln.strip() for ln in raw.split("Reader Comments")[1].splitlines() if len(ln.strip()) > 40]
    assert len(comment_lines) >= 5
    stored = "\n".join(seeded.store.article_text(a.doc_id) for a in seeded.store.articles())
    for line in comment_lines:
        assert line not in stored


def test_ask_never_cites_reader_comments(seeded):
    comments = (SEEDS_DIR / f"{SEED_IDS[1]}.txt").read_text(encoding="utf-8").split("Reader Comments")[1]
    for question in ("Is the port of Chabahar at stake for India?", "Has the maximum pressure strategy worked?"):
        for c in seeded.ask(question).citations:
            assert c.quote not in comments


def test_ask_abstains_when_the_articles_do_not_say(seeded):
    answer = seeded.ask(UNANSWERABLE)
    assert answer.abstained is True
    assert answer.citations == []
    assert re.search(r"articles don.t say", answer.answer, re.IGNORECASE)
    assert not re.search(r"\[\d+\]", answer.answer)


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_ask_empty_question_is_a_bad_question(seeded, question):
    with pytest.raises(BadQuestion, match="empty"):
        seeded.ask(question)


def test_ask_over_long_question_is_a_bad_question(seeded):
    limit = seeded.settings.max_question_chars
    with pytest.raises(BadQuestion, match=f"{limit:,}"):
        seeded.ask("Iran " * (limit // 5 + 1))


def test_check_question_accepts_the_limit_and_strips(seeded):
    limit = seeded.settings.max_question_chars
    assert seeded.check_question("  x" + "y" * (limit - 1) + "  ") == "x" + "y" * (limit - 1)


def test_search_empty_query_is_a_bad_question(seeded):
    with pytest.raises(BadQuestion):
        seeded.search("  ")


# --- follow-up questions --------------------------------------------------------------------------------

FIRST = "What topics did Rubio say talks with Iran must include?"


@pytest.mark.parametrize("question", ["What did he say about missiles?", "And the nuclear programme?", "Why?"])
def test_is_follow_up_for_pronouns_continuations_and_thin_questions(question):
    assert is_follow_up(question)


@pytest.mark.parametrize("question", ["Which cultural references did Rubio use in Munich?",
                                      "How many protesters did HRANA say Iranian security forces killed?"])
def test_is_follow_up_not_for_a_new_topic(question):
    assert not is_follow_up(question)


@pytest.mark.parametrize("history", [
    [{"role": "user", "content": FIRST}, {"role": "assistant", "content": "Missiles and terrorism. [1]"}],
    [(FIRST, "Missiles and terrorism. [1]")],
    [FIRST],
])
def test_retrieval_query_follow_up_carries_previous_terms(history):
    query = retrieval_query("What did he say about missiles?", history)
    assert query.startswith("What did he say about missiles?")
    assert "Rubio" in query and "Iran" in query


def test_retrieval_query_new_topic_stands_alone():
    question = "Which cultural references did Rubio use in Munich?"
    assert retrieval_query(question, [FIRST]) == question


def test_retrieval_query_without_history_is_the_question():
    assert retrieval_query("And the nuclear programme?", None) == "And the nuclear programme?"
    assert retrieval_query("And the nuclear programme?", []) == "And the nuclear programme?"


def test_ask_follow_up_uses_the_previous_question(seeded):
    alone = seeded.ask("What did he say about that?")
    followed = seeded.ask("What did he say about that?", history=[FIRST])
    assert followed.question == "What did he say about that?"
    assert not followed.abstained
    assert [c.quote for c in followed.citations] != [c.quote for c in alone.citations]

"""The chat page's handlers, called directly (no server, no browser)."""

import html
import re

import pytest

from assistant.answer import Answer, AnswerSentence, Citation
from assistant.app import ChatPage, evidence_html, md_text, panel, stream_reply

QUESTION = "What topics did Rubio say talks with Iran must include?"
FOLLOW_UP = "And what did Iran say about that?"
# Iran's own line on the agenda, as the seed articles report it.
IRAN_ON_AGENDA = ("solely", "not subject to negotiation", "nuclear issue")
HOSTILE_ARTICLE = """Harbour council <b>closes</b> the old ferry pier

Port Vell, March 3, 2026

The harbour council voted on Tuesday to close the old ferry pier <script>window.__xss = 1</script> after engineers found deep cracks in its pilings.

Residents said the pier closure <img src=x onerror="window.__xss = 2"> would add twenty minutes to their daily commute across the bay.

The council will ask for bids to rebuild the pier [click](javascript:alert(1)) next spring, a spokesperson said.
"""
MARK_RE = re.compile(r"<mark>(.*?)</mark>", re.S)
HREF_RE = re.compile(r'href="#(cite-[\d-]+)"')


def final(page: ChatPage, message, history=None):
    """The last (reply, evidence) that respond() yields, or None when it yields nothing."""
    out = list(page.respond(message, history or []))
    return out[-1] if out else None


def gradio_history(*turns: tuple[str, str]) -> list[dict]:
    """A conversation as Gradio 6's Chatbot hands it to an event: content is a list of text parts."""
    out = []
    for user, bot in turns:
        out += [{"role": "user", "content": [{"type": "text", "text": user}]},
                {"role": "assistant", "content": [{"type": "text", "text": bot}]}]
    return out


def marked_quotes(evidence: str) -> list[str]:
    """The highlighted quotes, as text (the short answer inside one is set in <strong>; article text is escaped,
    so any tag is the page's own)."""
    return [html.unescape(re.sub(r"<[^>]+>", "", m)) for m in MARK_RE.findall(evidence)]


@pytest.fixture(scope="module")
def page(seeded_assistant):
    return ChatPage(seeded_assistant, pace=0)


@pytest.fixture
def hostile_page(fake_assistant, tmp_path):
    path = tmp_path / "hostile_pier.txt"
    path.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    fake_assistant.ingest([path])
    return ChatPage(fake_assistant, pace=0)


# --- answers with citations -------------------------------------------------------------------------
def test_respond_streams_the_answer_in_growing_chunks(page):
    replies = [reply for reply, _ in page.respond(QUESTION, [])]
    assert len(replies) > 2
    assert all(len(a) <= len(b) for a, b in zip(replies, replies[1:]))


def test_respond_answer_carries_clickable_markers_for_its_evidence(page, seeded_assistant):
    reply, evidence = final(page, QUESTION)
    answer = seeded_assistant.ask(QUESTION)
    targets = HREF_RE.findall(reply)
    assert targets == [f"cite-1-{n}" for s in answer.sentences for n in s.citations]
    for target in targets:
        assert f'id="{target}"' in evidence
    assert "missile" in reply.lower()


def test_respond_evidence_quotes_are_verbatim_and_highlighted(page, seeded_assistant):
    _, evidence = final(page, QUESTION)
    answer = seeded_assistant.ask(QUESTION)
    assert marked_quotes(evidence) == [c.quote for c in answer.citations]
    for c in answer.citations:
        assert seeded_assistant.store.article_text(c.doc_id)[c.start : c.end] == c.quote
        assert html.escape(c.title) in evidence


def test_respond_evidence_shows_the_surrounding_paragraph(page, seeded_assistant):
    _, evidence = final(page, QUESTION)
    c = seeded_assistant.ask(QUESTION).citations[0]
    text = seeded_assistant.store.article_text(c.doc_id)
    paragraph = text[text.rfind("\n", 0, c.start) + 1 : c.start]
    card = evidence.split(f'id="cite-1-{c.n}"', 1)[1].split("</article>", 1)[0]
    assert html.escape(paragraph[-40:]) in card


def test_evidence_says_reported_by_n_sources_when_articles_agree():
    cite = lambda n, doc: Citation(n, doc, f"Title {doc}", f"Outlet {doc}", "https://example.org/a", "2026-02-05",
                                   "Talks must include missiles.", 0, 28)
    answer = Answer("q", "Talks must include missiles. [1][2]", False, [cite(1, "a"), cite(2, "b")],
                    [AnswerSentence("Talks must include missiles.", [1, 2])])
    evidence = evidence_html(answer, lambda doc_id: "Talks must include missiles. More text.", turn=3)
    assert "reported by 2 sources" in evidence
    assert 'id="cite-3-1"' in evidence and 'id="cite-3-2"' in evidence
    assert 'href="https://example.org/a"' in evidence and "Outlet b" in evidence and "5 February 2026" in evidence


def test_evidence_says_when_sources_disagree():
    c1 = Citation(1, "a", "T", "Union", "", "", "The union says 230 crew will strike.", 0, 36)
    c2 = Citation(2, "a", "T", "Union", "", "", "The agency disputes that figure, saying 210.", 37, 81)
    answer = Answer("q", "... [1] ... [2]", False, [c1, c2],
                    [AnswerSentence(c1.quote, [1]), AnswerSentence(c2.quote, [2], disputes=1)])
    evidence = evidence_html(answer, lambda _: c1.quote + " " + c2.quote, turn=1)
    assert evidence.count('class="disputed"') == 2
    assert "disputes answer sentence 1" in evidence and "disputed below" in evidence
    plain = Answer("q", "Q. [1]", False, [c1], [AnswerSentence(c1.quote, [1])])
    assert 'class="disputed"' not in evidence_html(plain, lambda _: c1.quote, turn=1)


def test_short_answer_leads_the_reply_and_is_set_in_bold_inside_its_quote():
    quote = "Officials said 12 children were evacuated."
    c1 = Citation(1, "a", "T", "Courier", "", "", quote, 10, 10 + len(quote))
    c2 = Citation(2, "b", "T", "Gazette", "", "", "Now 17 children <b>were</b> evacuated.", 0, 38)
    short = {"text": "12", "shown": "12", "label": "CARDINAL", "doc_id": "a", "start": 25, "end": 27, "citation": 1,
             "disagreeing": [{"text": "17", "shown": "17", "label": "CARDINAL", "doc_id": "b", "start": 4, "end": 6,
                              "citation": 2, "source": "Gazette"}]}
    answer = Answer("How many children?", "...", False, [c1, c2],
                    [AnswerSentence(quote, [1]), AnswerSentence(c2.quote, [2])], short_answer=short)
    texts = {"a": "x" * 10 + quote, "b": c2.quote}
    evidence = evidence_html(answer, texts.__getitem__, turn=2)
    assert '<strong class="short-answer">12</strong>' in evidence
    assert '<strong class="short-answer">17</strong>' in evidence
    assert "&lt;b&gt;were&lt;/b&gt;" in evidence  # the article's own markup stays text
    assert marked_quotes(evidence)[:2] == [quote, c2.quote]
    reply = list(stream_reply(answer, turn=2))[-1]
    assert reply.startswith("**12** ") and "**17** according to Gazette" in reply
    assert "sources disagree" in reply.split("\n\n")[0]


def test_evidence_links_only_web_urls():
    c = Citation(1, "a", "T", "S", "javascript:alert(1)", "", "Q.", 0, 2)
    answer = Answer("q", "Q. [1]", False, [c], [AnswerSentence("Q.", [1])])
    assert "javascript:" not in evidence_html(answer, lambda _: "Q.", turn=1)


def test_panel_keeps_earlier_turns_folded_under_the_newest():
    shown = panel(["<p>first</p>", "<p>second</p>"])
    assert shown.index("second") < shown.index("first")
    assert "<details" in shown.split("second", 1)[1]


# --- abstention -------------------------------------------------------------------------------------
def test_respond_abstains_plainly_and_labels_closest_passages(page):
    reply, evidence = final(page, "What is the recipe for sourdough bread with rye flour?")
    assert "cite-ref" not in reply
    assert "not answering the question" in reply
    assert 'class="not-answer"' in evidence and "do not answer the question" in evidence
    assert 'class="closest"' in evidence and 'class="cite"' not in evidence


# --- follow-ups -------------------------------------------------------------------------------------
def test_respond_follow_up_retrieves_the_other_side_of_the_same_topic(page):
    first_reply, first_evidence = final(page, QUESTION)
    _, evidence = final(page, FOLLOW_UP, gradio_history((QUESTION, first_reply)))
    quotes = marked_quotes(evidence)
    assert any(phrase in q for q in quotes for phrase in IRAN_ON_AGENDA), quotes
    assert 'id="cite-2-1"' in evidence  # the second turn's markers do not collide with the first's


def test_respond_follow_up_differs_from_the_same_words_asked_alone(page):
    alone = marked_quotes(final(page, FOLLOW_UP)[1])
    followed = marked_quotes(final(page, FOLLOW_UP, gradio_history((QUESTION, "…")))[1])
    assert followed != alone


def test_respond_new_topic_does_not_drag_the_previous_one_along(page):
    history = gradio_history((QUESTION, "Talks must include missiles and nuclear topics. [1]"))
    quotes = marked_quotes(final(page, "How many protesters did HRANA say Iranian security forces killed?",
                                 history)[1])
    assert any("6,800" in q for q in quotes)
    assert not any("missile" in q.lower() for q in quotes)


# --- bad input --------------------------------------------------------------------------------------
@pytest.mark.parametrize("message", ["", "   \n\t ", None])
def test_respond_empty_message_does_nothing(page, message):
    assert list(page.respond(message, [])) == []


def test_respond_over_long_message_explains_the_limit_in_the_chat(page, seeded_assistant):
    limit = seeded_assistant.settings.max_question_chars
    reply, evidence = final(page, "why " * limit)
    assert "limit" in reply and f"{limit:,}" in reply
    assert evidence == ""


# --- article text is shown as text ------------------------------------------------------------------
@pytest.mark.parametrize("question", [
    "Why did the harbour council vote to close the old ferry pier?",
    "How long would the pier closure add to the residents' commute?",
    "When will the council ask for bids to rebuild the pier?",
])
def test_respond_shows_markup_inside_articles_as_text(hostile_page, question):
    reply, evidence = final(hostile_page, question)
    for shown in (reply, evidence):
        assert "<script" not in shown and "<img" not in shown and "<b>" not in shown
    assert "](javascript" not in reply  # Markdown link syntax is escaped in the chat; HTML needs no such care
    assert "&lt;script&gt;" in reply + evidence or "&lt;img" in reply + evidence or "\\[click\\]" in reply
    assert "Harbour council &lt;b&gt;closes&lt;/b&gt;" in evidence


def test_md_text_neutralises_html_and_markdown():
    shown = md_text('<img src=x onerror="go()"> **bold** [a](javascript:x) `code` $x$')
    assert "<" not in shown and "&lt;img" in shown
    for raw in ("**", "[a]", "](", "`code`", "$x$"):
        assert raw not in shown
    assert r"\*\*bold\*\*" in shown and r"\[a\]\(javascript" in shown


# --- the corpus view and uploads --------------------------------------------------------------------
def test_corpus_lists_title_outlet_date_and_passages(page):
    rows = page.corpus()
    assert len(rows) == 5
    by_id = {row[4]: row for row in rows}
    assert by_id["001_321dc8e40005d0c9"][:3] == [
        "US Open to Iran Talks, Rubio Says Dialogue Not a Concession to Regime", "ANI", "5 February"]
    assert by_id["004_131ef119f07f31b5"][2] == "2026-02-05"  # ISO: sorting the column sorts by day
    assert by_id["000_30109562edd4ff54"][2] == ""  # undated
    # Newest first, then a date without a year (left as the page states it), then undated (by id).
    assert [row[4][:3] for row in rows] == ["004", "001", "000", "002", "003"]
    assert all(isinstance(row[3], int) and row[3] > 0 for row in rows)


def test_add_files_reports_each_file_and_shows_progress(fake_assistant, tmp_path):
    good = tmp_path / "pier.txt"
    good.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    empty = tmp_path / "empty.md"
    empty.write_text("   \n", encoding="utf-8")
    unsupported = tmp_path / "scan.pdf"
    unsupported.write_bytes(b"%PDF-1.4")
    page = ChatPage(fake_assistant, pace=0)
    steps = []
    report = page.add_files([str(good), str(broken), str(empty), str(unsupported)],
                            lambda i, n, name: steps.append((i, n, name)))
    lines = report.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("- ✓ **pier.txt**: 1 added")
    assert lines[1].startswith("- ✗ **broken.json**") and "malformed JSON" in lines[1]
    assert lines[2].startswith("- ✗ **empty.md**")
    assert lines[3].startswith("- ✗ **scan.pdf**") and "unsupported" in lines[3]
    assert str(tmp_path) not in report  # the server's upload folder is not shown
    assert [s[0] for s in steps] == [0, 1, 2, 3, 4] and {s[1] for s in steps} == {4}
    assert [row[4] for row in page.corpus()] == ["pier"]
    assert page.add_files([str(good)]).startswith("- ✓ **pier.txt**: 1 already indexed")


def test_add_files_with_nothing_says_so(fake_assistant):
    assert ChatPage(fake_assistant).add_files([]) == "No files to add."

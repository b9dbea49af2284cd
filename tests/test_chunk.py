"""Sentences and passages: offsets into the article text, whole sentences, citable units."""

from pathlib import Path

import pytest

from assistant.chunk import MAX_PASSAGE_WORDS, chunk_text, split_sentences
from assistant.ingest import Article, read_articles
from assistant.settings import SEEDS_DIR

DATA = Path(__file__).parent / "data"
ARTICLES = [a for a in read_articles([SEEDS_DIR, DATA]) if isinstance(a, Article)]


def spans(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def citable(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text) if s.citable]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.doc_id)
def test_sentences_offsets_slice_the_text_in_order(article):
    text = article.text
    sentences = split_sentences(text)
    assert sentences
    end = 0
    covered = set()
    for s in sentences:
        piece = text[s.start : s.end]
        assert piece and piece == piece.strip()
        assert s.start >= end  # in order, never overlapping
        end = s.end
        covered.update(range(s.start, s.end))
    # Everything but whitespace and bullet marks belongs to some sentence: no words are lost between units.
    left_out = {text[i] for i in range(len(text)) if i not in covered and not text[i].isspace()}
    assert left_out <= {"•"}


def test_sentences_split_on_sentence_ends_and_paragraphs():
    text = "The ferry left at noon. It arrived late.\n\nThe harbour master blamed the fog on Tuesday."
    assert spans(text) == ["The ferry left at noon.", "It arrived late.", "The harbour master blamed the fog on Tuesday."]


def test_sentences_keep_abbreviations_inside_one_sentence():
    text = "U.S. Secretary of State Marco Rubio spoke on Wednesday. He took questions."
    assert spans(text) == ["U.S. Secretary of State Marco Rubio spoke on Wednesday.", "He took questions."]


def test_quotation_over_several_sentences_is_one_citable_unit():
    quote = ('"We will not close the library. It serves thousands of families. Nobody voted for that," '
             "the mayor said.")
    text = f"The mayor spoke on Monday.\n\n{quote}\n\nShe left at noon."
    units = split_sentences(text)
    assert spans(text) == ["The mayor spoke on Monday.", quote, "She left at noon."]
    assert all(u.citable for u in units)


def test_curly_quotation_over_several_sentences_is_one_unit():
    text = "“It stays open. That is final. Ask anyone,” she said. Then she left."
    assert spans(text) == ["“It stays open. That is final. Ask anyone,” she said.", "Then she left."]


def test_seed_quotation_kept_whole():
    article = next(a for a in ARTICLES if a.doc_id.startswith("001"))
    units = citable(article.text)
    quote = next(u for u in units if u.startswith('"As far as the topic of those discussions'))
    assert quote.endswith("and that includes the treatment of their own people,\" he stated.")


def test_headings_are_not_citable():
    text = ("Ferry workers vote to strike over rosters\n\n"
            "Ferry crews on the island routes voted to strike from 20 March, the union said on Monday.\n\n"
            "What the union wants\n\n"
            "The union says new rosters leave crews with fewer than ten hours between shifts.")
    units = {text[s.start : s.end]: s.citable for s in split_sentences(text)}
    assert units == {
        "Ferry workers vote to strike over rosters": False,
        "Ferry crews on the island routes voted to strike from 20 March, the union said on Monday.": True,
        "What the union wants": False,
        "The union says new rosters leave crews with fewer than ten hours between shifts.": True,
    }


def test_seed_section_headings_are_not_citable():
    article = next(a for a in ARTICLES if a.doc_id.startswith("000"))
    units = {article.text[s.start : s.end]: s.citable for s in split_sentences(article.text)}
    for heading in ("Secretary Marco Rubio Outlines US Policy and Iran Talks", "The Perspective on Diplomatic Meetings",
                    "Criteria for Meaningful Negotiations", "The Goal of Peaceful Outcomes"):
        assert units[heading] is False, heading


def test_bullet_mark_excluded_from_the_span():
    text = "Key points\n\n• Meetings are not seen as concessions.\n\n• Talks must include missiles and nuclear topics."
    assert spans(text) == ["Key points", "Meetings are not seen as concessions.",
                           "Talks must include missiles and nuclear topics."]


def test_passages_pack_whole_sentences_in_order():
    text = next(a for a in ARTICLES if a.doc_id.startswith("001")).text
    sentences = split_sentences(text)
    chunks = chunk_text(text)
    assert len(chunks) > 1
    assert [s for c in chunks for s in c.sentences] == sentences
    for c in chunks:
        assert (c.start, c.end) == (c.sentences[0].start, c.sentences[-1].end)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a.doc_id)
def test_passages_stay_under_the_word_budget(article):
    for c in chunk_text(article.text):
        words = len(article.text[c.start : c.end].split())
        # Only a single unit longer than the budget on its own (a long quotation) may exceed it.
        assert words <= MAX_PASSAGE_WORDS or len(c.sentences) == 1


def test_long_text_split_into_several_passages_under_budget():
    sentence = "The harbour board met again on Tuesday to discuss the dredging contract and its cost."
    text = " ".join([sentence] * 40)
    chunks = chunk_text(text)
    assert len(chunks) >= 4
    for c in chunks:
        assert len(text[c.start : c.end].split()) <= MAX_PASSAGE_WORDS


def test_heading_starts_a_new_passage():
    text = ("The ferry left at noon on Monday.\n\nIt arrived two hours late in fog.\n\n"
            "What the union wants\n\nThe union wants twelve hours of rest between shifts.")
    chunks = chunk_text(text)
    assert [text[c.start : c.end] for c in chunks] == [
        "The ferry left at noon on Monday.\n\nIt arrived two hours late in fog.",
        "What the union wants\n\nThe union wants twelve hours of rest between shifts.",
    ]


def test_empty_text_has_no_passages():
    assert chunk_text("") == []
    assert split_sentences("\n\n  \n") == []


def test_heading_ends_the_headline_and_takes_a_line():
    from assistant.chunk import heading

    assert heading("Quarry licence  revoked") == "Quarry licence revoked.\n"
    assert heading("Who runs the quarry?") == "Who runs the quarry?\n"
    assert heading("") == heading(None) == ""

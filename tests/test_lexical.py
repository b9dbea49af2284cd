"""Lexical terms and the BM25 index (SQLite FTS5, in memory)."""

import sqlite3

import pytest

from assistant.lexical import LexicalIndex, terms


@pytest.fixture
def index():
    db = sqlite3.connect(":memory:")
    yield LexicalIndex(db)
    db.close()


PASSAGES = {
    1: "Rubio said talks must include Iran's ballistic missile programme and its nuclear programme.",
    2: "The harbour council voted to delay the dredging of the northern channel.",
    3: "HRANA reported that security forces have killed more than 6,800 protesters in Iran.",
    4: "Rubio spoke in Munich about Europe and the transatlantic alliance.",
}


@pytest.fixture
def filled(index):
    for rowid, text in PASSAGES.items():
        index.add(rowid, text)
    return index


# --- terms ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b", [("talks", "talk"), ("negotiations", "negotiating"), ("missiles", "missile"),
                                  ("sponsoring", "sponsored")])
def test_terms_stem_inflections_together(a, b):
    assert terms(a) == terms(b) != []


def test_terms_drop_stop_words():
    assert terms("What did the and of to is it") == []
    assert terms("What did Rubio say about the talks?") == terms("Rubio talks")


@pytest.mark.parametrize("british, american", [("programme", "program"), ("organisation", "organization"),
                                               ("organisations", "organizations"), ("civilisation", "civilization"),
                                               ("criticised", "criticized"), ("defence", "defense"),
                                               ("harbour", "harbor"), ("centre", "center")])
def test_terms_british_and_american_spellings_meet(british, american):
    assert terms(british) == terms(american) != []


@pytest.mark.parametrize("british, american", [("harbours", "harbors"), ("metres", "meters"),
                                               ("defences", "defenses"), ("honoured", "honored")])
def test_terms_british_and_american_inflected_spellings_meet(british, american):
    assert terms(british) == terms(american)


def test_terms_possessive_dropped():
    assert terms("Iran’s nuclear programme") == terms("Iran's nuclear program") == terms("Iran nuclear program")


def test_terms_thousands_separator_kept_in_one_token():
    assert terms("6,800 protesters") == ["6800", *terms("protesters")]
    assert terms("1,200,000") == ["1200000"]


def test_terms_lower_case():
    assert terms("RUBIO Iran") == terms("rubio iran")


# --- index ---------------------------------------------------------------------------------------------

def test_index_search_ranks_best_match_first(filled):
    hits = filled.search(terms("Rubio nuclear missile programme"), k=10)
    assert [rowid for rowid, _ in hits][:2] == [1, 4]
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_index_search_limits_to_k(filled):
    assert len(filled.search(terms("Rubio Iran harbour"), k=2)) == 2


def test_index_search_spellings_meet(filled):
    assert [r for r, _ in filled.search(terms("nuclear program"), k=5)] == [1]
    assert [r for r, _ in filled.search(terms("harbor"), k=5)] == [2]


def test_index_search_number_with_separator(filled):
    assert [r for r, _ in filled.search(terms("6,800"), k=5)] == [3]
    assert filled.search(terms("6 800"), k=5) == []


def test_index_search_with_no_terms_is_empty(filled):
    assert filled.search(terms("what is the"), k=5) == []
    assert filled.search([], k=5) == []


def test_index_search_ignores_fts_syntax_in_terms(filled):
    assert filled.search(['"', "NEAR(", "*", "talk"], k=5) == filled.search(["talk"], k=5) != []


def test_index_delete_removes_passages(filled):
    filled.delete([1, 4])
    assert filled.size() == 2
    assert filled.search(terms("Rubio"), k=5) == []
    assert [r for r, _ in filled.search(terms("protesters"), k=5)] == [3]


def test_index_size_counts_passages(filled):
    assert filled.size() == len(PASSAGES)


def test_index_idf_rare_terms_weigh_more(filled):
    idf = filled.idf(terms("Rubio dredging zebra"))
    rubio, dredg, zebra = (idf[t] for t in terms("Rubio dredging zebra"))
    assert zebra > dredg > rubio > 0  # unseen > in one passage > in two


def test_index_idf_of_nothing_is_empty(filled):
    assert filled.idf([]) == {}


def test_lexical_index_adds_a_headline_to_a_passage_terms_only_when_given():
    import sqlite3

    from assistant.lexical import LexicalIndex, terms

    index = LexicalIndex(sqlite3.connect(":memory:"))
    index.add(1, "The council voted on Tuesday.", "Quarry licence revoked.\n")
    index.add(2, "The council voted on Tuesday.")
    assert [rowid for rowid, _ in index.search(terms("quarry"), 5)] == [1]

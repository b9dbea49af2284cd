"""Reading and cleaning: seeds (real web captures), every supported format, and files that cannot be read."""

import json
import os
import re
from pathlib import Path

import pytest

from assistant.ingest import Article, Failure, clean_page, read_articles, read_file
from assistant.settings import SEEDS_DIR

DATA = Path(__file__).parent / "data"
SEED_FILES = sorted(SEEDS_DIR.glob("*.txt"))
FURNITURE = ["Advertisement", "Share this article", "Follow us", "Leave a comment", "NEWSLETTER",
             "delivered to your inbox", "min read", "JioSaavn", "Track Latest News", "Minimum 50 characters"]
COMMENT_TEXT = ["Priya S", "Rohit P", "Chabahar", "maximum pressure", "give and take", "We welcome thoughtful"]


def read_one(path: Path) -> Article:
    items = list(read_file(path))
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def seed(prefix: str) -> Article:
    return read_one(next(p for p in SEED_FILES if p.name.startswith(prefix)))


def split(items):
    items = list(items)
    articles = [i for i in items if isinstance(i, Article)]
    failures = [i for i in items if isinstance(i, Failure)]
    return articles, failures


# --- seeds ---------------------------------------------------------------------------------------------

def test_seeds_all_read_as_articles_named_by_file_stem():
    articles, failures = split(read_articles([SEEDS_DIR]))
    assert failures == []
    assert [a.doc_id for a in articles] == [p.stem for p in SEED_FILES]
    assert len(articles) == 5


@pytest.mark.parametrize("prefix, title", [
    ("000", "Secretary Marco Rubio Outlines US Policy and Iran Talks"),
    ("001", "US Open to Iran Talks, Rubio Says Dialogue Not a Concession to Regime"),
    ("002", "Rubio Concedes Historic Difficulty in Iran Nuclear Negotiations Ahead of Talks"),
    ("003", "Trump Open To Talks With Ayatollah Khamenei, Says US Amid Tensions With Iran"),
    ("004", "US wants Iran talks to cover more than nuclear program: Rubio"),
])
def test_seed_headline_detected(prefix, title):
    assert seed(prefix).title == title


def test_seed_outlet_from_agency_sign_off():
    assert seed("001").source == "ANI"


def test_seed_outlet_from_site_promo_line():
    assert seed("003").source == "NDTV"


def test_seed_outlet_left_empty_when_the_page_does_not_state_it():
    assert seed("002").source == ""


def test_seed_date_from_byline_with_read_time():
    assert seed("004").published == "2026-02-05"


def test_seed_date_without_year_kept_as_the_page_states_it():
    assert seed("001").published == "February 5"


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_furniture_stripped(path):
    text = read_one(path).text
    for phrase in FURNITURE:
        assert phrase.lower() not in text.lower(), phrase


def test_seed_read_time_line_dropped_but_its_sentence_neighbours_kept():
    text = seed("004").text
    assert "3 min read" not in text
    assert "Feb. 05, 2026" not in text
    assert text.startswith("US wants Iran talks to cover more than nuclear program: Rubio\n\n“In order for talks")


def test_seed_reader_comments_removed_and_counted():
    article = seed("001")
    for phrase in COMMENT_TEXT:
        assert phrase not in article.text, phrase
    assert "Reader Comments" not in article.text
    assert article.comments_removed == 5
    # The reporting just above the comment section survives.
    assert article.text.endswith('prefers a peaceful outcome to any conflict or challenge," the state secretary added.')


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name[:3])
def test_seed_every_kept_line_verbatim_from_raw_file(path):
    raw_lines = {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    article = read_one(path)
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) > 5
    for paragraph in paragraphs:
        assert paragraph in raw_lines, paragraph[:80]


def test_seed_repeated_paragraph_kept_once():
    text = seed("004").text
    assert text.count("“In order for talks to actually lead to something meaningful") == 1


# --- cleaning a page ------------------------------------------------------------------------------------

def test_clean_page_drops_furniture_lines_and_keeps_reporting():
    raw = "\n".join([
        "Ferry fares to rise in April",
        "Advertisement",
        "3 min read",
        "The island ferry operator will raise fares by 6% from April, it said on Monday.",
        "Share this article",
        "Follow us on Facebook, X & Instagram",
        "Sign up for our daily newsletter",
        "Get the latest updates delivered to your inbox.",
        "Listen to the latest songs, only on JioSaavn.com",
        "Passenger groups said the rise would hit commuters hardest.",
        "Related coverage: Storm floods Water Street · Ferry strike ends after two days",
        "See also: Council passes the harbour budget",
        "Leave a comment",
    ])
    cleaned = clean_page(raw)
    assert cleaned.text.split("\n\n") == [
        "Ferry fares to rise in April",
        "The island ferry operator will raise fares by 6% from April, it said on Monday.",
        "Passenger groups said the rise would hit commuters hardest.",
    ]
    assert cleaned.title == "Ferry fares to rise in April"


def test_clean_page_drops_an_advertisers_copy_under_the_label():
    raw = ("Storm floods the quay\n\nThe lake rose two metres overnight.\n\nAdvertisement\n"
           "Tarrow Marine: heated winter boat storage from $45 a month. Book before November 15.\n\n"
           "About 340 people left their homes.\n\nAdvertisement\n\nPower was back by Friday.\n")
    cleaned = clean_page(raw)
    assert cleaned.text.split("\n\n") == ["Storm floods the quay", "The lake rose two metres overnight.",
                                           "About 340 people left their homes.", "Power was back by Friday."]
    assert any(line.startswith("Tarrow Marine") for line in cleaned.dropped)


def test_clean_page_drops_link_lists_and_furniture_strips():
    raw = "\n".join([
        "Wildfire forces evacuations",
        "Crews fought the fire through the night, officials said on Tuesday.",
        "Related:",
        "- Reservoir falls to lowest level in 12 years",
        "- County fair cancelled after sponsors pull out",
        "How to pack a go-bag: a checklist",
        "",
        "The fire was 15 per cent contained by Wednesday.",
        "Read more: Airport runway resurfacing to begin in October",
        "*Share this article · Sign up for our newsletter · Read more from the farm desk*",
        "© 2025 Valley Record. All rights reserved. | Privacy Policy | Terms of Use | Advertise with us",
    ])
    assert clean_page(raw).text.split("\n\n") == [
        "Wildfire forces evacuations",
        "Crews fought the fire through the night, officials said on Tuesday.",
        "The fire was 15 per cent contained by Wednesday.",
    ]


def test_clean_page_link_list_ends_at_the_next_paragraph():
    raw = "Title here\n\nMore stories\n- One headline\nThe council met on Monday and approved the plan."
    assert "The council met on Monday and approved the plan." in clean_page(raw).text


@pytest.mark.parametrize("sentence", [
    "Related charges against two other officials were dropped in March.",
    "Copyright holders welcomed the ruling, calling it long overdue.",
])
def test_clean_page_keeps_sentences_starting_with_a_furniture_word(sentence):
    raw = f"Court rules on streaming levy\n\nThe court ruled on Tuesday.\n\n{sentence}"
    assert sentence in clean_page(raw).text


def test_clean_page_keeps_one_word_dash_bullets():
    cleaned = clean_page("Europe reacts to Munich speech\n\nThe countries that welcomed the speech were:\n\n"
                         "- France\n- Germany\n- Poland\n\nOthers were less accommodating.")
    assert cleaned.source == ""
    assert all(country in cleaned.text for country in ("France", "Germany", "Poland"))


def test_clean_page_comment_section_cut_at_its_heading():
    raw = "\n".join([
        "Harbour dredging to start in May",
        "Dredging of the northern channel will start in May, the port authority said.",
        "Comments",
        "Marta K",
        "About time, the channel has been silting up for a decade now and nobody cared.",
        "Please keep comments respectful and on-topic.",
    ])
    cleaned = clean_page(raw)
    assert "silting" not in cleaned.text
    assert cleaned.comments_removed == 1
    assert cleaned.text.endswith("the port authority said.")


@pytest.mark.parametrize("heading", ["Comments (4)", "## Comments (3)", "Reader comments [12]", "3 comments"])
def test_clean_page_comment_heading_with_a_count_or_as_a_markdown_heading(heading):
    raw = "\n\n".join([
        "Wildfire forces evacuations",
        "About 1,200 people left their homes on Saturday, the sheriff's office said.",
        heading,
        "MaryB_AspenFlats: Deputies told us they already arrested two looters on Saturday night.",
    ])
    cleaned = clean_page(raw)
    assert "looters" not in cleaned.text
    assert cleaned.comments_removed == 1


# --- formats --------------------------------------------------------------------------------------------

def test_txt_read_with_file_stem_as_doc_id(tmp_path):
    path = tmp_path / "ferry-fares.txt"
    path.write_text("Ferry fares to rise\n\nThe operator will raise fares by 6% from April.\n", encoding="utf-8")
    article = read_one(path)
    assert article.doc_id == "ferry-fares"
    assert article.text == "Ferry fares to rise\n\nThe operator will raise fares by 6% from April."
    assert article.path == str(path)


def test_markdown_markup_dropped():
    article = read_one(DATA / "ferry_strike.md")
    text = article.text
    assert article.doc_id == "ferry_strike"
    assert article.title == "Ferry workers vote to strike over rosters"
    assert article.published == "2026-03-02"
    for markup in ("#", "**", "__", "*", "](", "![", "`", ">", "---", "https://"):
        assert markup not in text, markup
    assert "voted overwhelmingly to strike from 20 March, the Maritime Union said on Monday." in text
    assert "\n\nWhat the union wants\n\n" in text
    assert "with fewer than ten hours between shifts" in text
    assert "The operator, Island Link, said talks would continue this week." in text
    assert "• Rest periods of at least twelve hours between shifts." in text
    assert "\n\n\"Nobody wants to strand passengers" in text


def test_html_text_of_paragraphs_kept_and_entities_decoded():
    article = read_one(DATA / "harbour_vote.html")
    assert article.text.split("\n\n") == [
        "Council delays harbour expansion vote",
        "The town council postponed Tuesday’s vote on the harbour expansion after residents filed 1,200 objections.",
        "Mayor Lena Ortiz said the council \"owes every objector a fair hearing\" before any decision & promised "
        "a public meeting in April.",
        "The expansion would add two berths for container ships and dredge the northern channel to a depth of "
        "14 metres.",
    ]


def test_html_scripts_styles_navigation_footer_and_comments_dropped():
    text = read_one(DATA / "harbour_vote.html").text
    for dropped in ("dataLayer", "trackPageView", "font-weight", "Local politics", "Subscribe for unlimited",
                    "Share on Facebook", "Ferry workers vote", "Harbourwatcher", "All rights reserved",
                    "loadComments", "<", "&amp;", "&rsquo;"):
        assert dropped not in text, dropped


def test_html_metadata_from_meta_tags():
    article = read_one(DATA / "harbour_vote.html")
    assert article.doc_id == "harbour_vote"
    assert article.title == "Council delays harbour expansion vote"
    assert article.source == "Coastal Courier"
    assert article.url == "https://courier.example/harbour-vote"


def test_html_published_date_from_iso_datetime():
    assert read_one(DATA / "harbour_vote.html").published == "2026-03-14"


def test_html_published_date_from_meta_tag(tmp_path):
    path = tmp_path / "dated.html"
    path.write_text('<html><head><meta property="article:published_time" content="2026-03-14"></head>'
                    "<body><p>The harbour committee met on Friday to review the plans.</p></body></html>")
    assert read_one(path).published == "2026-03-14"


def test_html_title_falls_back_to_h1_then_title_tag_without_the_outlet(tmp_path):
    with_h1 = tmp_path / "h1.html"
    with_h1.write_text("<html><head><title>Site | Ferry news</title></head><body><h1>Ferry fares to rise</h1>"
                       "<p>The operator will raise fares by 6% from April.</p></body></html>")
    title_only = tmp_path / "title.html"
    title_only.write_text("<html><head><title>Ferry fares to rise | Courier</title></head><body>"
                          "<p>The operator will raise fares by 6% from April.</p></body></html>")
    assert read_one(with_h1).title == "Ferry fares to rise"
    assert (read_one(title_only).title, read_one(title_only).source) == ("Ferry fares to rise", "Courier")
    assert read_one(with_h1).source == ""  # 'Site | Ferry news' names no outlet beside the headline


# A page with no <article>, no site meta tags, its headline outside the text's container, a byline, an advert
# under its label, reader comments under a plain heading and a copyright year in the footer.
LEDGER_PAGE = """<html><head><title>Pool reopens after refit | Millbrook Ledger</title></head><body>
<nav>Millbrook Ledger | News | Sport | Subscribe</nav>
<h1>Town pool reopens after three-month refit</h1>
<div class="byline">By Ana Ruiz, Millbrook Ledger | March 6, 2026</div>
<div class="share">Share this article: Facebook | X | Email</div>
<p>The town pool reopened on Monday after a three-month refit that replaced its ageing filters and pumps.</p>
<p>The work cost $1.2 million, paid from the council's reserves, the leisure manager said at the opening.</p>
<div class="ad">Advertisement<br>Swim shop: goggles half price this week only, 12 Mill Street.</div>
<p>Opening hours are unchanged, and lane swimming starts again at 6 a.m. on weekdays from next week.</p>
<div class="box"><h3>Comments (2)</h3>
<p><b>lanes4ever:</b> The refit really cost three million, they are hiding the overspend from us.</p>
<p><b>kim:</b> Finally!</p></div>
<footer>&copy; 2025 Millbrook Ledger | About | Contact</footer>
</body></html>"""


def test_html_outlet_and_date_from_the_byline_when_the_page_has_no_meta_tags(tmp_path):
    path = tmp_path / "pool.html"
    path.write_text(LEDGER_PAGE)
    article = read_one(path)
    assert (article.title, article.source, article.published) == (
        "Town pool reopens after three-month refit", "Millbrook Ledger", "2026-03-06")


def test_html_headline_and_byline_kept_and_furniture_comments_and_ads_left_out(tmp_path):
    path = tmp_path / "pool.html"
    path.write_text(LEDGER_PAGE)
    article = read_one(path)
    assert article.text.split("\n\n") == [
        "Town pool reopens after three-month refit",
        "By Ana Ruiz, Millbrook Ledger | March 6, 2026",
        "The town pool reopened on Monday after a three-month refit that replaced its ageing filters and pumps.",
        "The work cost $1.2 million, paid from the council's reserves, the leisure manager said at the opening.",
        "Opening hours are unchanged, and lane swimming starts again at 6 a.m. on weekdays from next week.",
    ]


def test_html_comments_under_a_plain_container_stay_out_and_are_counted(tmp_path):
    # trafilatura drops comment sections it recognises (class "comments", WordPress lists) but not one in a
    # neutral container: the page is cut at its comments heading, as a text page is.
    path = tmp_path / "wp.html"
    path.write_text(
        '<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "headline": "Ferry fares rise", "datePublished": "2026-03-06T09:00:00+00:00",'
        ' "publisher": {"@type": "Organization", "name": "Island Post"}}</script></head><body>'
        '<div class="entry-content"><h1>Ferry fares rise</h1>'
        "<p>The island ferry operator will raise fares by 6 per cent from April, it said on Monday.</p>"
        "<p>Passenger groups said the rise would hit commuters hardest, and called for a season ticket.</p>"
        '<div class="talk"><h3>Comments (2)</h3><p>islander: Fuel costs went down last year, so this is a cash grab'
        " pure and simple.</p><p>kim: Cheaper than the bridge.</p></div></div>"
        '<div id="comments" class="comments-area"><ol class="comment-list"><li class="comment"><p>Another reader '
        "says the operator made a profit of four million last year.</p></li></ol></div></body></html>")
    article = read_one(path)
    assert (article.source, article.published) == ("Island Post", "2026-03-06")  # from the JSON-LD
    assert article.text.endswith("called for a season ticket.")
    for comment in ("cash grab", "Cheaper", "four million", "Comments"):
        assert comment not in article.text
    assert article.comments_removed == 2  # 'kim' is too short to count, as on a text page


def test_html_copyright_year_is_not_taken_for_a_publication_date(tmp_path):
    path = tmp_path / "undated.html"
    path.write_text("<html><body><article><p>The harbour committee met on Friday to review the plans for a new "
                    "marina, officials said.</p></article><footer>&copy; 2025 Courier. All rights reserved."
                    "</footer></body></html>")
    assert read_one(path).published == ""


def test_html_date_later_than_the_machine_clock_is_kept(tmp_path):
    path = tmp_path / "future.html"
    path.write_text('<html><head><meta property="article:published_time" content="2031-05-01"></head>'
                    "<body><p>The harbour committee met on Friday to review the plans.</p></body></html>")
    assert read_one(path).published == "2031-05-01"


@pytest.mark.parametrize("lines, outlet, published", [
    (["BRISTOL, March 3 (Reuters) - Ferry operator Island Link said on Tuesday it would cut its timetable."],
     "Reuters", "March 3"),
    (["WASHINGTON (AP) — The Senate passed the harbour funding bill on Thursday by a wide margin."], "AP", ""),
    (["NEW DELHI, Feb 5, 2026 (ANI): The minister said the port would open next year, officials said."],
     "ANI", "2026-02-05"),
    (["Storm floods the quay", "By Nadia Corvell, Ashcombe Courier", "Wednesday, October 8, 2025"],
     "Ashcombe Courier", "2025-10-08"),
    (["Storm floods the quay", "By Leah Montgomery | Ridgeway Ledger | September 21, 2026"],
     "Ridgeway Ledger", "2026-09-21"),
    (["Storm floods the quay", "Port Alder Gazette — March 6, 2025"], "Port Alder Gazette", "2025-03-06"),
    (["Storm floods the quay", "*By Jo Ames and Li Wei, The Island Post — 2 March 2026*"], "The Island Post",
     "2026-03-02"),
    (["Storm floods the quay", "*By Jo Ames, Li Wei and Ann Lee, The Island Post — 2 March 2026*"],
     "The Island Post", "2026-03-02"),
    (["Storm floods the quay", "By Jo Ames, Li Wei and Ann Lee | 2 March 2026"], "", "2026-03-02"),  # all names
    (["Storm floods the quay", "By Hollis Maren, health reporter | Monday, August 25, 2025"], "", "2025-08-25"),
    (["Storm floods the quay", "By Marisol Ortega, City Hall reporter | Port Alder Courier | March 12, 2025"],
     "Port Alder Courier", "2025-03-12"),
    (["Storm floods the quay", "ASHCOMBE — The lake rose two metres overnight, the conservation authority said."],
     "", ""),
])
def test_clean_page_outlet_and_date_from_bylines_and_datelines(lines, outlet, published):
    body = "The lake rose two metres overnight and about 340 people left their homes, officials said."
    cleaned = clean_page("\n\n".join(lines + [body]))
    assert (cleaned.source, cleaned.published) == (outlet, published)
    assert cleaned.text.startswith(lines[0].strip("*"))  # bylines and datelines stay in the text


EVAL_CORPUS_FILES = sorted(p for p in (SEEDS_DIR.parent / "evals").glob("corpus_*/*") if p.is_file())
# Named only by a masthead line ('**The Dunmere Dispatch** · Local news for ...') or a company letterhead: no
# byline, dateline or meta tag says who published them, and no rule is written for either.
NO_STATED_OUTLET = {"dunmere_dispatch_residents_return.md", "brennick_statement_carrow_hill.txt"}


@pytest.mark.parametrize("path", EVAL_CORPUS_FILES, ids=lambda p: f"{p.parent.name[7:]}/{p.name}")
def test_eval_corpus_article_outlet_from_its_byline_dateline_or_meta_and_iso_date(path):
    article = read_one(path)
    if path.name in NO_STATED_OUTLET:
        assert article.source == ""
    else:
        assert article.source and article.source in path.read_text(encoding="utf-8")
    assert re.fullmatch(r"20\d\d-\d\d-\d\d", article.published)


def test_json_single_record_metadata_and_record_id():
    article = read_one(DATA / "council_budget.json")
    assert article.doc_id == "council-budget-2026"
    assert article.title == "Council passes budget with library cuts reversed"
    assert article.source == "Harbour Times"
    assert article.url == "https://harbourtimes.example/council-budget"
    assert article.published == "2026-03-10"
    assert article.text == ("The council approved its 2026 budget on Thursday after reversing planned cuts to the "
                            "town's two libraries.\n\nCouncillors voted 9 to 2 for the budget, which raises "
                            "spending on road repairs by 4%.")


def test_json_single_record_without_id_takes_file_stem(tmp_path):
    path = tmp_path / "lifeboat.json"
    path.write_text(json.dumps({"text": "The lifeboat crew rescued two kayakers off Gull Rock on Sunday."}))
    assert read_one(path).doc_id == "lifeboat"


def test_json_articles_wrapper_reads_text_or_body():
    articles, failures = split(read_file(DATA / "roundup.json"))
    assert failures == []
    assert [a.title for a in articles] == ["Storm Heron closes coastal road", "Lifeboat crew rescues two kayakers"]
    heron, lifeboat = articles
    assert heron.doc_id == "storm-heron"
    assert heron.text.startswith("Storm Heron closed the coastal road")  # from `body`
    assert heron.published == "2026-02-27"
    assert lifeboat.text.startswith("The volunteer lifeboat crew rescued two kayakers")  # from `text`


def test_json_record_without_id_gets_stable_content_hash_id(tmp_path):
    first = list(read_file(DATA / "roundup.json"))[1]
    again = list(read_file(DATA / "roundup.json"))[1]
    assert re.fullmatch(r"[0-9a-f]{16}", first.doc_id)
    assert first.doc_id == again.doc_id
    other = tmp_path / "other.json"
    other.write_text(json.dumps([{"text": "A different lifeboat story from a different week entirely."},
                                 {"text": "Yet another record with its own distinct wording here."}]))
    ids = [a.doc_id for a in read_file(other)]
    assert len(set(ids + [first.doc_id])) == 3


def test_json_plain_list_of_records(tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([
        {"id": "a", "title": "First", "text": "The first record in a plain list of articles has enough words."},
        {"id": "b", "body": "The second record uses a body field instead of a text field."},
    ]))
    articles, failures = split(read_file(path))
    assert failures == []
    assert [(a.doc_id, a.title) for a in articles] == [("a", "First"), ("b", "")]


def test_json_record_without_text_is_a_failure_and_others_still_read(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([{"id": "empty", "title": "No body"},
                                {"id": "ok", "text": "A record with a proper body of text to read."}]))
    articles, failures = split(read_file(path))
    assert [a.doc_id for a in articles] == ["ok"]
    assert len(failures) == 1 and failures[0].source == f"{path}[0]"
    assert "text" in failures[0].reason and "body" in failures[0].reason


def test_json_malformed_file_is_a_failure(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"id": "x", "text": "unterminated')
    [failure] = read_file(path)
    assert isinstance(failure, Failure)
    assert failure.source == str(path)
    assert "malformed JSON" in failure.reason


def test_jsonl_malformed_line_reported_with_line_number_and_other_lines_read():
    path = DATA / "briefs.jsonl"
    articles, failures = split(read_file(path))
    assert [a.doc_id for a in articles] == ["brief-ferry", "brief-pool"]
    assert len(failures) == 1
    assert failures[0].source == f"{path}:2"
    assert "line 2" in failures[0].reason
    ferry, pool = articles
    assert (ferry.title, ferry.source, ferry.published) == ("Ferry timetable changes", "Harbour Times", "2026-03-01")
    assert pool.text == "The town pool reopened on Monday after a three-month refit that replaced its ageing filters."


def test_folder_read_recursively_in_stable_order(tmp_path):
    (tmp_path / "a" / "deeper").mkdir(parents=True)
    (tmp_path / "b.txt").write_text("Top level article about the harbour budget and its costs.")
    (tmp_path / "a" / "x.md").write_text("# Nested\n\nA nested markdown article about the ferry strike.")
    (tmp_path / "a" / "deeper" / "y.txt").write_text("A deeply nested article about the storm damage.")
    (tmp_path / "a" / ".hidden.txt").write_text("An editor's backup file that should not be read.")
    articles, failures = split(read_articles([tmp_path]))
    assert failures == []
    assert [a.path for a in articles] == [str(tmp_path / p) for p in ("a/deeper/y.txt", "a/x.md", "b.txt")]


# --- files that cannot be read ---------------------------------------------------------------------------

def only_failure(path: Path) -> Failure:
    items = list(read_articles([path]))
    assert len(items) == 1 and isinstance(items[0], Failure), items
    return items[0]


def test_binary_file_is_a_failure(tmp_path):
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    failure = only_failure(path)
    assert failure.source == str(path)
    assert "binary" in failure.reason


def test_non_utf8_file_is_a_failure(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Caf\u00e9 prices rose again at the harbour kiosk this week.".encode("latin-1"))
    failure = only_failure(path)
    assert failure.source == str(path)
    assert "UTF-8" in failure.reason


def test_file_with_only_furniture_is_a_failure(tmp_path):
    path = tmp_path / "promo.txt"
    path.write_text("Advertisement\n\nShare this article\n\nFollow us\n\nLeave a comment\n")
    failure = only_failure(path)
    assert failure.source == str(path)
    assert "no article text" in failure.reason


def test_empty_file_is_a_failure(tmp_path):
    path = tmp_path / "empty.md"
    path.write_text("")
    assert "no article text" in only_failure(path).reason


def test_unsupported_extension_is_a_failure_naming_the_types(tmp_path):
    path = tmp_path / "notes.docx"
    path.write_text("A word processor file.")
    failure = only_failure(path)
    assert failure.source == str(path)
    assert ".docx" in failure.reason and ".txt" in failure.reason


def test_missing_path_is_a_failure(tmp_path):
    path = tmp_path / "nowhere.txt"
    failure = only_failure(path)
    assert failure.source == str(path)
    assert "no such file" in failure.reason


def test_broken_symlink_given_directly_is_a_failure(tmp_path):
    path = tmp_path / "gone.txt"
    path.symlink_to(tmp_path / "deleted-target.txt")
    assert only_failure(path).source == str(path)


def test_broken_symlink_in_folder_is_a_failure(tmp_path):
    (tmp_path / "good.txt").write_text("The harbour committee met on Friday to review the plans.")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "deleted-target.txt")
    articles, failures = split(read_articles([tmp_path]))
    assert [a.doc_id for a in articles] == ["good"]
    assert [f.source for f in failures] == [str(tmp_path / "gone.txt")]


def test_unreadable_file_is_a_failure(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text("The harbour committee met on Friday to review the plans.")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reads (see the /proc/self/mem case)")
        failure = only_failure(path)
        assert failure.source == str(path)
        assert "cannot read" in failure.reason
    finally:
        path.chmod(0o644)


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_read_error_is_a_failure(tmp_path):
    # Reading /proc/self/mem from offset 0 fails with EIO even for root: a real OSError without mocking.
    path = tmp_path / "device.txt"
    path.symlink_to("/proc/self/mem")
    failure = only_failure(path)
    assert failure.source == str(path)
    assert "cannot read" in failure.reason


def test_oversized_file_is_a_failure(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(20_000_001)  # sparse: costs no disk
    failure = only_failure(path)
    assert failure.source == str(path)
    assert "limit" in failure.reason


def test_bad_files_in_folder_reported_and_the_rest_read(tmp_path):
    (tmp_path / "good.txt").write_text("The harbour committee met on Friday to review the plans.")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00def")
    (tmp_path / "latin1.md").write_bytes("Caf\u00e9 au lait at the kiosk.".encode("latin-1"))
    (tmp_path / "promo.html").write_text("<html><body><nav>Home</nav><p>Advertisement</p></body></html>")
    (tmp_path / "records.jsonl").write_text('{"id": "r1", "text": "A record about the ferry timetable."}\n{oops\n')
    articles, failures = split(read_articles([tmp_path]))
    assert sorted(a.doc_id for a in articles) == ["good", "r1"]
    assert sorted(f.source for f in failures) == sorted([
        str(tmp_path / "binary.txt"), str(tmp_path / "latin1.md"), str(tmp_path / "promo.html"),
        f"{tmp_path / 'records.jsonl'}:2",
    ])
    assert all(f.reason for f in failures)

"""Reading a web page: trafilatura's article text and metadata, with what it leaves out or lets through fixed.

trafilatura (`include_comments=False`) gives the text, title, date, site name and URL. Around it: ad blocks its
class list misses are dropped and the page is cut at a reader-comments heading before extraction; the headline,
byline and date line it drops are put back where the page has them; the outlet and date a byline states are
read when the page has no meta tags for them. The text then goes through `clean_page` like any other page.
"""

from __future__ import annotations

import re

from lxml.etree import XPath
from trafilatura import bare_extraction, load_html

from .byline import BYLINE_RE, byline_outlet, is_outlet_name, read_byline
from .dates import find_date
from .ingest import COMMENTS_HEADING_RE, FURNITURE_RE, SENTENCE_ENDS

# htmldate's extensive search takes a copyright line's year for 1 January: a guess, so it is off (the byline's
# date is read instead); no upper limit, so a page dated after the machine's clock keeps its date.
_HTML_DATE_PARAMS = {"original_date": True, "extensive_search": False, "max_date": "2999-12-31"}
_TITLE_SEPARATOR_RE = re.compile(r"\s+[|–—-]\s+")
_BLOCKS = "p div li h1 h2 h3 h4 h5 h6 address blockquote figcaption dd dt td".split()
_HAS_BLOCK = XPath("descendant::*[" + " or ".join(f"self::{tag}" for tag in _BLOCKS) + "]")


def _page_lines(tree, text: str) -> list[str]:
    """The page's lines before its reporting starts (menus, headline, standfirst, byline, date), in order: each
    the text of a block with no blocks inside, or of a <span>/<time> standing outside one."""
    first = next((line[:40] for line in text.split("\n") if len(line) > 80 and line.endswith(SENTENCE_ENDS)), None)
    lines: list[str] = []
    for element in tree.iter(*_BLOCKS, "span", "time"):
        parent = element.getparent()
        if _HAS_BLOCK(element) or (element.tag in ("span", "time") and parent is not None and
                                   parent.tag in _BLOCKS and not _HAS_BLOCK(parent)):
            continue
        line = " ".join(element.text_content().split())
        if first and line.startswith(first) or len(lines) >= 60:
            break
        if line and len(line) < 200:
            lines.append(line)
    return lines


def _is_credit(line: str) -> bool:
    """A byline ('By Ana Ruiz, Millbrook Ledger') or a date line ('Wednesday 11 November 2026, 7:30am')."""
    return bool(BYLINE_RE.match(line) or byline_outlet(line) or (find_date(line) and len(line.split()) <= 8))


def _with_credits(text: str, title: str, lines: list[str]) -> str:
    """Put back what trafilatura leaves out: the headline when it stands outside the article's container, and the
    byline and date lines, where the page has them (so a page reads as its text version does)."""
    blocks = [b for b in text.split("\n\n") if b]
    if title in lines and title not in blocks:
        blocks.insert(0, title)
    credits = [line for line in lines if _is_credit(line) and line not in blocks]
    if credits:
        shown_before = set(lines[: lines.index(credits[0])])
        at = next((i for i, block in enumerate(blocks) if block not in shown_before), len(blocks))
        blocks[at:at] = list(dict.fromkeys(credits))
    return "\n\n".join(blocks)


# Ads and promos that trafilatura's own class list misses ('advert inline', 'promo-box'); the page's frame
# elements are never dropped, whatever their class ('<body class="has-ads">').
_AD_XPATH = XPath(r"//*[not(self::html or self::body or self::main or self::article)]"
                  r"[re:test(concat(@class, ' ', @id), 'advert|\bads?\b|promo|sponsor|recommended|trending|"
                  r"most-read|read-?more', 'i')]", namespaces={"re": "http://exslt.org/regular-expressions"})


def _cut_furniture(tree) -> int:
    """Drop ad blocks, and cut the page at a reader-comments heading after the reporting, as `clean_page` cuts a
    text page (trafilatura misses comments in a plain container); return how many comments went."""
    for element in _AD_XPATH(tree):
        if element.getparent() is not None:
            element.drop_tree()
    for heading in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        if not COMMENTS_HEADING_RE.match(" ".join(heading.text_content().split())):
            continue
        if not any(len(p.text_content()) >= 40 for p in heading.xpath("preceding::p")):
            continue  # not after the reporting: a menu, not the end of the article
        cut, node = [heading], heading
        while node.getparent() is not None:  # the heading and everything after it in the page
            cut += list(node.itersiblings())
            node = node.getparent()
        blocks = [" ".join(block.text_content().split()) for element in cut for block in element.iter("p", "li")
                  if not block.xpath(".//p | ancestor::footer | ancestor::nav | ancestor::aside")]
        for element in cut:
            element.getparent().remove(element)
        return sum(len(b) >= 40 and not FURNITURE_RE.match(b) for b in blocks)
    return 0


def _title_outlet(tree, title: str) -> str:
    """The outlet a <title> names beside the headline ('Ferry fares to rise | Coastal Courier'), or ''."""
    parts = _TITLE_SEPARATOR_RE.split(" ".join((tree.findtext(".//head/title") or "").split()))
    if len(parts) != 2 or title not in parts:
        return ""
    return next((p for p in parts if p != title and is_outlet_name(p)), "")


def read_html(raw: str) -> tuple[str, dict]:
    """Extract an HTML page's article text (no reader comments) and its title, outlet, date and URL."""
    tree = load_html(raw)
    comments = _cut_furniture(tree) if tree is not None else 0
    doc = tree is not None and bare_extraction(tree, include_comments=False, with_metadata=True,
                                               date_extraction_params=_HTML_DATE_PARAMS)
    if not doc:
        return "", {}
    # One line per block; a blank line between blocks, as between a text page's paragraphs.
    text = "\n\n".join(line.strip() for line in (doc.text or "").split("\n") if line.strip())
    title = doc.title or ""
    lines = _page_lines(tree, text)
    text = _with_credits(text, title, lines)
    byline_source, byline_date = read_byline(lines)
    site = doc.sitename or ""
    domain = site if "." in site else ""  # a site name taken from the URL: the page's own words come first
    meta = {
        "title": title,
        "source": (site if not domain else "") or byline_source or _title_outlet(tree, title),
        "site_domain": domain,
        "url": doc.url or "",
        "published": doc.date or byline_date,
        "comments_removed": comments,
    }
    return text, meta

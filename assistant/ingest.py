"""Reading articles: files and records -> cleaned `Article`s with metadata.

Web captures carry page furniture (ads, share buttons, newsletter promos) and reader comments. Cleaning
works on whole lines so that every kept sentence stays verbatim; reader comments are cut out and only
counted, so nothing a reader wrote can ever be cited as reporting. HTML pages are read by trafilatura first
(webpage.py); the outlet and date come from meta tags, bylines and datelines (byline.py), stored as ISO dates.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from .byline import read_byline
from .dates import find_date
from .errors import ReadError

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"}
MAX_FILE_BYTES = 20_000_000


@dataclass
class Article:
    """One cleaned article: `text` is what passages, sentences and citation offsets refer to."""

    doc_id: str
    text: str
    title: str = ""
    source: str = ""
    url: str = ""
    published: str = ""
    path: str = ""
    comments_removed: int = 0
    content_hash: str = ""

    def __post_init__(self):
        if not self.content_hash:
            meta = json.dumps([self.title, self.source, self.url, self.published], ensure_ascii=False)
            self.content_hash = hashlib.sha256((meta + "\n" + self.text).encode()).hexdigest()

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Failure:
    """A file or record that could not be read, and why."""

    source: str
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


# --- page furniture --------------------------------------------------------------------------------

_AD_LABEL = r"advertisement|advertisment|sponsored( content)?|ad|story continues below( this)? ad(vertisement)?"
_FURNITURE = [
    _AD_LABEL,
    r"share( this)?( article| story| post)?:?|share on \w+|tweet|email|print|copy link",
    r"follow us( on [\w ,&]+)?:?",
    r"leave a (comment|reply)|\d+ comments?|comments?|add a comment|post a comment|view comments",
    r"newsletter|subscribe( now)?|sign up( now)?|get the latest updates delivered to your inbox\.?",
    r"(subscribe to|sign up for) (our|the) [\w ]*newsletter.*|.*delivered to your inbox\.?",
    r"\d+\s*min(ute)?s? read|read more(:.*| from .*)?|continue reading|also read:?.*|related:.*|recommended( stories)?",
    r"privacy policy|terms of (use|service)|terms (and|&) conditions|cookie (policy|settings)|advertise with us|"
    r"contact us|about us",
    r"related( articles| stories| news| coverage| reading| content)?(:.*)?|(more|see also|further reading):.*",
    r"(track|get|read) (the )?latest news.*|listen to the latest songs.*|download the [\w ]+ app.*|get the app",
    r"minimum \d+ characters.*|we welcome thoughtful discussions.*|please keep comments.*",
    r"(image|photo|picture) of .*|(photo|image|file photo)( credit)?: .*",
    r"news|world|home|menu|trending|latest|top stories|skip to (main )?content",
    r"©.*|copyright\s+(©\s*)?\d{4}.*|\(c\)\s*\d{4}.*|.*all rights reserved\.?",
    r"click here.*|tap here.*",
]
FURNITURE_RE = re.compile(r"^\s*(?:" + "|".join(_FURNITURE) + r")\s*$", re.IGNORECASE)
AD_LABEL_RE = re.compile(r"^\s*(?:" + _AD_LABEL + r")\s*$", re.IGNORECASE)  # "Advertisement", "Sponsored"
# A heading that introduces a list of links to other stories; the short lines under it go with it.
LINK_LIST_HEADING_RE = re.compile(r"^\W*(related|related (articles|stories|news|coverage|reading|content)|"
                                  r"read more|more (stories|news|from \w+)|recommended( stories| for you)?|"
                                  r"also read|you (may|might) also like|most (read|popular)|trending( now)?|"
                                  r"popular( now| stories)?|see also)\W*$", re.IGNORECASE)
LINK_ITEM_RE = re.compile(r"^([-*•·▪]|\d+[.)])\s+\S")
FURNITURE_SEPARATOR_RE = re.compile(r"\s+[·|•]\s+")
COMMENTS_HEADING_RE = re.compile(  # also as a Markdown heading, and with a count: "## Comments (3)"
    r"^\s*(#{1,6}\s*)?(reader comments|readers'? comments|comments|\d+ comments|join the (discussion|conversation)|"
    r"what (our )?readers (are saying|say))\s*(\(\d+\)|\[\d+\])?\s*:?\s*$",
    re.IGNORECASE,
)
# A wire agency's sign-off ("- ANI", "— AFP", "- Reuters"); a dash bullet like "- France" is not one.
AGENCY_LINE_RE = re.compile(r"^\s*[-–—]\s*\(?([A-Z]{2,8}|Reuters|Bloomberg|Xinhua)\)?\s*$")
OUTLET_DOMAIN_RE = re.compile(r"\bnews\b.*?\bon ([A-Z][A-Za-z0-9]+)\.(?:com|co\.uk|in|net|org)\b", re.IGNORECASE)
READ_TIME_RE = re.compile(r"\b\d+\s*min(ute)?s? read\b", re.IGNORECASE)

def _is_headline(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 25 and not line.rstrip().endswith((".", ",", ";", ":"))


@dataclass
class Cleaned:
    text: str
    title: str = ""
    source: str = ""
    published: str = ""
    comments_removed: int = 0
    dropped: list[str] = field(default_factory=list)


SENTENCE_ENDS = (".", "!", "?", '"', "”", "’", "'", ":")


def clean_page(raw: str) -> Cleaned:
    """Strip furniture and reader comments from a captured page; detect headline, outlet and date."""
    lines = [line.strip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out = Cleaned(text="")
    for i, line in enumerate(lines):
        if COMMENTS_HEADING_RE.match(line) and i > 0:
            tail = [ln for ln in lines[i + 1 :] if len(ln) >= 40 and not FURNITURE_RE.match(ln)]
            out.comments_removed = sum(1 for ln in tail if not ln.lower().startswith(("we welcome", "please keep")))
            lines = lines[:i]
            break
    kept: list[str] = []
    seen: set[str] = set()
    in_link_list = False
    in_ad = False
    paragraphs = lines.count("") >= 3  # the page separates paragraphs with blank lines (not one line each)
    for line in lines:
        if in_ad and line:  # the advertiser's copy, in the same paragraph as the "Advertisement" label
            out.dropped.append(line)
            continue
        in_ad = paragraphs and bool(AD_LABEL_RE.match(line.strip(" *_")))
        if not line or line in {"•", "|", "-", "—"}:
            continue
        if LINK_LIST_HEADING_RE.match(line):  # "Related:" followed by headlines of other stories
            in_link_list = True
            out.dropped.append(line)
            continue
        if in_link_list and (LINK_ITEM_RE.match(line) or (len(line) < 100 and not line.endswith(SENTENCE_ENDS))):
            out.dropped.append(line)
            continue
        in_link_list = False
        pieces = FURNITURE_SEPARATOR_RE.split(line)
        if len(pieces) > 1 and all(FURNITURE_RE.match(p.strip(" *_")) for p in pieces):
            out.dropped.append(line)  # "Share this article · Sign up for our newsletter · Read more ..."
            continue
        # A promo line that names the outlet's own site is the only outlet statement some pages make.
        outlet = OUTLET_DOMAIN_RE.search(line)
        if outlet and not out.source and FURNITURE_RE.match(line):
            out.source = outlet.group(1)
        agency = AGENCY_LINE_RE.match(line)
        if agency:
            out.source = out.source or agency.group(1)
            out.dropped.append(line)
            continue
        if READ_TIME_RE.search(line) and len(line) < 80:
            out.published = out.published or find_date(line)
            out.dropped.append(line)
            continue
        if FURNITURE_RE.match(line):
            out.dropped.append(line)
            continue
        if line in seen:  # repeated headline or paragraph in the capture
            out.dropped.append(line)
            continue
        seen.add(line)
        kept.append(line)
    outlet, published = read_byline(kept[:15])
    out.source = outlet or out.source
    out.published = out.published or published
    if kept and _is_headline(kept[0]):
        out.title = kept[0]
    out.text = "\n\n".join(kept)
    return out


# --- formats ----------------------------------------------------------------------------------------

_MD_RULES = [
    (re.compile(r"^\s{0,3}#{1,6}\s+"), ""),
    (re.compile(r"^\s{0,3}>\s?"), ""),
    (re.compile(r"^\s*[-*+]\s+"), "• "),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
]


def read_markdown(raw: str) -> str:
    """Drop Markdown markup, keeping the words."""
    out = []
    for line in raw.splitlines():
        if re.match(r"^\s*(```|---+|\*\*\*+)\s*$", line):
            continue
        for pattern, repl in _MD_RULES:
            line = pattern.sub(repl, line)
        out.append(line)
    return "\n".join(out)


def _record_article(record: dict, fallback_id: str, where: str) -> Article:
    if not isinstance(record, dict):
        raise ReadError(where, "a record must be a JSON object with a `text` or `body` field")
    body = record.get("text") or record.get("body")
    if not isinstance(body, str) or not body.strip():
        raise ReadError(where, "record has no `text` or `body` string")
    cleaned = clean_page(body)
    if not cleaned.text:
        raise ReadError(where, "record has no article text left after removing page furniture")
    doc_id = str(record.get("id") or "") or hashlib.sha256(body.encode()).hexdigest()[:16]
    return Article(
        doc_id=doc_id,
        text=cleaned.text,
        title=str(record.get("title") or cleaned.title),
        source=str(record.get("source") or cleaned.source),
        url=str(record.get("url") or ""),
        published=find_date(str(record.get("published_at") or "")) or str(record.get("published_at") or "")
        or cleaned.published,
        path=where,
        comments_removed=cleaned.comments_removed,
    )


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ReadError(str(path), f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(str(path), f"cannot read file ({exc.strerror or exc})") from exc
    if b"\x00" in data[:8192]:
        raise ReadError(str(path), "binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(str(path), f"not UTF-8 text (invalid byte at position {exc.start})") from exc


def read_file(path: Path) -> Iterator[Article | Failure]:
    """Yield the articles in one file, and a `Failure` for each part that cannot be read."""
    suffix = path.suffix.lower()
    try:
        raw = _read_text(path)
    except ReadError as exc:
        yield Failure(exc.source, exc.reason)
        return
    if suffix == ".jsonl":
        for n, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                yield _record_article(json.loads(line), "", where)
            except json.JSONDecodeError as exc:
                yield Failure(where, f"malformed JSON on line {n} ({exc.msg})")
            except ReadError as exc:
                yield Failure(exc.source, exc.reason)
        return
    if suffix == ".json":
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield Failure(str(path), f"malformed JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
            return
        records = data.get("articles", [data]) if isinstance(data, dict) else data
        if not isinstance(records, list):
            yield Failure(str(path), "expected a JSON object, a list of objects or {\"articles\": [...]}")
            return
        for n, record in enumerate(records):
            try:
                article = _record_article(record, "", f"{path}[{n}]")
                if len(records) == 1 and not (isinstance(record, dict) and record.get("id")):
                    article.doc_id = path.stem
                yield article
            except ReadError as exc:
                yield Failure(exc.source, exc.reason)
        return
    meta: dict = {}
    if suffix in {".html", ".htm"}:
        from .webpage import read_html  # here: trafilatura takes a while to import, and only web pages need it

        raw, meta = read_html(raw)
    elif suffix in {".md", ".markdown"}:
        raw = read_markdown(raw)
    cleaned = clean_page(raw)
    if not cleaned.text.strip():
        yield Failure(str(path), "no article text left after removing markup and page furniture")
        return
    yield Article(
        doc_id=path.stem,
        text=cleaned.text,
        title=meta.get("title") or cleaned.title,
        source=meta.get("source") or cleaned.source or meta.get("site_domain", ""),
        url=meta.get("url", ""),
        published=meta.get("published") or cleaned.published,
        path=str(path),
        comments_removed=meta.get("comments_removed", 0) + cleaned.comments_removed,
    )


def iter_files(paths: list[Path]) -> Iterator[Path | Failure]:
    """Yield supported files under the given paths (folders recursively, in a stable order)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.suffix.lower() not in SUPPORTED or child.name.startswith("."):
                    continue
                if child.is_file():
                    yield child
                elif child.is_symlink():
                    yield Failure(str(child), "broken link: the file it points to does not exist")
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED:
                yield path
            else:
                yield Failure(str(path), f"unsupported file type {path.suffix or '(none)'}; "
                                         f"use one of {', '.join(sorted(SUPPORTED))}")
        else:
            yield Failure(str(path), "no such file or folder")


def read_articles(paths: list[Path]) -> Iterator[Article | Failure]:
    """Stream articles (and failures) from files and folders, one file at a time."""
    for item in iter_files(paths):
        if isinstance(item, Failure):
            yield item
        else:
            yield from read_file(item)

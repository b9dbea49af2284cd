"""News has a date: the moment a question is asked from, the question's time cues, a fitted preference for
articles near the time asked about, and the dating of an answer (newest first, how old the newest source is).

How strongly a cue prefers near articles is fitted on data (`benchmarks/fit_recency.py` writes recency.json):
each candidate's ranking score gains `sum(weight * feature)`, the features being the question's cue counts times
the log of the article's age in days, and the log of its distance in days from a time the question names, both
measured from the best-dated candidate, so that only the difference between candidates counts.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BadDate
from .settings import PROMPTS_DIR

if TYPE_CHECKING:
    from .answer import Answer
    from .retrieve import Evidence, Passage, Retriever

RECENCY_FILE = Path(__file__).with_name("recency.json")
FEATURES = ("immediate", "recent", "named")
POOL = 40  # passages searched when some may postdate the as-of date or the question has a time cue
STALE_DAYS = 30  # a question about now answered only from sources older than this is told the newest one's date
EARLIER_DAYS = 1  # sources at least this many days apart giving different figures: the newer goes first

# Questions about now, by how pointedly they say so: "this week", "now" ... and "recently", "last month" ...
_IMMEDIATE_RE = re.compile(r"\b(this (week|weekend|morning)|today|tonight|yesterday|right now|now|currently|latest|"
                           r"so far|at the moment|as of now|at present)\b", re.I)
_RECENT_RE = re.compile(r"\b(recent(ly)?|last (week|month)|past (week|month|few (days|weeks|months))|"
                        r"this (month|year)|current|newest|most recent|ongoing|upcoming|next week)\b", re.I)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# A named time: "in 2019", "in March 2021", "after the 2020 election", "the 2022 season", "last year".
_NAMED_RE = re.compile(
    r"\b(?P<rel>in|of|during|since|after|before|until|through|from|by)?\s*(?:the\s+)?"
    r"(?P<when>(?:" + _MONTHS + r"\s+(?:\d{1,2},?\s+)?)?(?P<year>(?:19|20)\d\d))\b"
    r"(?P<noun>\s+(?:election|elections|midterms?|season|olympics|games|census|campaign|world cup|"
    r"championship|tournament|final|finals|budget|summit|awards?|race|primary|primaries)\b)?", re.I)
_LAST_YEAR_RE = re.compile(r"\b(?P<rel>since|after|before|until)?\s*last year\b", re.I)
_NUMBER_RE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
_MONTH_DAY_RE = re.compile(r"\b" + _MONTHS + r"\s+\d{1,2}\b", re.I)
_NAME_RE = re.compile(r"\b[A-Z][\w'’-]*")


@dataclass(frozen=True)
class TimeCues:
    """What a question says about time: how pointedly it asks about now, and the period it names, if any."""

    immediate: int = 0  # "this week", "now", "latest" ...
    recent: int = 0  # "recently", "last month", "this year" ...
    period: tuple[date, date] | None = None  # "in 2019" -> (2019-01-01, 2019-12-31)

    @property
    def about_now(self) -> bool:
        return bool(self.immediate or self.recent)

    @property
    def active(self) -> bool:
        return self.about_now or self.period is not None

    def to_dict(self) -> dict:
        period = [d.isoformat() for d in self.period] if self.period else None
        return {"immediate": self.immediate, "recent": self.recent, "period": period}


@lru_cache(maxsize=256)
def _dateparse(text: str, prefer: str = "last", base: date | None = None) -> date | None:
    import dateparser  # slow to import; only needed when a date is given as text

    settings = {"PREFER_DAY_OF_MONTH": prefer, "PREFER_MONTH_OF_YEAR": prefer, "RETURN_AS_TIMEZONE_AWARE": False}
    if base is not None:
        settings["RELATIVE_BASE"] = datetime(base.year, base.month, base.day)
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    return parsed.date() if parsed else None


def parse_as_of(value: str | date | datetime | None) -> date:
    """The day a question is asked from: today when not given; text such as '2024-03-15' or 'March 2024'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise BadDate(f"The as-of date must be text such as 2024-03-15, not {type(value).__name__}.")
    # A bare number other than a year ("12") is no date, though dateparser would read it as a month.
    parsed = None if re.fullmatch(r"\d{1,3}|\d{5,}", value.strip()) else _dateparse(value.strip())
    if parsed is None:
        raise BadDate(f"Cannot read {value.strip()!r} as a date: give one like 2024-03-15, 'March 15, 2024' "
                      f"or 'last Friday'.")
    return parsed


def article_day(published: str | None) -> date | None:
    """An article's publication day from its stored ISO date, or None when undated."""
    try:
        return date.fromisoformat((published or "")[:10])
    except ValueError:
        return None


def eligible(published: str | None, as_of: date) -> bool:
    """The article was out by the as-of day (undated articles are kept: nothing says they came later)."""
    day = article_day(published)
    return day is None or day <= as_of


def time_cues(question: str, as_of: date) -> TimeCues:
    """Read a question's time cues: counts of words about now, and the period it names."""
    period = None
    for m in _NAMED_RE.finditer(question):
        if not (m.group("rel") or m.group("noun") or not m.group("when").isdigit()):
            continue  # a bare number such as "2000 troops" is no time
        month_named = not m.group("when").isdigit()
        start = _dateparse(m.group("when"), "first", as_of)
        end = _dateparse(m.group("when"), "last", as_of)
        if start is None or end is None:
            continue
        if month_named and start.day == end.day:  # "March 3, 2021": that day
            start = end
        period = _bounded(start, end, (m.group("rel") or "").lower(), as_of)
        break
    if period is None and (m := _LAST_YEAR_RE.search(question)):
        year = as_of.year - 1
        period = _bounded(date(year, 1, 1), date(year, 12, 31), (m.group("rel") or "").lower(), as_of)
    text = _LAST_YEAR_RE.sub(" ", question)
    return TimeCues(len(_IMMEDIATE_RE.findall(text)), len(_RECENT_RE.findall(text)), period)


def _bounded(start: date, end: date, relation: str, as_of: date) -> tuple[date, date]:
    if relation in ("since", "after", "from"):
        return start, max(as_of, end)
    if relation in ("before", "until", "by"):
        return date.min, end
    return start, end


def features(days: list[date | None], cues: TimeCues, as_of: date) -> list[list[float]]:
    """Per candidate: (immediate cues x log age, recent cues x log age, log distance from the named period),
    each less its smallest value among the candidates; undated candidates get zeros."""
    raw: list[list[float] | None] = []
    for day in days:
        if day is None:
            raw.append(None)
            continue
        age = math.log1p(max((as_of - day).days, 0))
        dist = 0.0
        if cues.period:
            start, end = cues.period
            dist = math.log1p((start - day).days if day < start else (day - end).days if day > end else 0)
        raw.append([cues.immediate * age, cues.recent * age, dist])
    dated = [r for r in raw if r is not None]
    low = [min(col) for col in zip(*dated)] if dated else [0.0] * len(FEATURES)
    return [[v - lo for v, lo in zip(r, low)] if r is not None else [0.0] * len(FEATURES) for r in raw]


def load_weights(path: Path = RECENCY_FILE) -> dict:
    """The fitted weights per level ('passage', 'sentence'); zeros (no preference) when not fitted."""
    zeros = {name: 0.0 for name in FEATURES}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    return {level: {**zeros, **data.get(level, {}).get("weights", {})} for level in ("passage", "sentence")}


def _prior(days: list[date | None], cues: TimeCues, as_of: date, weights: dict) -> list[float]:
    return [sum(weights[name] * x for name, x in zip(FEATURES, row)) for row in features(days, cues, as_of)]


def search(retriever: Retriever, query: str, k: int, as_of: date, cues: TimeCues, weights: dict) -> list[Passage]:
    """The k best passages published by the as-of day, ranked with the fitted preference for the time asked about.

    Without a time cue and with nothing too new among the k found, this is the retriever's own ranking. Else a
    wider pool is searched, its too-new passages dropped, and the rest reranked by -log(rank) plus the prior.
    """
    passages = retriever.search(query, k=k)
    if not cues.active and all(eligible(p.published, as_of) for p in passages):
        return passages
    pool = [p for p in retriever.search(query, k=max(POOL, k)) if eligible(p.published, as_of)]
    if cues.active:
        prior = _prior([article_day(p.published) for p in pool], cues, as_of, weights["passage"])
        order = sorted(range(len(pool)), key=lambda i: -(prior[i] - math.log(pool[i].rank)))
        pool = [pool[i] for i in order]
    return [replace(p, rank=i) for i, p in enumerate(pool[:k], start=1)]


def rescore(evidence: Evidence, passages: list[Passage], as_of: date, cues: TimeCues, weights: dict) -> None:
    """Add the fitted preference for the time asked about to each sentence's score, and re-sort them."""
    if not cues.active or not evidence.hits:
        return
    published = {p.passage_id: p.published for p in passages}
    days = [article_day(published.get(h.passage_id)) for h in evidence.hits]
    for hit, extra in zip(evidence.hits, _prior(days, cues, as_of, weights["sentence"])):
        hit.score += extra
    evidence.hits.sort(key=lambda h: -h.score)


def staleness(evidence: Evidence, passages: list[Passage], newest: str | None, cues: TimeCues) -> None:
    """Record how much older the best sentence's article is than the newest article out by the as-of day.

    A question that names no period is about the time the articles cover up to then; when the best evidence for it
    is months older than the newest articles, it likely answers an earlier story (abstain.py weighs this, with a
    weight fitted on real news weeks). Undated articles, or a named period, leave it at 0."""
    newest_day = article_day(newest)
    if cues.period is not None or newest_day is None or not evidence.hits:
        return
    published = {p.passage_id: p.published for p in passages}
    day = article_day(published.get(evidence.hits[0].passage_id))
    if day is not None and day < newest_day:
        evidence.stale_days, evidence.stale_since = (newest_day - day).days, day


@lru_cache(maxsize=None)
def _template(name: str) -> str:
    return (PROMPTS_DIR / f"{name}.txt").read_text(encoding="utf-8").strip()


def _figures(text: str) -> frozenset[str]:
    """The numbers a sentence gives, less years and days of the month."""
    text = _MONTH_DAY_RE.sub(" ", text)
    return frozenset(n.replace(",", "") for n in _NUMBER_RE.findall(text)
                     if not re.fullmatch(r"(19|20)\d\d", n))


def date_answer(answer: Answer, as_of: date, cues: TimeCues) -> Answer:
    """Put newer sources first when sources of different dates give different figures ('Earlier reports said'),
    and say how old the newest source is when a question about now has only old ones."""
    if answer.abstained or not answer.sentences:
        return answer
    day_of = {c.n: article_day(c.published) for c in answer.citations}
    doc_of = {c.n: c.doc_id for c in answer.citations}
    sentences = answer.sentences
    heads = [(day_of[s.citations[0]], doc_of[s.citations[0]], _figures(s.text)) for s in sentences]

    def disagree(i: int, j: int) -> bool:
        (di, doc_i, fi), (dj, doc_j, fj) = heads[i], heads[j]
        if di is None or dj is None or doc_i == doc_j or abs((di - dj).days) < EARLIER_DAYS:
            return False
        disputes = sentences[i].disputes == j + 1 or sentences[j].disputes == i + 1
        return disputes or (bool(fi) and bool(fj) and fi != fj)

    pairs = [(i, j) for i in range(len(sentences)) for j in range(i + 1, len(sentences)) if disagree(i, j)]
    if pairs:
        involved = {i for pair in pairs for i in pair}
        newest = max(heads[i][0] for i in involved)
        order = sorted(range(len(sentences)), key=lambda i: -(heads[i][0] or date.min).toordinal())
        earlier = {i for i in involved if (newest - heads[i][0]).days >= EARLIER_DAYS}
        answer = _reordered(answer, order, earlier)
    newest = max((d for d in day_of.values() if d is not None), default=None)
    if cues.about_now and newest is not None and (as_of - newest).days > STALE_DAYS:
        note = _template("newest_report").format(date=f"{newest:%B} {newest.year}")
        answer = replace(answer, note=note, answer=f"{answer.answer} {note}")
    return answer


def checked_sources(answer: Answer, as_of: date) -> Answer:
    """The answer without citations of articles published after the as-of day, nor corroborating citations from
    another day that name other people or things than the sentence they are to support.

    The passages answered from are all eligible (`search`), but a sentence's corroborating reports are found among
    all stored sentences: a later article carrying the same statement must not be cited before it is out, and a
    report of last year's prize ("went to the drama Night Ferry") does not support this year's ("went to the drama
    Glass Orchard") however many words they share."""
    by_n = {c.n: c for c in answer.citations}
    drop = {n for n, c in by_n.items() if not eligible(c.published, as_of)}
    for s in answer.sentences:
        if not s.citations:
            continue
        head = by_n[s.citations[0]]
        for n in s.citations[1:]:
            other = by_n[n]
            days = _days_apart(head.published, other.published)
            if days is not None and days >= EARLIER_DAYS and _other_names(head.quote, other.quote):
                drop.add(n)
    if not drop:
        return answer
    kept = [i for i, s in enumerate(answer.sentences) if s.citations and s.citations[0] not in drop]
    return _reordered(answer, kept, set(), drop=drop)


def _days_apart(a: str | None, b: str | None) -> int | None:
    da, db = article_day(a), article_day(b)
    return None if da is None or db is None else abs((da - db).days)


def _names(text: str) -> frozenset[str]:
    """The capitalised words of a sentence after its first: the people, places and things it names."""
    text = text.lstrip(" \"'“‘(")
    found = [re.sub(r"['’]s$", "", w) for w in _NAME_RE.findall(text)]
    return frozenset(found[1:] if text[:1].isupper() else found)


def _other_names(a: str, b: str) -> bool:
    """Each of two sentences names something the other does not ("Glass Orchard", "Night Ferry")."""
    na, nb = _names(a), _names(b)
    return bool(na - nb) and bool(nb - na)


def _reordered(answer: Answer, order: list[int], earlier: set[int], drop: frozenset | set = frozenset()) -> Answer:
    """The answer with its sentences in `order`, citations in `drop` left out and the rest renumbered, the earlier
    reports marked."""
    from .answer import answer_text

    by_n = {c.n: c for c in answer.citations}
    citations, sentences, renumbered = [], [], {}
    position = {old: new for new, old in enumerate(order)}
    for old in order:
        s = answer.sentences[old]
        numbers = []
        for n in s.citations:
            if n in drop:
                continue
            citations.append(replace(by_n[n], n=len(citations) + 1))
            numbers.append(len(citations))
            renumbered[n] = len(citations)
        disputed = None if s.disputes is None else position.get(s.disputes - 1)
        disputes = None if disputed is None else disputed + 1
        sentences.append(replace(s, citations=numbers, disputes=disputes, earlier=old in earlier))
    short = answer.short_answer
    if short and short["citation"] not in renumbered:
        short = None  # its citation was left out
    elif short:  # its citation numbers follow the sentences
        rivals = [{**r, "citation": renumbered[r["citation"]]} for r in short.get("disagreeing") or []
                  if r["citation"] in renumbered]
        short = {**{k: v for k, v in short.items() if k != "disagreeing"}, "citation": renumbered[short["citation"]],
                 **({"disagreeing": rivals} if rivals else {})}
    return replace(answer, answer=answer_text(sentences, short), citations=citations, sentences=sentences,
                   short_answer=short)


def earlier_lead() -> str:
    """The words that introduce the older sources' account."""
    return _template("earlier_reports")

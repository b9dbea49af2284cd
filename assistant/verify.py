"""Verification: a model's answer -> claims -> the article sentences that support each, or a reason to drop it.

A claim is kept only when retrieved sentences support it: every number, amount, percentage and date in it is
in them (relative dates resolved against the article's publish date, as at ingest), every named person, place
and organisation is named there, the claim has the same polarity ("did not" against "did"), any words it puts
in quotation marks are the article's own, and it is close enough in meaning (embedding cosine and shared
terms, weighed against a threshold fitted on data by `benchmarks/llm_calibrate.py`). Sentences that address
instructions to a reader or an AI never count as support. The supporting sentences become the claim's
citations with their offsets; a claim supported elsewhere than where it points is re-cited, not dropped. An
answer to the question (a short reply, or the first claim naming the kind of thing asked for) must be supported
by a sentence that answers the question, not merely one holding the answer's words (thresholds fitted by
`benchmarks/llm_replay.py`).
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .analyse import parse, resolve_date
from .chunk import is_instruction
from .lexical import terms, words
from .models import SpanEmbedding
from .retrieve import Passage
from .store import Store

CALIBRATION_FILE = Path(__file__).parent / "verify.json"
# support score = weights . (cosine, share of the claim's terms in the sentence, share of its nouns there)
DEFAULT_CALIBRATION = {"weights": [0.4, 0.3, 0.3], "threshold": 0.6}
SHORT_WORDS = 6  # a reply this short answers the question in a phrase ("Ford", "$4.17"), not a sentence
_FINITE = {"VBD", "VBZ", "VBP", "MD"}
NAME_LABELS = {"PERSON", "GPE", "ORG", "NORP", "LOC", "FAC"}
MARKER_RE = re.compile(r"\s*\[(\d+(?:\s*[,;–-]\s*\d+)*)\]")
# A sentence ends at . ! ? (with closing quotes and citation markers) before a space and a capital, digit or
# quote; "U.S. officials", "Mr. Kessling" or "Feb. 5" do not end one.
_END_RE = re.compile(r"[.!?][\"”’)]*(?:\s*\[\d+(?:\s*[,;–-]\s*\d+)*\])*(?=\s+[\"“A-Z0-9(]|\s*$)")
_ABBREV_RE = re.compile(r"\b(?:[A-Z]|Mr|Mrs|Ms|Dr|St|Jr|Sr|No|Gen|Gov|Sen|Rep|Lt|Col|Capt|Prof|Jan|Feb|Mar|Apr|"
                        r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|a\.m|p\.m)\.$")
_ITEM_RE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_NEGATIONS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot", "without"}
_QUOTE_RE = re.compile(r"[\"“]([^\"“”]{12,})[\"”]")
_URL_RE = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|org|net|io)\b", re.I)

_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
          "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
          "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 12}
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "bn": 1e9, "m": 1e6, "k": 1e3}
_NUMBER_RE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:st|nd|rd|th)?(?:\s?(thousand|million|billion|trillion|bn|m|k)"
    r"\b)?|\b(" + "|".join(_SMALL) + r")(?:[\s-](thousand|million|billion|trillion))?\b", re.I)
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Names that are one place or body under several spellings ("the US", "U.S.", "the United States").
_SAME_NAMES = [{"us", "u.s", "united states", "america", "american", "washington"},
               {"uk", "u.k", "britain", "united kingdom", "british"}]


@dataclass
class Claim:
    """One sentence (or list item) of the model's answer, the passages it cites, and what verification found."""

    text: str  # without its [n] markers
    cited: list[int]  # 1-based indices into the prompt's passages
    status: str = ""  # kept | recited | dropped
    reason: str = ""  # why it was dropped
    support: list[tuple[str, int, int]] = field(default_factory=list)  # (doc_id, start, end) sentences
    score: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class _Candidate:
    passage: int  # 1-based index of its passage in the prompt
    doc_id: str
    spans: list[tuple[int, int]]
    text: str
    published: str
    vector: np.ndarray = field(repr=False)
    terms: frozenset = frozenset()
    instruction: bool = False  # text addressed to an AI or reader: never support, but a claim echoing it is suspect


def load_calibration() -> dict:
    """The fitted support threshold (see benchmarks/llm_calibrate.py)."""
    try:
        return {**DEFAULT_CALIBRATION, **json.loads(CALIBRATION_FILE.read_text())}
    except (OSError, ValueError):
        return dict(DEFAULT_CALIBRATION)


def split_claims(text: str) -> list[Claim]:
    """Split a model's answer into claims: sentences, and list items (each read with the line introducing it)."""
    claims: list[Claim] = []
    header = ""
    for line in text.replace("\r", "").split("\n"):
        line = line.strip().strip("*_#").strip()
        if not line:
            continue
        item = _ITEM_RE.match(line)
        if item:
            line = line[item.end():]
        elif header and not item:
            header = ""
        if line.rstrip().endswith(":") and not MARKER_RE.search(line):
            header = line.rstrip()[:-1]
            continue
        for sentence in _sentences(line):
            markers = [int(n) for m in MARKER_RE.finditer(sentence) for n in re.split(r"\s*[,;–-]\s*", m.group(1))]
            plain = " ".join(MARKER_RE.sub("", sentence).split())
            plain = re.sub(r"\s+([.,;:!?])", r"\1", plain)
            if item and header:
                plain = f"{header}: {plain}"
            if plain.strip(" .") and re.search(r"[^\W\d_]", plain):
                claims.append(Claim(plain, markers))
    return claims


def _sentences(line: str) -> list[str]:
    out, start = [], 0
    for m in _END_RE.finditer(line):
        head = line[start:m.start() + 1]
        if m.group(0)[0] == "." and _ABBREV_RE.search(head.rstrip("\"”’)")):
            continue
        out.append(line[start:m.end()].strip())
        start = m.end()
    if line[start:].strip():
        out.append(line[start:].strip())
    return out


def numbers(text: str) -> set[float]:
    """The numbers a text states, as values: "$2 million", "2,000,000" and "two million" are all 2e6."""
    found = set()
    for m in _NUMBER_RE.finditer(text):
        if m.group(1):
            value = float(m.group(1).replace(",", ""))
            scale = (m.group(2) or "").lower()
        else:
            value = float(_SMALL[m.group(3).lower()])
            scale = (m.group(4) or "").lower()
        if scale == "m" and not re.search(r"[$£€]\s?$", text[:m.start()]):
            scale = ""  # "5 m" is metres unless it is money
        found.add(round(value * _SCALE.get(scale, 1), 6))
    return found


def negated(text: str) -> bool:
    """The text says something is not so ("did not", "never", "no one")."""
    lowered = text.lower().replace("’", "'")
    return "n't" in lowered or bool(set(re.findall(r"[a-z]+", lowered)) & _NEGATIONS)


def negations(text: str, about: set[str] | frozenset) -> int:
    """How many negations in the text bear on the given terms (one of them in the six words after the cue)."""
    tokens = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower().replace("’", "'"))
    count = 0
    for i, tok in enumerate(tokens):
        if tok in _NEGATIONS or tok.endswith("n't"):
            if set(terms(" ".join(tokens[i + 1:i + 7]))) & about:
                count += 1
    return count


def is_short_answer(text: str) -> bool:
    """A phrase answering a question ("Ford", "$4.17", "two minerals never seen before"), not a sentence: a few
    words and no finite verb ("The council approved the plan." states something, and is verified as a claim)."""
    return len(words(text)) <= SHORT_WORDS and not any(t.tag_ in _FINITE for t in parse(text))


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.findall(r"[\w$%']+", text))


def _name_found(name: str, haystack: str, hay_words: set[str]) -> bool:
    lowered = re.sub(r"['’]s?$", "", name.lower().removeprefix("the ").strip(" ."))
    for group in _SAME_NAMES:
        if lowered.replace(".", "") in {g.replace(".", "") for g in group}:
            return any(re.search(rf"(?<!\w){re.escape(g)}(?!\w)", haystack) for g in group)
    tokens = [t for t in words(lowered) if t not in ("the", "of", "and")]
    # "Iran" meets "Iranian", "Tehran's": a name matches a word it starts, or that starts it (4+ letters)
    return all(t in hay_words or any(len(t) >= 4 and (w.startswith(t) or (len(w) >= 4 and t.startswith(w)))
                                     for w in hay_words) for t in tokens)


class Verifier:
    """Checks claims against the retrieved passages' sentences; shared by the LLM path and the planted suite."""

    PAIR = True  # a claim may join two adjacent sentences

    def __init__(self, store: Store, embedder: SpanEmbedding, calibration: dict | None = None):
        self.store, self.embedder = store, embedder
        self.calibration = calibration or load_calibration()
        self._vectors: dict[str, np.ndarray] = {}

    def candidates(self, passages: list[Passage], embed: bool = True) -> list[_Candidate]:
        """Every citable sentence of the passages, and each pair of adjacent ones, embedded on its own (unless
        `embed` is False: short answers are checked on terms alone)."""
        by_rowid = self.store.sentences([p.rowid for p in passages])
        out: list[_Candidate] = []
        for n, p in enumerate(passages, start=1):
            text = self.store.article_text(p.doc_id)
            sentences = [s for s in by_rowid.get(p.rowid, []) if s.citable]
            spans = [(s.start, s.end) for s in sentences]
            orders = [s for s in spans if is_instruction(text[s[0]:s[1]])]
            spans = [s for s in spans if s not in orders]
            groups = [[s] for s in spans]
            if self.PAIR:
                groups += [[a, b] for a, b in zip(spans, spans[1:]) if text[a[1]:b[0]].count("\n") < 2]
            for g in groups + [[s] for s in orders]:
                out.append(_Candidate(n, p.doc_id, g, " ".join(text[s:e] for s, e in g), p.published,
                                      np.zeros(0, np.float32), instruction=g[0] in orders))
        if embed:
            self._embed([c.text for c in out])
        for c in out:
            c.vector = self._vectors.get(c.text, c.vector)
            c.terms = frozenset(terms(c.text))
        return out

    def _embed(self, texts: list[str]) -> None:
        todo = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if todo:
            for t, v in zip(todo, self.embedder.embed_texts(todo)):
                self._vectors[t] = v
        if len(self._vectors) > 20000:  # a long-running page: forget old sentences
            self._vectors = dict(list(self._vectors.items())[-10000:])

    def verify(self, text: str, passages: list[Passage], question: str = "", hits: list | None = None,
               labels: tuple[str, ...] = ()) -> list[Claim]:
        """Split the answer into claims and verify each against the passages (kept, recited or dropped). Given
        the question and its scored sentences (`hits`), a claim that answers it (a short reply, or a sentence
        naming a new entity of the asked `labels`) must be supported by a sentence that answers it too."""
        claims = split_claims(text)
        if not claims:
            return []
        embed = bool(self.calibration["weights"][0])  # the fitted score may not use the cosine at all
        candidates = self.candidates(passages, embed)
        if embed:
            self._embed([c.text for c in claims])
        if question and hits is not None and len(claims) == 1 and is_short_answer(claims[0].text):
            claim, short = claims[0], self.check_short(question, claims[0].text, candidates, hits)
            claim.status, claim.reason, claim.score, claim.support = short.status, short.reason, short.score, \
                short.support
            if claim.status == "kept" and short.cited[0] not in claim.cited:
                claim.status = "recited"
            return claims
        for i, claim in enumerate(claims):
            self.check(claim, candidates, len(passages))
            # the reply's first claim is its answer; the others add context (a speaker, a rival figure) and
            # need not answer the question (planted suite: checking them all dropped 4 of 83 correct claims)
            if i == 0 and question and hits is not None and claim.status != "dropped":
                self.check_answering(question, claim, candidates, hits, labels)
        return claims

    def check_answering(self, question: str, claim: Claim, candidates: list[_Candidate], hits: list,
                        labels: tuple[str, ...]) -> None:
        """A verified claim naming what the question asks for (an entity of the asked labels, new to the
        question) keeps its support only when that sentence answers the question (as for a short answer); else
        it is re-cited to one that does and supports it, or dropped."""
        asked = set(words(question))
        answers = [e.text for e in parse(claim.text).ents if e.label_ in labels and set(words(e.text)) - asked]
        if not answers:
            return
        share, gap = self._answer_thresholds()
        _, holding = self.answer_support(question, answers[0], candidates, hits)
        good = [c for q, g, c in holding if q >= share and g <= gap]
        spans = [(s, e) for _, s, e in claim.support]
        if any(c.spans == spans and c.doc_id == claim.support[0][0] for c in good):
            return
        threshold, facts = self.calibration["threshold"], _Facts.of(claim.text)
        other = next((c for c in good if self.support_score(claim, c) >= threshold
                      and not facts.missing_from(c, self.store) and not facts.opposes(c, claim.text)), None)
        if other is None:
            claim.status, claim.support = "dropped", []
            claim.reason = f"no retrieved sentence that answers the question names {answers[0]}"
        else:
            claim.support = [(other.doc_id, s, e) for s, e in other.spans]
            claim.status = "kept" if other.passage in claim.cited else "recited"

    def check_short(self, question: str, short: str, candidates: list[_Candidate],
                    hits: list | None = None) -> Claim:
        """A short answer to a question ("Squid Game", "$4.17"): kept when a sentence holds all of it (its terms,
        numbers, names and dates) and answers the question: the answer is not the question's own words, the
        sentence holds enough of the question's terms and, given the question's scored sentences (`hits`, best
        first, as `Retriever.score_sentences` gives them), scores within `score_gap` of the best of them."""
        claim = Claim(f"{question} {short}", [])
        echo, holding = self.answer_support(question, short, candidates, hits)
        share, gap = self._answer_thresholds()
        passing = sorted(((q, -g, c) for q, g, c in holding if q >= share and g <= gap), key=lambda x: x[:2],
                         reverse=True)
        if passing and not echo:
            q, _, cand = passing[0]
            claim.status, claim.score = "kept", round(q, 4)
            claim.support = [(cand.doc_id, s, e) for s, e in cand.spans]
            claim.cited = [cand.passage]
            return claim
        claim.status = "dropped"
        claim.score = round(max(q for q, _, _ in holding), 4) if holding else -1.0  # -1: no sentence holds it
        claim.reason = ("it repeats the question's own words" if echo and holding else
                        "no retrieved sentence that answers the question holds this answer")
        return claim

    def _answer_thresholds(self) -> tuple[float, float]:
        gap = self.calibration.get("score_gap")
        return self.calibration.get("question_share", 0.3), math.inf if gap is None else gap

    def answer_support(self, question: str, short: str, candidates: list[_Candidate], hits: list | None = None
                       ) -> tuple[bool, list[tuple[float, float, _Candidate]]]:
        """Whether the answer is only the question's words, and for each sentence holding all of the answer: the
        share of the question's terms it holds and how far its score for the question is below the best
        sentence's (0 without `hits`)."""
        facts = _Facts.of(short)
        wanted, asked = set(terms(short)), set(terms(question))
        scores = {(h.doc_id, h.start): h.score for h in hits or []}
        best = max(scores.values(), default=0.0)
        holding = []
        for cand in candidates:
            if cand.instruction or not wanted <= cand.terms or facts.missing_from(cand, self.store):
                continue
            mine = [scores[(cand.doc_id, s)] for s, _ in cand.spans if (cand.doc_id, s) in scores]
            gap = (best - max(mine) if mine else math.inf) if hits else 0.0
            holding.append((len(asked & cand.terms) / len(asked) if asked else 0.0, gap, cand))
        return bool(wanted) and wanted <= asked, holding

    def features(self, claim: Claim, candidate: _Candidate) -> tuple[float, float, float]:
        """(cosine, share of the claim's terms the candidate holds, share of the claim's nouns it holds)."""
        facts = _Facts.of(claim.text)
        vector = self._vectors.get(claim.text)
        cosine = float(vector @ candidate.vector) if vector is not None and candidate.vector.size else 0.0
        share = len(facts.terms & candidate.terms) / len(facts.terms) if facts.terms else 0.0
        nouns = len(facts.nouns & candidate.terms) / len(facts.nouns) if facts.nouns else 1.0
        return cosine, share, nouns

    def support_score(self, claim: Claim, candidate: _Candidate) -> float:
        """How close a claim is in meaning to a candidate sentence: the features, weighed as calibrated."""
        return float(np.dot(self.calibration["weights"], self.features(claim, candidate)))

    def check(self, claim: Claim, candidates: list[_Candidate], n_passages: int) -> Claim:
        """Find the claim's support (preferring the passages it cites), or the reason there is none."""
        facts = _Facts.of(claim.text)
        scored = sorted(((self.support_score(claim, c), c) for c in candidates),
                        key=lambda sc: -sc[0])
        threshold = self.calibration["threshold"]
        if scored and scored[0][1].instruction:
            claim.status, claim.score = "dropped", round(scored[0][0], 4)
            claim.reason = f"repeats an instruction written into passage [{scored[0][1].passage}], not a reported fact"
            return claim
        scored = [sc for sc in scored if not sc[1].instruction]
        passing, failures, opposed = [], [], []
        for score, cand in scored:
            if score < threshold:
                break
            failure = facts.missing_from(cand, self.store)
            if failure:
                failures.append(failure)
            elif facts.opposes(cand, claim.text):
                opposed.append((score, cand))
            else:
                passing.append((score, cand))
        own = [sc for sc in passing if sc[1].passage in claim.cited]
        best = own[0] if own else passing[0] if passing else None
        if opposed and (best is None or opposed[0][0] > passing[0][0]):
            # the passage closest to the claim says the opposite: the claim contradicts the articles
            claim.status, claim.score = "dropped", round(opposed[0][0], 4)
            claim.reason = f"says the opposite of passage [{opposed[0][1].passage}] (one says 'not', the other does not)"
            return claim
        bad_markers = [n for n in claim.cited if not 1 <= n <= n_passages]
        if best is None:
            claim.status = "dropped"
            claim.score = round(scored[0][0], 4) if scored else 0.0
            if facts.quotes and not any(facts.quote_in(q, c, self.store) for q in facts.quotes for c in candidates):
                claim.reason = "the words it quotes are in no retrieved article"
            else:
                claim.reason = failures[0] if failures else "no retrieved passage says this"
            return claim
        score, cand = best
        claim.score = round(score, 4)
        claim.support = [(cand.doc_id, s, e) for s, e in cand.spans]
        claim.status = "kept" if cand.passage in claim.cited and not bad_markers else "recited"
        return claim


@dataclass
class _Facts:
    """What a claim states that its support must state too."""

    numbers: set[float]
    names: list[str]
    dates: list[str]
    quotes: list[str]
    urls: list[str]
    negated: bool
    capitals: list[str]
    terms: frozenset = frozenset()
    nouns: frozenset = frozenset()  # stems of its nouns and proper nouns: what it is about

    @classmethod
    def of(cls, text: str) -> "_Facts":
        return _facts(text)

    def missing_from(self, cand: _Candidate, store: Store) -> str:
        """Why the candidate does not support the claim, or "" when it does."""
        cand_numbers = numbers(cand.text) | {float(n) for d in _resolved_days(cand, store) for n in (d.day, d.year)}
        extra = [n for n in self.numbers if n not in cand_numbers]
        if extra:
            return f"states {_show(extra[0])}, which the passage does not"
        hay = cand.text.lower().replace("’", "'")
        hay_words = set(words(cand.text))
        article = store.article_text(cand.doc_id).lower().replace("’", "'")
        for name in self.names:
            # "Board chair Imogen Strand" for "Strand said ...": the last word in the sentence, all in the article
            last = name.split()[-1]
            if not (_name_found(name, hay, hay_words) or (_name_found(last, hay, hay_words)
                                                          and _name_found(name, article, _word_set(article)))):
                return f"names {name}, which the passage does not"
        for phrase in self.dates:
            if not self._date_found(phrase, cand, store, hay):
                return f"dates it \"{phrase}\", which the passage does not"
        for q in self.quotes:
            if not self.quote_in(q, cand, store):
                return "the words it quotes are not the article's"
        for url in self.urls:
            if url.lower() not in hay:
                return f"gives {url}, which the passage does not"
        for word in self.capitals:
            if word.lower() not in article:
                return f"names {word}, which the article does not"
        return ""

    def opposes(self, cand: _Candidate, text: str) -> bool:
        """One of claim and candidate negates what the other states ("did not" against "did")."""
        return (negations(text, cand.terms) > 0) != (negations(cand.text, self.terms) > 0)

    def quote_in(self, quote: str, cand: _Candidate, store: Store) -> bool:
        return _norm(quote) in _norm(store.article_text(cand.doc_id))

    def _date_found(self, phrase: str, cand: _Candidate, store: Store, hay: str) -> bool:
        if _norm(phrase) in _norm(cand.text):
            return True
        day = resolve_date(phrase, cand.published)
        if day is not None and day in _resolved_days(cand, store):
            return True
        lowered = phrase.lower()
        named = [w for w in _MONTHS + _WEEKDAYS if w in lowered or w[:3] + "." in lowered]
        if day is None:  # "earlier this month": its words must be there
            return all(w in set(words(hay)) for w in words(phrase) if w not in ("the", "on", "in", "of"))
        # a weekday or month the passage names in another form ("Thursday" for "last Thursday")
        return bool(named) and all(w in hay or w[:3] + "." in hay for w in named) and \
            day in _resolved_days(cand, store)


@lru_cache(maxsize=64)
def _word_set(text: str) -> set[str]:
    return set(words(text))


def _resolved_days(cand: _Candidate, store: Store) -> set:
    days = set()
    for s, e in cand.spans:
        for ent in store.entities_in(cand.doc_id, s, e):
            if ent.label != "DATE":
                continue
            if ent.resolved:
                days.add(date.fromisoformat(ent.resolved))
            else:
                d = resolve_date(ent.text, cand.published)
                if d is not None:
                    days.add(d)
    return days


@lru_cache(maxsize=4096)
def _facts(text: str) -> _Facts:
    doc = parse(text)
    names, dates = [], []
    for ent in doc.ents:
        if ent.label_ in NAME_LABELS:
            names.append(ent.text)
        elif ent.label_ == "DATE" and re.search(r"[A-Za-z]", ent.text) and \
                re.search("|".join(_MONTHS + _WEEKDAYS) + r"|yesterday|today|tomorrow|ago|last|next", ent.text, re.I):
            dates.append(ent.text)
    in_ents = {t.i for ent in doc.ents for t in ent}
    # capitalised words spaCy did not tag (a name it missed) must at least be in the article
    capitals = [t.text for t in doc if t.i not in in_ents and t.i > 0 and t.text[:1].isupper() and t.is_alpha
                and not doc[t.i - 1].is_sent_start and not doc[t.i - 1].text in ('"', "“", ":")
                and t.text.lower() not in _MONTHS + _WEEKDAYS]
    nouns = frozenset(t for tok in doc if tok.pos_ in ("NOUN", "PROPN") for t in terms(tok.text))
    return _Facts(numbers(text), names, dates, [m.group(1) for m in _QUOTE_RE.finditer(text)],
                  _URL_RE.findall(text), negated(text), capitals, frozenset(terms(text)), nouns)


def _show(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"

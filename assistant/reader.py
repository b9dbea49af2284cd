"""The reader: what a question asks for, read from its parse, and a short answer voted from the best sentences.

`asked` reads the question's interrogative and head noun from spaCy's parse and maps them to named-entity labels
with one small table (who -> PERSON/ORG/NORP, where -> GPE/LOC/FAC, when -> DATE/TIME, how many -> CARDINAL ...;
"which *company*" -> ORG). A head noun the table does not list asks for no entity, and the question keeps a
sentence answer, as why, how, what-did-X-say and list questions do. (Mapping an unlisted noun to the closest listed
one by the embedder was tried: on 10 RealTime QA weeks its 8 short answers were all wrong, "which sport" read as a
person, "which loan" as an organisation, and no eval set needed it.)

`vote` reads the entities of those labels that the stored analysis found in the best-scored sentences and their
neighbours in the same paragraph (news often names the subject a sentence earlier), weights each mention by its
sentence's score, sums the votes across articles, and returns the candidates, best first. Nothing here is
written for one question: the weights are few and named.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache


from .analyse import Entity, parse
from .dates import display_date
from .lexical import words

READ_TOP = 8  # sentences read for candidates, best first
TEMPERATURE = 0.08  # a mention's vote is exp((its sentence's score - the best score) / TEMPERATURE)
NEIGHBOUR_WEIGHT = 0.5  # a mention in the sentence before or after a read sentence (same paragraph)
NEIGHBOUR_CHARS = 400  # how far before or after a read sentence its neighbours are looked for

# The one table: interrogatives and head nouns -> the entity labels that answer them.
WH_LABELS = {
    "who": ("PERSON", "ORG", "NORP"), "whom": ("PERSON", "ORG", "NORP"), "whose": ("PERSON", "ORG"),
    "where": ("GPE", "LOC", "FAC"),
    "when": ("DATE", "TIME"),
    "how many": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT"),
    "how much": ("MONEY", "QUANTITY", "PERCENT", "CARDINAL"),
    "how long": ("DATE", "TIME", "QUANTITY"),
    "how old": ("DATE", "CARDINAL"),
    "how far": ("QUANTITY",), "how big": ("QUANTITY",), "how large": ("QUANTITY",), "how high": ("QUANTITY",),
    "how tall": ("QUANTITY",), "how fast": ("QUANTITY",), "how deep": ("QUANTITY",),
}
NOUN_EXAMPLES = {
    "PERSON": "person man woman leader official politician president minister actor actress singer player athlete "
              "author writer director executive founder judge senator governor candidate celebrity musician rapper "
              "artist coach journalist scientist king queen prince lawmaker spokesperson suspect victim winner "
              "champion billionaire host comedian chef astronaut",
    "ORG": "company firm organization group team club agency party business brand network bank airline retailer "
           "university school charity union manufacturer automaker carrier publisher newspaper channel studio "
           "startup chain store league department ministry broadcaster",
    "GPE": "country nation city state town capital province county village territory",
    "LOC": "region river mountain ocean sea continent lake island desert peninsula volcano",
    "FAC": "airport bridge stadium building arena highway station landmark museum monument prison",
    "EVENT": "event tournament championship war storm hurricane festival race contest competition ceremony "
             "summit conference battle match",
    "WORK_OF_ART": "film movie book song album show series novel play painting documentary podcast",
    "PRODUCT": "product car vehicle phone device app vaccine drug aircraft plane rocket spacecraft weapon",
    "LAW": "law bill act legislation treaty amendment",
    "NORP": "nationality religion ethnicity",
    "LANGUAGE": "language",
    "DATE": "date day year month week decade century season",
    "TIME": "time hour",
    "MONEY": "cost price amount fee fine salary revenue budget fortune sum funding profit loss wage reward donation "
             "valuation",
    "PERCENT": "percentage percent proportion",
    "CARDINAL": "number count total figure age population score toll",
    "QUANTITY": "distance height weight temperature speed magnitude",
}
# Labels a small model confuses with the asked one (an unfamiliar company is often tagged PERSON): their mentions
# count, at KIN_WEIGHT.
_KIN = {"GPE": ("LOC",), "LOC": ("GPE", "FAC"), "ORG": ("NORP", "PERSON"), "FAC": ("ORG", "LOC"),
        "EVENT": ("WORK_OF_ART",), "CARDINAL": ("QUANTITY",), "QUANTITY": ("CARDINAL",), "DATE": ("TIME",),
        "PERSON": ("ORG",), "PRODUCT": ("ORG",), "WORK_OF_ART": ("EVENT",)}
KIN_WEIGHT = 0.5
NUMERIC = {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}
MEASURES = NUMERIC | {"DATE", "TIME"}  # "how many *years*" asks for a DATE entity ("600 years"), "how many *dollars*" MONEY
NAMES = {"PERSON", "ORG", "GPE", "NORP"}  # names that, made only of the articles' topic words, are not answers
_WH = {"what", "which", "who", "whom", "whose", "when", "where", "how", "why"}
_NAMING_NOUNS = {"name", "kind", "type", "sort", "title"}  # "the name of the storm": the storm is asked for
_NUMERAL_RE = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                         r"forty|fifty|hundred|thousand|million|billion|dozens?)\b", re.IGNORECASE)
_LEADING_RE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)
_ABBREVIATION_RE = re.compile(r"\b(?:[A-Za-z]\.){2,}")  # "U.S.", "U.K.": the same name as "US", "UK"


def name_words(text: str) -> list[str]:
    """The words of a name, abbreviations written with or without their dots alike ("U.S." and "US": "us")."""
    return words(_ABBREVIATION_RE.sub(lambda m: m.group().replace(".", ""), text))


@dataclass(frozen=True)
class Asked:
    """What a question asks for: its interrogative ("how many"), head noun ("company") and the entity labels
    that answer it (empty: a sentence answer)."""

    wh: str = ""
    head: str = ""
    labels: tuple[str, ...] = ()
    words: frozenset = frozenset()  # the question's words: an entity made only of them is not an answer
    names: frozenset = frozenset()  # the words of the question's proper names: an entity naming one is no answer

    @property
    def kin(self) -> tuple[str, ...]:
        return tuple(k for label in self.labels for k in _KIN.get(label, ()) if k not in self.labels)

    def weight(self, entity: Entity) -> float:
        """How much a mention of this entity counts: 1 for an asked label, KIN_WEIGHT for a label a small model
        confuses with one, 0 when it cannot answer (not new to the question; a count with no number)."""
        w = 1.0 if entity.label in self.labels else KIN_WEIGHT if entity.label in self.kin else 0.0
        if not w or not self.is_new(entity):
            return 0.0
        if (entity.label in ("CARDINAL", "QUANTITY") or self.wh.startswith("how ")) \
                and not _NUMERAL_RE.search(entity.text):
            return 0.0  # a count or a measure needs a number: "Wednesday" does not say how old
        return w

    def answers(self, entity: Entity) -> bool:
        """The entity is of an asked label, new to the question, and (for counts) a number."""
        return self.weight(entity) == 1.0

    def is_new(self, entity: Entity) -> bool:
        ws = name_words(_LEADING_RE.sub("", entity.text))
        if not ws:
            return False
        if entity.label == "PERSON":  # judged by the surname: "President Trump" is not new when Trump is asked about
            return ws[-1] not in self.words
        if entity.label in NAMES | {"FAC", "LOC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"} and set(ws) & self.names:
            return False  # "Bloomberg News" does not answer "Who interviewed Rubio for Bloomberg?"
        return any(w not in self.words for w in ws)


def asked(question: str) -> Asked:
    """Read what the question asks for from its parse."""
    doc = parse(question)
    qwords = frozenset(words(question)) | frozenset(name_words(question))
    names = frozenset(w for t in doc if t.pos_ == "PROPN" for w in name_words(t.text))
    tokens = list(doc)
    wh_at = next((i for i, t in enumerate(tokens) if t.lower_ in _WH and t.tag_ in ("WDT", "WP", "WP$", "WRB")), None)
    if wh_at is None:
        return Asked(words=qwords, names=names)  # a yes/no question or a request: a sentence answer
    wh_token = tokens[wh_at]
    wh = wh_token.lower_
    if wh == "how":
        nxt = tokens[wh_at + 1] if wh_at + 1 < len(tokens) else None
        wh = f"how {nxt.lower_}" if nxt is not None else "how"
        counted = nxt.head if nxt is not None and nxt.dep_ == "amod" and nxt.head.pos_ == "NOUN" else None
        head = counted.lemma_.lower() if counted is not None else ""  # "how many *people*"
        labels = WH_LABELS.get(wh, ())
        measured = tuple(label for label in _listed().get(head, ()) if label in MEASURES)
        return Asked(wh, head, measured + tuple(label for label in labels if label not in measured), qwords, names)
    if wh in ("why",):
        return Asked(wh, "", (), qwords, names)
    if wh in ("who", "whom", "whose") and _identity(doc, wh_token):
        return Asked("who is", "", (), qwords, names)  # "Who is Ali Shamkhani?": a role, not a name
    if wh in WH_LABELS:
        return Asked(wh, "", WH_LABELS[wh], qwords, names)
    head = _head_noun(tokens, wh_at)
    if head is None:
        return Asked(wh, "", (), qwords, names)  # "What did Rubio say?": a sentence answer
    lemma = head.lemma_.lower()
    return Asked(wh, lemma, _listed().get(lemma, ()), qwords, names)


def _identity(doc, wh_token) -> bool:
    """'Who is/was X?' with X a proper name and nothing more: asks what X is."""
    root = wh_token.head
    if root.lemma_ != "be":
        return False
    rest = [t for t in doc if t.i > root.i and not t.is_punct]
    return bool(rest) and all(t.tag_ in ("NNP", "NNPS") for t in rest)


def _head_noun(tokens, wh_at: int):
    """The noun a what/which question asks about: "which *company*", "what is the *capital* of", "what was the name
    of the *hurricane*"."""
    wh_token = tokens[wh_at]
    head = None
    for t in tokens[wh_at + 1:]:  # "which (big) company", "what year"
        if t.pos_ in ("NOUN", "PROPN") and t.tag_ not in ("NNP", "NNPS"):
            head = t
            while head.dep_ == "compound" and head.head.pos_ == "NOUN" and head.head.i > head.i:
                head = head.head  # "which streaming *service*"
            break
        if t.pos_ not in ("ADJ", "ADV", "DET") and t.tag_ != "POS":
            break
    if head is None and wh_token.head.lemma_ == "be":  # "what is the capital of France"
        root = wh_token.head
        head = next((c for c in root.children if c.dep_ in ("nsubj", "attr", "nsubjpass") and c.i != wh_token.i
                     and c.pos_ == "NOUN"), None)
    if head is not None and head.lemma_.lower() in _NAMING_NOUNS:  # "the name of the storm"
        of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        pobj = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
        if pobj is not None and pobj.pos_ == "NOUN":
            head = pobj
    return head


@lru_cache(maxsize=1)
def _listed() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for label, nouns in NOUN_EXAMPLES.items():
        for noun in nouns.split():
            out.setdefault(noun, []).append(label)
    return {noun: tuple(labels) for noun, labels in out.items()}


@dataclass
class Mention:
    entity: Entity
    doc_id: str
    weight: float
    hit: object  # the SentenceHit read
    inside: bool  # in the read sentence itself (not a neighbour)


@dataclass
class Candidate:
    """A short answer candidate: its text, label, summed votes and the mentions that gave them."""

    text: str
    label: str
    votes: float
    mentions: list[Mention] = field(default_factory=list)

    @property
    def best(self) -> Mention:
        """The mention to cite: the heaviest inside a read sentence, else the heaviest."""
        inside = [m for m in self.mentions if m.inside]
        return max(inside or self.mentions, key=lambda m: m.weight)

    @property
    def doc_ids(self) -> set[str]:
        return {m.doc_id for m in self.mentions}

    def shown(self) -> str:
        """As shown in an answer: a relative date with the day it names, "last Friday (6 March 2026)"."""
        e = self.best.entity
        return f"{e.text} ({display_date(e.resolved)})" if e.resolved else e.text


def key_of(text: str) -> str:
    return " ".join(name_words(_LEADING_RE.sub("", text)))


def vote(hits: list, asked_for: Asked, entities_in, article_text, topic: frozenset = frozenset(),
         top: int = READ_TOP) -> list[Candidate]:
    """Candidates of the asked labels in the best `top` sentences (and their paragraph neighbours), best first.

    `entities_in(doc_id, start, end)` gives the stored entities of a span, `article_text(doc_id)` an article's
    text; `topic` holds words so common in the articles that a name made of them is their topic, not an answer."""
    if not asked_for.labels or not hits:
        return []
    best = hits[0].score
    found: dict[str, Candidate] = {}
    for hit in hits[:top]:
        weight = math.exp((hit.score - best) / TEMPERATURE)
        text = article_text(hit.doc_id)
        lo, hi = _paragraph_around(text, hit.start, hit.end)
        for e in entities_in(hit.doc_id, lo, hi):
            kind_weight = asked_for.weight(e)
            if not kind_weight:
                continue
            if e.label in NAMES and set(name_words(e.text)) <= topic | asked_for.words:
                continue
            inside = hit.start <= e.start and e.end <= hit.end
            k = key_of(e.text)
            if not k:
                continue
            c = found.setdefault(k, Candidate(e.text, e.label, 0.0))
            w = weight * kind_weight * (1.0 if inside else NEIGHBOUR_WEIGHT)
            c.votes += w
            c.mentions.append(Mention(e, hit.doc_id, w, hit, inside))
    return sorted(_merge(list(found.values())), key=lambda c: -c.votes)


def _paragraph_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The neighbourhood of a sentence: up to NEIGHBOUR_CHARS before and after it, within its paragraph."""
    para_start = text.rfind("\n\n", 0, start)
    para_end = text.find("\n\n", end)
    lo = max(para_start + 2 if para_start >= 0 else 0, start - NEIGHBOUR_CHARS)
    hi = min(para_end if para_end >= 0 else len(text), end + NEIGHBOUR_CHARS)
    return lo, hi


def _merge(candidates: list[Candidate]) -> list[Candidate]:
    """Fold a candidate whose words are all in a longer one of a like label into it ("Ford" into "Ford Motor",
    "Whitcombe" into "Dana Whitcombe")."""
    candidates.sort(key=lambda c: -len(key_of(c.text).split()))
    kept: list[Candidate] = []
    for c in candidates:
        ws = set(key_of(c.text).split())
        into = next((k for k in kept if ws < set(key_of(k.text).split()) and c.label not in NUMERIC
                     and k.label not in NUMERIC), None)
        if into is None:
            kept.append(c)
        else:
            into.votes += c.votes
            into.mentions += c.mentions
    return kept

"""Retrieval: question -> ranked passages (dense + BM25, fused by reciprocal rank) -> scored sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores.types import VectorStoreQuery

from .lexical import term_set, terms, words
from .models import SpanEmbedding
from .store import Store, StoredSentence

CANDIDATES = 20  # each retriever's depth before fusion


@dataclass
class Passage:
    """A retrieved passage; `to_dict` is the `search --json` contract."""

    rank: int
    doc_id: str
    title: str
    source: str
    url: str
    published: str
    text: str
    score: float
    start: int
    end: int
    passage_id: str = field(default="", repr=False)
    rowid: int = field(default=0, repr=False)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in
                ("rank", "doc_id", "title", "source", "url", "published", "text", "score", "start", "end")}


@dataclass
class SentenceHit:
    """A citable sentence inside a retrieved passage, with the evidence for its relevance."""

    doc_id: str
    start: int
    end: int
    vector: np.ndarray = field(repr=False)
    dense: float
    overlap: float
    passage_coverage: float
    passage_rank: int
    score: float
    terms: frozenset = field(default=frozenset(), repr=False)
    typed: bool = False  # holds the kind of thing the question asks for
    passage_id: str = ""
    passage_gap: float = 0.0  # the rarest question term missing from the passage (idf, scaled to 0..1)


# Each pattern is tried where the question's own interrogative starts (see `answer_type`), so the "when" of
# "What was agreed when they met?" does not make it a question about a date.
_FOCUS = r"(what|which) ((is|was|are|were|will be) )?(the )?((?!of\b)\w+ ){0,2}?"  # "what was the total dollar cost"
_ANSWER_TYPES = [
    ("list", re.compile(r"(what|which) (topics|issues|things|areas|conditions|demands|subjects|points|steps|"
                        r"measures|items|factors|matters|questions|problems|priorities|requirements)\b", re.I)),
    ("money", re.compile(r"how much\b.{0,60}\b(cost|costs|pay|paid|spend|spent|charge|charged|budget|budgeted|"
                         r"raise|raised|earn|earned|lose|losing|lost|owe|owes|owed)\b|how much (money|funding|"
                         r"revenue|income|profit|debt)\b|" + _FOCUS +
                         r"(cost|price|budget|fee|fine|salary|wage|fare|bill|revenue|profit|loss|dollar \w+)\b",
                         re.I)),
    ("number", re.compile(r"how (many|much|long|old|far|large|big|high|fast|often)\b|" + _FOCUS + r"(number|"
                          r"percentage|share|proportion|amount|figure|toll|level|rate|price|cost|sum|total|margin|"
                          r"size|speed|age|count|score|population)\b", re.I)),
    ("date", re.compile(r"when\b|" + _FOCUS + r"(day|date|year|month|time|weekday|hour)\b", re.I)),
    ("place", re.compile(r"where\b|" + _FOCUS + r"(city|country|place|location|venue|region|capital|town|port|"
                         r"state|province)\b", re.I)),
    ("person", re.compile(r"(who|whom|whose)\b|" + _FOCUS + r"(person|official|leader|minister|president|"
                          r"chairman|chairwoman|chair|editor|journalist|reporter|aide|spokesman|spokeswoman|"
                          r"spokesperson|trustee|councillor|councilor|commander|chief|officer|director|manager|"
                          r"judge|mayor|governor|ambassador|negotiator|envoy|candidate|executive|lawyer|"
                          r"doctor|surgeon|nurse|pilot|firefighter|resident|member|founder|owner)\b", re.I)),
    ("name", re.compile(_FOCUS + r"(names?|company|companies|firm|developer|business|organi[sz]ation|group|"
                        r"agency|body|team|club|party|newspaper|outlet|ship|vessel|brand|airline|bank|"
                        r"charity|union|event|conference|summit|gathering|festival)\b", re.I)),
    ("cause", re.compile(r"what (caused|causes|sparked|started|triggered|ignited|set off)\b|"
                         r"what (is|was|were) the (main |likely |immediate )?(cause|causes|trigger)\b", re.I)),
]
# Where a question's interrogatives start: the first one, and any joined to it ("..., and in which city").
_WH_RE = re.compile(r"\b(what|which|who|whom|whose|when|where|how)\b", re.I)
_JOINED_WH_RE = re.compile(r"\b(and|or)\s+(\w+\s+)?$", re.I)
_MONEY_RE = re.compile(r"[$£€¥₹]\s?\d|\d\s?(dollars|pounds|euros|rupees|yen|cents|pence)\b|"
                       r"\b(dollars|pounds|euros|rupees|yen)\b|\d\s?(million|billion|bn)\b", re.I)
# Asks how something ended: "What was agreed ...?", "What did the tribunal rule ...?", "Has the plan worked?"
_OUTCOME_QUESTION_RE = re.compile(
    r"^\W*(what|which \w+) (was|were|had been|has been) (agreed|decided|settled|ruled|concluded)\b|"
    r"^\W*what (\w+ )?did (?P<who>.{0,80}?) (finally |eventually |ultimately )?(rule|decide|agree|settle|conclude|"
    r"resolve)\b|"
    r"^\W*(has|have|did) (?P<what>.{0,80}?) (work|worked|succeed|succeeded|pay off|paid off|backfire|"
    r"backfired)\b", re.I)
# ... and a sentence that reports an outcome (not "an agreed forum", not talks that "would take place").
_OUTCOME_RE = re.compile(
    r"\b(agreed|decided|ruled|settled)\s+(to|on|that|upon|in favou?r)\b|"
    r"\b(has|have|had|was|were)\s+(not\s+)?(agreed|decided|ruled|settled|concluded|reached|signed|approved|"
    r"upheld|dismissed|rejected|worked|succeeded|failed)\b|"
    r"\b(reached|signed|struck)\s+(a|an|the)\s+(\w+\s+)?(deal|agreement|settlement|accord)\b|"
    r"\b(voted|approved|upheld|dismissed|overturned|worked|succeeded|failed|backfired)\b", re.I)
_CAUSE_RE = re.compile(r"\b(because|due to|owing to|caused by|sparked by|started by|triggered by|ignited by|"
                       r"set off by|blame|blamed|blames|blaming|the cause|the result of|as a result|resulted from|"
                       r"led to|causing)\b", re.I)
_NUMBER_RE = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                        r"hundred|thousand|million|billion|dozens?|half)\b", re.I)
_DATE_RE = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|"
                      r"may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|"
                      r"oct|nov|dec|(19|20)\d\d|yesterday|today|tomorrow|tonight|morning|evening|week|month|year)\b",
                      re.I)
_PLACE_RE = re.compile(r"\b(?:in|at|to|from|near|across|inside)\s+((?:the\s+)?[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)*)")
# A sentence answering the one before it: "But ...", "X disputes that figure", "Tehran denied ...".
_REJOINDER_RE = re.compile(r"^\W*(but|however|yet)\b|^.{0,80}?\b(disputes|disputed|disputing|denies|denied|"
                           r"denying|contradicts|contradicted|rejects|rejected|refutes|refuted|countered)\b|"
                           + r"\b(that|the|this|those|these) (figures?|numbers?|estimates?|counts?|claims?|tally|"
                           r"total|account)\b(?! of\b)", re.I)  # "Ridgeline Air put the figure at 118."
# "what was the cost | of the damage caused by ...": the first words of what the asked-for value belongs to.
_OF_RE = re.compile(r"\s+of\s+(?:the\s+|a\s+|an\s+|its\s+|their\s+|his\s+|her\s+)?"
                    r"((?:(?!(?:who|whom|whose|which|that|by|in|on|at|to|from|for|with|during|after|before|when|"
                    r"where)\b)[\w’'-]+\s*){1,3})", re.I)  # up to a relative pronoun or preposition
# "When is | the runway | at the airport due to be repaved?": the thing a when/where/how/why/who question is
# about, up to a preposition or verb-like word.
_SUBJECT_RE = re.compile(r"^\W*(?:when|where|how|why|who)\s+(?:much\s+|many\s+|often\s+|long\s+|far\s+)?"
                         r"(?:is|was|are|were|will|would|did|does|do|has|have|had|can|could|should)\s+"
                         r"(?:the|a|an|its|their|this|that|these|those)\s+"
                         r"((?:(?!(?:at|in|on|of|for|to|from|with|by|about|against|between|during|due|be|been|being|"
                         r"and|or|that|who|which|itself)\b)[\w’'-]+\s*){1,3})", re.I)
_PLACE_BEFORE_RE = re.compile(r"\b(in|at|on|from|to|near|across|inside|of)\s+(the\s+)?$", re.I)
_NAME_WORD_RE = re.compile(r"\b[A-Z][\w’'-]*")
_NAME_RE = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)+)")
_PROPER_RE = re.compile(r"(?<![.!?\"“]\s)(?<![\"“])(?<!^)\b([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)")


def answer_type(question: str) -> str | None:
    """The kind of thing a question asks for (money, a number, date, place, person or name), if it says.

    Read where the question's interrogative starts: the first one, or one joined to it by "and"/"or".
    """
    return asked_for(question)[0]


def asked_for(question: str) -> tuple[str | None, str]:
    """The kind asked for and the words that ask for it ("by what margin", "what is the name"): an answer
    gives a value for those words rather than repeating them."""
    outcome = _OUTCOME_QUESTION_RE.match(question)
    if outcome:
        return "outcome", ""
    for m in _WH_RE.finditer(question):
        if m.start() and not _JOINED_WH_RE.search(question[: m.start()]) and m.start() != _first_wh(question):
            continue
        for kind, pattern in _ANSWER_TYPES:
            found = pattern.match(question, m.start())
            if found:
                return kind, found.group()
    return None, ""


def outcome_subject(question: str) -> str:
    """Who decided, or what was tried, in an outcome question ("What did *the tribunal* rule?"), if it says."""
    m = _OUTCOME_QUESTION_RE.match(question)
    return (m.group("who") or m.group("what") or "") if m else ""


def _first_wh(question: str) -> int:
    m = _WH_RE.search(question)
    return m.start() if m else -1


def has_answer_type(kind: str | None, sentence: str, question_words: set[str]) -> bool:
    """True when the sentence holds something of that kind that the question does not already name."""
    def new(span: str) -> bool:
        return any(w not in question_words for w in words(span))

    if kind == "list":  # an enumeration: "a, b, c and d" or "including ..."
        return sentence.count(",") >= 2 or " including " in sentence
    if kind == "money":
        return any(new(m.group()) for m in _MONEY_RE.finditer(sentence))
    if kind == "number":
        return any(new(m.group()) for m in _NUMBER_RE.finditer(sentence))
    if kind == "date":
        return any(new(m.group()) for m in _DATE_RE.finditer(sentence))
    if kind == "place":
        return any(new(m.group(1)) for m in _PLACE_RE.finditer(sentence))
    if kind == "person":  # judged by the surname: "President Donald Trump" is not new when Trump is known
        return any(new(m.group(1).split()[-1]) for m in _NAME_RE.finditer(sentence)
                   if not _PLACE_BEFORE_RE.search(sentence, 0, m.start()))  # "on Mill Road" is a place
    if kind == "outcome":
        return bool(_OUTCOME_RE.search(sentence))
    if kind == "cause":  # says what brought it about ("after" or "amid" only say when)
        return bool(_CAUSE_RE.search(sentence))
    if kind == "name":  # a proper name, one word or several, that the question does not already hold
        return any(new(m.group(1)) and not _DATE_RE.fullmatch(m.group(1)) for m in _PROPER_RE.finditer(sentence))
    return False


@dataclass
class Evidence:
    """Scored sentences for a question, and how much of the question the corpus knows at all."""

    hits: list[SentenceHit]
    kind: str | None  # what the question asks for: number, date, place, person, or None
    question_words: set[str]
    unseen_names: float  # share of the question's term weight on capitalised names found in no passage
    unseen_words: float  # the same for its other terms
    specific_terms: frozenset = frozenset()  # question terms fewer than a fifth of all passages hold
    term_weights: dict = field(default_factory=dict)  # each question term's share of the question's idf
    of_terms: frozenset = frozenset()  # "the cost *of the damage*": what the asked-for value belongs to
    focus_terms: frozenset = frozenset()  # the asking words' terms: "which *fire official*"
    absent_subject: str = ""  # "when is *the runway* ... due": what the question is about, when no article has it


class DenseRetriever(BaseRetriever):
    """Nearest passages in Chroma by cosine similarity to the query embedding."""

    def __init__(self, store: Store, embedder: SpanEmbedding, k: int = CANDIDATES):
        super().__init__()
        self.store, self.embedder, self.k = store, embedder, k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        vector = query_bundle.embedding or self.embedder.get_query_embedding(query_bundle.query_str)
        result = self.store.vectors.query(VectorStoreQuery(query_embedding=vector, similarity_top_k=self.k))
        nodes = self.store.nodes(passage_ids=list(result.ids or []))
        return [NodeWithScore(node=nodes[i], score=s) for i, s in zip(result.ids or [], result.similarities or [])
                if i in nodes]


class LexicalRetriever(BaseRetriever):
    """Best BM25 passages from the sidecar's FTS5 index."""

    def __init__(self, store: Store, k: int = CANDIDATES):
        super().__init__()
        self.store, self.k = store, k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.store.lexical.search(terms(query_bundle.query_str), self.k)
        nodes = {n.metadata["rowid"]: n for n in self.store.nodes(rowids=[r for r, _ in hits]).values()}
        return [NodeWithScore(node=nodes[r], score=s) for r, s in hits if r in nodes]


class Retriever:
    """Hybrid passage search and sentence scoring over one store."""

    OVERLAP_WEIGHT = 0.35  # how much question-term overlap adds to a sentence's cosine similarity
    RANK_WEIGHT = 0.05  # a small prior for sentences in the best-fused passages
    TYPE_WEIGHT = 0.12  # the sentence holds the kind of thing asked for (a number for "how many", ...)
    ECHO_PENALTY = 0.10  # the sentence only restates the question's own terms
    COMMON_SHARE = 0.2  # a term in this share of all passages is topic vocabulary, not specific to a question

    def __init__(self, store: Store, embedder: SpanEmbedding):
        self.store, self.embedder = store, embedder
        self.dense = DenseRetriever(store, embedder)
        self.lexical = LexicalRetriever(store)

    def search(self, query: str, k: int = 10) -> list[Passage]:
        """Return the k best passages for a query, fused from dense and BM25 rankings."""
        fusion = QueryFusionRetriever(
            [self.dense, self.lexical], llm=MockLLM(), mode=FUSION_MODES.RECIPROCAL_RANK,
            similarity_top_k=k, num_queries=1, use_async=False,
        )
        bundle = QueryBundle(query, embedding=self.embedder.get_query_embedding(query))
        results = fusion.retrieve(bundle)
        out = []
        for rank, hit in enumerate(results[:k], start=1):
            m = hit.node.metadata
            out.append(Passage(rank, m["doc_id"], m["title"], m["source"], m["url"], m["published"],
                               hit.node.get_content(), round(float(hit.score or 0.0), 6), m["start"], m["end"],
                               hit.node.node_id, m["rowid"]))
        return out

    def score_sentences(self, question: str, passages: list[Passage]) -> Evidence:
        """Score every citable sentence of the given passages against the question, best first."""
        qvec = np.asarray(self.embedder.get_query_embedding(question), dtype=np.float32)
        qterms = set(terms(question))
        qwords = set(words(question))
        kind, asking = asked_for(question)
        if kind in ("name", "person"):  # names many passages carry are the corpus topic, not what is asked for
            qwords |= self._topic_names(passages)
        idf = self.store.lexical.idf(list(qterms))
        total = sum(idf.values()) or 1.0
        df = self.store.lexical.doc_freq(list(qterms))
        names = set(terms(" ".join(_NAME_WORD_RE.findall(question[1:]))))
        unseen_names = sum(idf[t] for t in qterms if df[t] == 0 and t in names) / total
        unseen_words = sum(idf[t] for t in qterms if df[t] == 0 and t not in names) / total
        by_passage = self.store.sentences([p.rowid for p in passages])
        hits = []
        for p in passages:
            text = self.store.article_text(p.doc_id)
            sents = by_passage.get(p.rowid, [])
            pterms = term_set(p.text)
            coverage = sum(idf[t] for t in qterms if t in pterms) / total
            gap = max((idf[t] for t in qterms if t not in pterms), default=0.0) / max(idf.values(), default=1.0)
            for s in sents:
                if not s.citable:
                    continue
                sentence = text[s.start : s.end]
                sterms = term_set(sentence)
                overlap = sum(idf[t] for t in qterms if t in sterms) / total
                dense = float(s.vector @ qvec)
                novelty = len(sterms - qterms) / max(len(sterms), 1)
                typed = has_answer_type(kind, sentence, qwords)
                score = (dense + self.OVERLAP_WEIGHT * overlap + self.RANK_WEIGHT / p.rank
                         + self.TYPE_WEIGHT * typed - self.ECHO_PENALTY * (novelty < 0.4))
                hits.append(SentenceHit(p.doc_id, s.start, s.end, s.vector, dense, overlap, coverage, p.rank,
                                        score, sterms, typed, p.passage_id, gap))
        hits.sort(key=lambda h: h.score, reverse=True)
        focus = set(terms(asking))  # "margin" in "by what margin": the answer gives a value, not the word
        seen = {t for t in qterms if df[t] and t not in focus}
        specific = frozenset(t for t in seen if df[t] < self._common_df()) or frozenset(seen or qterms)
        owner = _OF_RE.match(question, question.find(asking) + len(asking)) if asking else None
        owner_text = owner.group(1) if owner else outcome_subject(question)
        subject = _SUBJECT_RE.match(question)
        subject_terms = terms(subject.group(1)) if subject else []
        absent = subject.group(1).strip() if subject_terms and not any(
            self.store.lexical.doc_freq(subject_terms).values()) else ""
        return Evidence(hits, kind, qwords, unseen_names, unseen_words if qterms else 1.0, specific,
                        {t: idf[t] / total for t in qterms}, frozenset(terms(owner_text)),
                        frozenset(focus), absent)

    def _topic_names(self, passages: list[Passage]) -> set[str]:
        """Capitalised words of these passages that many passages contain (the corpus's topic, not an answer)."""
        found = {w for p in passages for m in _NAME_WORD_RE.finditer(p.text) for w in words(m.group())}
        stems = {w: terms(w) for w in found}
        df = self.store.lexical.doc_freq([t for ts in stems.values() for t in ts])
        common = self._common_df()
        return {w for w, ts in stems.items() if ts and all(df[t] >= common for t in ts)}

    def _common_df(self) -> float:
        """Passages a term must appear in to count as the corpus's topic vocabulary rather than specific."""
        return max(self.store.lexical.size() * self.COMMON_SHARE, 2)

    def _around(self, hit: SentenceHit) -> tuple[list[tuple[StoredSentence, str]], int | None]:
        """The citable sentences of the hit's passage and its neighbours, in article order, and the hit's index."""
        doc_id, _, idx = hit.passage_id.rpartition("#")
        ids = [f"{doc_id}#{i}" for i in range(int(idx) - 1, int(idx) + 2) if i >= 0]
        nodes = self.store.nodes(passage_ids=ids)
        around = sorted(((s, node.node_id) for node in nodes.values()
                         for s in self.store.sentences([node.metadata["rowid"]]).get(node.metadata["rowid"], [])
                         if s.citable), key=lambda c: c[0].start)
        at = next((i for i, (s, _) in enumerate(around) if s.start == hit.start and s.end == hit.end), None)
        return around, at

    def _hit(self, s: StoredSentence, passage_id: str, like: SentenceHit, typed: bool) -> SentenceHit:
        text = self.store.article_text(s.doc_id)
        return SentenceHit(s.doc_id, s.start, s.end, s.vector, float(s.vector @ like.vector), 0.0, 0.0,
                           like.passage_rank, like.score, term_set(text[s.start : s.end]), typed, passage_id)

    def nearby_typed(self, hit: SentenceHit, evidence: Evidence, reach: int = 2) -> SentenceHit | None:
        """The sentence nearest to `hit` in its article (at most `reach` sentences away) holding what is asked for
        and sharing one of the question's specific terms (not only the corpus's topic words)."""
        around, at = self._around(hit)
        if at is None:
            return None
        text = self.store.article_text(hit.doc_id)
        candidates = [(abs(i - at), s, pid) for i, (s, pid) in enumerate(around)
                      if 0 < abs(i - at) <= reach
                      and has_answer_type(evidence.kind, text[s.start : s.end], evidence.question_words)
                      and evidence.specific_terms & term_set(text[s.start : s.end])]  # still on the question
        if not candidates:
            return None
        _, s, pid = min(candidates, key=lambda c: c[0])
        return self._hit(s, pid, hit, True)

    def rejoinder(self, hit: SentenceHit) -> SentenceHit | None:
        """The next sentence of the hit's article when it disputes or qualifies the hit ("X disputes that figure,
        saying ..."): an answer quoting one side should quote the other."""
        around, at = self._around(hit)
        if at is None or at + 1 >= len(around):
            return None
        s, pid = around[at + 1]
        if not _REJOINDER_RE.search(self.store.article_text(s.doc_id)[s.start : s.end]):
            return None
        return self._hit(s, pid, hit, hit.typed)

    def antecedent(self, hit: SentenceHit) -> SentenceHit | None:
        """The previous sentence of the hit's article when the hit answers it ("The airline put the figure at
        118."): the claim it disputes belongs in the answer too."""
        around, at = self._around(hit)
        if not at:
            return None
        if not _REJOINDER_RE.search(self.store.article_text(hit.doc_id)[hit.start : hit.end]):
            return None
        s, pid = around[at - 1]
        return self._hit(s, pid, hit, hit.typed)

    def similar_sentences(self, vector: np.ndarray, k: int = 8) -> list[StoredSentence]:
        """Sentences in the passages nearest to a sentence vector (for finding corroborating reports)."""
        result = self.store.vectors.query(VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k))
        nodes = self.store.nodes(passage_ids=list(result.ids or []))
        rowids = [n.metadata["rowid"] for n in nodes.values()]
        return [s for group in self.store.sentences(rowids).values() for s in group if s.citable]

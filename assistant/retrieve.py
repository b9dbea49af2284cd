"""Retrieval: question -> ranked passages (dense + BM25, fused by reciprocal rank) -> scored sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
from llama_index.core.llms import MockLLM
from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import NodeWithScore, QueryBundle
from llama_index.core.vector_stores.types import VectorStoreQuery

from . import reader, rerank
from .chunk import is_instruction
from .lexical import term_set, terms, words
from .models import SpanEmbedding
from .question import (
    NAME_WORD_RE,
    SPEECH_VERBS,
    asked_for,
    counted_noun,
    has_answer_type,
    said_about,
    subject_of,
    surnames_in,
    value_owner,
)
from .store import Store, StoredSentence

# Kinds a sentence holds when the stored analysis found an entity of these labels in it (new to the question, not
# the articles' topic). The other kinds are still read by question.has_answer_type: typed by entities, money,
# number, percent, year, event and person questions lost answers on the eval sets (rubio fact recall 0.908 ->
# 0.892 for numbers, 0.862 for events; lakeside abstention recall 0.7 -> 0.6 for money and years).
KIND_LABELS = {"date": ("DATE", "TIME"), "place": ("GPE", "LOC", "FAC"),
               "name": ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW")}
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


# A sentence answering the one before it: "But ...", "X disputes that figure", "Tehran denied ...".
_REJOINDER_RE = re.compile(r"^\W*(but|however|yet)\b|^.{0,80}?\b(disputes|disputed|disputing|denies|denied|"
                           r"denying|contradicts|contradicted|rejects|rejected|refutes|refuted|countered)\b|"
                           + r"\b(that|this|those|these) (figures?|numbers?|estimates?|counts?|claims?|tally|total|"
                           r"account)\b(?! of\b)|\bputs? (the|its|their) (figure|number|total|count|toll|tally) at\b",
                           re.IGNORECASE)  # "X disputes that figure", "Ridgeline Air put the figure at 118."


# A quote attributed only to a pronoun: '"...," he said.' / '..., she added.'
_PRONOUN_SPEAKER_RE = re.compile(r"[,.!?\"”]\s*[\"”]?\s*(he|she|they) (said|says|added|told \w+|argued|warned|noted|"
                                 r"explained|insisted|complained|wrote)\W*$", re.IGNORECASE)
# A sentence naming who is speaking: "Kessling said ...", "..., said board chair Lorraine Petch."
# A sentence that is all quotation, continuing the quote before it: '"That problem does not go away."'
_BARE_QUOTE_RE = re.compile(r"^\s*[\"“][^\"“”]*[\"”]\s*$")
# ... and the quote it continues, attributed: '"We have six vacant posts," he said.', '"...," Quill said.'
_ATTRIBUTED_QUOTE_RE = re.compile(r"[\"”]\s*,?\s*(\w+\s+){0,4}" + SPEECH_VERBS + r"\b|"
                                  + SPEECH_VERBS + r"\s*:?\s*[\"“]")
_QUOTED_RE = re.compile(r"[\"“][^\"“”]*[\"”]")  # a quotation, straight or curly quotes
_NAMED_SPEAKER_RE = re.compile(r"\b[A-Z][\w’'-]+,?\s+(\w+\s+){0,2}" + SPEECH_VERBS +
                               r"\b|\b(said|says|added)\s+(\w+\s+){0,3}[A-Z]")


def keep_closest(fused: list[NodeWithScore], closest: list[str], k: int) -> list[NodeWithScore]:
    """The first k of the fused ranking, with the `closest` passages in the last places when ranked lower."""
    top = fused[:k]
    have = {n.node.node_id for n in top}
    missing = [n for n in fused[k:] if n.node.node_id in closest and n.node.node_id not in have]
    return top[: max(k - len(missing), 0)] + missing[:k]


def answers_previous(sentence: str) -> bool:
    """The sentence disputes or answers the one before it ("X disputes that figure", "But ...")."""
    return bool(_REJOINDER_RE.search(sentence))


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
    absent_subject: str = ""  # "when is *the runway* due", "how much *revenue*": asked about, and in no article
    topic_names: frozenset = frozenset()  # for name questions: names so common they are the articles' topic
    said: tuple | None = None  # "What did *Kessling* say about *the consultation*?": (surname, topic terms)
    question: str = ""  # as asked (its interrogative is matched against "has not said how long ...")
    asked: reader.Asked = field(default_factory=reader.Asked)  # the entity labels that answer it (reader.py)
    stale_days: int = 0  # how much older the best sentence's article is than the newest by the as-of day (recency)
    stale_since: date | None = None  # that article's day, when stale_days is set


class DenseRetriever(BaseRetriever):
    """Nearest passages in Chroma by cosine similarity to the query embedding (`ranked`: the last ones found)."""

    def __init__(self, store: Store, embedder: SpanEmbedding, k: int = CANDIDATES):
        super().__init__()
        self.store, self.embedder, self.k = store, embedder, k
        self.ranked: list[str] = []

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        vector = query_bundle.embedding or self.embedder.get_query_embedding(query_bundle.query_str)
        result = self.store.vectors.query(VectorStoreQuery(query_embedding=vector, similarity_top_k=self.k))
        nodes = self.store.nodes(passage_ids=list(result.ids or []))
        found = [NodeWithScore(node=nodes[i], score=s) for i, s in zip(result.ids or [], result.similarities or [])
                 if i in nodes]
        self.ranked = [n.node.node_id for n in found]
        return found


class LexicalRetriever(BaseRetriever):
    """Best BM25 passages from the sidecar's FTS5 index (`scores`: the last ones found, best first)."""

    # FTS5 floors the idf of a term in over half the passages at 1e-6, so a passage matched only by such
    # terms scores about 1e-6. Its rank says nothing, yet rank fusion would credit it like a real match.
    NO_MATCH = 1e-4

    def __init__(self, store: Store, k: int = CANDIDATES):
        super().__init__()
        self.store, self.k = store, k
        self.scores: dict[str, float] = {}

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = [(r, s) for r, s in self.store.lexical.search(terms(query_bundle.query_str), self.k)
                if s > self.NO_MATCH]
        nodes = {n.metadata["rowid"]: n for n in self.store.nodes(rowids=[r for r, _ in hits]).values()}
        found = [NodeWithScore(node=nodes[r], score=s) for r, s in hits if r in nodes]
        self.scores = {n.node.node_id: float(n.score) for n in found}
        return found


class Retriever:
    """Hybrid passage search and sentence scoring over one store."""

    OVERLAP_WEIGHT = 0.35  # how much question-term overlap adds to a sentence's cosine similarity
    RANK_WEIGHT = 0.05  # a small prior for sentences in the best-fused passages
    TYPE_WEIGHT = 0.12  # the sentence holds the kind of thing asked for (a number for "how many", ...)
    ECHO_PENALTY = 0.10  # the sentence only restates the question's own terms
    COMMON_SHARE = 0.2  # a term in this share of all passages is topic vocabulary, not specific to a question
    DENSE_KEPT = 2  # the model's closest passages, always among those returned

    def __init__(self, store: Store, embedder: SpanEmbedding, reranker: rerank.Reranker | None = None):
        self.store, self.embedder, self.reranker = store, embedder, reranker
        self.lexical = LexicalRetriever(store)

    def search(self, query: str, k: int = 10) -> list[Passage]:
        """Return the k best passages for a query, fused from dense and BM25 rankings.

        Rank fusion gives a passage found by one ranking half the credit of one found by both, so the passage
        the model finds closest can fall below passages that merely share the question's words ("Which gathering
        had Rubio addressed?": the Munich Security Conference passage has none of them). The DENSE_KEPT closest
        passages therefore take the last places when fusion ranks them lower.
        """
        fused, dense, lexical = self.fused(query)
        if self.reranker is not None:
            results = self._reranked(query, fused, dense, lexical)[:k]
        else:
            results = keep_closest(fused, dense[: self.DENSE_KEPT], k)
        out = []
        for rank, hit in enumerate(results, start=1):
            m = hit.node.metadata
            out.append(Passage(rank, m["doc_id"], m["title"], m["source"], m["url"], m["published"],
                               hit.node.get_content(), round(float(hit.score or 0.0), 6), m["start"], m["end"],
                               hit.node.node_id, m["rowid"]))
        return out

    def fused(self, query: str) -> tuple[list[NodeWithScore], list[str], dict[str, float]]:
        """The fused ranking of dense and BM25 candidates, the dense ranking (passage ids, best first) and the
        BM25 candidates' scores (in their order)."""
        dense, lexical = DenseRetriever(self.store, self.embedder), LexicalRetriever(self.store)  # they remember
        fusion = QueryFusionRetriever(
            [dense, lexical], llm=MockLLM(), mode=FUSION_MODES.RECIPROCAL_RANK,
            similarity_top_k=2 * CANDIDATES, num_queries=1, use_async=False,
        )
        bundle = QueryBundle(query, embedding=self.embedder.get_query_embedding(query))
        return fusion.retrieve(bundle), dense.ranked, lexical.scores

    def rerank_features(self, query: str, fused: list[NodeWithScore], dense: list[str], lexical: dict[str, float]
                        ) -> np.ndarray:
        """The reranker's features of the first rerank.DEPTH fused passages."""
        d, lx = ({pid: i for i, pid in enumerate(ranked, start=1)} for ranked in (dense, lexical))
        candidates = []
        for rank, hit in enumerate(fused[: rerank.DEPTH], start=1):
            m, pid = hit.node.metadata, hit.node.node_id
            candidates.append(rerank.Candidate(pid, m["rowid"], m["doc_id"], m["title"], hit.node.get_content(),
                                               m["start"], m["end"], rank, d.get(pid, 0), lx.get(pid, 0),
                                               lexical.get(pid, 0.0)))
        qvec = np.asarray(self.embedder.get_query_embedding(query), dtype=np.float32)
        return rerank.features(query, candidates, self.store, qvec)

    def _reranked(self, query: str, fused: list[NodeWithScore], dense: list[str], lexical: dict[str, float]
                  ) -> list[NodeWithScore]:
        head = fused[: rerank.DEPTH]
        X = self.rerank_features(query, fused, dense, lexical)
        scores = self.reranker.scores(X)
        return ([NodeWithScore(node=head[i].node, score=float(scores[i])) for i in self.reranker.order(X)]
                + fused[rerank.DEPTH :])

    def score_sentences(self, question: str, passages: list[Passage]) -> Evidence:
        """Score every citable sentence of the given passages against the question, best first."""
        qvec = np.asarray(self.embedder.get_query_embedding(question), dtype=np.float32)
        qterms = set(terms(question))
        qwords = set(words(question))
        kind, asking = asked_for(question)
        reading = self.asked(question)
        if reading.labels and kind is None:
            kind = "entity"  # the question rules read no kind: typed by the stored entities of the parse's labels
        # names many passages carry are the corpus topic, not what is asked for
        topic = (frozenset(self._topic_names(passages)) if kind in ("name", "event", "person", "entity")
                 else frozenset())
        idf = self.store.lexical.idf(list(qterms))
        total = sum(idf.values()) or 1.0
        df = self.store.lexical.doc_freq(list(qterms))
        names = set(terms(" ".join(NAME_WORD_RE.findall(question[1:]))))
        unseen_names = sum(idf[t] for t in qterms if df[t] == 0 and t in names) / total
        unseen_words = sum(idf[t] for t in qterms if df[t] == 0 and t not in names) / total
        by_passage = self.store.sentences([p.rowid for p in passages])
        hits = []
        surnames: dict[str, frozenset[str]] = {}  # per article, for person questions
        for p in passages:
            text = self.store.article_text(p.doc_id)
            if kind == "person" and p.doc_id not in surnames:
                surnames[p.doc_id] = surnames_in(text)
            sents = by_passage.get(p.rowid, [])
            pterms = term_set(p.text)
            coverage = sum(idf[t] for t in qterms if t in pterms) / total
            gap = max((idf[t] for t in qterms if t not in pterms), default=0.0) / max(idf.values(), default=1.0)
            for s in sents:
                if not s.citable:
                    continue
                sentence = text[s.start : s.end]
                if is_instruction(sentence):
                    continue  # text addressed to an AI or its reader is data, never an answer
                sterms = term_set(sentence)
                overlap = sum(idf[t] for t in qterms if t in sterms) / total
                dense = float(s.vector @ qvec)
                novelty = len(sterms - qterms) / max(len(sterms), 1)
                typed = self.holds_kind(kind, reading, p.doc_id, s.start, s.end, sentence, topic,
                                        surnames.get(p.doc_id, frozenset()))
                score = (dense + self.OVERLAP_WEIGHT * overlap + self.RANK_WEIGHT / p.rank
                         + self.TYPE_WEIGHT * (typed and kind != "entity") - self.ECHO_PENALTY * (novelty < 0.4))
                hits.append(SentenceHit(p.doc_id, s.start, s.end, s.vector, dense, overlap, coverage, p.rank,
                                        score, sterms, typed, p.passage_id, gap))
        if kind == "person":
            self._typed_by_speaker(hits, qwords, topic, surnames)
            self._score_frames(hits, qvec, qwords, topic, surnames)
        hits.sort(key=lambda h: h.score, reverse=True)
        focus = set(terms(asking))  # "margin" in "by what margin": the answer gives a value, not the word
        seen = {t for t in qterms if df[t] and t not in focus}
        specific = frozenset(t for t in seen if df[t] < self._common_df()) or frozenset(seen or qterms)
        absent = ""
        for subject in (subject_of(question), counted_noun(question, kind, asking)):
            subject_terms = terms(subject)  # part of the question, so their counts are mostly in `df` already
            df |= self.store.lexical.doc_freq([t for t in subject_terms if t not in df])
            if subject_terms and not any(df[t] for t in subject_terms):
                absent = subject
        return Evidence(hits, kind, qwords, unseen_names, unseen_words if qterms else 1.0, specific,
                        {t: idf[t] / total for t in qterms}, frozenset(terms(value_owner(question, asking))),
                        frozenset(focus), absent, topic, self._said(question), question, reading)

    def asked(self, question: str) -> reader.Asked:
        """What the question asks for, read from its parse."""
        return reader.asked(question)

    def holds_asked(self, asked: reader.Asked, doc_id: str, start: int, end: int,
                    topic: frozenset = frozenset(), exact: bool = False) -> bool:
        """The span holds a stored entity that answers the question (of an asked label, new to it, not the
        articles' topic); unless `exact`, a label a small model confuses with an asked one counts too."""
        counts = asked.answers if exact else (lambda e: asked.weight(e) > 0)
        return any(counts(e) and not (e.label in reader.NAMES and set(words(e.text)) <= topic)
                   for e in self.store.entities_in(doc_id, start, end))

    def holds_kind(self, kind: str | None, asked: reader.Asked, doc_id: str, start: int, end: int, sentence: str,
                   topic: frozenset = frozenset(), surnames: frozenset = frozenset()) -> bool:
        """The sentence holds the kind of thing asked for, new to the question."""
        if kind == "entity":
            return self.holds_asked(asked, doc_id, start, end, topic)
        if kind in KIND_LABELS:
            return self.holds_asked(replace(asked, labels=KIND_LABELS[kind]), doc_id, start, end, topic, exact=True)
        return has_answer_type(kind, sentence, asked.words, topic, surnames)

    def _typed_by_speaker(self, hits: list[SentenceHit], qwords: set[str], topic: frozenset[str],
                          surnames: dict[str, frozenset[str]]) -> None:
        """For who-questions: a quote ending '"...," he said.' names its speaker in the sentence before it
        ("Kessling said families had been brought in far too late."), so it tells who as much as that does."""
        for hit in hits:
            speaker = "" if hit.typed else self.speaker_text(hit)  # (it reads the hit's wording before any neighbour)
            if speaker and has_answer_type("person", speaker, qwords, topic, surnames.get(hit.doc_id, frozenset())):
                hit.typed = True
                hit.score += self.TYPE_WEIGHT

    def _score_frames(self, hits: list[SentenceHit], qvec: np.ndarray, qwords: set[str], topic: frozenset[str],
                      surnames: dict[str, frozenset[str]]) -> None:
        """For who-questions: in '"We want Europe to prosper ...," Rubio told Bloomberg News Editor-in-Chief John
        Micklethwait.' the person asked for is in the words around the quote, and the quote (most of the
        sentence, and most of its vector) says nothing of who. Such a sentence is scored by the better of its own
        similarity and that of its frame, embedded alone."""
        framed = []
        for hit in hits:
            if not hit.typed:
                continue
            sentence = self.store.article_text(hit.doc_id)[hit.start : hit.end]
            frame = _QUOTED_RE.sub(" ", sentence)
            if frame != sentence and has_answer_type("person", frame, qwords, topic,
                                                     surnames.get(hit.doc_id, frozenset())):
                framed.append((hit, frame))
        if not framed:
            return
        vectors = self.embedder.get_text_embedding_batch([frame for _, frame in framed])
        for (hit, _), vector in zip(framed, vectors):
            gain = float(np.asarray(vector, dtype=np.float32) @ qvec) - hit.dense
            if gain > 0:
                hit.score += gain

    @staticmethod
    def _said(question: str) -> tuple[str, frozenset] | None:
        asked = said_about(question)
        if asked is None:
            return None
        who, topic = asked
        return words(who)[-1], frozenset(terms(topic))

    def speaks_on(self, hit: SentenceHit, said: tuple[str, frozenset]) -> bool:
        """The sentence is the person asked about speaking ("Kessling said ...", or a quote that ends "he said"
        after a sentence naming Kessling) and holds every word of the topic asked about."""
        surname, topic = said
        if not topic <= hit.terms:
            return False
        text = self.store.article_text(hit.doc_id)[hit.start : hit.end]
        if surname in words(text):
            return bool(_NAMED_SPEAKER_RE.search(text))
        return surname in words(self.speaker_text(hit))

    def _topic_names(self, passages: list[Passage]) -> set[str]:
        """Capitalised words of these passages that many passages contain (the corpus's topic, not an answer)."""
        found = {w for p in passages for m in NAME_WORD_RE.finditer(p.text) for w in words(m.group())}
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
        by_passage = self.store.sentences([node.metadata["rowid"] for node in nodes.values()])
        around = sorted(((s, node.node_id) for node in nodes.values()
                         for s in by_passage.get(node.metadata["rowid"], []) if s.citable), key=lambda c: c[0].start)
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
        surnames = surnames_in(text) if evidence.kind == "person" else frozenset()
        candidates = [(abs(i - at), s, pid) for i, (s, pid) in enumerate(around)
                      if 0 < abs(i - at) <= reach
                      and self.holds_kind(evidence.kind, evidence.asked, s.doc_id, s.start, s.end,
                                          text[s.start : s.end], evidence.topic_names, surnames)
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
        if not answers_previous(self.store.article_text(s.doc_id)[s.start : s.end]):
            return None
        return self._hit(s, pid, hit, hit.typed)

    def antecedent(self, hit: SentenceHit) -> SentenceHit | None:
        """The previous sentence of the hit's article when the hit answers it ("The airline put the figure at
        118."): the claim it disputes belongs in the answer too."""
        return self._previous(hit, _REJOINDER_RE)

    def speakers(self, hit: SentenceHit) -> list[SentenceHit]:
        """The sentences before a quote that say who speaks it, nearest first: for '"...," he said.' the previous
        sentence when it names someone saying something ("Kessling said families were told too late."); for a
        quote with no attribution at all ('"That problem does not go away."'), the attributed quote it continues,
        and that one's speaker in turn. Empty when the hit is not such a quote: a quote without its speaker
        does not tell a reader who said it."""
        chain: list[SentenceHit] = []
        continued = self._previous(hit, _BARE_QUOTE_RE, _ATTRIBUTED_QUOTE_RE)
        if continued is not None:
            chain.append(continued)
            hit = continued
        named = self._previous(hit, _PRONOUN_SPEAKER_RE, _NAMED_SPEAKER_RE)
        if named is not None:
            chain.append(named)
        elif chain and not _NAMED_SPEAKER_RE.search(self.store.article_text(hit.doc_id)[hit.start : hit.end]):
            return []  # continues a quote whose speaker is not named either
        return chain

    def speaker_text(self, hit: SentenceHit) -> str:
        """The wording of the sentence that names who speaks the hit's quote ("" when `speakers` finds none)."""
        chain = self.speakers(hit)
        return self.store.article_text(hit.doc_id)[chain[-1].start : chain[-1].end] if chain else ""

    def _previous(self, hit: SentenceHit, hit_says: re.Pattern, previous_says: re.Pattern | None = None
                  ) -> SentenceHit | None:
        """The sentence before the hit in its article, when the hit's wording matches `hit_says` and the previous
        one's matches `previous_says` (if given)."""
        text = self.store.article_text(hit.doc_id)
        if not hit_says.search(text[hit.start : hit.end]):
            return None  # (checked first: most sentences match nothing, and need no look at their neighbours)
        around, at = self._around(hit)
        if not at:
            return None
        s, pid = around[at - 1]
        if previous_says is not None and not previous_says.search(text[s.start : s.end]):
            return None
        return self._hit(s, pid, hit, hit.typed)

    def similar_sentences(self, vector: np.ndarray, k: int = 8) -> list[StoredSentence]:
        """Sentences in the passages nearest to a sentence vector (for finding corroborating reports)."""
        result = self.store.vectors.query(VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k))
        nodes = self.store.nodes(passage_ids=list(result.ids or []))
        rowids = [n.metadata["rowid"] for n in nodes.values()]
        return [s for group in self.store.sentences(rowids).values() for s in group if s.citable]

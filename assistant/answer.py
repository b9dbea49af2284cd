"""Answers: scored sentences -> a short extractive answer whose every sentence carries verified citations.

The answer is made of article sentences copied verbatim. Each is cited, together with every other article
that carries the same statement (corroboration). Each citation's quote is checked against the stored
article text at its offsets before it is returned. When the best evidence is not relevant enough, the
answer abstains; the threshold is fitted on answerable and unanswerable questions (`assistant calibrate`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

from . import abstain, reader
from .errors import AssistantError
from .lexical import term_set
from .question import interrogative, said_unknown
from .retrieve import Evidence, Passage, Retriever, SentenceHit
from .settings import PROMPTS_DIR
from .store import Store

CALIBRATION_FILE = Path(__file__).parent / "calibration.json"
DEFAULT_CALIBRATION = {"coverage_weight": 0.5, "unseen_name_weight": 1.0, "unseen_word_weight": 0.5,
                       "threshold": 0.62}
SAME_TERMS = 0.6  # share of the shorter sentence's terms found in the other: the same statement
SAME_TERMS_CLOSE = 0.4  # ... enough when their vectors also agree closely
CLOSE_VECTORS = 0.85
RELATIVE_MARGIN = 0.12  # a further answer sentence must score within this of the best one
TYPED_MARGIN = 0.25  # ... or within this, when it holds another candidate of what is asked (a second place)
TYPED_OVERLAP = 0.15  # a sentence holding a name (a number...) must share this much of the question to answer it
STRONG_MATCH = 0.65  # ... or be this close to it in the model's eyes (95th percentile of retrieved sentences)
COVER_WEIGHT = 0.5  # bonus, per share of the question's term weight, for covering terms no chosen sentence has
# an answer to these holds one (a question typed only by the parse's entity labels is not held to it: the small
# model misses entities, and whether one was found is a feature of the fitted abstention model instead)
STRICT_KINDS = {"money", "number", "percent", "year", "date", "place", "person", "name", "event", "cause", "outcome"}


@dataclass
class Citation:
    n: int
    doc_id: str
    title: str
    source: str
    url: str
    published: str
    quote: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class AnswerSentence:
    text: str
    citations: list[int]
    disputes: int | None = None  # the (1-based) answer sentence this one contradicts: sources disagree
    earlier: bool = False  # an older source's account, after a newer one that differs (recency.date_answer)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    """The `ask --json` contract: `answer` carries [n] markers that index into `citations`."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    sentences: list[AnswerSentence] = field(default_factory=list)
    confidence: float = 0.0
    closest: list[Passage] = field(default_factory=list)
    note: str = ""  # about the sources' dates: "The newest report on this is from March 2024."
    mode: str = "extractive"  # or "llm": written by a language model, every sentence verified (verify.py)
    dropped: list[dict] = field(default_factory=list)  # {"text", "reason"}: the model's claims that failed
    fallback: str = ""  # why a model-written answer was not given (model unreachable, nothing verifiable ...)
    short_answer: dict | None = None  # the entity that answers, in a cited sentence (reader.py)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "sentences": [s.to_dict() for s in self.sentences],
            "confidence": round(self.confidence, 4),
            "closest": [p.to_dict() for p in self.closest],
            "note": self.note,
            "mode": self.mode,
            "dropped": self.dropped,
            "fallback": self.fallback,
            "short_answer": self.short_answer,
        }


@cache
def load_prompt(name: str) -> str:
    """Load a prompt template from prompts/ by name."""
    path = PROMPTS_DIR / f"{name}.txt"
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise AssistantError(f"Prompt file {path} is missing: reinstall the project from its folder.") from exc


def load_calibration() -> dict:
    """The fitted abstention parameters (see `assistant calibrate`)."""
    try:
        return {**DEFAULT_CALIBRATION, **json.loads(CALIBRATION_FILE.read_text())}
    except (OSError, ValueError):
        return dict(DEFAULT_CALIBRATION)


def confidence(evidence: Evidence, calibration: dict) -> float:
    """How strongly the best sentence answers the question.

    Its score, plus how much of the question its passage covers, minus how much of the question names
    things that no article mentions at all.
    """
    return abstain.linear(abstain.features(evidence, []), calibration) if evidence.hits else 0.0


class Composer:
    """Builds answers from retrieval results."""

    def __init__(self, store: Store, retriever: Retriever, max_sentences: int = 3, calibration: dict | None = None):
        self.store, self.retriever = store, retriever
        self.max_sentences = max_sentences
        self.calibration = calibration or load_calibration()

    def compose(self, question: str, evidence: Evidence, passages: list[Passage], force: bool = False) -> Answer:
        """Compose a cited answer from scored sentences, or abstain (`force`: answer whatever the confidence,
        as when fitting the abstention model; the answer rules still abstain)."""
        candidates = self.candidates(evidence)
        conf = self.confidence(evidence, candidates)
        # An exact match answers below the threshold: the person asked about named in full, or speaking on the
        # topic asked about (names the model has never seen keep the cosine low however exact the match).
        exact = names_the_person(evidence) or self._speaker_first(evidence)
        if not evidence.hits or (conf < self.calibration["threshold"] and not exact and not force):
            return self.abstain(question, conf, passages, self._stale_note(evidence, conf))
        chosen = self.select(evidence)
        if chosen is None:
            return self.abstain(question, conf, passages)
        short = self._short_answer(evidence, chosen, candidates)
        chosen, disputes = self._with_rejoinders(chosen)
        cited = {(h.doc_id, h.start) for group in chosen for h in group}
        for group in chosen:
            self._corroborate(group, cited)
        answer = self._render(question, chosen, conf, disputes)
        if short:
            self._lead(answer, short)
        return answer

    def candidates(self, evidence: Evidence) -> list[reader.Candidate]:
        """The reader's short-answer candidates for the evidence, best first (none when no entity is asked for)."""
        return reader.vote(evidence.hits, evidence.asked, self.store.entities_in, self.store.article_text,
                           evidence.topic_names)

    def confidence(self, evidence: Evidence, candidates: list[reader.Candidate]) -> float:
        """The fitted model's probability that answering is right (a linear score with an older calibration)."""
        if self.calibration.get("model") == "logistic":
            return abstain.probability(abstain.features(evidence, candidates), self.calibration) if evidence.hits \
                else 0.0
        return confidence(evidence, self.calibration)

    def _short_answer(self, evidence: Evidence, chosen: list[list[SentenceHit]],
                      candidates: list[reader.Candidate]) -> list[tuple]:
        """The reader's short answer, and a rival figure that another article gives for the same thing in a sentence
        the answer already quotes: each as (its candidate, the sentence citing it). The short answer's sentence
        joins the answer when not in it."""
        if not candidates:
            return []
        picked = [candidates[0]]
        top = candidates[0]
        if top.label in reader.NUMERIC:
            rival = next((c for c in candidates[1:] if c.label == top.label and c.doc_ids.isdisjoint(top.doc_ids)
                          and self._same_statement(c.best.hit, chosen) is not None
                          and self._same_count(c, top, evidence) and self._same_time(c, top)), None)
            if rival is not None:
                picked.append(rival)
        out = []
        for i, c in enumerate(picked):
            hit = self._sentence_of(c.best)
            if hit is None:
                return out
            if self._same_statement(hit, chosen) is None:
                chosen.insert(min(i + 1, len(chosen)), [hit])
                del chosen[max(self.max_sentences, i + 1):]
            out.append((c, hit))
        return out

    def _same_count(self, rival: reader.Candidate, top: reader.Candidate, evidence: Evidence) -> bool:
        """Two figures, each in an answer sentence of its own article, count the same thing: both sentences name
        what is counted ("how many *children*": "12 children", "17 children")."""
        a, b = top.best.hit, rival.best.hit
        if not (top.best.inside and rival.best.inside) or not evidence.asked.head:
            return False
        text_a = self.store.article_text(a.doc_id)[a.start : a.end].lower()
        text_b = self.store.article_text(b.doc_id)[b.start : b.end].lower()
        return all(w in text_a and w in text_b for w in reader.words(evidence.asked.head))

    def _same_time(self, rival: reader.Candidate, top: reader.Candidate) -> bool:
        """Two reports of the same day (or of unknown dates) disagree; a figure reported days apart is an update,
        which recency.date_answer gives as the newer report first and "Earlier reports said"."""
        from .recency import EARLIER_DAYS, article_day

        days = [article_day(a.published) if a else None
                for a in (self.store.article(top.best.doc_id), self.store.article(rival.best.doc_id))]
        return None in days or abs((days[0] - days[1]).days) < EARLIER_DAYS

    def _sentence_of(self, mention: reader.Mention) -> SentenceHit | None:
        """The citable sentence holding a mention: the read sentence itself, or its neighbour."""
        hit, e = mention.hit, mention.entity
        if hit.start <= e.start and e.end <= hit.end:
            return hit
        around, _ = self.retriever._around(hit)
        for s, pid in around:
            if s.start <= e.start and e.end <= s.end:
                return self.retriever._hit(s, pid, hit, True)
        return None

    def _lead(self, answer: Answer, short: list[tuple]) -> None:
        """Lead the answer with the short answer and its citation; a rival figure follows with its outlet, and
        the two are marked as disagreeing."""
        found = []
        for c, hit in short:
            e = c.best.entity
            n = next((x.n for x in answer.citations if x.doc_id == hit.doc_id and x.start <= e.start
                      and e.end <= x.end), None)
            if n is None:
                break
            found.append((c, e, n))
        if not found:
            return
        (c, e, n), rivals = found[0], found[1:]
        answer.short_answer = {"text": e.text, "shown": c.shown(), "label": e.label, "doc_id": c.best.doc_id,
                               "start": e.start, "end": e.end, "citation": n}
        if rivals:
            answer.short_answer["disagreeing"] = [
                {"text": re_.text, "shown": rc.shown(), "label": re_.label, "doc_id": rc.best.doc_id,
                 "start": re_.start, "end": re_.end, "citation": rn, "source": answer.citations[rn - 1].source}
                for rc, re_, rn in rivals]
        answer.answer = answer_text(answer.sentences, answer.short_answer)

    def select(self, evidence: Evidence) -> list[list[SentenceHit]] | None:
        """The answer sentences for the evidence, or None when the answer rules (not the confidence threshold)
        say the articles do not answer: what the question is about appears in no article, or no sentence
        about the question holds the kind of thing it asks for."""
        hits = evidence.hits
        if not hits or evidence.absent_subject:  # "when is the runway due to be repaved?": no article has one
            return None
        if self._said_to_be_unknown(evidence):
            return None  # "How much did they save?": "The authority has not said how much it expected to save"
        best = hits[0]
        chosen = choose(hits, evidence.term_weights, self.max_sentences)
        if evidence.kind and not best.typed:
            # The thing asked for (a day, a name) often sits in the sentence next to the one that matches best.
            near = self.retriever.nearby_typed(best, evidence)
            if near is not None and self._same_statement(near, chosen) is None:
                self._second(chosen, near)
        if evidence.kind == "identity" and not any(group[0].typed for group in chosen):
            # "Who is X?": the sentence that gives X's role, when one does, whatever its rank
            role = next((h for h in hits if h.typed and self._same_statement(h, chosen) is None), None)
            if role is not None:
                self._second(chosen, role)
        if evidence.kind in STRICT_KINDS and not any(answers_kind(group[0], evidence) for group in chosen):
            # Asked for a number (a name, a day...): bring in the best candidate about the question that holds
            # one; when none does, the articles mention the topic but do not answer the question.
            typed = next((h for h in hits if h.score >= best.score - TYPED_MARGIN and answers_kind(h, evidence)
                          and self._same_statement(h, chosen) is None), None)
            if typed is None:
                return None
            self._second(chosen, typed)
        return chosen

    def _said_to_be_unknown(self, evidence: Evidence) -> bool:
        """A sentence near the top, on the question's specific terms, says that what the question asks is not
        known: "The union has not said how long the strike will last" for "How long will the strike go on?"."""
        asks = interrogative(evidence.question)
        if not asks:
            return False
        best = evidence.hits[0].score
        for hit in evidence.hits:
            if hit.score < best - TYPED_MARGIN:
                break
            unknown = said_unknown(self.store.article_text(hit.doc_id)[hit.start : hit.end])
            if unknown == asks and hit.terms & evidence.specific_terms:
                return True
        return False

    def _speaker_first(self, evidence: Evidence, reach: int = 3) -> bool:
        """For "What did Kessling say about the consultation?": move the best of the first few sentences that has
        the person asked about speaking on the topic asked about to the front, and say whether one does."""
        if not evidence.said:
            return False
        for i, hit in enumerate(evidence.hits[:reach]):
            if self.retriever.speaks_on(hit, evidence.said):
                hit.score = max(hit.score, evidence.hits[0].score)
                evidence.hits.insert(0, evidence.hits.pop(i))
                return True
        return False

    def _second(self, chosen: list[list[SentenceHit]], hit: SentenceHit) -> None:
        """Put `hit` right after the best sentence, dropping the last one if the answer is full."""
        chosen.insert(1 if chosen else 0, [hit])
        del chosen[self.max_sentences:]

    def _with_rejoinders(self, chosen: list[list[SentenceHit]]) -> tuple[list[list[SentenceHit]], dict[int, int]]:
        """Follow each answer sentence with the next one of its article when that disputes it, and precede it
        with the one before when it disputes that ("The airline put the figure at 118."). A sentence keeps its
        claim and rejoinder: when the answer grows too long, the lowest-ranked sentence goes with both.

        Returns the groups and, by position, which earlier group each disputing one answers."""
        units: list[list[list[SentenceHit]]] = []
        answers: dict[int, int] = {}  # id(disputing group) -> id(disputed group)
        taken = list(chosen)
        placed: set[int] = set()  # groups already in a unit
        for group in chosen:
            if id(group) in placed:
                continue
            unit = [group]
            placed.add(id(group))
            # '"...," he said.' follows the sentence that says who he is
            for speaker in self.retriever.speakers(group[0]):
                earlier = self._same_statement(speaker, taken)
                if earlier is None:
                    unit.insert(0, [speaker])
                    taken.append([speaker])
                elif id(earlier) not in placed and _overlaps(speaker, earlier[0]):  # chosen lower down: move it up
                    unit.insert(0, earlier)
                    placed.add(id(earlier))
            claim = self.retriever.antecedent(group[0])
            if claim is not None and self._same_statement(claim, taken) is None:
                unit.insert(0, [claim])
                taken.append([claim])
                answers[id(group)] = id(unit[0])
            reply = self.retriever.rejoinder(group[0])
            if reply is not None and self._same_statement(reply, taken) is None:
                unit.append([reply])
                taken.append([reply])
                answers[id(unit[-1])] = id(group)
            units.append(unit)
        while len(units) > 1 and sum(map(len, units)) > self.max_sentences:
            units.pop()
        groups = [group for unit in units for group in unit][: max(self.max_sentences, len(units[0]) if units else 0)]
        at = {id(group): i for i, group in enumerate(groups)}
        return groups, {at[a]: at[b] for a, b in answers.items() if a in at and b in at}

    def abstain(self, question: str, conf: float, passages: list[Passage], note: str = "") -> Answer:
        text = load_prompt("abstain").format(articles=self.store.article_count(), question=question.strip())
        return Answer(question, f"{text} {note}" if note else text, True, confidence=conf, closest=passages[:3],
                      note=note)

    def _stale_note(self, evidence: Evidence, conf: float) -> str:
        """Why the answer was withheld when only the age of its sources did it: the closest reports are more than a
        month older than the newest articles (abstain.stale), so they likely tell an earlier story."""
        if self.calibration.get("model") == "logistic" or evidence.stale_since is None:
            return ""
        penalty = self.calibration.get("stale_weight", 0.0) * abstain.stale(evidence.stale_days)
        if not penalty or conf + penalty < self.calibration["threshold"]:
            return ""
        day = evidence.stale_since
        return load_prompt("stale_sources").format(date=f"{day:%B} {day.year}", days=evidence.stale_days)

    @staticmethod
    def _same_statement(hit: SentenceHit, chosen: list[list[SentenceHit]]) -> list[SentenceHit] | None:
        for group in chosen:
            head = group[0]
            if hit.doc_id == head.doc_id:
                if _overlaps(hit, head):
                    return group
            elif same_statement(hit.terms, head.terms, float(hit.vector @ head.vector)):
                return group
        return None

    def _corroborate(self, group: list[SentenceHit], cited: set[tuple[str, int]]) -> None:
        """Add other articles' sentences that carry the same statement as the group's head (each sentence is
        cited once per answer: `cited` holds those already used, and gains the ones added)."""
        head = group[0]
        have = {h.doc_id for h in group}
        best_per_doc: dict[str, tuple[float, object]] = {}
        for s in self.retriever.similar_sentences(head.vector):
            if s.doc_id in have or (s.doc_id, s.start) in cited:
                continue
            s_terms = term_set(self.store.article_text(s.doc_id)[s.start : s.end])
            sim = float(s.vector @ head.vector)
            if same_statement(s_terms, head.terms, sim) and sim > best_per_doc.get(s.doc_id, (0.0, None))[0]:
                best_per_doc[s.doc_id] = (sim, s)
        for doc_id, (sim, s) in sorted(best_per_doc.items(), key=lambda kv: -kv[1][0]):
            group.append(SentenceHit(doc_id, s.start, s.end, s.vector, sim, 0.0, 0.0, 0, head.score))
            cited.add((doc_id, s.start))

    def _render(self, question: str, chosen: list[list[SentenceHit]], conf: float,
                disputes: dict[int, int] | None = None) -> Answer:
        citations: list[Citation] = []
        sentences: list[AnswerSentence] = []
        disputes = disputes or {}
        for i, group in enumerate(chosen):
            numbers = []
            for hit in group:
                citation = self._cite(len(citations) + 1, hit)
                citations.append(citation)
                numbers.append(citation.n)
            head = citations[numbers[0] - 1].quote
            disputed = disputes.get(i)
            sentences.append(AnswerSentence(" ".join(head.split()), numbers,
                                            None if disputed is None else disputed + 1))
        return Answer(question, render_text(sentences), False, citations, sentences, conf)

    def _cite(self, n: int, hit: SentenceHit) -> Citation:
        article = self.store.article(hit.doc_id)
        text = self.store.article_text(hit.doc_id)
        if article is None or not 0 <= hit.start < hit.end <= len(text):
            raise AssistantError(f"Stored offsets for {hit.doc_id} do not fit its text: run `assistant ingest` again.")
        quote = text[hit.start : hit.end]
        return Citation(n, hit.doc_id, article.title, article.source, article.url, article.published, quote,
                        hit.start, hit.end)


def answer_text(sentences: list[AnswerSentence], short: dict | None = None) -> str:
    """The answer's text: the short answer first when there is one ("Kyiv [2]."; a rival figure with its outlet,
    marked as disagreeing), then the sentences."""
    body = render_text(sentences)
    return f"{short_lead(short)}. {body}" if short else body


def short_lead(short: dict, value: Callable[[str], str] = str, text: Callable[[str], str] = str,
               cite: Callable[[int], str] = lambda n: f"[{n}]") -> str:
    """The short answer with its citation, and each rival figure with its outlet, marked as disagreeing. The chat
    page passes its own markup: `value` for the answers, `text` for the words around them, `cite` for markers."""
    lead = f"{value(short['shown'])} {cite(short['citation'])}"
    rivals = short.get("disagreeing") or []
    lead += "".join(f"; {value(r['shown'])} according to {text(r['source'] or 'another article')} {cite(r['citation'])}"
                    for r in rivals)
    return lead + (" " + text(load_prompt("sources_disagree")) if rivals else "")


def render_text(sentences: list[AnswerSentence]) -> str:
    """The answer's text: each sentence with its [n] markers; the first of older sources' differing accounts
    introduced as such."""
    from .recency import earlier_lead

    parts = []
    for i, s in enumerate(sentences):
        lead = earlier_lead() + " " if s.earlier and not (i and sentences[i - 1].earlier) else ""
        parts.append(lead + s.text + " " + "".join(f"[{n}]" for n in s.citations))
    return " ".join(parts)


def names_the_person(evidence: Evidence) -> bool:
    """A "Who is Dana Whitcombe?" question whose best sentence names that person in full."""
    return evidence.kind == "identity" and bool(evidence.hits) and evidence.hits[0].overlap >= 1.0 - 1e-9


def answers_kind(hit: SentenceHit, evidence: Evidence) -> bool:
    """The sentence holds the kind of thing asked for and is about the question: it shares a fair part of the
    weight of the question's terms that the corpus has at all, one of its specific terms (not only the
    corpus's topic words) or a word of what is asked for ("Fire Chief X" for "which fire official"), and it
    names what the value belongs to when the question says ("the cost of X")."""
    seen = max(1.0 - evidence.unseen_names - evidence.unseen_words, 1e-6)
    if evidence.of_terms and not hit.terms & evidence.of_terms:
        return False  # asked for the cost of the damage: an amount for rebuilding a seawall does not answer
    return hit.typed and (hit.overlap / seen >= TYPED_OVERLAP or hit.dense >= STRONG_MATCH
                          or bool(hit.terms & (evidence.specific_terms | evidence.focus_terms)))


def choose(hits: list[SentenceHit], weights: dict[str, float], limit: int) -> list[list[SentenceHit]]:
    """Pick up to `limit` answer sentences from scored hits (best first), each with the other articles'
    sentences that say the same thing.

    Candidates score within RELATIVE_MARGIN of the best (TYPED_MARGIN when they hold what is asked for). After
    the first, each pick adds COVER_WEIGHT times the question weight of terms no chosen sentence holds yet, so
    a two-part question gets a sentence for each part rather than two for the first.
    """
    if not hits:
        return []
    best = hits[0]
    pool = [h for h in hits if h.score >= best.score - TYPED_MARGIN
            and (h.typed or h.score >= best.score - RELATIVE_MARGIN)]
    chosen: list[list[SentenceHit]] = []  # each: the answer sentence, then its corroborating reports
    covered: set[str] = set()  # question terms the chosen sentences already hold

    def gain(h: SentenceHit) -> float:
        if not chosen:
            return h.score
        return h.score + COVER_WEIGHT * sum(weights.get(t, 0.0) for t in h.terms - covered)

    while pool and len(chosen) < limit:
        hit = max(pool, key=gain)
        pool.remove(hit)
        if hit.overlap == 0 and chosen:
            continue  # shares no question term: likely context, not an answer
        group = Composer._same_statement(hit, chosen)
        if group is None:
            chosen.append([hit])
            covered |= hit.terms
        elif hit.doc_id not in {h.doc_id for h in group}:
            group.append(hit)
    return chosen


def same_statement(a: frozenset, b: frozenset, cosine: float) -> bool:
    """Two sentences (from different articles) report the same statement: mostly the same terms."""
    if min(len(a), len(b)) < 5:  # too short to tell a shared statement from shared vocabulary
        return False
    numbers_a, numbers_b = {t for t in a if t[0].isdigit()}, {t for t in b if t[0].isdigit()}
    if numbers_a - numbers_b and numbers_b - numbers_a:  # "$18 million" is not "$48 million"
        return False
    common = len(a & b)
    if common / max(len(a), len(b)) < SAME_TERMS_CLOSE / 2:  # one says much more than the other
        return False
    shared = common / min(len(a), len(b))
    return shared >= SAME_TERMS or (shared >= SAME_TERMS_CLOSE and cosine >= CLOSE_VECTORS)


def _overlaps(a: SentenceHit, b: SentenceHit) -> bool:
    return a.start < b.end and b.start < a.end


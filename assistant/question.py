"""Reading a question: what kind of thing it asks for, and whether a sentence holds one.

A question's kind (money, a number, a percentage, a year, a date, a place, a person, a name, an event, a cause, a
demand, an outcome, or who a named person is) is read where its own interrogative starts; `has_answer_type` tells
whether a sentence holds something of that kind that the question does not already name (dates, places and names
are told by the stored spaCy entities instead: retrieve.KIND_LABELS). The answer rules in
`answer.py` use both to abstain when the articles mention the topic but not what is asked.
"""

from __future__ import annotations

import re

from .lexical import words

_CAP = r"[A-Z][\w’'-]*"  # a capitalised word ("Shamkhani", "Editor-in-Chief", "US")
_CAPS = _CAP + r"(?:\s+" + _CAP + r")*"  # a run of them ("Port Alder Transit")

# Each pattern is tried where the question's own interrogative starts (see `answer_type`), so the "when" of
# "What was agreed when they met?" does not make it a question about a date.
_FOCUS = r"(what|which) ((is|was|are|were|will be) )?(the )?((?!of\b)\w+ ){0,2}?"  # "what was the total dollar cost"
_ROLES = (r"(person|official|leader|minister|president|chairman|chairwoman|chair|editor|journalist|reporter|aide|"
          r"spokesman|spokeswoman|spokesperson|trustee|councillor|councilor|commander|chief|officer|director|"
          r"manager|judge|mayor|governor|ambassador|negotiator|envoy|candidate|executive|lawyer|doctor|surgeon|"
          r"nurse|pilot|firefighter|resident|member|founder|owner|secretary|king|queen|prince|pope|ayatollah|"
          r"chancellor|premier|senator|congressman|congresswoman|general|captain|commissioner|superintendent|"
          r"principal|professor|dean|head|deputy|adviser|advisor|analyst|economist|researcher|activist|"
          r"sheriff|coach|ceo|chairperson|emperor|editor-in-chief)")
_ANSWER_TYPES = [
    ("list", re.compile(r"(what|which) (topics|issues|things|areas|conditions|demands|subjects|points|steps|"
                        r"measures|items|factors|matters|questions|problems|priorities|requirements)\b", re.I)),
    # (its last alternatives: "What is the expansion expected to cost?", "What will the bridge cost the town?",
    # "What is it worth?")
    ("money", re.compile(r"how much\b.{0,60}\b(cost|costs|pay|paid|spend|spent|charge|charged|budget|budgeted|"
                         r"raise|raised|earn|earned|lose|losing|lost|owe|owes|owed)\b|how much (money|funding|"
                         r"revenue|income|profit|debt)\b|" + _FOCUS +
                         r"(cost|price|budget|fee|fine|salary|wage|fare|bill|revenue|profit|loss|dollar \w+)\b|"
                         r"what (is|are|was|were|will|would|could|might) "
                         r"(?=.{1,60}?\b(cost|worth)(\s+[\w’'-]+){0,3}\W*$)|"
                         r"what (does|do|did) (?=.{1,60}?\b(cost|worth)\W*$)", re.I)),
    # a share asked as one: "3.9 per cent" answers, "300 ballots" does not
    ("percent", re.compile(r"(what|which) (percentage|percent)\b|how many (percent|per cent)\b|"
                           + _FOCUS + r"(percentage|percent)\b", re.I)),
    ("number", re.compile(r"how (many|much|long|old|far|large|big|high|fast|often)\b|" + _FOCUS + r"(number|"
                          r"percentage|share|proportion|amount|figure|toll|level|rate|price|cost|sum|total|margin|"
                          r"size|speed|age|count|score|population)\b", re.I)),
    ("year", re.compile(r"(in )?(what|which) year\b", re.I)),  # a year: "in February" does not answer
    ("date", re.compile(r"when\b|" + _FOCUS + r"(day|date|year|month|time|weekday|hour)\b", re.I)),
    ("place", re.compile(r"where\b|" + _FOCUS + r"(city|country|place|location|venue|region|capital|town|port|"
                         r"state|province)\b", re.I)),
    # "What are the ferry workers demanding?", "What does the union want?", "What is the union asking for?"
    ("demand", re.compile(r"what (is|are|was|were|do|does|did|has|have|had) (?!not\b).{0,80}?\b(demand|demanding|"
                          r"demanded|seek|seeking|sought|want|wanting|wanted|ask for|asking for|asked for|push for|"
                          r"pushing for|call for|calling for|called for|press for|pressing for)\b|"
                          r"what (are|were) (the|their|its|his|her) ([\w’'-]+ )?(demands|goals|aims)\b", re.I)),
    ("person", re.compile(r"(who|whom|whose)\b|" + _FOCUS + _ROLES + r"\b", re.I)),
    # an event's name: "which gathering", "at which event" ("what event forced..." may not want one)
    ("event", re.compile(_FOCUS + r"(conference|summit|festival|forum|convention|ceremony|tournament)\b|"
                         r"which (\w+ )?(event|gathering|meeting)\b", re.I)),
    # (only nouns whose answer is a proper name: "what group of workers" may not be)
    ("name", re.compile(_FOCUS + r"(names?|company|companies|firm|developer|organi[sz]ation|agency|party|"
                        r"newspaper|outlet|ship|vessel|brand|airline|bank|charity)\b", re.I)),
    ("cause", re.compile(r"what (caused|causes|sparked|started|triggered|ignited|set off)\b|"
                         r"what (is|was|were) the (main |likely |immediate )?(cause|causes|trigger)\b", re.I)),
]
# "Who is Ali Shamkhani?", "Who was Nadia Kovac?": asks who a named person is (a role), not for a name.
_IDENTITY_RE = re.compile(r"^\W*[Ww]ho\s+(is|was|are|were)\s+(?!.*(’s|'s)\b)(?!.*\b" + _ROLES + r"\b)" + _CAPS
                          + r"\s*\??\W*$")  # not "Who is Iran's Supreme Leader?"
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
    r"backfired)(\s*\?|\s*$| as (planned|intended|hoped))", re.I)  # not "did she work in Tehran"
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
_DEMAND_RE = re.compile(r"\b(seeks?|seeking|sought|demands?|demanding|demanded|insists? on|"
                        r"insisting on|insisted on|(asks?|asking|asked|calls?|calling|called|push|pushes|pushing|"
                        r"pushed|press|presses|pressing|pressed) for|proposals?|proposes|proposing|proposed|"
                        r"requests?|requesting|requested)\b", re.I)
_PERCENT_RE = re.compile(r"\d[\d.,]*\s?(%|percent\b|per cent\b|percentage points?\b)|"
                         r"\b(one|two|three|four|five|six|seven|eight|nine|ten|[a-z]+teen|twenty|thirty|forty|fifty|"
                         r"sixty|seventy|eighty|ninety)"
                         r"([ -][a-z]+)? (percent|per cent)\b", re.I)
_NUMBER_RE = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                        r"hundred|thousand|million|billion|dozens?|half)\b", re.I)
_YEAR_RE = re.compile(r"\b(1[5-9]|20)\d\d\b(?!\s*(per|%|people|homes|hectares|metres|kilometres|km))", re.I)
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
# "how many *US troops* are": up to three words before a verb or preposition; the last is what is counted
_AFTER_COUNTED = (r"(?:is|are|was|were|did|does|do|has|have|had|will|would|could|can|should|might|a|an|the|of|in|on|"
                  r"per|each|to|from|for|at|by)\b")
_COUNTED_WORD = r"(?!" + _AFTER_COUNTED + r")[a-z][\w’'-]*"
_COUNTED_RE = re.compile(r"how (?:much|many) ((?:" + _COUNTED_WORD + r"\s+){0,2}" + _COUNTED_WORD + r")(?= "
                         + _AFTER_COUNTED + ")", re.I)
_GENERIC_COUNTS = {"money", "people", "persons", "times", "time", "seconds", "minutes", "hours", "days", "weeks",
                   "months", "years", "percent", "cent", "more", "less", "fewer", "smaller", "larger", "bigger",
                   "higher", "lower", "longer", "shorter", "greater", "faster", "slower", "cheaper", "dearer",
                   "deeper", "wider", "older", "younger", "worse", "better", "further", "farther", "earlier",
                   "later", "of", "is", "are", "was", "were", "did", "does", "do", "has", "have", "had", "will",
                   "would", "could", "can"}
_PLACE_BEFORE_RE = re.compile(r"\b(in|at|on|from|to|near|across|inside|of)\s+(the\s+)?$", re.I)
# "What did Kessling say about the consultation?", "What has Trump told reporters on Iran?"
_SAID_QUESTION_RE = re.compile(
    r"^\W*[Ww]hat (did|does|do|has|have|had) (?P<who>(the |a )?" + _CAP + r"(\s+" + _CAP + r"){0,3}) "
    r"(say|said|tell|told|warn|warned|argue|argued|claim|claimed|write|wrote|add|added)\b(\s+\w+)??"
    r"(\s+(about|of|on|regarding|concerning)\s+(?P<topic>.+?))?\W*$")
_IDENTITY_WORDS = {"who", "is", "was", "are", "were"}
_ROLE_BEFORE_RE = re.compile(r"\b" + _ROLES + r"[\w’'-]*\s+(\S+\s+){0,2}$", re.I)  # "union *president* Dana Whitcombe"
_RUN_RE = re.compile(r"\b" + _CAPS)  # a run of capitalised words
_ROLE_AFTER_RE = re.compile(r"[’']?s?,\s+(the|a|an|who|whose|its|his|her)\b|\s+\((the|a|an)\b")  # "X, a top aide"
_TITLE_RE = re.compile(r"\b(" + _CAP + r"\s+){1,2}$")  # the capitalised words right before a name
NAME_WORD_RE = re.compile(r"\b" + _CAP)
# (not after a sentence's end, but after "Dr. " or "Mrs. ")
_NAME_RE = re.compile(r"(?:(?<=\b[DM]r\.\s)|(?<=\bM[rs]s\.\s)|(?<=\bMs\.\s)|(?<![.!?]\s))(?<!^)"
                      r"\b([A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)+)")
# the last word of an event's name
_EVENT_NAME_RE = re.compile(r"\b(Conference|Summit|Forum|Festival|Fair|Expo|Exhibition|Show|Games|Olympics|Cup|"
                            r"Championships?|Tournament|Open|Assembly|Congress|Convention|Meeting|Ministerial|"
                            r"Dialogue|Symposium|Week|Awards|Gala|Marathon|Parade|Carnival|Ceremony|Jamboree|"
                            r"Regatta|Rally)$")
SPEECH_VERBS = r"(said|says|told|added|argued|warned|noted|explained|insisted|complained|wrote)"
_ONE_WORD_SPEAKER_RE = re.compile(r"\b(?P<before>[A-Z][\w’'-]+),?\s+" + SPEECH_VERBS + r"\b|"
                                  r"\b" + SPEECH_VERBS + r"\s+(?P<after>[A-Z][\w’'-]+)\W*$")
# "... has not said how much ...", "declined to say when ...", "It is not clear whether ...": the article says
# the thing is not known.
_UNKNOWN_RE = re.compile(
    r"\b(has|have|had|did|does|do|would|could|will)\s+not\s+(yet\s+)?(said|say|disclosed|disclose|revealed|reveal|"
    r"given|give|released|release|specified|specify|announced|announce|confirmed|confirm|decided|decide)\s+"
    r"(how|when|where|who|whom|whose|why|what|which|whether)\b|"
    r"\b(declined|refused|would not|wouldn't)\s+to\s+(say|disclose|reveal|give|specify)\s+"
    r"(how|when|where|who|why|what|which|whether)\b|"
    r"\b(it is|it was|it remains|it remained|it's)\s+(not known|unknown|unclear|not clear)\s+"
    r"(how|when|where|who|why|what|which|whether)\b", re.I)
# an interrogative with the words that make it precise ("how long", "what date")
_INTERROGATIVE_RE = re.compile(r"\b(how (much|many|long|far|big|old|often)|when|where|who|whom|why|whether|"
                               r"(what|which) (date|day|year|month|time)|what|which)\b", re.I)
_WHEN = {"when", "what date", "what day", "what year", "what month", "what time", "which date", "which day",
         "which year", "which month", "which time"}
_PROPER_RE = re.compile(r"(?<![.!?\"“]\s)(?<![\"“])(?<!^)\b(" + _CAPS + ")")


def answer_type(question: str) -> str | None:
    """The kind of thing a question asks for (money, a number, date, place, person or name), if it says.

    Read where the question's interrogative starts: the first one, or one joined to it by "and"/"or".
    """
    return asked_for(question)[0]


def asked_for(question: str) -> tuple[str | None, str]:
    """The kind asked for and the words that ask for it ("by what margin", "what is the name"): an answer
    gives a value for those words rather than repeating them."""
    if _SAID_QUESTION_RE.match(question):  # "What did Forsythe say about the carry-over rule?" is not a ruling
        return None, ""
    outcome = _OUTCOME_QUESTION_RE.match(question)
    if outcome:
        return "outcome", ""
    if _IDENTITY_RE.match(question):  # "Who is Shamkhani?" asks what the named person is, not for a name
        return "identity", ""
    for m in _WH_RE.finditer(question):
        if m.start() and not _JOINED_WH_RE.search(question[: m.start()]) and m.start() != _first_wh(question):
            continue
        for kind, pattern in _ANSWER_TYPES:
            found = pattern.match(question, m.start())
            if found:
                return kind, found.group()
    return None, ""


def said_about(question: str) -> tuple[str, str] | None:
    """Who is asked about and on what, in "What did Kessling say about the consultation?" (the topic may be "")."""
    m = _SAID_QUESTION_RE.match(question)
    return (m.group("who"), m.group("topic") or "") if m else None


def outcome_subject(question: str) -> str:
    """Who decided, or what was tried, in an outcome question ("What did *the tribunal* rule?"), if it says."""
    m = _OUTCOME_QUESTION_RE.match(question)
    return (m.group("who") or m.group("what") or "") if m else ""


def _first_wh(question: str) -> int:
    m = _WH_RE.search(question)
    return m.start() if m else -1


def has_answer_type(kind: str | None, sentence: str, question_words: set[str],
                    topic_names: frozenset[str] = frozenset(), surnames: frozenset[str] = frozenset()) -> bool:
    """True when the sentence holds something of that kind that the question does not already name.

    `topic_names` are names so common in the articles that they are their topic ("Rubio"), not an answer; a
    person under a title the question asks about ("Who is the mayor?": "Mayor Elena Brask") still is one.
    `surnames` are the last words of the article's full names: "Kessling said ..." names a person when the
    article has "Omar Kessling" (and "Tehran said" does not)."""
    known = question_words | topic_names

    def new(span: str, known: set[str] = known) -> bool:
        return any(w not in known for w in words(span))

    if kind == "list":  # an enumeration: "a, b, c and d" or "including ..."
        return sentence.count(",") >= 2 or " including " in sentence
    if kind == "money":
        return any(new(m.group()) for m in _MONEY_RE.finditer(sentence))
    if kind == "number":
        return any(new(m.group()) for m in _NUMBER_RE.finditer(sentence))
    if kind == "percent":
        return any(new(m.group()) for m in _PERCENT_RE.finditer(sentence))
    if kind == "year":
        return any(new(m.group()) for m in _YEAR_RE.finditer(sentence))
    if kind == "person":  # judged by the surname: "President Donald Trump" is not new when Trump is known
        return any(new(m.group(1).split()[-1], question_words if _titled(sentence, m, question_words) else known)
                   for m in _NAME_RE.finditer(sentence)
                   if not _PLACE_BEFORE_RE.search(sentence, 0, m.start())  # "on Mill Road" is a place
                   ) or any(new(name) and set(words(name)) <= surnames for name in _speakers(sentence))
    if kind == "identity":  # names the person with a role: "union president Dana Whitcombe", "Ali Shamkhani, a top aide"
        return any(_has_role(sentence, run, question_words - _IDENTITY_WORDS) for run in _RUN_RE.finditer(sentence))
    if kind == "outcome":
        return bool(_OUTCOME_RE.search(sentence))
    if kind == "demand":  # says what someone wants: "is seeking a 6 per cent rise", "called for", "their demand"
        # ("want" is too common to tell: "the last thing anyone wants in a cockpit")
        return bool(_DEMAND_RE.search(sentence))
    if kind == "cause":  # says what brought it about ("after" or "amid" only say when)
        return bool(_CAUSE_RE.search(sentence))
    if kind == "event":  # an event's name: "the Munich Security Conference", "the Critical Minerals Ministerial"
        return any(new(m.group(1)) and _EVENT_NAME_RE.search(m.group(1)) for m in _PROPER_RE.finditer(sentence))
    return False


def _speakers(sentence: str) -> list[str]:
    """The single capitalised words a sentence has saying something: "Kessling said ...", '..., said Forsythe.'"""
    return [m.group("before") or m.group("after") for m in _ONE_WORD_SPEAKER_RE.finditer(sentence)]


def surnames_in(text: str) -> frozenset[str]:
    """The last words of the full names in a text ("Omar Kessling" -> "kessling")."""
    return frozenset(w for m in _NAME_RE.finditer(text) for w in words(m.group(1).split()[-1]))


def _has_role(sentence: str, run: re.Match, name: set[str]) -> bool:
    """This run of capitalised words is the named person, with a role before or after it: "union president Dana
    Whitcombe", "Vice President JD Vance", "Ali Shamkhani, a top aide"."""
    found = [m for m in NAME_WORD_RE.finditer(run.group()) if set(words(m.group())) & name]
    if not found:
        return False
    before = sentence[: run.start() + found[0].start()]
    return bool(_ROLE_BEFORE_RE.search(before) or _ROLE_AFTER_RE.match(sentence, run.end()))


def _titled(sentence: str, name: re.Match, question_words: set[str]) -> bool:
    """The name carries a title the question asks about: "*Mayor* Elena Brask", "*Fire Chief* Ronan Aldercott"."""
    title = _TITLE_RE.search(sentence, 0, name.start())
    title_words = words((title.group() if title else "") + " " + " ".join(name.group(1).split()[:-2]))
    return bool(title_words) and all(w in question_words for w in title_words)  # not "*US* President Trump"


def value_owner(question: str, asking: str) -> str:
    """What the asked-for value belongs to: "the cost *of the damage*", or who decided in an outcome question."""
    owner = _OF_RE.match(question, question.find(asking) + len(asking)) if asking else None
    return owner.group(1) if owner else outcome_subject(question)


def counted_noun(question: str, kind: str | None, asking: str) -> str:
    """What a money or name question asks about by category: "how much *revenue*", "which *developer*". Articles
    that never mention one cannot say which or how much; a generic word ("how much money", "what is the name")
    or an event ("which gathering", checked by its name) is not one. Nor is what a number question counts:
    "how many *workers*" is answered by "410 drivers and mechanics"."""
    if kind == "money":
        m = _COUNTED_RE.match(question, max(question.lower().find(asking.lower()), 0)) if asking else None
        head = m.group(1).split()[-1] if m else ""
        return head if head.lower() not in _GENERIC_COUNTS else ""
    if kind == "name":
        last = asking.split()[-1].lower() if asking.split() else ""
        return last if last not in ("name", "names") else ""
    return ""


def interrogative(text: str) -> str:
    """A text's first interrogative, with the ways of asking when counted as one ("what date" is "when")."""
    m = _INTERROGATIVE_RE.search(text)
    wh = " ".join(m.group().lower().split()) if m else ""
    return "when" if wh in _WHEN else "who" if wh == "whom" else wh


def said_unknown(sentence: str) -> str:
    """The interrogative a sentence says is not known: "how long" for "The union has not said how long the strike
    will last"; "" when it says no such thing."""
    unknown = _UNKNOWN_RE.search(sentence)
    return interrogative(sentence[unknown.start() :]) if unknown else ""


def subject_of(question: str) -> str:
    """What a when/where/how/why/who question is about ("When is *the runway* due to be repaved?"), if found."""
    subject = _SUBJECT_RE.match(question)
    return subject.group(1).strip() if subject else ""

"""Classify one article: does it report a DPRK foreign contact, and who, with whom, where, when.

This is the entry point of the extraction engine. It is plain Python with no database: gazetteers come
from `contacts.reference` (offline sources) and are cached in memory, so `manage.py classify` runs even
when PostgreSQL is down.

How an article is read, in order:
1. The dateline ("Pyongyang, March 21 (KCNA) --") gives the reference day and, for KCNA, what "here" means.
2. The lead (title and first sentences) is split into sentences; each sentence gets its triggers (arrived,
   left for, met, received credentials, floral basket, signed...), its DPRK actors (markers such as DPRK or
   "North Korean", DPRK figures, Korean names in KCNA copy) and its foreign actors (countries, demonyms and
   foreign names), and its near-miss markers (spokesman statements, missile launches, hypotheticals,
   history).
3. The first sentence with a trigger and actors on both sides decides: its kind, direction, date, place
   and people; sentences that continue the same journey add countries, cities and stops.
4. Every decision appends a reason, so an editor sees why (`Analysis.reasons`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from ingest.pipeline import gazetteer, lexicon
from ingest.pipeline.dates import Dateline, explicit_dates, find_dates, parse_dateline
from ingest.pipeline.names import (
    dprk_figure,
    find_names,
    is_deceased_leader,
    is_korean_name,
    name_key,
)

__all__ = ["Analysis", "ArticleInput", "Journey", "PersonMention", "StopMention", "analyze", "prediction"]


@dataclass(frozen=True)
class ArticleInput:
    """One article as read from JSONL, a feed or a page."""

    id: str
    url: str
    source: str
    published: date | None
    title: str
    text: str


@dataclass
class PersonMention:
    """A person the article names on one side of the contact."""

    name: str
    side: str  # "dprk" | "foreign"
    title: str = ""
    role: str = "lead"  # "lead" | "member" | "present"
    country: str | None = None


@dataclass
class StopMention:
    """One place a delegation or leader was, as this article tells it."""

    country: str
    city: str | None
    arrived: date | None = None
    departed: date | None = None
    transit: bool = False
    evidence: str = ""


@dataclass
class Journey:
    """One trip mentioned in the article (an article may mention two)."""

    leader: str | None
    direction: str
    delegation_type: str | None
    sending_country: str  # ISO2
    countries: list[str]
    stops: list[StopMention]
    stage: str | None  # announced | departed | concluded | None
    start: date | None = None
    end: date | None = None
    phrase: str = ""  # the delegation phrase as written
    leader_title: str = ""  # the leader's post as the article gives it (tells namesakes apart)


@dataclass
class Analysis:
    """Everything the classifier decided about one article, with the reasons an editor sees."""

    relevant: bool
    score: float
    kind: str | None
    direction: str | None
    countries: list[str]
    dprk_lead: str | None
    foreign_lead: str | None
    delegation_type: str | None
    event_date: date | None
    event_date_precision: str | None  # day | month | year
    cities: list[str]
    people: list[PersonMention]
    journeys: list[Journey]
    evidence: str  # the sentence that decided
    reasons: list[str] = field(default_factory=list)  # which rules/features decided


# How much of an article is read: the lead carries the contact in news and KCNA copy alike, and reading
# less keeps classification fast (>= 500 articles/s).
MAX_CHARS = 6000
MAX_SENTENCES = 9
RELEVANCE_THRESHOLD = 0.5

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "mt", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "gen", "lt", "col", "prof", "jr", "sr", "inc", "co", "corp", "vs", "etc", "a.i",
    "u.s", "u.n", "c.c", "p.m", "a.m", "d.c", "messrs", "rev", "gov", "sen", "rep", "vol", "approx",
}
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)]*(?:\s+|(?=[A-Z][a-z]{2,}))|\n\s*(?=[^a-z\s])")


@dataclass
class Sentence:
    """A sentence of the lead with its offsets and paragraph number."""

    text: str
    start: int
    index: int
    paragraph: int


def split_sentences(text: str, limit: int = MAX_SENTENCES) -> list[Sentence]:
    """Split news copy into sentences, keeping abbreviations (Feb., U.S., C.C., G. Zyuganov) whole."""
    sentences: list[Sentence] = []
    start = 0
    paragraph = 0
    for m in _SENTENCE_END.finditer(text):
        chunk = text[start:m.start() + 1]
        if "\n" in m.group(0) and text[m.end():m.end() + 1].islower():
            continue
        glued = not any(ch.isspace() for ch in m.group(0))  # "9:40 p.m.The train": a lost space
        if "\n" not in m.group(0) and not glued:
            before = re.search(r"([\w.']+)[.!?]*$", text[max(0, m.start() - 15):m.start() + 1])
            word = (before.group(1) if before else "").rstrip(".").lower()
            after = text[m.end():m.end() + 1]
            if word in _ABBREVIATIONS or len(word) <= 2 and word.isalpha() and text[m.start()] == "." or (
                after and not (after.isupper() or after in "\"“‘'(" or after.isdigit())
            ):
                continue
        if chunk.strip():
            sentences.append(Sentence(chunk.strip(), start + (len(chunk) - len(chunk.lstrip())), len(sentences),
                                      paragraph))
        if "\n" in m.group(0):
            paragraph += 1
        start = m.end()
        if len(sentences) >= limit:
            return sentences
    tail = text[start:]
    if tail.strip() and len(sentences) < limit:
        sentences.append(Sentence(tail.strip(), start + (len(tail) - len(tail.lstrip())), len(sentences), paragraph))
    return sentences


# --- Actors in a sentence --------------------------------------------------------------------------------

_NON_ACTOR_BEFORE = re.compile(
    r"(?:\b(?:to|for|on|about|over|against|toward|towards|regarding|concerning|with|by|into|across|of|"
    r"ambassador to|envoy to|embassy in|ties with|relations with|sanctions on|pressure on|policy on)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
_NON_ACTOR_AFTER = re.compile(
    r"^(?:'s|’s)?\s*(?:nuclear|missile|missiles|troop|troops|abduction|abductions|provocation|provocations|"
    r"weapons?|program|programme|deployment|denuclearization|denuclearisation|issue|launch|launches|threat|"
    r"regime's|economy|border|sanctions|artillery|policy|human rights|situation|problem|crisis|capital city|"
    r"defectors?|refugees?|workers|leader's sister)", re.IGNORECASE)
_TITLE_AFTER = re.compile(r"^(?:'s|’s)?\s*(?:[\w-]+\s+){0,3}?(?:leader|delegation|official|officials|minister|"
                          r"premier|president|ambassador|envoy|counterpart|side|party|government|group|team|"
                          r"troupe|vice|chairman|head|diplomat|diplomats|foreign|embassy|state media|top)\b",
                          re.IGNORECASE)


@dataclass
class CountryRef:
    """A country named in a sentence, and whether it names an actor, a place or a destination."""

    iso2: str
    text: str
    start: int  # offset in the sentence
    role: str  # actor | place | destination


@dataclass
class NameRef:
    """A person named in a sentence, with the side, country, title and role the context gives."""

    name: str
    start: int
    end: int
    side: str | None
    country: str | None
    title: str
    role: str  # leader | subject | object | present | mention
    excluded: bool = False


@dataclass
class Trigger:
    """A contact word in a sentence: its kind, rule name, strength and offset."""

    kind: str
    name: str
    strength: int
    start: int
    subordinate: bool = False


@dataclass
class SentenceInfo:
    """What one sentence says: triggers, DPRK side, foreign countries and people, near-miss markers."""

    sent: Sentence
    triggers: list[Trigger]
    dprk_actor: bool
    dprk_place: bool
    dprk_reasons: list[str]
    countries: list[CountryRef]
    names: list[NameRef]
    hypothetical: bool
    history: bool
    statement: bool
    military: bool
    here: bool


@dataclass
class Context:
    """Article-wide facts the sentence rules need."""

    kcna: bool  # KCNA-style copy datelined in Pyongyang ("here" is Pyongyang)
    dateline: Dateline
    reference: date | None
    folded: str
    known_dprk: dict[str, str] = field(default_factory=dict)  # surname/key -> full name
    known_foreign: dict[str, str] = field(default_factory=dict)
    south: bool = False  # the copy is about the South (Seoul's president, ministers, Cheong Wa Dae)
    relative: date | None = None  # the day weekday words count from (None when the page date is wrong)
    decisive: int = 0  # index of the sentence that decided
    slack: int = 0  # days of time-zone slack for weekday words against a foreign page date


_ROLE_NEAR = re.compile(r"\b(?:bordering|borders|border with|near|close to|adjacent to|neighbou?ring)\s+(?:the\s+)?$",
                        re.IGNORECASE)
_ROLE_TRANSIT = re.compile(r"\b(?:via|through|across|crossed into|crossing into|by way of|transit(?:ing)? through|"
                           r"passed through|passing through)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
_ROLE_DESTINATION = re.compile(
    r"\b(?:to visit|visit(?:ed|ing)?|visit to|trip to|tour of|tour to|left for|leave for|leaves for|"
    r"departed for|headed for|heads for|bound for|arrived in|arrives in|arrived at|landed in|"
    r"for a visit to|sent (?:\w+ ){0,4}to|to|alla volta (?:di|della|del|dell')|rumbo a|com destino a)\s+"
    r"(?:the\s+)?(?:[\w-]+\s+){0,3}$", re.IGNORECASE)
_ROLE_PLACE = re.compile(r"\b(?:in|at|near|inside|across|held in|via|through)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$",
                         re.IGNORECASE)
_ROLE_PLACE_AFTER = re.compile(r"^\s*(?:capital|city)\b", re.IGNORECASE)
_ROLE_ENVOY_TO = re.compile(r"\b(?:ambassador|envoy|embassy|charge d'affaires) (?:of \w+ )?to (?:the )?$", re.IGNORECASE)


def _country_role(sentence: str, start: int, end: int) -> str:
    """Whether a country named in a sentence is an actor, a place, a destination, a transit or nearby."""
    before = sentence[max(0, start - 40):start]
    if _ROLE_NEAR.search(before):
        return "near"
    if _ROLE_TRANSIT.search(before):
        return "transit"
    if _ROLE_DESTINATION.search(before):
        return "destination"
    if _ROLE_PLACE.search(before) or _ROLE_PLACE_AFTER.match(sentence[end:end + 20]):
        return "place"
    if _ROLE_ENVOY_TO.search(before):
        return "place"
    return "actor"


def _is_dprk_actor_marker(sentence: str, start: int, end: int, word: str) -> bool:
    """Whether a DPRK marker names a party to the contact, not a topic or a destination."""
    before = sentence[max(0, start - 40):start]
    after = sentence[end:end + 40]
    if _NON_ACTOR_AFTER.match(after):
        return False
    if _TITLE_AFTER.match(after):
        return True  # "North Korean leader", "DPRK delegation", "North Korea's ruling party"
    if word.lower().startswith("pyongyang"):
        return bool(re.match(r"^(?:'s|’s)?\s+(?:has|have|had|said|says|sent|sends|will|and|replied)\b", after))
    if _OF_ACTOR_BEFORE.search(before):
        return True  # "a delegation of the DPRK", "ambassador of the DPRK"
    if _NON_ACTOR_BEFORE.search(before):
        return False  # "ambassador to North Korea", "abductions by North Korea", "ties with Pyongyang"
    return True


# A contact only spoken of as possible or planned: "he will meet", "plans to hold meetings", "hopes to visit".
_MODAL_BEFORE = re.compile(r"\b(?:will|would|could|may|might|shall|plans? to|planning to|hopes? to|hoping to|wants? to|"
                           r"likely to|expected to|set to|due to|agreed to|offered to|ready to|willing to|invited \w+ to|"
                           r"invitation to|proposal to|proposed to|not to|never)\s+(?:\w+\s+){0,4}$", re.IGNORECASE)
_OF_ACTOR_BEFORE = re.compile(r"\b(?:delegations?|ambassador|embassy|president|minister|ministry|government|leader|"
                              r"side|head|chairman|premier|team|troupe|group|officials?|envoy|party|army|"
                              r"agency|vice-minister|secretary) of (?:the )?$", re.IGNORECASE)


# A trigger inside a time clause or purpose is not the event itself ("ahead of his visit", "to discuss").
_SUBORDINATE_BEFORE = re.compile(r"\b(?:ahead of|before|after|prior to|following|since|until|to discuss|"
                                 r"anniversary of|occasion of|preparing for|preparations for)\s+"
                                 r"(?:(?:his|her|their|its|the|a|an)\s+)?(?:[\w-]+\s+){0,2}$", re.IGNORECASE)


def _hypothetical(text: str, triggers: list[Trigger]) -> bool:
    """Hypothetical or denied wording around the main trigger ("would meet", "no plans to visit")."""
    main = [t for t in triggers if not t.subordinate and t.strength >= 2]
    if not main:
        return bool(lexicon.HYPOTHETICAL.search(text))
    first = main[0].start
    return bool(lexicon.HYPOTHETICAL.search(text[max(0, first - 80):first + 30]))


def _sentence_info(sent: Sentence, ctx: Context) -> SentenceInfo:
    text = sent.text
    triggers: list[Trigger] = []
    lower = text.lower()
    # One scan for every trigger's key substrings; only the rules whose substrings occur then run.
    same_length = len(lower) == len(text)
    present: set[str] = set()
    for m in lexicon.ALL_STEMS.finditer(lower):
        present |= lexicon.STEM_CLOSURE[m.group(0)]
    # Case-sensitive twins on the lowercased sentence when offsets stay valid (see lexicon.search_lower).
    kinds, haystack = (lexicon.KIND_TRIGGERS_LOWER, lower) if same_length else (lexicon.KIND_TRIGGERS, text)
    for kind, rules in kinds.items():
        for name, pattern, strength in rules:
            stems = lexicon.TRIGGER_STEMS.get(name)
            if stems is not None and present.isdisjoint(stems):
                continue
            for m in pattern.finditer(haystack):
                before = text[max(0, m.start() - 25):m.start()]
                subordinate = bool(_SUBORDINATE_BEFORE.search(before)) or (
                    name != "announced visit" and bool(_MODAL_BEFORE.search(before)))
                triggers.append(Trigger(kind, name, strength, m.start(), subordinate))
    triggers.sort(key=lambda t: t.start)

    dprk_actor = False
    dprk_place = False
    dprk_reasons: list[str] = []
    for m in lexicon.DPRK_MARKER.finditer(text):
        word = m.group(0)
        if _is_dprk_actor_marker(text, m.start(), m.end(), word):
            dprk_actor = True
            dprk_reasons.append(f"DPRK actor: {word}")
        else:
            near = text[max(0, m.start() - 60):m.start()]
            dprk_place = dprk_place or bool(re.search(r"\b(?:in|at)\s+(?:the\s+)?$", near, re.I)) or bool(
                re.search(r"\b(?:arrived|arrives|arriving|visit|visits|visiting|trip|came|travell?ed)\b[^.;]{0,30}"
                          r"\bto\s+(?:the\s+)?$", near, re.I))
    here = ctx.kcna and bool(lexicon.search_lower(lexicon.HERE, text, lower))
    if here:
        dprk_place = True
    if ctx.kcna and lexicon.KOREAN_WORD.search(text) and not re.search(r"South Korean|Koreans? in\b", text):
        dprk_actor = True
        dprk_reasons.append("DPRK actor: Korean (KCNA copy)")

    countries: list[CountryRef] = []
    for cm in gazetteer.find_countries(text):
        if cm.how == "korean":
            continue
        if cm.iso2 == "KP":
            continue
        before = text[max(0, cm.start - 30):cm.start]
        if lexicon.OVERSEAS_KOREANS.search(before):
            continue
        if cm.how == "capital" and cm.iso2 != "KR":
            role = _country_role(text, cm.start, cm.end)
            if role == "actor":
                role = "place"
        else:
            role = _country_role(text, cm.start, cm.end)
        # Reporting outlets are not parties: "South Korea's Yonhap", "China's state-run CGTN".
        if re.match(r"^(?:'s|’s)?\s*(?:state-run |state |official )?(?:media|news agency|Yonhap|Xinhua|TASS|"
                    r"Joint Chiefs|website|CGTN|foreign ministry said|unification ministry said)", text[cm.end:cm.end + 40]):
            continue
        if countries and re.fullmatch(r"\s*(?:,|,? and|,? or|/)\s*(?:the\s+)?",
                                      text[countries[-1].start + len(countries[-1].text):cm.start]):
            role = countries[-1].role  # "to China, Vietnam and Laos": one list, one role
        countries.append(CountryRef(cm.iso2, cm.text, cm.start, role))

    # People only matter where something happens: a sentence with no contact trigger is not read for
    # names (most of an article's sentences; this keeps classification fast).
    eventful = any(not t.subordinate and t.strength >= 2 for t in triggers) or sent.index < 2
    names = _sentence_names(text, ctx) if eventful else []
    for ref in names:
        if ref.side == "dprk" and not ref.excluded:
            dprk_actor = True
            dprk_reasons.append(f"DPRK person: {ref.name}")

    return SentenceInfo(
        sent=sent,
        triggers=triggers,
        dprk_actor=dprk_actor,
        dprk_place=dprk_place,
        dprk_reasons=dprk_reasons,
        countries=countries,
        names=names,
        hypothetical=_hypothetical(text, triggers) if eventful else False,
        history=bool(lexicon.search_lower(lexicon.HISTORY, text, lower)) if eventful else False,
        statement=bool(lexicon.search_lower(lexicon.STATEMENT, text, lower)) if eventful else False,
        military=bool(lexicon.search_lower(lexicon.MILITARY_EVENT, text, lower)) if eventful else False,
        here=here,
    )


# An apposition after a name starts with a title or a nationality ("director of ...", "Russian ambassador").
_TITLE_START = re.compile(
    r"^(?:the |a |an |then |now |also |concurrently |former |acting |first |deputy |vice[- ]|senior |chief |"
    r"head |top )?(?:[A-Z][\w'-]+ ){0,3}?(?:president|premier|prime|minister|vice|deputy|first|chairman|chairwoman|"
    r"chairperson|secretary|general|director|ambassador|member|alternate|head|chief|commander|marshal|speaker|"
    r"governor|mayor|envoy|counsellor|consul|charge|leader|representative|delegate|foreign|defen[cs]e|"
    r"king|queen|emir|sultan|captain|president-elect|politburo|department|party|officer|official|adviser|"
    r"advisor|spokes\w+|editor|rector|dean|professor|vice-\w+|deputy-\w+|[A-Z][\w'-]+n\b|"
    r"DPRK|North Korean|Chinese|Russian|Vietnamese|Lao|Laotian|Mongolian|Cuban|Syrian|Iranian)", re.IGNORECASE)
_SOUTH = re.compile(r"\b(?:South Korea(?:n|'s)?|S\. Korea(?:n|'s)?|ROK|Seoul|Unification Minister|Moon Jae-in|"
                    r"Yoon Suk[- ]?[Yy]eol|Lee Jae-myung|Park Geun-hye|Lee Myung-bak|Cheong Wa Dae|Blue House)\b")


def _name_side(text: str, start: int, end: int, name: str, ctx: Context) -> tuple[str | None, str | None, str]:
    """Side, country and title of a name from the title before it and the apposition after it.

    The first nationality the context gives decides ("Chinese Ambassador Liu", "Ri, DPRK ambassador to
    Laos"); places after "to"/"in" are destinations, not nationalities ("ambassador to the DPRK"). A Korean
    name with no marker is on the DPRK side in KCNA copy or when already named as such, on the South's
    side in copy about the South, and undecided otherwise.
    """
    before = text[max(0, start - 100):start]
    pieces = re.split(r"[;:\"]|,|\b(?:and|by|with|from|met|meets|received|receives|between|were|was|are|is|sent|sends|"
                      r"conveyed|delivered|greeted|hosted|visited|invited|thanked|congratulated|told|said)\b", before)
    title_before = pieces[-1]
    led = ("led by" in before or "headed by" in before) and re.search(r"([^,;:.]{0,80}?\b(?:delegation|group|mission|team|troupe|delegazione|delegación|delegação)"
                    r"[^,;:.]{0,80}?)\b(?:led|headed) by\s+((?:[\w.'-]+\s+){0,5})$", before)
    if led:
        # "A Russian delegation led by Oleg Volkov": the delegation phrase gives the nationality.
        title_before = led.group(1) + " " + led.group(2)
    elif not title_before.strip() and before.rstrip().endswith(","):
        # "his visiting Laos counterpart, Saleumxay Kommasith": the title is the clause before the comma.
        title_before = re.split(r"[;:\"]|,|\b(?:met|meets|meeting|received|with|were|was)\b", before.rstrip()[:-1])[-1]
    after = text[end:end + 160]
    apposition = ""
    m = re.match(r"^\s*,\s*([^;]*?)(?:,\s*(?=[A-Z][a-z]+ [A-Z])|,\s*(?:also|who|which|has|had|was|is)\b|[;.]|"
                 r"\s+(?:and|met|received|held|said|sent|arrived|left|visited|also|on (?:Monday|Tuesday|Wednesday|"
                 r"Thursday|Friday|Saturday|Sunday))\b|$)", after)
    if m and _TITLE_START.match(m.group(1)):
        apposition = m.group(1)[:150]
    else:
        m = re.match(r"^\s+(?:on (?:his|her|their) (?:election|re-election|appointment|reelection) as|as|who is)\s+"
                     r"([^,;.]{0,80})", after)
        if m:
            apposition = m.group(1)
    title = (title_before.strip() + (", " if title_before.strip() and apposition else "") + apposition).strip()
    if dprk_figure(name):
        return "dprk", "KP", title
    korean = is_korean_name(name)
    # Country-like words in the context, without destinations ("to the DPRK", "in Moscow"): the nearest
    # before the name, else the first in the apposition.
    before_markers = _context_markers(title_before)
    if before_markers:
        code = before_markers[-1][1]
        return ("dprk", "KP", title) if code == "KP" else ("foreign", code, title)
    markers = _context_markers(apposition)
    if markers:
        code = markers[0][1]
        return ("dprk", "KP", title) if code == "KP" else ("foreign", code, title)
    if korean:
        key = name_key(name)
        if ctx.kcna or key in ctx.known_dprk:
            return "dprk", "KP", title
        if key in ctx.known_foreign or ctx.south:
            return "foreign", "KR", title
        return None, None, title
    return "foreign", None, title


@lru_cache(maxsize=4096)
def _context_markers(context: str) -> list[tuple[int, str]]:
    """Nationality markers in a title or apposition, in order: (offset, ISO2 or KP)."""
    markers: list[tuple[int, str]] = []
    clean = re.sub(r"\b(?:DPRK|Korea)-[A-Z][\w']+", "DPRK", context)
    for cm in gazetteer.find_countries(clean):
        if cm.how == "korean":
            continue
        if re.search(r"\b(?:to|in|at|into|for|with)\s+(?:the\s+)?$", clean[max(0, cm.start - 12):cm.start], re.I):
            continue
        markers.append((cm.start, cm.iso2))
    for dm in lexicon.DPRK_MARKER.finditer(clean):
        if re.search(r"\b(?:to|in|at|into|for|with)\s+(?:the\s+)?$", clean[max(0, dm.start() - 12):dm.start()], re.I):
            continue
        if dm.group(0).startswith("Pyongyang") and not clean[dm.end():dm.end() + 7].startswith(("'s", " City")):
            continue
        if dm.group(0).startswith("Kim"):
            continue  # another person named in the clause, not a title
        markers.append((dm.start(), "KP"))
    for dm in re.finditer(r"\b(?:C\.C\.|Workers' Party of Korea|WPK|Korean People's Army|KPA|Supreme People's "
                          r"Assembly|SPA|Presidium of the|Pyongyang City|Korean Committee|Cabinet|State Affairs|KCNA|"
                          r"Korean Central News Agency)\b", clean):
        markers.append((dm.start(), "KP"))
    if _SOUTH.search(context):
        markers.append((_SOUTH.search(context).start(), "KR"))
    markers.sort()
    return markers


_PLACE_WORDS = {"municipality", "city", "airport", "station", "district", "province", "region", "county", "square",
                "hall", "palace", "hotel", "street", "port", "island", "bay", "village", "town"}


def _in_present_list(prefix: str) -> bool:
    """Whether a name comes inside a list opened by "Present there were", "seen off by", "greeted by"..."""
    matches = list(lexicon.PRESENT_LIST.finditer(prefix))
    if not matches:
        return False
    m = matches[-1]
    between = prefix[m.end():]
    return not re.search(r"\b(?:met|received|arrived|left|said|signed|held|hosted)\b", between)


_CAPITALISED_WORD = re.compile(r"\b([A-Z][a-z]+)\b")


def _sentence_names(text: str, ctx: Context) -> list[NameRef]:
    refs: list[NameRef] = []
    cities = gazetteer.city_index()
    if re.fullmatch(r"\s*(?:By\s+)?[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){1,3}\s*", text):
        return []  # a byline ("Daniel Kim"), not a party to anything
    for name, start, end in find_names(text):
        parts = name.split()
        if not is_korean_name(name) and (cities.get(name) or cities.get(parts[0]) and (
                cities.get(parts[-1]) or parts[-1].lower() in _PLACE_WORDS)):
            continue  # "Hangzhou Xiaoshan", "Ho Chi Minh Municipality": places, not people
        before = text[max(0, start - 90):start]
        side, country, title = _name_side(text, start, end, name, ctx)
        excluded = is_deceased_leader(name, ctx.reference) or bool(lexicon.NOT_PARTY_CONTEXT.search(before[-45:]))
        after = text[end:end + 25]
        if re.match(r"^\s*(?:University|Square|Stadium|Prize|Order|Medal|Street|Bridge|Station|Hall|Park|"
                    r"Kimilsungia|Youth|Socialist)\b", after):
            excluded = True
        role = "mention"
        if lexicon.LEAD_BY.search(re.sub(r"(?:[A-Z][\w'-]*\.?\s+|of\s+|the\s+)*$", "", before)):
            role = "leader"
        elif re.search(r"\b(?:leading|who is leading|as head of|heading)\b", text[end:end + 60]):
            role = "leader"
        elif lexicon.PRESENT_LIST.search(before) or _in_present_list(text[:start]):
            role = "present"
        elif re.search(r"\b(?:met|meets|met with|with|received|receives|from|to|greeted|hosted|between)\s+"
                       r"(?:[\w'-]+\s+){0,8}$", before, re.I) or re.search(
                           r"\b(?:met|meets|met with|with|received|receives|from|to|greeted|hosted|between)\s+"
                           r"(?:[\w'.-]+\s+){0,8}[A-Z][\w'-]+(?: [A-Z][\w'-]+){1,3} and\s+(?:[\w'-]+\s+){0,4}$",
                           before, re.I):
            role = "object"
        elif start < 60 or re.match(r"^[\s,]*(?:who|,)", text[end:end + 5]) and start < 100:
            role = "subject"
        refs.append(NameRef(name, start, end, side, country, title, role, excluded))
        if side is None or excluded:
            continue
        key = name_key(name)
        book = ctx.known_dprk if side == "dprk" else ctx.known_foreign
        book.setdefault(key, name)
        book.setdefault(name.split()[0 if is_korean_name(name) else -1].lower(), name)
    # A bare surname refers back to someone already named ("Kim", "Trump", "Phomvihane").
    named = list(refs)
    for m in _CAPITALISED_WORD.finditer(text) if ctx.known_dprk or ctx.known_foreign else ():
        word = m.group(1).lower()
        dprk = word in ctx.known_dprk and len(word) > 1
        if not dprk and not (word in ctx.known_foreign and len(word) > 3):
            continue  # the usual case, tested first: most capitalised words name nobody known
        if any(r.start <= m.start() < r.end for r in named):
            continue
        if dprk:
            refs.append(NameRef(ctx.known_dprk[word], m.start(), m.end(), "dprk", "KP", "", "mention", False))
        else:
            refs.append(NameRef(ctx.known_foreign[word], m.start(), m.end(), "foreign", None, "", "mention", False))
    refs.sort(key=lambda r: r.start)
    return refs


# --- The decision ----------------------------------------------------------------------------------------

def _contact_score(info: SentenceInfo, ctx: Context, nxt: list[SentenceInfo] | None = None) -> tuple[float, list[str]]:
    """How strongly one sentence reports a DPRK foreign contact, with the reasons.

    A sentence needs a contact trigger, a DPRK side (actor, or the DPRK as the place) and a foreign side.
    The side a sentence lacks may come from the next two sentences when they list who was present
    ("Present on invitation were ..."), as KCNA reports of receptions and ceremonies do.
    """
    nxt = nxt or []
    main = [t for t in info.triggers if not t.subordinate]
    if not main:
        return 0.0, []
    best = max(t.strength for t in main)
    if best < 2:
        return 0.0, []
    foreign_actor = any(c.role == "actor" and c.iso2 != "KR" for c in info.countries) or any(
        n.side == "foreign" and not n.excluded for n in info.names)
    foreign_place = any(c.role in {"place", "destination"} and c.iso2 != "KP" for c in info.countries)
    south_actor = any(c.iso2 == "KR" for c in info.countries) or any(
        n.side == "foreign" and n.country == "KR" for n in info.names)
    reasons = []
    score = 0.15 * best
    listed = [n for n in nxt[:2] if re.search(r"\b(?:present|on hand|attending|attended|greeted|seen off|"
                                               r"accompanied|invitation|invited)\b", n.sent.text, re.I)]
    in_dprk_kcna = ctx.kcna and not foreign_place and best >= 3 and any(
        t.kind in {"visit", "meeting", "agreement"} for t in main)
    if info.dprk_actor:
        score += 0.3
        reasons.append(info.dprk_reasons[0] if info.dprk_reasons else "DPRK actor")
    elif info.dprk_place and any(t.kind in {"visit", "meeting", "agreement"} for t in main):
        score += 0.25
        reasons.append("contact in the DPRK" + (" (here, KCNA dateline)" if info.here else ""))
    elif in_dprk_kcna:
        score += 0.2
        reasons.append("KCNA: a foreign side acting with no place abroad is in the DPRK")
    elif any(n.dprk_actor for n in listed):
        score += 0.2
        reasons.append("DPRK side listed in the next sentence")
    else:
        return 0.0, []
    if foreign_actor or south_actor:
        score += 0.25
        reasons.append("foreign side named")
    elif foreign_place and any(t.kind == "visit" for t in main):
        score += 0.2
        reasons.append("DPRK side abroad")
    elif any(any(c.role == "actor" and c.iso2 not in {"KP", "KR"} for c in n.countries)
             or any(p.side == "foreign" and not p.excluded for p in n.names) for n in listed):
        score += 0.2
        reasons.append("foreign side listed in the next sentence")
    elif foreign_place and any(t.kind == "meeting" for t in main) and ctx.kcna:
        score += 0.15
        reasons.append("KCNA: DPRK side at an event abroad")
    elif ctx.kcna and info.here:
        score += 0.1
    else:
        return 0.0, []
    if info.hypothetical:
        score -= 0.3
        reasons.append("hypothetical wording")
    if info.statement:
        score -= 0.3
        reasons.append("statement/commentary")
    if info.military and best < 3:
        score -= 0.2
        reasons.append("military event words")
    if lexicon.ANNIVERSARY_OF.search(info.sent.text) and not any(t.kind in {"visit", "message"} and t.strength >= 3
                                                                  for t in main):
        score -= 0.3
        reasons.append("anniversary of an old agreement")
    if re.search(r"\b(?:in|since) (?:19|20)\d\d\b", info.sent.text, re.I) and ctx.reference:
        years = [int(y) for y in re.findall(r"\b(?:in|since) ((?:19|20)\d\d)\b", info.sent.text, re.I)]
        if years and max(years) < ctx.reference.year - 1:
            score -= 0.3
            reasons.append("history")
    return max(0.0, min(1.0, score)), reasons


def _kind(info: SentenceInfo, following: list[SentenceInfo], title: str) -> tuple[str, str]:
    """The main kind of contact of the deciding sentence, and the trigger that decided."""
    text = info.sent.text
    main = [t for t in info.triggers if not t.subordinate]
    if lexicon.MESSAGE_OBJECT.search(text) or (
        any(t.kind == "message" for t in main) and lexicon.MESSAGE_FROM_TO.search(text)
        and not any(t.kind in {"visit", "meeting"} and t.strength >= 3 and t.name not in {"met"} for t in main)
    ):
        # "met and conveyed a message" is still a meeting.
        first_meeting = next((t for t in main if t.kind == "meeting" and t.strength >= 3), None)
        first_message = next((t for t in main if t.kind == "message"), None)
        if not (first_meeting and first_message and first_meeting.start < first_message.start):
            return "message", "message sent or received"
    strong = [t for t in main if t.strength >= 3 or (t.strength == 2 and t.kind != "visit")]
    travel_strong = [t for t in main if t.kind == "visit" and t.strength >= 3]
    meeting_strong = [t for t in main if t.kind == "meeting" and t.strength >= 2]
    agreement = [t for t in main if t.kind == "agreement"]
    if strong:
        first = strong[0]
        if first.kind == "agreement" and travel_strong:
            return "visit", travel_strong[0].name
        if first.kind == "visit":
            return "visit", first.name
        if first.kind == "agreement":
            return "agreement", first.name
        if first.kind == "meeting":
            if agreement and re.search(r"\bsign(?:ed|ing)\b[^.]{0,60}\b(?:agreement|accord|protocol|memorandum|"
                                       r"declaration|treaty|contract|plan)", text, re.I) and not re.search(
                                           r"\b(?:met|talks)\b", text[:agreement[0].start], re.I):
                return "agreement", agreement[0].name
            return "meeting", first.name
        if first.kind == "message":
            return "message", first.name
    visited = [t for t in main if t.kind == "visit"]
    if visited:
        # "visited Laos" followed by talks is reported as the meeting; a bare visit stays a visit.
        if any(t.kind == "meeting" and t.strength >= 3 for f in following[:2] for t in f.triggers) and \
                visited[0].name in {"visited"}:
            return "meeting", "visited, then met"
        if meeting_strong and visited[0].name in {"on a visit", "to visit"}:
            return "meeting", meeting_strong[0].name
        return "visit", visited[0].name
    if meeting_strong:
        return "meeting", meeting_strong[0].name
    if agreement:
        return "agreement", agreement[0].name
    return (main[0].kind if main else "meeting"), (main[0].name if main else "")


def _direction(kind: str, info: SentenceInfo, ctx: Context, lead_infos: list[SentenceInfo]) -> tuple[str, str]:
    """Outbound (the DPRK side abroad), inbound (the foreign side in the DPRK) or remote (messages)."""
    text = info.sent.text
    if kind == "message":
        return "remote", "message: nobody travels"
    if lexicon.TO_DPRK.search(text) or (info.here and re.search(r"\b(?:arrived|signed|held|embassy|"
                                                                r"here (?:on|today))\b", text, re.I)):
        if not re.search(r"\b(?:left|departed|leaves) (?:here|Pyongyang)\b[^.]{0,80}\b(?:for|to)\b", text, re.I):
            return "inbound", "contact in the DPRK"
    if lexicon.LEFT_HOME.search(text) or lexicon.RETURN_HOME.search(text):
        subject = text[:lexicon.LEFT_HOME.search(text).start()] if lexicon.LEFT_HOME.search(text) else text
        if not any(c.role == "actor" for c in _countries_in(info, subject)) or re.search(
                r"DPRK|North Korea|Korean|WPK|KPA", subject):
            return "outbound", "DPRK side left Pyongyang / returned home"
        return "inbound", "foreign side left Pyongyang"
    if lexicon.PYONGYANG_VENUE.search(text):
        return "inbound", "Pyongyang venue"
    places = [c for c in info.countries if c.role in {"place", "destination"} and c.iso2 != "KP"]
    if places:
        return "outbound", f"contact abroad: {places[0].text}"
    cities = _cities_in(text)
    foreign_cities = [c for c in cities if c[1].country != "KP" and not c[1].border]
    if foreign_cities:
        return "outbound", f"contact abroad: {foreign_cities[0][0]}"
    if any(c[1].country == "KP" and not c[1].border for c in cities):
        return "inbound", "contact in the DPRK"
    if re.search(r"\b(?:on a visit|visiting|on (?:a|an|his|her|their) [\w -]{0,30}visit) to (?:the )?([A-Z][\w' ]+)",
                 text):
        m = re.search(r"\bvisit(?:ing)? to (?:the )?([A-Z][\w' ]+)", text)
        if m and not re.match(r"(?:DPRK|North Korea|Pyongyang|Democratic People)", m.group(1)):
            return "outbound", "on a visit abroad"
        if m:
            return "inbound", "on a visit to the DPRK"
    if ctx.dateline.city and ctx.dateline.agency and "KCNA" in ctx.dateline.agency and \
            ctx.dateline.city.lower() != "pyongyang":
        return "outbound", f"KCNA correspondent in {ctx.dateline.city}"
    if ctx.dateline.city and ctx.dateline.city.lower() == "pyongyang":
        return "inbound", "datelined Pyongyang"
    if re.search(r"\b(?:foreign|overseas|rare) (?:trip|visit|tour|journey)\b", text, re.I):
        return "outbound", "a trip abroad"
    for other in lead_infos[:4]:
        if other is info or other.sent.index > info.sent.index and _other_delegation(other):
            continue
        if lexicon.TO_DPRK.search(other.sent.text) or lexicon.PYONGYANG_VENUE.search(other.sent.text):
            return "inbound", "contact in the DPRK (next sentences)"
        if [c for c in other.countries if c.role in {"place", "destination"} and c.iso2 != "KP"]:
            return "outbound", "contact abroad (next sentences)"
    if ctx.kcna:
        return "inbound", "KCNA report of a contact at home"
    # Foreign copy reports DPRK officials abroad far more often than at home, where it names Pyongyang.
    return "outbound", "no place named (foreign copy)"


def _countries_in(info: SentenceInfo, segment: str) -> list[CountryRef]:
    return [c for c in info.countries if c.start < len(segment)]


def _cities_in(text: str) -> list[tuple[str, gazetteer.CityInfo, int, int]]:
    found = []
    for name, city, start, end in gazetteer.find_cities(text):
        before = text[max(0, start - 30):start]
        after = text[end:end + 30]
        located = re.search(r"\b(?:in|at|to|from|for|into|near|visit(?:ed|ing)?|via|through|reach(?:ed)?|departed|left|"
                            r"(?:in|at) [A-Z][\w'-]+(?: [A-Z][\w'-]+)?(?:,| and)|"
                            r"leaving|leaves|town of|city of|capital of|station of|village of|cities of|"
                            r"ad|a|en|em|no|na|в|di|de|del)\s+(?:the\s+)?(?:[\w'-]+\s+){0,2}$", before, re.I) or \
            re.match(r"^(?:'s|’s|\s+(?:City|Municipality|Station|airport|International Airport))", after) or \
            re.search(r"\bcapital,\s*$", before) or \
            re.match(r"^(?: and [A-Z][\w'-]+)? (?:cities|City)\b", after) or \
            re.search(r"(?:^|\n)\s*$", before)
        if not located:
            continue
        found.append((name, city, start, end))
    return found


def _delegation_phrase(text: str) -> tuple[str, str | None]:
    """The delegation phrase of a sentence ("A delegation of the Workers' Party of Korea") and its type."""
    m = lexicon.DELEGATION_HEAD.search(text)
    if not m:
        return "", None
    # The phrase: a few words before the head noun and the "of ..." complement after it.
    start = max(0, text.rfind(",", 0, m.start()) + 1, text.rfind(":", 0, m.start()) + 1, m.start() - 60)
    clauses = list(re.finditer(r"\b(?:that|who|which|said|reported|says)\b", text[start:m.start()]))
    if clauses:
        start += clauses[-1].end()
    stop_match = re.search(r"\b(?:led|headed|arrived|left|met|which|who|on|to|that|departed|was|is|has|had|"
                           r"were|are|including|for|from|at|in)\b|[,;(]", text[m.end():])
    end = m.end() + (stop_match.start() if stop_match else min(len(text) - m.end(), 90))
    if re.match(r"\s*of\b", text[m.end():]):
        of_part = re.match(r"\s*of\s+(?:the\s+)?[^,;(]*?(?=\s+(?:led|headed|arrived|left|met|on|to visit|departed|"
                           r"was|is|has|had|were|are|including|for)\b|[,;(]|$)", text[m.end():])
        if of_part:
            end = m.end() + of_part.end()
    phrase = text[start:end].strip(" ,")
    return phrase, _delegation_type(phrase, text[m.start():m.end()])


def _delegation_type(phrase: str, head: str) -> str | None:
    if lexicon.OTHER_DELEGATION.search(phrase):
        return "other"
    head_low = head.lower()
    # The modifier right before the head noun ("government economic delegation") is the most specific.
    before_head = phrase[:phrase.lower().rfind(head_low)] if head_low in phrase.lower() else ""
    after_head = phrase[len(before_head) + len(head):] if before_head else phrase
    of_part = after_head if re.match(r"\s*of\b", after_head) else ""
    if re.search(r"\bparty and government|party-government|party-state\b", phrase, re.I):
        return "party"
    last_word = before_head.strip().split()[-1].lower() if before_head.strip() else ""
    if of_part:
        # "A friendship visiting group of the Workers' Party of Korea": the body sending it decides.
        for family, pattern in lexicon.DELEGATION_TYPES:
            if pattern.search(of_part):
                return family
    for family, pattern in lexicon.DELEGATION_TYPES:
        if last_word and pattern.fullmatch(last_word):
            return family
    for family, pattern in lexicon.DELEGATION_TYPES:
        if pattern.search(phrase):
            return family
    if head_low in {"troupe", "ensemble", "artistes", "artists"}:
        return "culture"
    if head_low in {"team", "athletes", "players", "footballers"}:
        return "sports"
    return None


def _title_type(title: str) -> str | None:
    """A delegation type from the leader's title when the phrase says nothing ("Minister Kim Yu Il")."""
    if not title:
        return None
    if re.search(r"\bPresidium\b|head of state", title, re.I):
        return "government"
    if re.search(r"\b(?:Supreme People's Assembly|SPA|State Duma|parliament|National Assembly)\b", title):
        return "parliament"
    if re.search(r"\b(?:International Department|Workers' Party|WPK|C\.C\.|Central Committee|Communist Party|"
                 r"Political Bureau|politburo|Partito|Partido|Comitato centrale|Comité Central|ruling party)\b", title,
                 re.I):
        return "party"
    if re.search(r"\b(?:army|military|defen[cs]e|Armed Forces|general staff|marshal)\b", title, re.I):
        return "military"
    if re.search(r"\b(?:minister|ministry|premier|vice-premier|cabinet|government|foreign affairs)\b", title, re.I):
        return "government"
    return None


def _event_date(info: SentenceInfo, lead: list[SentenceInfo], ctx: Context, kind: str) -> tuple[date | None, str | None, str]:
    """The day the deciding event happened: a date phrase in its sentence, else in the lead, else the dateline."""
    reference = ctx.reference
    candidates = [info] + [
        s for s in lead
        if info.sent.index < s.sent.index <= info.sent.index + 2 and s.triggers and not _other_delegation(s)
    ]
    if re.match(r"^\s*(?:Attending|Present|Among those|On hand)\b", info.sent.text):
        # "Attending the ceremony were ...": the ceremony and its day are in the sentence before.
        candidates[1:1] = [s for s in lead if s.sent.index == info.sent.index - 1]
    for pos, source in enumerate(candidates):
        mentions = [d for d in find_dates(source.sent.text, reference, ctx.relative, ctx.slack) if not d.reported]
        # Dates inside "anniversary of ..." or "on the occasion of" phrases are not the event.
        usable = []
        for d in mentions:
            before = source.sent.text[max(0, d.start - 40):d.start]
            if re.search(r"\b(?:anniversary|birthday|since|until|by|from|scheduled|slated|set|expected|due|will|"
                         r"to be held|planned)\b\s+(?:\S+\s+){0,3}$", before, re.I) and d.how != "range":
                continue
            usable.append(d)
        if usable:
            # Prefer the date nearest after the main trigger.
            main = [t for t in source.triggers if not t.subordinate]
            anchor = main[0].start if main and pos == 0 else 0
            after = [d for d in usable if d.start >= anchor] or usable
            best = after[0]
            if best.how == "range":
                if pos == 0 and kind == "visit" and not re.search(r"\b(?:arrived|left|departed|returned)\b",
                                                                 source.sent.text, re.I):
                    return None, None, "a range of days"
                continue
            if best.value:
                return best.value, best.precision, f"date phrase: {source.sent.text[best.start:best.end]}"
        if pos == 0 and kind in {"visit"} and False:
            break
    if ctx.dateline.value:
        return ctx.dateline.value, "day", "dateline"
    if reference and ctx.relative is not None:
        return reference, "day", "publication date"
    return None, None, "no date" if ctx.relative is not None else "no date (the page date looks wrong)"


class _LazyInfos:
    """Sentence analyses computed in order and only when asked for: most articles decide early."""

    def __init__(self, sentences: list[Sentence], ctx: Context):
        self._sentences = sentences
        self._ctx = ctx
        self._done: list[SentenceInfo] = []

    def __len__(self) -> int:
        return len(self._sentences)

    def _upto(self, index: int) -> None:
        while len(self._done) <= index and len(self._done) < len(self._sentences):
            self._done.append(_sentence_info(self._sentences[len(self._done)], self._ctx))

    def __getitem__(self, key):
        if isinstance(key, slice):
            stop = len(self._sentences) if key.stop is None else min(key.stop, len(self._sentences))
            self._upto(stop - 1)
            return self._done[key]
        self._upto(key)
        return self._done[key]

    def __iter__(self):
        for index in range(len(self._sentences)):
            yield self[index]


def _other_delegation(info: SentenceInfo) -> bool:
    """A sentence that introduces another delegation or another matter ("A Russian delegation ... also")."""
    return bool(re.match(r"^\s*(?:(?:A|An|Another)\s+(?:[\w'-]+\s+){0,4}(?:delegation|group|team)\b|"
                         r"Separately|Meanwhile|In a separate|Also on|Elsewhere)", info.sent.text)) or bool(
        re.search(r"\b(?:another|second|separate|seconda|segunda|otra|outra|altra) (?:[\w-]+ ){0,2}"
                  r"(?:delegation|delegazione|delegación|delegação)", info.sent.text, re.I))


def _empty(reasons: list[str], score: float = 0.0) -> Analysis:
    return Analysis(
        relevant=False, score=round(score, 3), kind=None, direction=None, countries=[], dprk_lead=None,
        foreign_lead=None, delegation_type=None, event_date=None, event_date_precision=None, cities=[], people=[],
        journeys=[], evidence="", reasons=reasons,
    )


@lru_cache(maxsize=1)
def _dprk_hints() -> tuple[re.Pattern, re.Pattern]:
    """Everything that can put a DPRK side into an article, as two cheap scans.

    Case-sensitive: the DPRK markers, Pyongyang venues, DPRK bodies that mark a title ("C.C.", "Cabinet"),
    and the surnames (in every romanisation) of the best-known DPRK figures. On lowercased text: every
    name the country gazetteer has for the DPRK, in every language, and the stems of "Korea". An article
    with none of these cannot have a DPRK side, whatever its sentences say.
    """
    from ingest.pipeline.names import DPRK_FIGURES, SURNAMES

    figure_surnames = {SURNAMES.get(name.split()[0].lower(), name.split()[0].lower()) for name in DPRK_FIGURES}
    spellings = sorted(variant.capitalize() for variant, canonical in SURNAMES.items()
                       if canonical in figure_surnames and len(variant) > 1)
    cased = re.compile("|".join([
        lexicon.DPRK_MARKER.pattern, lexicon.PYONGYANG_VENUE.pattern,
        r"\b(?:C\.C\.|Cabinet|Presidium|State Affairs|KCNA|Korean Committee)",
        r"\b(?:" + lexicon.trie_pattern(spellings) + r")\b",
        "[\uac00-\ud7a3]",  # Hangul
    ]))
    forms = gazetteer.country_forms()
    lowered = {form.lower() for form, (iso2, _how) in forms.items() if iso2 == "KP"}
    lowered |= {"korea", "corea", "coreia", "coree", "корея", "корее", "корей", "кндр"}
    return cased, re.compile(lexicon.trie_pattern(lowered))


def mentions_dprk(text: str) -> bool:
    """Whether `text` (accent-folded) names anything that can be the DPRK side of a contact."""
    cased, lowered = _dprk_hints()
    return bool(cased.search(text) or lowered.search(text.lower()))


def analyze(article: ArticleInput) -> Analysis:
    """Analyse one article: relevance, kind, direction, countries, leads, type, date, cities, journeys."""
    try:
        return _analyze(article)
    except RecursionError:  # pragma: no cover - pathological input; never let one article stop a batch
        return _empty(["could not analyse the text"])


def _analyze(article: ArticleInput) -> Analysis:
    raw = (article.text or "")[:MAX_CHARS]
    folded = gazetteer.fold(raw)
    title = gazetteer.fold(article.title or "")
    dateline = parse_dateline(folded, article.published)
    if dateline.city and not _known_place(dateline.city):
        dateline = Dateline(None, dateline.value, dateline.end, dateline.agency, dateline.start)
    kcna = bool(dateline.agency and "KCNA" in dateline.agency.upper() and (dateline.city or "").lower() == "pyongyang") \
        or (article.source or "").upper().startswith(("KCNA", "RODONG", "VOICE OF KOREA", "PYONGYANG TIMES"))
    if not kcna and not mentions_dprk(title + "\n" + folded):
        # Most of a general news feed: rejected before any sentence is read.
        return _empty(["no DPRK mention (early reject)"])
    reference = dateline.value or article.published
    ctx = Context(kcna=kcna, dateline=dateline, reference=reference, folded=folded)
    ctx.south = not kcna and bool(_SOUTH.search(folded[:1500]))
    ctx.relative = reference
    if not dateline.value and not kcna and article.published:
        # A page date from a site in another time zone can be the day before the event it reports
        # ("arrived Tuesday" on a page dated Monday in Washington): allow one day of slack.
        ctx.slack = 1
    if not dateline.value and not kcna and article.published and _page_date_suspect(folded, article.published):
        ctx.relative = None

    # The dateline is blanked out, not cut: a summary paragraph may come before it (TASS, Reuters).
    body = folded[:dateline.start] + "\n" + " " * (dateline.end - dateline.start - 1) + folded[dateline.end:] \
        if dateline.end else folded
    sentences = split_sentences(body)
    infos = _LazyInfos(sentences, ctx)
    title_info = _sentence_info(Sentence(title, -1, -1, -1), ctx) if title.strip() else None

    # Article-level near misses.
    first = infos[0].sent.text if infos else ""
    if lexicon.STATEMENT.search(title) or re.match(r"^\s*(?:The |A |An )?(?:[\w-]+ ){0,3}spokes(?:man|person|woman)\b",
                                                   first, re.I):
        if not any(t.kind == "message" for i in infos[:1] for t in i.triggers):
            return _empty(["near miss: statement or commentary"], 0.1)

    scored = []
    stop_at = len(infos)
    for pos in range(len(infos)):
        if pos > stop_at:
            break
        info = infos[pos]
        score, why = _contact_score(info, ctx, infos[pos + 1:pos + 3])
        if score > 0:
            # Earlier sentences carry the news; late ones more often background.
            score -= 0.03 * info.sent.index
            scored.append((score, info, why))
            if score >= RELEVANCE_THRESHOLD and stop_at == len(infos):
                stop_at = pos + 2  # the deciding sentence is among this one and the next two
    if title_info:
        t_score, _ = _contact_score(title_info, ctx)
    else:
        t_score = 0.0
    best = None
    for pos, (score, info, why) in enumerate(scored):
        if score >= RELEVANCE_THRESHOLD:
            # The first sentence that reports a contact decides, unless one of the next two reports it
            # more fully ("visited Laos" then "met ... in Vientiane last Friday").
            best = (score, info, why)
            if "foreign side named" not in why:
                window = [x for x in scored[pos + 1:pos + 2]
                          if x[1].sent.index == info.sent.index + 1 and "foreign side named" in x[2]
                          and x[0] >= score and not _other_delegation(x[1])
                          and not re.match(r"^\s*(?:Earlier|Later|Also|Meanwhile|Separately)\b", x[1].sent.text)]
                if window:
                    best = window[0]
            break
    if best is None and scored:
        top = max(scored, key=lambda x: x[0])
        if top[0] + (0.15 if t_score >= RELEVANCE_THRESHOLD else 0) >= RELEVANCE_THRESHOLD:
            best = top
    if best is None:
        top_score = max([s for s, _, _ in scored] + [0.0])
        return _empty(["no sentence reports a contact with a DPRK side and a foreign side"], top_score)

    score, info, why = best
    ctx.decisive = info.sent.index
    if t_score >= RELEVANCE_THRESHOLD:
        score = min(1.0, score + 0.1)
    reasons = [f"decided by sentence {info.sent.index + 1}"] + why
    following = infos[info.sent.index + 1:info.sent.index + 4]
    kind, kind_why = _kind(info, following, title)
    reasons.append(f"kind {kind}: {kind_why}")
    direction, dir_why = _direction(kind, info, ctx, infos[:5])
    reasons.append(f"direction {direction}: {dir_why}")

    lead = infos[: max(info.sent.index + 4, 4)]
    people = _people(info, lead, ctx)
    dprk_lead = _pick_lead(people, "dprk")
    foreign_lead = _pick_lead(people, "foreign")
    for side, lead_ref in (("DPRK", dprk_lead), ("foreign", foreign_lead)):
        if lead_ref is not None:
            reasons.append(f"{side} lead {lead_ref.name}: {_LEAD_WHY.get(lead_ref.role, 'named in the lead')}"
                           + (f" ({lead_ref.title[:60]})" if lead_ref.title else ""))
    countries = _countries(kind, direction, info, lead, people, foreign_lead)
    if not countries and title_info:
        countries = _countries(kind, direction, title_info, [title_info], [], None)
    if not countries and score >= RELEVANCE_THRESHOLD:
        # A contact with both sides named but no country near it: the first foreign country the copy names.
        first = next((c.iso2 for c in gazetteer.find_countries(folded[:3000]) if c.iso2 not in {"KP", "KR"}
                      and c.how != "korean"), None)
        if first:
            countries = [first]
            reasons.append(f"country from the rest of the copy: {first}")
    if not countries:
        reasons.append("no foreign country named")
        score -= 0.2
    delegation_type, type_why = _delegation(info, lead, title, dprk_lead, foreign_lead, people, direction)
    if type_why:
        reasons.append(type_why)
    event_date, precision, date_why = _event_date(info, infos[:info.sent.index + 3], ctx, kind)
    reasons.append(f"date: {date_why}")
    cities = _contact_cities(info, lead, ctx, direction, countries, kind)

    from ingest.pipeline.journeys import build_journeys

    analysis = Analysis(
        relevant=score >= RELEVANCE_THRESHOLD - 0.2 and bool(countries),
        score=round(max(0.0, min(1.0, score)), 3),
        kind=kind,
        direction=direction,
        countries=countries,
        dprk_lead=dprk_lead.name if dprk_lead else None,
        foreign_lead=foreign_lead.name if foreign_lead else None,
        delegation_type=delegation_type,
        event_date=event_date,
        event_date_precision=precision,
        cities=cities,
        people=[PersonMention(p.name, p.side or "foreign", p.title[:200], _public_role(p.role), p.country)
                for p in people],
        journeys=[],
        evidence=info.sent.text[:500],
        reasons=reasons,
    )
    if not analysis.relevant:
        return _empty(reasons + ["no foreign counterpart"], analysis.score)
    analysis.journeys = build_journeys(analysis, infos[:10], ctx)
    return analysis


def _page_date_suspect(text: str, published: date) -> bool:
    """A mirror's page date: every explicit date the lead gives is weeks before it ("left on March 21" in a
    page dated May 28). Weekday words then cannot be resolved against the page date."""
    explicit = explicit_dates(text[:1200], published)
    return bool(explicit) and max(explicit) < published - timedelta(days=21)


def _known_place(city: str) -> bool:
    folded = gazetteer.fold(city)
    forms = gazetteer.country_forms()
    return folded in gazetteer.city_index() or folded in forms or folded.title() in gazetteer.city_index()


def _public_role(role: str) -> str:
    return {"leader": "lead", "subject": "lead", "object": "lead", "present": "present"}.get(role, "member")


# Why a person was taken as a side's lead, by the role the sentence gives them (Analysis.reasons).
_LEAD_WHY = {"leader": "leads the delegation", "subject": "subject of the deciding sentence",
             "object": "the one met, received or written to", "present": "listed among those present",
             "mention": "named in the lead"}
_ROLE_WEIGHT = {"leader": 5.0, "subject": 4.0, "object": 4.0, "present": 2.0, "mention": 1.0}


def _people(info: SentenceInfo, lead: list[SentenceInfo], ctx: Context) -> list[NameRef]:
    """People of the deciding sentence first, then of the lead, each once, best role kept."""
    seen: dict[str, NameRef] = {}
    order = [info] + [s for s in lead if s is not info]
    scores: dict[str, float] = {}
    for rank, source in enumerate(order):
        if rank > 0 and re.match(r"^\s*(?:A|An)\s+(?:[\w'-]+\s+){0,4}(?:delegation|group|team)\b", source.sent.text) \
                and source.sent.index > info.sent.index:
            # A new delegation introduced later ("A Russian delegation led by ...") is another journey.
            continue
        for ref in source.names:
            if ref.excluded or not ref.side:
                continue
            key = name_key(ref.name)
            weight = _ROLE_WEIGHT[ref.role] - (0 if rank == 0 else 1.5 + 0.3 * rank)
            if rank == 0 and ref.role in {"mention", "present"}:
                weight += 1.0 if ref.role == "present" else 0.5
            if key not in seen or weight > scores[key]:
                if key in seen and seen[key].name.count(" ") >= ref.name.count(" "):
                    ref = NameRef(seen[key].name, ref.start, ref.end, ref.side, ref.country or seen[key].country,
                                  seen[key].title or ref.title, ref.role, False)
                seen[key] = ref
                scores[key] = weight + (0.001 * (100 - rank))
    people = sorted(seen.values(), key=lambda r: -scores[name_key(r.name)])
    for p in people:
        p.role = p.role
        p._score = scores[name_key(p.name)]
    return people


_SPOKESPERSON = re.compile(r"\bspokes(?:man|woman|person)\b|\bpress secretary\b", re.IGNORECASE)


def _pick_lead(people: list[NameRef], side: str) -> NameRef | None:
    candidates = [p for p in people if p.side == side and len(p.name.split()) >= 2]
    # A spokesperson reports the contact; the lead is whoever else the copy names on that side.
    principals = [p for p in candidates if not _SPOKESPERSON.search(p.title)]
    candidates = principals or candidates
    if not candidates:
        return None
    best = candidates[0]
    return best if getattr(best, "_score", 0) > -2.5 else None


def _countries(kind: str, direction: str, info: SentenceInfo, lead: list[SentenceInfo], people: list[NameRef],
               foreign_lead: NameRef | None) -> list[str]:
    """The foreign counterparts: destinations of a trip abroad, the visitors' countries, or the other party."""
    chosen: list[str] = []

    def add(code: str | None) -> None:
        if code and code != "KP" and code not in chosen:
            chosen.append(code)

    refs = info.countries
    south_involved = any(c.iso2 == "KR" for c in refs) and bool(_SOUTH.search(info.sent.text))
    usable = [c for c in refs if c.iso2 != "KR" or south_involved]
    if kind == "visit" and direction == "outbound":
        for c in usable:
            if c.role in {"destination", "place"}:
                add(c.iso2)
        if not chosen:
            for c in usable:
                add(c.iso2)
        for other in lead:
            if other.sent.index == info.sent.index:
                continue
            if _other_delegation(other) or re.search(r"\b(?:meanwhile|also met|not|never|might|would)\b",
                                                     other.sent.text, re.I) or lexicon.HISTORY.search(other.sent.text):
                continue
            # The rest of the itinerary: "the tour will take the delegation to Vietnam and Laos".
            if any(t.name in {"to visit", "on a visit", "visited", "tour", "arrival", "departure"} for t in other.triggers) \
                    or re.search(r"\b(?:tour|trip|itinerary|will take|then|next)\b", other.sent.text, re.I):
                for c in other.countries:
                    if c.role in {"destination"} and c.iso2 != "KR":
                        add(c.iso2)
    else:
        actors = [c for c in usable if c.role == "actor"]
        for c in actors:
            add(c.iso2)
        if foreign_lead and foreign_lead.country and foreign_lead.role in {"leader", "subject", "object"}:
            if kind == "message" or not chosen:
                if kind == "message":
                    chosen.clear()
                add(foreign_lead.country)
        if not chosen:
            for c in usable:
                add(c.iso2)
        if kind == "visit" and direction == "inbound":
            # "They were the State Cossacks Dance Company of Russia, ... the Flamenco Band of Spain".
            for other in lead:
                if other.sent.index == info.sent.index + 1 or (
                    other.sent.index > info.sent.index and other.sent.index <= info.sent.index + 3
                    and re.match(r"^\s*(?:They|These|Those|Among them|Earlier|The delegations?)\b", other.sent.text)
                ):
                    if re.match(r"^\s*(?:They|These|Those|Among them|Earlier|Also)\b", other.sent.text) and (
                        re.search(r"\b(?:included|were|are|arrived|include)\b", other.sent.text)
                    ):
                        for c in other.countries:
                            if c.iso2 != "KR":
                                add(c.iso2)
    if not chosen and foreign_lead and foreign_lead.country:
        add(foreign_lead.country)
    if not chosen:
        # The deciding sentence names no country ("TASS Director General ... signed"): the lead's first
        # actor, else the lead's first country of any kind.
        for roles in ({"actor"}, {"actor", "place", "destination"}):
            for other in lead:
                for c in other.countries:
                    if c.role in roles and c.iso2 not in {"KP", "KR"}:
                        add(c.iso2)
                        return chosen
    return chosen


_ENTOURAGE = re.compile(r"\b(?:and|with) (?:his|her) (?:party|entourage|suite|retinue)\b")


def _delegation(info: SentenceInfo, lead: list[SentenceInfo], title: str, dprk_lead: NameRef | None,
                foreign_lead: NameRef | None, people: list[NameRef], direction: str) -> tuple[str | None, str]:
    """The delegation type from the delegation phrase, else from the leader's title; None with no delegation."""
    sources = [info.sent.text] + [s.sent.text for s in lead if s is not info and s.sent.index <= info.sent.index + 2]
    sources.append(title)
    others = {s.sent.text for s in lead if s.sent.index > info.sent.index and _other_delegation(s)}
    sources = [text for text in sources if lexicon.DELEGATION_WORD.search(text) and text not in others]
    # A typed phrase anywhere near ("A government economic delegation of ...") before any fallback: the
    # deciding sentence often says only "the delegation".
    for text in sources:
        phrase, family = _delegation_phrase(text)
        if family:
            return family, f"delegation type {family}: {phrase[:80]}"
    for text in sources:
        if re.search(r"\b(?:take part in|taking part in|compete|competing|participate in|participating in)\b[^.]{0,60}"
                     r"\b(?:Games|Olympics?|Championships?|World Cup|tournament|competition|marathon|league)\b", text):
            return "sports", "delegation type sports: a sports event"
        leader = dprk_lead if direction == "outbound" else foreign_lead
        family = _title_type(leader.title if leader else "") or _title_type(text)
        if family:
            return family, f"delegation type {family} from the leader's title"
    leader = dprk_lead if direction == "outbound" else foreign_lead
    if leader and _ENTOURAGE.search(info.sent.text):
        # "Choe Thae Bok, chairman of the SPA, and his party returned home": a delegation without the word.
        family = _title_type(leader.title)
        if family:
            return family, f"delegation type {family}: the leader's party, from the leader's title"
    if leader and re.search(r"\b(?:minister|vice-minister|premier|vice-premier)\b", leader.title, re.I) and \
            any(t.kind == "visit" and t.strength >= 3 for t in info.triggers):
        return "government", "delegation type government: a minister's visit"
    return None, ""


def _contact_cities(info: SentenceInfo, lead: list[SentenceInfo], ctx: Context, direction: str,
                    countries: list[str], kind: str = "visit") -> list[str]:
    """Where the contact took place, as written: cities in a place phrase of the deciding sentence and of
    the next sentences about the same event; Pyongyang for a contact in the DPRK reported from there."""
    cities: list[str] = []

    def add(name: str) -> None:
        if all(gazetteer.fold(name).lower() != gazetteer.fold(c).lower() for c in cities):
            cities.append(name)

    following = [s for s in lead if info.sent.index < s.sent.index <= info.sent.index + 3]
    previous_end = -10
    for source in [info] + following:
        if source is not info and _other_delegation(source):
            break
        if source is not info and not any(not t.subordinate for t in source.triggers) and not re.match(
                r"^\s*(?:They|It|The (?:delegation|troupe|group|team|ceremony|talks|meeting))\b", source.sent.text):
            continue
        for name, city, start, _end in _cities_in(source.sent.text):
            before = source.sent.text[max(0, start - 30):start]
            after = source.sent.text[_end:_end + 20]
            adjacent = start - previous_end <= 1
            previous_end = _end
            if adjacent or re.match(r"^\s+(?:region|province|oblast|krai|state|county|prefecture|territory)\b", after,
                                    re.I) or kind != "visit" and re.search(
                                        r"\b(?:to be held|will be held|to take place)\s+(?:in|at)\s+$", before, re.I):
                continue  # "Hangzhou Xiaoshan Airport", "the Amur region", a venue still to come
            if direction == "remote":
                if city.country != "KP" and re.search(r"\b(?:ceremony|took place|held|presented|handed)\b",
                                                      source.sent.text, re.I):
                    add(name)
                continue
            if city.border:
                # The truce village: a contact there is on neither side's soil, whatever the direction.
                if not re.search(r"\b(?:from|left|departed|leaving|via|through)\s+(?:the\s+)?$", before, re.I):
                    add(name)
                continue
            if city.country == "KP":
                if direction == "inbound" and name.lower() == "pyongyang" or direction == "inbound" and \
                        source is info:
                    add(name)
                continue
            if re.search(r"\b(?:from|left|departed|leaving|via|through)\s+(?:the\s+)?$", before, re.I):
                continue
            if direction != "outbound":
                continue
            met_there = kind == "meeting" and any(t.kind == "meeting" and t.strength >= 3 for t in source.triggers)
            if source is info or met_there or city.country in countries or city.country == "KR" and "KR" in countries:
                add(name)
    if direction == "inbound" and not any(gazetteer.fold(c).lower() == "pyongyang" for c in cities):
        if (ctx.kcna and (info.here or lexicon.PYONGYANG_VENUE.search(info.sent.text))) or \
                (ctx.dateline.city or "").lower() == "pyongyang" or lexicon.PYONGYANG_VENUE.search(info.sent.text):
            add("Pyongyang")
    if direction == "outbound" and not cities and ctx.dateline.city and ctx.dateline.city.lower() != "pyongyang":
        # A dispatch from the place of the contact ("Tehran, August 3 (KCNA Correspondent)", "Jakarta, ...").
        # Wire datelines name the bureau ("MOSCOW/SEOUL -", "Tehran (ISNA)"), not the place: KCNA's only.
        if ctx.dateline.agency and "KCNA" in ctx.dateline.agency.upper():
            add(ctx.dateline.city)
    return cities


def prediction(article_id: str, analysis: Analysis) -> dict:
    """The classify JSON contract: one prediction line for `manage.py classify`."""
    return {
        "id": article_id,
        "relevant": analysis.relevant,
        "score": round(float(analysis.score), 3),
        "kind": analysis.kind if analysis.relevant else None,
        "direction": analysis.direction if analysis.relevant else None,
        "countries": list(analysis.countries) if analysis.relevant else [],
        "dprk_lead": analysis.dprk_lead if analysis.relevant else None,
        "foreign_lead": analysis.foreign_lead if analysis.relevant else None,
        "delegation_type": analysis.delegation_type if analysis.relevant else None,
        "event_date": analysis.event_date.isoformat() if analysis.relevant and analysis.event_date else None,
        "cities": list(analysis.cities) if analysis.relevant else [],
    }

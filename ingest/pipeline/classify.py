"""Classify one article: does it report a DPRK foreign contact, and who, with whom, where, when.

This is the entry point of the extraction engine. It is plain Python with no database: gazetteers come
from `contacts.reference` (offline sources) and are cached in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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


def analyze(article: ArticleInput) -> Analysis:
    """Analyse one article (temporary body: everything irrelevant)."""
    return Analysis(
        relevant=False,
        score=0.0,
        kind=None,
        direction=None,
        countries=[],
        dprk_lead=None,
        foreign_lead=None,
        delegation_type=None,
        event_date=None,
        event_date_precision=None,
        cities=[],
        people=[],
        journeys=[],
        evidence="",
        reasons=[],
    )


def prediction(article_id: str, analysis: Analysis) -> dict:
    """The classify JSON contract: one prediction line for `manage.py classify`."""
    return {
        "id": article_id,
        "relevant": analysis.relevant,
        "score": round(float(analysis.score), 3),
        "kind": analysis.kind,
        "direction": analysis.direction,
        "countries": list(analysis.countries),
        "dprk_lead": analysis.dprk_lead,
        "foreign_lead": analysis.foreign_lead,
        "delegation_type": analysis.delegation_type,
        "event_date": analysis.event_date.isoformat() if analysis.event_date else None,
        "cities": list(analysis.cities),
    }

"""Turn one article's analysis into proposals: what the pipeline wants to create or link, and how sure it is.

Pure with respect to the records it proposes: it reads existing delegations (to say "link to this
trip" rather than "new trip") but writes nothing. Each proposal's payload is plain JSON that `apply`
understands and that an editor can read and edit in the admin:
- a journey (a trip the article reports) becomes New delegation, or Link article (plus New visit stop
  for each stop the existing delegation lacks) when consolidation finds its trip;
- a meeting, message or agreement becomes New meeting/message/agreement, carrying the journey it
  happened during, if any;
- New person proposals are made when applying meets a name nobody has seen (see apply).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date

from ingest.models import Article, Proposal
from ingest.pipeline import consolidate
from ingest.pipeline.classify import Analysis, Journey, StopMention

__all__ = ["ProposalDraft", "analysis_to_json", "journey_payload", "proposals_build"]

DPRK = "KP"


@dataclass
class ProposalDraft:
    """One proposal before it is saved."""

    action: str
    payload: dict
    confidence: float
    evidence: str
    delegation_id: int | None = None
    reasons: list[str] = field(default_factory=list)
    delegation: object = field(default=None, repr=False, compare=False)  # the Delegation, as loaded here


def _json(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def analysis_to_json(analysis: Analysis) -> tuple[dict, dict]:
    """The analysis as two JSON documents: the classification (with reasons) and the extraction."""
    data = _json(analysis)
    extraction = {"people": data.pop("people"), "journeys": data.pop("journeys")}
    return data, extraction


def journey_payload(journey: Journey) -> dict:
    """A journey as the JSON a proposal carries."""
    return _json(journey)


def _fallback_journey(analysis: Analysis, published: date | None) -> Journey | None:
    """A one-stop journey from the top-level fields, for a visit reported without an itinerary."""
    if analysis.kind != "visit" or analysis.direction not in ("outbound", "inbound") or not analysis.countries:
        return None
    foreign = analysis.countries[0]
    outbound = analysis.direction == "outbound"
    day = analysis.event_date or published
    city = analysis.cities[0] if analysis.cities else None
    stop = StopMention(country=foreign if outbound else DPRK, city=city, arrived=day, evidence=analysis.evidence)
    return Journey(
        leader=analysis.dprk_lead if outbound else analysis.foreign_lead,
        direction=analysis.direction,
        delegation_type=analysis.delegation_type,
        sending_country=DPRK if outbound else foreign,
        countries=list(analysis.countries),
        stops=[stop],
        stage=None,
        start=day,
    )


def _visits(delegation) -> list:
    return list(delegation.contacts.filter(kind="visit").select_related("country", "place"))


def _stop_known(delegation, stop: dict, visits: list) -> bool:
    """Whether one of the delegation's `visits` (see `_visits`) is this stop."""
    country = stop.get("country")
    if delegation.direction == "inbound":
        country = delegation.sending_country.iso2
    city = (stop.get("city") or "").casefold()
    for visit in visits:
        if visit.country.iso2 != country:
            continue
        if not city or visit.place is None or visit.place.name.casefold() == city:
            return True
        if city in (a.casefold() for a in visit.place.aliases):
            return True
    return False


def proposals_build(article: Article, analysis: Analysis) -> list[ProposalDraft]:
    """Everything this article should add to the records, as proposals with confidence and evidence."""
    if not analysis.relevant:
        return []
    confidence = max(0.0, min(1.0, float(analysis.score)))
    published = article.published_at.date() if article.published_at else None
    people = _json(analysis.people)
    evidence = analysis.evidence or ""
    drafts: list[ProposalDraft] = []
    journeys = list(analysis.journeys)
    if not journeys:
        fallback = _fallback_journey(analysis, published)
        if fallback is not None:
            journeys = [fallback]
    trip_for_contact: dict | None = None
    for journey in journeys:
        payload = journey_payload(journey)
        if trip_for_contact is None:
            trip_for_contact = payload
        match = consolidate.delegation_find(payload, fallback_date=analysis.event_date or published)
        base = {"journey": payload, "people": people}
        if match is None:
            drafts.append(ProposalDraft(Proposal.Action.NEW_DELEGATION, base, confidence, evidence))
            continue
        delegation = match.delegation
        link = {**base, "delegation": delegation.pk, "reasons": match.reasons}
        drafts.append(
            ProposalDraft(Proposal.Action.LINK_ARTICLE, link, confidence, evidence, delegation.pk, match.reasons,
                          delegation)
        )
        visits = _visits(delegation) if payload.get("stops") else []  # read once for all the stops
        for stop in payload.get("stops", []):
            if not _stop_known(delegation, stop, visits):
                stop_payload = {"delegation": delegation.pk, "journey": {**payload, "stops": [stop]}}
                drafts.append(
                    ProposalDraft(
                        Proposal.Action.NEW_VISIT, stop_payload, confidence, stop.get("evidence") or evidence,
                        delegation.pk, match.reasons, delegation,
                    )
                )
    if analysis.kind in ("meeting", "message", "agreement") and analysis.countries:
        outbound = analysis.direction == "outbound"
        contact = {
            "kind": analysis.kind,
            "direction": analysis.direction or "remote",
            "country": analysis.countries[0],
            "countries": list(analysis.countries),
            "city": analysis.cities[0] if analysis.cities else None,
            "place_country": analysis.countries[0] if outbound else (DPRK if analysis.direction == "inbound" else None),
            "date": _json(analysis.event_date or published),
            "precision": analysis.event_date_precision or "day",
            "dprk_lead": analysis.dprk_lead,
            "foreign_lead": analysis.foreign_lead,
            "people": people,
            "summary": (article.title or evidence)[:500],
        }
        if trip_for_contact is not None and analysis.direction in ("outbound", "inbound"):
            contact["journey"] = trip_for_contact
        drafts.append(ProposalDraft(Proposal.Action.NEW_CONTACT, contact, confidence, evidence))
    return drafts

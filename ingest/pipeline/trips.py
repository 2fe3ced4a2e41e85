"""Trips: a delegation's itinerary as the reports tell it, the export, and editors' split decisions.

Consolidation (consolidate.py) decides which delegation a journey joins; apply.py adds its stops.
This module owns what a trip looks like once folded:
- `itinerary_renumber` orders the visits: by the reported day of each stop, else the first meeting held
  there, else after the stops of the countries the reports list before it; on the way it marks the
  stops of a country only passed through as transits and corrects arrival days earlier than the
  reported departure from home (all from every cited report, so the order articles arrive in does not
  matter);
- `delegations_export` is the `export_delegations --json` contract;
- `delegation_split` moves chosen visits (and the articles that reported them) out into a new
  delegation, and records the decision in both delegations' `grouping` so that later ingests keep
  those articles' journeys apart instead of folding them back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import pghistory
from django.db import transaction
from django.db.models import Prefetch, Q

from contacts.models import Contact, DatePrecision, Delegation, Direction, Evidence, normalize_name

__all__ = ["delegation_export", "delegation_split", "delegations_export", "itinerary_renumber"]

DPRK = "KP"


def _stop_country(delegation: Delegation, visit: Contact) -> str:
    """Where the stop is: the place's country, else the host abroad, else the DPRK for a visit to it."""
    if visit.place_id and visit.place is not None:
        return visit.place.country.iso2
    if delegation.direction == Direction.INBOUND:
        return DPRK
    return visit.country.iso2


def delegation_export(delegation: Delegation) -> dict[str, Any]:
    """One delegation as the export line: leader, direction, dates, stops in order, every article cited."""
    visits = [c for c in delegation.contacts.all() if c.kind == Contact.Kind.VISIT]
    visits.sort(key=lambda v: (v.itinerary_order is None, v.itinerary_order or 0, v.start_date, v.pk))
    stops = []
    for visit in visits:
        day_known = visit.start_precision == DatePrecision.DAY
        stops.append(
            {
                "country": _stop_country(delegation, visit),
                "city": visit.place.name if visit.place_id and visit.place is not None else None,
                "arrived": visit.start_date.isoformat() if day_known else None,
                "departed": visit.end_date.isoformat() if visit.end_date else None,
                "transit": bool(visit.transit),
            }
        )
    urls = {e.url for e in delegation.evidence.all()}
    for contact in delegation.contacts.all():
        urls.update(e.url for e in contact.evidence.all())
    return {
        "id": delegation.pk,
        "leader": delegation.leader.name if delegation.leader_id else None,
        "direction": delegation.direction,
        "start": delegation.start_date.isoformat() if delegation.start_date else None,
        "end": delegation.end_date.isoformat() if delegation.end_date else None,
        "stops": stops,
        "articles": sorted(urls),
    }


def delegations_export() -> Iterable[dict[str, Any]]:
    """Every delegation, oldest first, as export lines (streamed in chunks)."""
    contacts = Contact.objects.select_related("place__country", "country").prefetch_related(
        Prefetch("evidence", queryset=Evidence.objects.only("url", "contact_id"))
    )
    queryset = (
        Delegation.objects.select_related("leader")
        .prefetch_related(
            Prefetch("contacts", queryset=contacts),
            Prefetch("evidence", queryset=Evidence.objects.filter(contact__isnull=True).only("url", "delegation_id")),
        )
        .order_by("start_date", "pk")
    )
    for delegation in queryset.iterator(chunk_size=200):
        yield delegation_export(delegation)


def _reports(delegation: Delegation, article=None) -> list[dict]:
    """The journeys of this delegation's leader (and direction) in every article it cites.

    `article`: one being applied to the delegation now, whose extraction is taken as it is in memory
    (the pipeline saves it with the article's status, at the end of the article's transaction).
    """
    from ingest.models import Article
    from ingest.pipeline.names import same_person

    leader = delegation.leader.name if delegation.leader_id else None
    extractions = Article.objects.filter(evidence__delegation=delegation).values_list("extraction", flat=True)
    if article is not None:
        extractions = extractions.exclude(pk=article.pk)
    if article is not None and getattr(delegation, "_begun_by", None) == article.pk:
        # Begun by this article (which has no copies) in the transaction still open: no other article
        # can cite it yet, so there is nothing to read.
        others = []
    else:
        others = list(extractions.distinct()[:500])
    journeys = []
    for extraction in ([article.extraction] if article is not None else []) + others:
        for journey in (extraction or {}).get("journeys", []):
            if journey.get("direction") != delegation.direction:
                continue
            if leader and journey.get("leader") and not same_person(leader, journey["leader"]):
                continue
            journeys.append(journey)
    return journeys


def _route_ranks(journeys: list[dict]) -> dict[str, float]:
    """Each country's place in the route the reports list ("to visit China, Viet Nam and Laos").

    The mean relative position over the reports, so it does not depend on the order they arrived in.
    """
    positions: dict[str, list[float]] = defaultdict(list)
    for journey in journeys:
        route = [c for c in dict.fromkeys(journey.get("countries") or []) if c != DPRK]
        if len(route) < 2:
            continue  # one country says nothing about the order
        for index, country in enumerate(route):
            positions[country].append(index / max(1, len(route) - 1))
    return {country: sum(values) / len(values) for country, values in positions.items()}


def _departure_day(journeys: list[dict]) -> date | None:
    """The day the delegation left home: the earliest any report gives (None when none does).

    The earliest, so that a misread departure can only make the correction below do nothing.
    """
    days = [j["start"][:10] for j in journeys if j.get("start")]
    return date.fromisoformat(min(days)) if days else None


def _same_stop(visit: Contact, stop: dict) -> bool:
    if stop.get("country") != visit.country.iso2:
        return False
    if not stop.get("city") or visit.place is None:
        return True
    names = {normalize_name(visit.place.name), *(normalize_name(a) for a in visit.place.aliases)}
    return normalize_name(stop["city"]) in names


def dates_before_departure(delegation: Delegation, visits: list[Contact], journeys: list[dict]) -> None:
    """Correct arrival days earlier than the day the delegation left home.

    Such a day is a misread report (a weekday resolved a week back from a page dated in another time
    zone). The stop takes the earliest day another report gives for it on or after the departure, or
    becomes undated. The trip's start moves up to the departure day for the same reason.
    """
    departure = _departure_day(journeys)
    if departure is None:
        return
    for visit in visits:
        if visit.start_precision != DatePrecision.DAY or visit.start_date >= departure:
            continue
        days = [
            date.fromisoformat(stop["arrived"][:10])
            for journey in journeys for stop in journey.get("stops", [])
            if stop.get("arrived") and stop["arrived"][:10] >= departure.isoformat() and _same_stop(visit, stop)
        ]
        if days:
            visit.start_date = min(days)
        else:
            visit.start_date, visit.start_precision = departure, DatePrecision.MONTH
        if visit.end_date and visit.end_date < visit.start_date:
            visit.end_date = None
        visit.save(update_fields=["start_date", "start_precision", "end_date", "updated_at"])
    if delegation.start_date and delegation.start_date < departure and (
        delegation.end_date is None or delegation.end_date >= departure
    ):
        Delegation.objects.filter(pk=delegation.pk).update(start_date=departure)
        delegation.start_date = departure


def itinerary_key(visits: list[Contact], ranks: dict[str, float],
                  met: dict[int, date] | None = None) -> dict[int, tuple]:
    """The sort key of each visit: its day when reported, else the first meeting held there, else the last
    reported day before it on the route.

    A stop known only from an itinerary has a placeholder date that says nothing about the order; a
    dated meeting at the stop (`met`: visit id -> earliest meeting day) places it, otherwise it goes after
    the reported stops of countries listed before it. Ties follow the route, then the departure day (a
    border crossing left the same day comes before the city stayed in).
    """
    met = met or {}
    def rank(visit: Contact) -> float:
        return ranks.get(visit.country.iso2, 2.0)

    known = [v for v in visits if v.start_precision == DatePrecision.DAY]
    keys = {}
    for visit in visits:
        if visit.start_precision == DatePrecision.DAY:
            day = visit.start_date
        elif visit.pk in met:
            day = met[visit.pk]
        else:
            before = [v.start_date for v in known if rank(v) <= rank(visit)]
            day = max(before) if before else min([v.start_date for v in known] or [visit.start_date])
        keys[visit.pk] = (day, visit.end_date or date.max, rank(visit),
                          visit.start_precision != DatePrecision.DAY, visit.place.name if visit.place else "", visit.pk)
    return keys


def passed_through(delegation: Delegation, visits: list[Contact], contacts: list[Contact] | None = None) -> list[Contact]:
    """Stops not marked as transits in a country the delegation only passed through.

    A country where some stop is a reported transit (a border crossing, a train passing a station) and
    where nobody met anybody was travelled through, not visited: its other stops ("the train arrived in
    Pingxiang", "by way of Nanning") are transits too. Only abroad: a visit to the DPRK has no route.
    `contacts`, when given, are all the delegation's contacts (saves a query).
    """
    if delegation.direction != Direction.OUTBOUND:
        return []
    if contacts is None:
        met = set(delegation.contacts.exclude(kind=Contact.Kind.VISIT).values_list("country_id", flat=True))
    else:
        met = {c.country_id for c in contacts if c.kind != Contact.Kind.VISIT}
    by_country: dict[int, list[Contact]] = defaultdict(list)
    for visit in visits:
        by_country[visit.country_id].append(visit)
    found = []
    for country, stops in by_country.items():
        if country in met or not any(v.transit for v in stops):
            continue
        found += [v for v in stops if not v.transit]
    return found


def itinerary_renumber(delegation: Delegation, article=None, *, contacts: list[Contact] | None = None) -> None:
    """Number the delegation's visits 1..n in itinerary order (cleared first: orders are unique).

    Stops in a country only passed through are marked as transits (see `passed_through`) and arrival
    days before the departure from home are corrected (see `dates_before_departure`); a locked
    delegation (edited by hand) is only renumbered. Only the visits whose number changes are written.
    `article`: one being applied now (see `_reports`; apply.journey_fold marks a delegation that an
    article without copies has just begun with `_begun_by`, its id). `contacts`: all the delegation's
    contacts as they are now, with country and place, from a caller that holds them (apply.journey_fold),
    instead of reading them again.
    """
    if contacts is None:
        contacts = list(delegation.contacts.select_related("country", "place"))
    else:  # in the order the query gives them (Contact.Meta.ordering), so the writes come in the same order
        contacts = sorted(contacts, key=lambda c: (c.start_date, c.pk), reverse=True)
    visits = [c for c in contacts if c.kind == Contact.Kind.VISIT]
    journeys = _reports(delegation, article)
    if not delegation.locked:
        dates_before_departure(delegation, visits, journeys)
        through = passed_through(delegation, visits, contacts)
        for visit in through:
            visit.transit = True
        if through:
            Contact.objects.filter(pk__in=[v.pk for v in through]).update(transit=True)
    met: dict[int, date] = {}
    for contact in contacts:
        if contact.stop_id is not None:
            met[contact.stop_id] = min(contact.start_date, met.get(contact.stop_id, contact.start_date))
    keys = itinerary_key(visits, _route_ranks(journeys), met)
    visits.sort(key=lambda v: keys[v.pk])
    changed = [visit for order, visit in enumerate(visits, start=1) if visit.itinerary_order != order]
    if not changed:
        return
    # The numbers being replaced are cleared first, so no two visits ever hold the same one.
    if any(visit.itinerary_order is not None for visit in changed):
        Contact.objects.filter(pk__in=[v.pk for v in changed]).exclude(itinerary_order=None).update(
            itinerary_order=None
        )
    for order, visit in enumerate(visits, start=1):
        visit.itinerary_order = order
    Contact.objects.bulk_update(changed, ["itinerary_order"])


def delegation_split(delegation: Delegation, visits: Iterable[Contact], *, user: Any = None) -> Delegation:
    """Move the chosen visits, their meetings and the articles that reported them into a new delegation.

    Both delegations are locked and remember the split in `grouping["split_from"]` / `["split_into"]`
    and in `grouping["articles"]`, so a later ingest of those articles folds each one back into the
    delegation the editor put it in, never both into one.
    """
    chosen = {v.pk for v in visits}
    with transaction.atomic(), pghistory.context(action="delegation_split", target=delegation.pk,
                                                 user=getattr(user, "pk", None)):
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        moving = list(delegation.contacts.filter(kind=Contact.Kind.VISIT, pk__in=chosen))
        if not moving:
            raise ValueError("choose at least one visit of this delegation to split off")
        staying = delegation.contacts.exclude(pk__in=[v.pk for v in moving]).exclude(stop__in=moving)
        if not staying.filter(kind=Contact.Kind.VISIT).exists():
            raise ValueError("a split must leave at least one visit in the delegation")
        grouping = dict(delegation.grouping or {})
        new = Delegation.objects.create(
            title=f"{delegation.title} (split)"[:300],
            direction=delegation.direction,
            sending_country=delegation.sending_country,
            organization=delegation.organization,
            delegation_type=delegation.delegation_type,
            leader=delegation.leader,
            stage=delegation.stage,
            confidence=delegation.confidence,
            review_status=delegation.review_status,
            locked=True,
            grouping={"phrase": grouping.get("phrase", ""), "articles": {}, "split_from": delegation.pk},
        )
        for member in delegation.memberships.all():
            new.memberships.get_or_create(person=member.person, defaults={"role": member.role, "title": member.title})
        moved_contacts = Contact.objects.filter(Q(pk__in=[v.pk for v in moving]) | Q(stop__in=moving),
                                                delegation=delegation)
        moved_ids = list(moved_contacts.values_list("pk", flat=True))
        Contact.objects.filter(pk__in=moved_ids).update(delegation=new, itinerary_order=None)
        Evidence.objects.filter(contact_id__in=moved_ids).update(delegation=new)
        # The articles that reported the moved stops follow them; one that also reported a stop that
        # stays is cited by both trips.
        moved_urls = set(Evidence.objects.filter(contact_id__in=moved_ids).values_list("url", flat=True))
        staying_urls = set(Evidence.objects.filter(contact__delegation=delegation).values_list("url", flat=True))
        articles = dict(grouping.get("articles") or {})
        new_articles = {}
        for evidence in Evidence.objects.filter(delegation=delegation, contact__isnull=True, url__in=moved_urls):
            key = str(evidence.article_id) if evidence.article_id else None
            if key in articles:
                new_articles[key] = [f"split from delegation {delegation.pk} by an editor"]
            if evidence.url in staying_urls:
                evidence.pk = None  # a copy for the new trip
                evidence.delegation = new
                evidence.save()
            else:
                evidence.delegation = new
                evidence.save(update_fields=["delegation"])
                articles.pop(key, None)
        for trip in (delegation, new):
            days = trip.contacts.filter(kind=Contact.Kind.VISIT).order_by("start_date")
            first, last = days.first(), days.order_by("-end_date", "-start_date").first()
            trip.start_date = first.start_date if first else trip.start_date
            trip.end_date = max(filter(None, [last.end_date, last.start_date])) if last else None
        grouping["articles"] = articles
        grouping["split_into"] = [*grouping.get("split_into", []), new.pk]
        delegation.grouping, delegation.locked = grouping, True
        delegation.save()
        new.grouping = {**new.grouping, "articles": new_articles}
        new.save()
        itinerary_renumber(delegation)
        itinerary_renumber(new)
    return new

"""Apply accepted proposals: create or update contacts records, each citing its article (Evidence).

Every write here is idempotent: evidence, participants, members and aliases are get-or-create on their
unique keys; a journey already folded into a delegation adds nothing the second time; a meeting or
message already recorded (same kind, country, day and lead) gets the new article as evidence
instead of a second row. Names are resolved through PersonAlias and `names.same_person`; an unknown
name becomes a Person with review_status=proposed (and a New person proposal for editors), never a
silent duplicate.

Delegations edited by hand (`locked`) only receive evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from contacts.models import (
    Contact,
    Country,
    DatePrecision,
    Delegation,
    DelegationMember,
    Direction,
    Evidence,
    Participant,
    Person,
    Place,
    ReviewStatus,
    normalize_name,
)
from ingest.models import Article, Proposal
from ingest.pipeline import consolidate
from ingest.pipeline.gazetteer import extra_place
from ingest.pipeline.people import exact_forget, person_resolve
from ingest.pipeline.store import lock_key

__all__ = [
    "caches_clear",
    "citations_lock",
    "contact_record",
    "country_get",
    "evidence_add",
    "evidence_cite_duplicates",
    "evidence_deferred",
    "journey_fold",
    "person_resolve",
    "place_get",
    "place_index_load",
    "proposal_apply",
    "proposal_reject",
]

STAGE_ORDER = {"announced": 0, "departed": 1, "concluded": 2}
DPRK = "KP"


def _as_date(value: object) -> date | None:
    return consolidate._as_date(value)


# Reference lookups ---------------------------------------------------------------------------------


# Per process: countries are reference data, never deleted. A row enters the cache only once its
# transaction has committed, so a rolled-back creation is never remembered.
_COUNTRIES: dict[str, Country] = {}


def _remember(country: Country) -> Country:
    transaction.on_commit(lambda: _COUNTRIES.__setitem__(country.iso2, country))
    return country


# Per batch (see caches_clear): places and people named again and again in one batch of articles are
# looked up once. Entries are added only when their transaction commits (never a rolled-back row), and
# the batch is short, so an editor's merge or delete meanwhile is the only way to see a stale entry.
_PLACES: dict[tuple[int, str], Place] = {}
_PEOPLE: dict[tuple, Person] = {}


def caches_clear() -> None:
    """Forget the places and people remembered for the current batch (called when a batch starts)."""
    _PLACES.clear()
    _PEOPLE.clear()
    exact_forget()


def _remember_later(cache: dict, key: tuple, value: object) -> None:
    transaction.on_commit(lambda: cache.__setitem__(key, value))


def country_get(iso2: str | None) -> Country | None:
    """The Country for an ISO code, created from the offline reference data if not loaded yet."""
    if not iso2:
        return None
    iso2 = iso2.upper()
    if iso2 in _COUNTRIES:
        return _COUNTRIES[iso2]
    country = Country.objects.filter(iso2=iso2).first()
    if country is not None:
        return _remember(country)
    from contacts.reference import countries

    record = next((r for r in countries() if r.iso2 == iso2), None)
    if record is None:
        return None
    latitude, longitude = record.latlng or (None, None)
    country, _ = Country.objects.get_or_create(
        iso2=iso2,
        defaults={
            "iso3": record.iso3,
            "numeric": record.numeric,
            "name": record.name,
            "official_name": record.official_name,
            "press_names": list(record.press_names),
            "demonyms": list(record.demonyms),
            "latitude": latitude,
            "longitude": longitude,
        },
    )
    return _remember(country)


@lru_cache(maxsize=1)
def _city_index() -> dict:
    """(country, folded name or alias) -> the most populous GeoNames city of that name."""
    from contacts.reference import cities

    index = {}
    for record in sorted(cities(), key=lambda r: r.population):  # larger cities overwrite smaller ones
        for name in (record.name, *record.aliases):
            index[(record.country, normalize_name(name))] = record
    return index


def place_index_load() -> None:
    """Build the GeoNames city index now (a worker does it before forking its pool)."""
    _city_index()


def place_get(country: Country | None, city: str | None) -> Place | None:
    """The Place for a city name in a country: by name or alias, else from GeoNames, else a bare row."""
    if country is None or not city:
        return None
    city = city.strip()[:200]
    key = (country.pk, city)
    if key in _PLACES:
        return _PLACES[key]
    place = _place_find(country, city)
    if place is not None:
        _remember_later(_PLACES, key, place)
    return place


def _place_find(country: Country, city: str) -> Place | None:
    place = (
        Place.objects.filter(country=country, name__iexact=city).first()
        or Place.objects.filter(country=country, aliases__contains=[city]).first()
    )
    if place is not None:
        return place
    record = _city_index().get((country.iso2, normalize_name(city)))
    if record is not None:
        place = Place.objects.filter(geonameid=record.geonameid).first() or Place.objects.filter(
            country=country, name=record.name
        ).first()
        if place is None:
            place = Place.objects.create(
                name=record.name,
                country=country,
                latitude=record.latitude,
                longitude=record.longitude,
                geonameid=record.geonameid,
                population=record.population,
                aliases=[city] if city != record.name else [],
            )
        return place
    curated = extra_place(city)
    if curated is not None and curated.country == country.iso2:
        # Border and resort places the city list lacks (Panmunjom, Mount Kumgang) keep their coordinates.
        place, _ = Place.objects.get_or_create(
            country=country,
            name=curated.name,
            defaults={"latitude": curated.latitude, "longitude": curated.longitude},
        )
        return place
    place, _ = Place.objects.get_or_create(country=country, name=city)
    return place


# Evidence ------------------------------------------------------------------------------------------


def _evidence_defaults(cited: Article, quote: str) -> dict:
    return {
        "article": cited,
        "source_name": cited.source_name[:200],
        "title": cited.title[:500],
        "published": cited.published_at.date() if cited.published_at else None,
        "quote": quote,
    }


def _copies(article: Article) -> list[Article]:
    # Looked up once per article and kept on the instance: every record it supports cites them all.
    if not hasattr(article, "_copies"):
        article._copies = list(article.duplicates.only("url", "source_name", "title", "published_at"))
    return article._copies


def evidence_add(
    article: Article, *, contact: Contact | None = None, delegation: Delegation | None = None, quote: str = ""
) -> None:
    """Cite the article (and every copy of it) on one record; citing twice changes nothing.

    One INSERT ... ON CONFLICT DO NOTHING against the (record, url) unique constraints.
    """
    _evidence_insert(_evidence_rows(article, contact=contact, delegation=delegation, quote=quote))


# Citations waiting for one INSERT at the end of evidence_deferred (a context variable: one list per thread).
_DEFERRED: ContextVar[list[Evidence] | None] = ContextVar("ingest_deferred_evidence", default=None)


def _evidence_insert(rows: list[Evidence]) -> None:
    deferred = _DEFERRED.get()
    if deferred is None:
        Evidence.objects.bulk_create(rows, ignore_conflicts=True)  # the (record, url) unique constraints
    else:
        deferred += rows


@contextmanager
def evidence_deferred() -> Iterator[None]:
    """Collect the citations that records applied inside write, and insert them in one statement on exit.

    For applying all of an article's proposals in one transaction (the pipeline): one INSERT, so one run of
    the export-text triggers, instead of one per record. The rows go in the order they were made, and a
    citation made twice is inserted once (ON CONFLICT DO NOTHING), as separate INSERTs would leave them.
    Nothing applied inside reads an article's own citations back (itinerary_renumber reads the other
    articles' journeys).
    """
    token = _DEFERRED.set([])
    try:
        yield
        rows = _DEFERRED.get()
        if rows:
            Evidence.objects.bulk_create(rows, ignore_conflicts=True)
    finally:
        _DEFERRED.reset(token)


def _evidence_rows(article: Article, *, contact: Contact | None = None, delegation: Delegation | None = None,
                   quote: str = "") -> list[Evidence]:
    return [
        Evidence(contact=contact, delegation=None if contact is not None else delegation, url=cited.url,
                 **_evidence_defaults(cited, quote))
        for cited in [article, *_copies(article)]
    ]


def citations_lock(article_id: int) -> None:
    """Serialise citing an article's copies with applying the article (held to the end of the transaction).

    A copy cites what its original is evidence for, and applying the original cites the copies known
    by then. Without this lock a copy marked while its original's records are being written (by
    another worker) would see no evidence yet, and the original would not see the copy: neither would
    cite it. With it, one of the two transactions commits first and the other sees its rows.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(f"citations:{article_id}")])


def evidence_cite_duplicates(duplicate: Article) -> int:
    """Cite a copy's URL on every record its original is evidence for (once); returns how many records.

    Call it in the transaction that marks the copy, after `citations_lock(original)`.
    """
    original = duplicate.duplicate_of
    if original is None:
        return 0
    rows = [
        Evidence(contact_id=evidence.contact_id, delegation_id=None if evidence.contact_id else evidence.delegation_id,
                 url=duplicate.url, **_evidence_defaults(duplicate, evidence.quote))
        for evidence in Evidence.objects.filter(article=original).only("contact_id", "delegation_id", "quote")
    ]
    Evidence.objects.bulk_create(rows, ignore_conflicts=True)  # the (record, url) unique constraints
    return len(rows)


# Records -------------------------------------------------------------------------------------------


def _article_day(article: Article) -> date | None:
    """The article's publication day; None when unknown (never "today": that would invent a date)."""
    return article.published_at.date() if article.published_at else None


def _new_person_proposal(article: Article, person: Person, mention: dict, confidence: float) -> None:
    # Only for a person created just now, in this transaction: no proposal can name it yet.
    Proposal.objects.create(
        article=article,
        action=Proposal.Action.NEW_PERSON,
        payload={
            "person": person.pk,
            "name": person.name,
            "side": mention.get("side", ""),
            "title": mention.get("title", ""),
            "country": mention.get("country") or "",
        },
        confidence=confidence,
        evidence=mention.get("evidence", ""),
    )


def _person_for(article: Article, mention: dict, confidence: float, on: date | None = None) -> Person | None:
    name = (mention.get("name") or "").strip()
    if not name:
        return None
    country = country_get(mention.get("country") or (DPRK if mention.get("side") == "dprk" else None))
    title = (mention.get("title") or "").strip()
    # Namesakes are told apart by the post reported and the day, so both are part of the key.
    key = (normalize_name(" ".join(name.split())[:200]), country.pk if country else None, title, on)
    if key in _PEOPLE:
        # Resolved earlier in this batch (and committed): person_resolve would find the same alias now.
        return _PEOPLE[key]
    person, created = person_resolve(name, country=country, title=title, on=on or _article_day(article))
    if created:
        _new_person_proposal(article, person, mention, confidence)
    _remember_later(_PEOPLE, key, person)
    return person


def _renumber_itinerary(delegation: Delegation, article: Article, contacts: list[Contact] | None = None) -> None:
    from ingest.pipeline import trips

    trips.itinerary_renumber(delegation, article, contacts=contacts)


def _delegation_contacts(delegation: Delegation) -> list[Contact]:
    """Every contact of the delegation, as itinerary_renumber reads them (with country and place)."""
    return list(delegation.contacts.select_related("country", "place"))


def _find_stop(delegation: Delegation, country: Country, place: Place | None, arrived: date | None,
               contacts: list[Contact] | None = None) -> Contact | None:
    if contacts is None:
        visits = delegation.contacts.filter(kind=Contact.Kind.VISIT, country=country).select_related("place")
    else:
        visits = [c for c in contacts if c.kind == Contact.Kind.VISIT and c.country_id == country.pk]
    fits = []
    for visit in visits:
        if place is not None and visit.place_id and visit.place_id != place.pk:
            continue
        # A placeholder date (a stop known only from an itinerary) says nothing about when it was reached.
        placeholder = visit.start_precision != DatePrecision.DAY
        if arrived and not placeholder and abs((visit.start_date - arrived).days) > consolidate.SLACK_DAYS:
            continue
        # The same place first, then the nearest day: a stop told without its city ("crossed into China")
        # joins the stop of that country it is closest to, whatever order the reports came in.
        distance = abs((visit.start_date - arrived).days) if arrived and not placeholder else consolidate.SLACK_DAYS
        fits.append((place is None or visit.place_id != place.pk, distance, visit.pk, visit))
    return min(fits, key=lambda fit: fit[:3])[3] if fits else None


def stop_add(delegation: Delegation, stop: dict, article: Article, *, confidence: float,
             fallback: date | None, evidence: list[Evidence] | None = None,
             contacts: list[Contact] | None = None) -> Contact | None:
    """Add one stop to a delegation's itinerary (or find it), fill in dates it lacked, cite the article.

    With `evidence`, the citations are appended to it for the caller to insert, instead of inserted here.
    With `contacts` (all the delegation's contacts, see `_delegation_contacts`), the stop is looked for
    among them and a new one is added to them, instead of a query per stop.
    """
    direction = delegation.direction
    stop_country = country_get(stop.get("country"))
    if stop_country is None:
        return None
    if direction == Direction.OUTBOUND and stop_country.pk == delegation.sending_country_id:
        return None  # the dateline or the send-off at home, not a stop abroad
    # A visit's country is the foreign counterpart: the host abroad, or the visitors' country at home.
    counterpart = stop_country if direction == Direction.OUTBOUND else delegation.sending_country
    place = place_get(stop_country, stop.get("city"))
    arrived, departed = _as_date(stop.get("arrived")), _as_date(stop.get("departed"))
    visit = _find_stop(delegation, counterpart, place, arrived or departed, contacts)
    if visit is None:
        start = arrived or departed or fallback
        if delegation.locked or start is None:  # an undated stop cannot be placed on the timeline
            return None
        visit = Contact.objects.create(
            kind=Contact.Kind.VISIT,
            direction=direction,
            country=counterpart,
            place=place,
            start_date=start,
            # A stop known only from an itinerary ("to visit China, Viet Nam and Laos") gets the trip's
            # date as a placeholder, marked as month-precise until a report gives the day.
            start_precision=DatePrecision.DAY if (arrived or departed) else DatePrecision.MONTH,
            end_date=departed if departed and departed >= start else None,
            delegation=delegation,
            transit=bool(stop.get("transit")),
            summary=(stop.get("evidence") or "")[:2000],
            confidence=confidence,
            review_status=ReviewStatus.ACCEPTED,
        )
        if contacts is not None:
            contacts.append(visit)
    elif not delegation.locked:
        changed = []
        if place is not None and visit.place_id is None:
            visit.place, changed = place, changed + ["place"]
        guessed = visit.start_precision != DatePrecision.DAY
        day = arrived or (departed if guessed else None)
        if day and (guessed or day < visit.start_date):
            visit.start_date, visit.start_precision = day, DatePrecision.DAY
            changed += ["start_date", "start_precision"]
            if visit.end_date and visit.end_date < day:
                visit.end_date, changed = None, changed + ["end_date"]
        if departed and departed >= visit.start_date and (visit.end_date is None or departed > visit.end_date):
            visit.end_date, changed = departed, changed + ["end_date"]
        if changed:
            visit.save(update_fields=[*changed, "updated_at"])
    rows = _evidence_rows(article, contact=visit, quote=stop.get("evidence") or "")
    if evidence is None:
        _evidence_insert(rows)
    else:
        evidence += rows
    return visit


def journey_fold(journey: dict, article: Article, *, confidence: float, evidence: str,
                 delegation: Delegation | None = None, people: list[dict] | None = None,
                 reasons: list[str] | None = None, find: bool = True) -> Delegation | None:
    """Fold one journey into its delegation (found, given, or new) and return the delegation.

    `find=False`: the caller has just looked for the journey's delegation and found none (a new trip).
    """
    fallback = _article_day(article)
    reasons = list(reasons or [])
    if delegation is None and find:
        match = consolidate.delegation_find(journey, fallback_date=fallback)
        if match is not None:
            delegation, reasons = match.delegation, match.reasons
    start, end = consolidate.journey_span(journey, fallback)
    # Dated only by its page (no day in the text): mirrors carry wrong page dates, so such a journey
    # never moves a trip's dates, and a trip begun from one is marked so that real dates replace them.
    weak = consolidate.journey_span(journey, None)[0] is None
    sending = country_get(journey.get("sending_country"))
    if sending is None or journey.get("direction") not in (Direction.OUTBOUND, Direction.INBOUND):
        return None
    leader_mention = {"name": consolidate.leader_name(journey), "side": "dprk" if sending.iso2 == DPRK else "foreign",
                      "country": sending.iso2, "evidence": evidence, "title": journey.get("leader_title") or ""}
    leader = (
        _person_for(article, leader_mention, confidence, on=start or fallback) if leader_mention["name"] else None
    )
    if delegation is None:
        kind = journey.get("delegation_type") or "other"
        phrase = journey.get("phrase") or f"{sending.name} {kind} delegation"
        title = phrase[0].upper() + phrase[1:]
        if leader is not None:
            title += f" led by {leader.name}"
        delegation = Delegation.objects.create(
            title=title[:300],
            direction=journey["direction"],
            sending_country=sending,
            delegation_type=kind,
            leader=leader,
            start_date=start,
            end_date=end if end and start and end >= start and journey.get("end") else None,
            stage=journey.get("stage") or Delegation.Stage.DEPARTED,
            confidence=confidence,
            review_status=ReviewStatus.ACCEPTED,
            grouping={"phrase": journey.get("phrase", ""), "articles": {str(article.pk): ["new delegation"]},
                      **({"dates": "page"} if weak else {})},
        )
        contacts: list[Contact] | None = []  # a trip begun just now has no stops yet
        if not _copies(article):
            delegation._begun_by = article.pk  # nor any other article citing it (see trips._reports)
    else:
        contacts = None
        changed = []
        articles = dict((delegation.grouping or {}).get("articles") or {})
        if str(article.pk) not in articles:  # why this article joined the trip, for editors (even when locked)
            articles[str(article.pk)] = reasons
            delegation.grouping, changed = {**(delegation.grouping or {}), "articles": articles}, ["grouping"]
        if not delegation.locked:
            changed += _trip_changes(delegation, journey, start, weak, leader)
        if changed:
            delegation.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    # The trip's own citation and its stops' go in together, before the stops are put in order.
    evidence_rows = _evidence_rows(article, delegation=delegation, quote=evidence)
    if not delegation.locked:
        side = "dprk" if sending.iso2 == DPRK else "foreign"
        members = []
        for mention in people or []:
            if mention.get("side") != side or mention.get("role") != "member":
                continue
            member = _person_for(article, {**mention, "evidence": evidence}, confidence)
            if member is not None and member != delegation.leader:
                members.append(DelegationMember(delegation=delegation, person=member, role="member",
                                                title=(mention.get("title") or "")[:300]))
        if leader is not None:
            members.append(DelegationMember(delegation=delegation, person=leader, role="leader"))
        # One INSERT; a membership already recorded is left as it is (the delegation-person unique key).
        DelegationMember.objects.bulk_create(members, ignore_conflicts=True)
    stops = journey.get("stops", [])
    if contacts is None and (stops or not delegation.locked):
        # Read once for all the stops and the renumbering, which see each stop added or changed.
        contacts = _delegation_contacts(delegation)
    for stop in stops:
        stop_add(delegation, stop, article, confidence=confidence,
                 fallback=delegation.start_date if weak else (start or fallback), evidence=evidence_rows,
                 contacts=contacts)
    _evidence_insert(evidence_rows)
    if not delegation.locked:
        _renumber_itinerary(delegation, article, contacts)
    return delegation


def _trip_changes(delegation: Delegation, journey: dict, start: date | None, weak: bool,
                  leader: Person | None) -> list[str]:
    """What a journey adds to a trip it joins (earlier start, later end, later stage, a leader): fields set."""
    changed = []
    if not weak and consolidate.dates_weak(delegation):
        delegation.start_date, delegation.end_date = start, None
        delegation.grouping = {k: v for k, v in delegation.grouping.items() if k != "dates"}
        changed += ["start_date", "end_date", "grouping"]
    elif start and (delegation.start_date is None or (not weak and start < delegation.start_date)):
        delegation.start_date, changed = start, changed + ["start_date"]
    journey_end = _as_date(journey.get("end"))
    if journey_end and (delegation.end_date is None or journey_end > delegation.end_date):
        if delegation.start_date is None or journey_end >= delegation.start_date:
            delegation.end_date, changed = journey_end, changed + ["end_date"]
    stage = journey.get("stage")
    if stage in STAGE_ORDER and STAGE_ORDER[stage] > STAGE_ORDER.get(delegation.stage, -1):
        delegation.stage, changed = stage, changed + ["stage"]
    if delegation.leader_id is None and leader is not None:
        delegation.leader, changed = leader, changed + ["leader"]
    return changed


def contact_record(payload: dict, article: Article, *, confidence: float, evidence: str,
                   delegation: Delegation | None = None) -> Contact | None:
    """Record a meeting, message or agreement (or cite the article on the same one already recorded)."""
    country = country_get(payload.get("country"))
    if country is None or payload.get("kind") not in Contact.Kind.values:
        return None
    day = _as_date(payload.get("date")) or _article_day(article)
    if day is None:
        return None  # an editor must give the date (edit the proposal's payload)
    people = payload.get("people") or []
    persons = [
        (mention, _person_for(article, {**mention, "evidence": evidence}, confidence, on=day)) for mention in people
    ]
    leads = {(m.get("side"), p.pk) for m, p in persons if p is not None and m.get("role", "lead") == "lead"}
    same = Contact.objects.filter(kind=payload["kind"], country=country, start_date=day)
    existing = None
    for candidate in same.prefetch_related("participants"):
        theirs = {(p.side, p.person_id) for p in candidate.participants.all() if p.role == Participant.Role.LEAD}
        # The same event: the leads agree on every side both reports name (two meetings of one envoy on
        # one day, with different hosts, stay two).
        sides = {side for side, _ in leads} & {side for side, _ in theirs}
        agree = all({p for s, p in leads if s == side} & {p for s, p in theirs if s == side} for side in sides)
        if (sides and agree) or (not leads and not theirs):
            existing = candidate
            break
    if existing is None:
        place = place_get(country_get(payload.get("place_country")) or country, payload.get("city"))
        stop = None
        if delegation is not None:
            # The stop in the meeting's country: the last one begun by that day, else the first one there.
            visits = delegation.contacts.filter(kind=Contact.Kind.VISIT, country=country)
            stop = (
                visits.filter(start_date__lte=day).order_by("-start_date", "-pk").first()
                or visits.order_by("start_date", "pk").first()
            )
            if stop is not None and stop.start_precision != DatePrecision.DAY and day > stop.start_date:
                # The stop's date was a placeholder: a dated meeting there is the best bound there is.
                Contact.objects.filter(pk=stop.pk).update(start_date=day, end_date=None)
                _renumber_itinerary(delegation, article)
        direction = payload.get("direction") or Direction.REMOTE
        if delegation is not None:
            direction = delegation.direction  # a meeting during a trip goes the trip's way
        existing = Contact.objects.create(
            kind=payload["kind"],
            direction=direction,
            country=country,
            place=place,
            start_date=day,
            start_precision=payload.get("precision") or DatePrecision.DAY,
            delegation=delegation,
            stop=stop,
            summary=(payload.get("summary") or evidence)[:2000],
            confidence=confidence,
            review_status=ReviewStatus.ACCEPTED,
        )
    participants = []
    for mention, person in persons:
        if person is None:
            continue
        side = mention.get("side") if mention.get("side") in Participant.Side.values else Participant.Side.FOREIGN
        role = mention.get("role") if mention.get("role") in Participant.Role.values else Participant.Role.PRESENT
        participants.append(Participant(contact=existing, person=person, side=side, role=role,
                                        title=(mention.get("title") or "")[:300]))
    # One INSERT; a participant already recorded is left as it is (the contact-person unique key).
    Participant.objects.bulk_create(participants, ignore_conflicts=True)
    evidence_add(article, contact=existing, quote=evidence)
    return existing


# Proposals -----------------------------------------------------------------------------------------


def proposal_apply(proposal: Proposal, *, user=None, savepoint: bool = True, new_trip: bool = False,
                   delegation: Delegation | None = None, trip: Delegation | None = None) -> Proposal:
    """Carry out one proposal and mark it applied; applying an applied proposal changes nothing.

    A proposal not saved yet is saved (applied) at the end. `savepoint=False` when the caller's
    transaction is all-or-nothing anyway (the pipeline's), to save the round trips of a savepoint.
    `new_trip`: the caller has just looked for the trip of a New delegation proposal, in this
    transaction, and found none: it is not looked for again. `delegation`: the payload's delegation as
    the caller loaded it in this transaction (with leader and sending country), not read again. `trip`:
    the delegation of the article's proposal applied last, when the caller applied it just now (a
    meeting's trip, not looked up again).
    """
    known = delegation
    if proposal.status == Proposal.Status.APPLIED:
        return proposal
    article = proposal.article
    payload = proposal.payload or {}
    action = proposal.action
    with transaction.atomic(savepoint=savepoint):
        if action == Proposal.Action.NEW_PERSON:
            person = Person.objects.filter(pk=payload.get("person")).first()
            if person is not None and person.review_status == ReviewStatus.PROPOSED:
                person.review_status = ReviewStatus.ACCEPTED
                person.save(update_fields=["review_status"])
        elif action in (Proposal.Action.NEW_DELEGATION, Proposal.Action.NEW_VISIT, Proposal.Action.LINK_ARTICLE):
            delegation = None
            if payload.get("delegation") and known is not None and known.pk == payload["delegation"]:
                delegation = known
            elif payload.get("delegation"):
                delegation = Delegation.objects.select_related("leader", "sending_country").filter(pk=payload["delegation"]).first()
            if payload.get("journey"):
                delegation = journey_fold(
                    payload["journey"], article, confidence=proposal.confidence, evidence=proposal.evidence,
                    delegation=delegation, people=payload.get("people"), reasons=payload.get("reasons"),
                    find=not (new_trip and action == Proposal.Action.NEW_DELEGATION),
                )
            elif payload.get("contact"):
                contact = Contact.objects.filter(pk=payload["contact"]).first()
                if contact is not None:
                    evidence_add(article, contact=contact, quote=proposal.evidence)
                    proposal.contact = contact
            proposal.delegation = delegation
        elif action == Proposal.Action.NEW_CONTACT:
            delegation = None
            if payload.get("journey"):
                # The trip this meeting happened during: the one this article's trip proposal went to, if any.
                if trip is None:
                    sibling = (
                        article.proposals.filter(status=Proposal.Status.APPLIED, delegation__isnull=False)
                        .exclude(pk=proposal.pk)
                        .select_related("delegation__leader", "delegation__sending_country")
                        .first()
                    )
                    trip = sibling.delegation if sibling else None
                delegation = journey_fold(
                    payload["journey"], article, confidence=proposal.confidence, evidence=proposal.evidence,
                    delegation=trip, people=payload.get("people"),
                )
            proposal.contact = contact_record(
                payload, article, confidence=proposal.confidence, evidence=proposal.evidence, delegation=delegation
            )
            proposal.delegation = delegation
        proposal.status = Proposal.Status.APPLIED
        proposal.reviewed_by = user
        proposal.reviewed_at = timezone.now() if user is not None else None
        proposal.save()
        if article.status == Article.Status.PROPOSED and (proposal.delegation_id or proposal.contact_id):
            Article.objects.filter(pk=article.pk).update(status=Article.Status.LINKED)
    return proposal


def proposal_reject(proposal: Proposal, *, user=None) -> Proposal:
    """Reject a proposal; a rejected new person is marked rejected so it is not matched again."""
    with transaction.atomic():
        if proposal.action == Proposal.Action.NEW_PERSON:
            Person.objects.filter(pk=(proposal.payload or {}).get("person"), review_status=ReviewStatus.PROPOSED).update(
                review_status=ReviewStatus.REJECTED
            )
        proposal.status = Proposal.Status.REJECTED
        proposal.reviewed_by = user
        proposal.reviewed_at = timezone.now()
        proposal.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return proposal

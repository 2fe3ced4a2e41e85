"""Consolidation: which existing Delegation an article's journey belongs to, and why.

A journey joins a delegation when both travel the same way (direction and sending country), are led
by the same person (`names.same_person` against the leader's name and every alias) and their dates
overlap, with a few days of slack for announcements and late reports. Without a named leader, the
delegation phrase ("a delegation of the Communist Party of Viet Nam") and the type must agree
instead. The reasons are returned so editors can see why articles were grouped.

A journey dated only by its page, or a trip known only from such journeys, joins by leader and shared
countries within WEAK_DAYS instead (mirrors carry wrong page dates). When several trips fit, the one
sharing most countries and nearest in time wins, so trips an editor split apart (trips.delegation_split)
keep receiving their own reports; delegations edited by hand are `locked` and only receive evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.fields.json import KT

from contacts.models import Contact, Delegation, PersonAlias, normalize_name
from ingest.pipeline.names import same_person, split_name_run

__all__ = ["SLACK_DAYS", "WEAK_DAYS", "Match", "dates_weak", "delegation_find", "journey_span", "leader_name"]

SLACK_DAYS = 7  # an announcement a week ahead, or a summary a week after, still joins the trip
OPEN_TRIP_DAYS = 30  # a delegation with no known end is assumed to travel at most this long
# A trip first seen mid-way (its start known only from a later stop) may have begun this much earlier.
OPEN_TRIP_BACK_DAYS = 14
# A journey dated only by its page (or a trip known only from such pages) joins the same leader's trip to a
# shared country this close: copies on other sites carry the day they were copied, weeks or months late.
WEAK_DAYS = 120


@dataclass(frozen=True)
class Match:
    """A delegation the journey joins, with the reasons an editor sees."""

    delegation: Delegation
    reasons: list[str]


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def journey_span(journey: dict, fallback: date | None) -> tuple[date | None, date | None]:
    """First and last day a journey payload speaks of (stops, start/end), or the fallback day."""
    days = [_as_date(journey.get("start")), _as_date(journey.get("end"))]
    for stop in journey.get("stops", []):
        days += [_as_date(stop.get("arrived")), _as_date(stop.get("departed"))]
    known = [d for d in days if d]
    if not known:
        return fallback, fallback
    return min(known), max(known)


def _leader_names(delegation: Delegation) -> list[str]:
    if delegation.leader is None:
        return []
    return [delegation.leader.name] + [alias.name for alias in delegation.leader.aliases.all()]


def _journey_countries(journey: dict) -> set[str]:
    countries = {stop.get("country") for stop in journey.get("stops", [])} | set(journey.get("countries") or [])
    return {c for c in countries if c and c != journey.get("sending_country")}


def _visit_countries(delegations: list[Delegation]) -> dict[int, set[str]]:
    """Where each delegation's stops are (a visit's country is the counterpart: the visitors' own, inbound).

    One small query for the delegations that matter, instead of loading every candidate's contacts.
    """
    found: dict[int, set[str]] = {d.pk: set() for d in delegations}
    inbound = {d.pk for d in delegations if d.direction == "inbound"}
    rows = Contact.objects.filter(delegation_id__in=list(found), kind="visit").values_list(
        "delegation_id", "country__iso2"
    ).distinct() if found else []
    for delegation_id, iso2 in rows:
        found[delegation_id].add("KP" if delegation_id in inbound else iso2)
    return found


def dates_weak(delegation: Delegation) -> bool:
    """True when the delegation's dates come only from page dates (mirrors carry wrong ones)."""
    return (delegation.grouping or {}).get("dates") == "page"


def leader_name(journey: dict) -> str | None:
    """The journey's leader without a title in front ("Vice-Minister Ri Chol Ung" -> "Ri Chol Ung")."""
    leader = " ".join((journey.get("leader") or "").split())
    if not leader:
        return None
    spans = split_name_run(leader)
    return leader[spans[-1][0]:spans[-1][1]] if spans else leader


@dataclass(frozen=True)
class _Candidate:
    """What choosing among candidate trips reads of a Delegation, without loading the whole row."""

    pk: int
    leader_id: int | None
    leader_name: str | None
    direction: str
    delegation_type: str
    start_date: date | None
    end_date: date | None
    grouping: dict  # only its "phrase" and "dates" keys, where the delegation has them


def _candidates(queryset) -> list[_Candidate]:
    rows = queryset.annotate(
        _has_phrase=ExpressionWrapper(Q(grouping__has_key="phrase"), output_field=BooleanField()),
        _phrase=KT("grouping__phrase"),
        _has_dates=ExpressionWrapper(Q(grouping__has_key="dates"), output_field=BooleanField()),
        _dates=KT("grouping__dates"),
    ).values_list("pk", "leader_id", "leader__name", "direction", "delegation_type", "start_date", "end_date",
                  "_has_phrase", "_phrase", "_has_dates", "_dates")
    return [
        _Candidate(pk, leader_id, leader, direction, kind, start, end,
                   {**({"phrase": phrase} if has_phrase else {}), **({"dates": dates} if has_dates else {})})
        for pk, leader_id, leader, direction, kind, start, end, has_phrase, phrase, has_dates, dates in rows
    ]


def _aliases(candidates: list[_Candidate], leader: str | None) -> dict[int, list[str]]:
    """The other names of the candidates' leaders whose own name is not the journey's leader's."""
    if not leader:
        return {}
    wanted = {c.leader_id for c in candidates if c.leader_id and not same_person(leader, c.leader_name)}
    names: dict[int, list[str]] = {}
    if wanted:
        for person_id, name in PersonAlias.objects.filter(person_id__in=wanted).values_list("person_id", "name"):
            names.setdefault(person_id, []).append(name)
    return names


def _same_group(journey: dict, delegation, leader_names: list[str]) -> list[str] | None:
    """Why the journey and the delegation are the same group (leader, else phrase or type), or None.

    `leader_names`: the delegation's leader's name and aliases (see `_leader_names`).
    """
    leader = leader_name(journey)
    if leader and delegation.leader_id:
        if any(same_person(leader, name) for name in leader_names):
            return [f"same leader: {leader}", f"same direction: {delegation.direction}"]
        return None
    if not leader and not delegation.leader_id:
        phrase = normalize_name(journey.get("phrase") or "")
        same_phrase = phrase and phrase == normalize_name(delegation.grouping.get("phrase", ""))
        same_type = journey.get("delegation_type") and journey.get("delegation_type") == delegation.delegation_type
        if same_phrase or same_type:
            why = "same delegation phrase" if same_phrase else f"same type: {delegation.delegation_type}"
            return [why, f"same sending country: {journey.get('sending_country')}"]
    return None


def delegation_find(journey: dict, *, fallback_date: date | None) -> Match | None:
    """The delegation this journey belongs to, or None when it starts a new one.

    Same group (leader, else phrase/type) and dates that overlap, with slack. A journey dated only by
    its page (no day in the text), or a delegation known only from such pages, may instead join by
    the same leader and a shared country within WEAK_DAYS of it: copies on other sites often carry
    the day they were copied. Among several that fit, the one sharing most countries and nearest in
    time wins, so a trip an editor split in two keeps receiving its own articles.
    """
    own_start, own_end = journey_span(journey, None)
    weak = own_start is None
    start, end = (own_start, own_end) if not weak else (fallback_date, fallback_date)
    if start is None:
        return _undated_match(journey)
    slack = timedelta(days=SLACK_DAYS)
    window = timedelta(days=WEAK_DAYS)
    candidates = (
        Delegation.objects.filter(direction=journey.get("direction"), sending_country__iso2=journey.get("sending_country"))
        .filter(
            Q(start_date__isnull=True)
            | Q(start_date__lte=end + window, start_date__gte=start - window - timedelta(days=OPEN_TRIP_DAYS))
        )
        .exclude(stage=Delegation.Stage.CANCELLED)
        # A journey with a leader joins only a trip with a leader, one without only a trip without.
        .filter(leader__isnull=not leader_name(journey))
        .order_by("-start_date", "pk")
    )
    countries = _journey_countries(journey)
    fits: list[tuple[tuple, Match]] = []
    # The few columns that choose, for up to 200 trips; the whole row of the one chosen only.
    found = _candidates(candidates[:200])
    aliases = _aliases(found, leader_name(journey))
    same_group = [
        (d, why) for d in found
        if (why := _same_group(journey, d, [d.leader_name, *aliases.get(d.leader_id, [])])) is not None
    ]
    visited = _visit_countries([d for d, _ in same_group])
    for delegation, why in same_group:
        shared = countries & visited[delegation.pk]
        d_start = delegation.start_date or start
        d_end = delegation.end_date or (d_start + timedelta(days=OPEN_TRIP_DAYS))
        back = slack if delegation.end_date else timedelta(days=OPEN_TRIP_BACK_DAYS)
        distance = max((d_start - back - end).days, (start - d_end - slack).days, 0)
        if distance == 0 and delegation.start_date and not (weak and dates_weak(delegation)):
            dates = f"dates overlap ({start}..{end} with {delegation.start_date}..{delegation.end_date or 'open'})"
            fits.append(((0, -len(shared), abs((start - d_start).days)), Match(delegation, [*why, dates])))
        elif (weak or dates_weak(delegation) or delegation.start_date is None) and (
            shared or not countries or not visited[delegation.pk]
        ):
            if distance > WEAK_DAYS:
                continue
            same = ", ".join(sorted(shared)) or "none named"
            note = "page date only" if weak else "trip dated by page dates only"
            fits.append(((1, -len(shared), distance), Match(delegation, [*why, f"same countries: {same}", note])))
    if fits:
        chosen = min(fits, key=lambda fit: fit[0])[1]
        delegation = Delegation.objects.select_related("leader", "sending_country").get(pk=chosen.delegation.pk)
        return Match(delegation, chosen.reasons)
    return None


def _undated_match(journey: dict) -> Match | None:
    """An article with no date at all joins the latest trip of the same leader to the same countries."""
    leader = leader_name(journey)
    countries = {stop.get("country") for stop in journey.get("stops", [])} | set(journey.get("countries") or [])
    if not leader or not countries:
        return None
    candidates = (
        Delegation.objects.filter(
            direction=journey.get("direction"),
            sending_country__iso2=journey.get("sending_country"),
            leader__isnull=False,
        )
        .filter(contacts__kind="visit", contacts__country__iso2__in=countries)
        .select_related("leader", "sending_country")
        .prefetch_related("leader__aliases")
        .distinct()
        .order_by("-start_date", "pk")
    )
    for delegation in candidates[:50]:
        if any(same_person(leader, name) for name in _leader_names(delegation)):
            shared = ", ".join(sorted(countries))
            return Match(delegation, [f"same leader: {leader}", f"same countries: {shared}", "article undated"])
    return None

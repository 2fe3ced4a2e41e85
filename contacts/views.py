"""Analyst pages: timeline, map, delegation, official, country and search pages, and their downloads.

Every list is `ContactFilterSet(request.GET).qs` (contacts/filters.py), so the page, its HTMX partial,
the CSV, the GeoJSON and the JSON always hold the same rows. Views are thin: queries live in
`timeline.py`-style helpers below and in the queryset, formats in exports.py and api.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from contacts import api, exports, pagecache, search
from contacts.access import admin_change_url, is_editor, reader_required
from contacts.filters import ContactFilterSet, IdIn, contact_facets, contact_ids_with_people, describe_period
from contacts.models import (
    Contact,
    Country,
    Delegation,
    DelegationMember,
    Direction,
    Evidence,
    Participant,
    Person,
    Position,
    ReviewStatus,
)

PAGE_SIZE = 50
# How long a rendered timeline page further back than the first stays cached (see contact_list).
PAGED_CACHE_SECONDS = 60


def listed_contacts() -> QuerySet[Contact]:
    """Every contact an analyst may see: rejected false positives stay out of all lists."""
    return Contact.objects.for_listing().exclude(review_status=ReviewStatus.REJECTED)


def contact_filterset(request: HttpRequest) -> ContactFilterSet:
    return ContactFilterSet(request.GET, queryset=listed_contacts())


def _wants_partial(request: HttpRequest) -> bool:
    # Boosted navigation and history restores need the whole page (django-htmx docs).
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def _page(request: HttpRequest, template: str, context: dict, *, editable=None) -> HttpResponse:
    """Render a full page; editors get the admin link of the record the page is about."""
    editor = is_editor(request.user)
    context.setdefault("is_editor", editor)
    context["edit_url"] = admin_change_url(editable) if editor and editable is not None else None
    return render(request, template, context)


# Keyset pagination -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in timeline order, written into the URL as `2024-03-21.123`."""

    start_date: dt.date
    pk: int

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        if not raw:
            return None
        date_part, _, pk_part = raw.partition(".")
        try:
            return cls(dt.date.fromisoformat(date_part), int(pk_part))
        except ValueError:
            return None

    @classmethod
    def of(cls, contact: Contact) -> Cursor:
        return cls(contact.start_date, contact.pk)

    def __str__(self) -> str:
        return f"{self.start_date.isoformat()}.{self.pk}"


@dataclass
class KeysetPage:
    rows: list
    newer: Cursor | None  # pass as `after=` for the previous (newer) page
    older: Cursor | None  # pass as `before=` for the next (older) page

    @property
    def newer_token(self) -> str | None:
        return str(self.newer) if self.newer else None

    @property
    def older_token(self) -> str | None:
        return str(self.older) if self.older else None


def keyset_page(queryset: QuerySet[Contact], request: HttpRequest, size: int = PAGE_SIZE) -> KeysetPage:
    """One page of `queryset` in timeline order, starting after the URL's `before=` or `after=` cursor."""
    before = Cursor.parse(request.GET.get("before"))
    after = Cursor.parse(request.GET.get("after"))
    if after and not before:
        rows = list(queryset.newer_than(after.start_date, after.pk).order_by("start_date", "pk")[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        newer = Cursor.of(rows[0]) if rows and more_newer else None
        older = Cursor.of(rows[-1]) if rows else None
        return KeysetPage(rows, newer, older)
    if before:
        queryset = queryset.older_than(before.start_date, before.pk)
    rows = list(queryset[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    older = Cursor.of(rows[-1]) if rows and more_older else None
    newer = Cursor.of(rows[0]) if rows and before else None
    return KeysetPage(rows, newer, older)


# Timeline ---------------------------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    """One line of the timeline: a standalone contact, or a delegation's trip with its matching contacts."""

    head: Contact
    delegation: Delegation | None = None
    items: list[Contact] = field(default_factory=list)
    # The whole trip's route (origin, then every stop), whatever the filters leave of its contacts.
    route: list[str] = field(default_factory=list)

    @property
    def month(self) -> dt.date:
        return self.head.start_date.replace(day=1)

    @property
    def kinds(self) -> dict[str, int]:
        return dict(Counter(item.get_kind_display().lower() for item in self.items))


def _participants_prefetch() -> Prefetch:
    return Prefetch("participants", queryset=Participant.objects.select_related("person").order_by("side", "pk"))


def attach_participants(contacts: list[Contact]) -> None:
    """Give every contact its participants (with their person, DPRK side first) as `participant_list`.

    One query for the whole page; the `people` template tag reads the list. Django's prefetch does the
    same but builds a queryset per contact, which cost more than the query on a page of 100 rows.
    """
    by_contact: dict[int, list[Participant]] = defaultdict(list)
    if contacts:
        rows = Participant.objects.filter(contact_id__in={c.pk for c in contacts}).select_related("person")
        for participant in rows.order_by("side", "pk"):
            by_contact[participant.contact_id].append(participant)
    for contact in contacts:
        contact.participant_list = by_contact.get(contact.pk, [])


def trip_routes(delegation_ids: list[int]) -> dict[int, list[str]]:
    """Each trip's route as place names: the origin (the capital, for a DPRK delegation abroad), then its stops.

    Plain value rows, not model instances: a page of trips has a few hundred stops.
    """
    if not delegation_ids:
        return {}
    routes: dict[int, list[str]] = defaultdict(list)
    visits = (
        Contact.objects.filter(delegation_id__in=delegation_ids, kind=Contact.Kind.VISIT)
        .exclude(review_status=ReviewStatus.REJECTED)
        .order_by("delegation_id", "itinerary_order", "start_date", "pk")
        .values_list(
            "delegation_id",
            "place__name",
            "country__name",
            "delegation__direction",
            "delegation__sending_country__capital__name",
        )
    )
    for delegation_id, place, country, direction, capital in visits:
        route = routes[delegation_id]
        if not route and direction == Direction.OUTBOUND and capital:
            route.append(capital)
        name = place or country
        if not route or route[-1] != name:
            route.append(name)
    return routes


# What a timeline entry shows: loading only these columns halves the cost of building the rows.
TIMELINE_FIELDS = (
    "kind",
    "direction",
    "start_date",
    "start_precision",
    "end_date",
    "end_precision",
    "delegation_id",
    "itinerary_order",
    "transit",
    "summary",
    "country__iso2",
    "country__name",
    "place__name",
)
TRIP_FIELDS = (
    "delegation__title",
    "delegation__direction",
    "delegation__delegation_type",
    "delegation__start_date",
    "delegation__start_precision",
    "delegation__end_date",
    "delegation__leader__name",
)


def timeline_entries(queryset: QuerySet[Contact], request: HttpRequest) -> tuple[list[TimelineEntry], KeysetPage]:
    """A page of timeline entries: each trip appears once, at its newest matching contact.

    The page is keyset-paginated over "head" rows (contacts without a delegation, and the newest
    matching contact of each delegation), then one query fetches every matching contact of the
    trips on the page, one the participants of every contact shown and one the trips' routes.
    Four queries whatever the page size.
    """
    newer_in_same_trip = queryset.filter(delegation=OuterRef("delegation")).filter(
        Q(start_date__gt=OuterRef("start_date")) | Q(start_date=OuterRef("start_date"), pk__gt=OuterRef("pk"))
    )
    heads = (
        queryset.filter(Q(delegation__isnull=True) | ~Exists(newer_in_same_trip))
        .select_related("delegation__leader")
        .only(*TIMELINE_FIELDS, *TRIP_FIELDS)
    )
    page = keyset_page(heads, request)
    trip_ids = [row.delegation_id for row in page.rows if row.delegation_id]
    items: dict[int, list[Contact]] = defaultdict(list)
    if trip_ids:
        # The trip itself comes with its head row; its contacts need only their country and place.
        trip_rows = (
            queryset.filter(delegation_id__in=trip_ids)
            .select_related(None)
            .select_related("country", "place")
            .only(*TIMELINE_FIELDS)
            .order_by("delegation_id", "start_date", "itinerary_order", "pk")
        )
        for row in trip_rows:
            items[row.delegation_id].append(row)
    routes = trip_routes(trip_ids)
    entries = []
    shown: list[Contact] = []
    for row in page.rows:
        if row.delegation_id:
            trip = items.get(row.delegation_id) or [row]
            route = routes.get(row.delegation_id, [])
            entries.append(TimelineEntry(head=row, delegation=row.delegation, items=trip, route=route))
            shown.extend(trip)
        else:
            entries.append(TimelineEntry(head=row))
            shown.append(row)
    attach_participants(shown)
    return entries, page


class FilteredPage:
    """The timeline's and the map's parts for one request, each built only when its cache misses.

    Cached per filters (the query string without a cursor) and data version. The filter set itself is
    made only when something must be built: binding it deep-copies every filter and form field, a
    millisecond a request that a cached page does not need.
    """

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        query = request.GET.copy()
        for key in ("before", "after"):
            query.pop(key, None)
        self.filters = query.urlencode()

    @cached_property
    def filterset(self) -> ContactFilterSet:
        return contact_filterset(self.request)

    def summary(self) -> tuple[int, list]:
        """Count and facet counts: whole-table aggregates."""
        return pagecache.cached("summary", self.filters, lambda: (self.filterset.qs.count(), contact_facets(self.filterset)))

    def facets_html(self, *, oob: bool = False) -> str:
        """The facet checkboxes as HTML (hundreds of values)."""
        return mark_safe(
            pagecache.cached(
                "facets-oob" if oob else "facets",
                self.filters,
                lambda: str(render_to_string(
                    "contacts/_filters.html#facets", {"facets": self.summary()[1], "oob": oob}, self.request
                )),
            )
        )

    def sidebar_context(self) -> dict:
        total, _ = self.summary()
        return {
            "filterset": self.filterset,
            "total": total,
            "facets_html": self.facets_html(),
            "period": describe_period(self.filterset),
        }


def _cached_body(request: HttpRequest, name: str, key: str, template: str, build_context, seconds: int) -> str:
    """A page's `body` partial rendered once per key and data version; the page around it (the signed-in
    user, the CSRF token) is rendered per request by `_page`."""
    return mark_safe(
        pagecache.cached(name, key, lambda: str(render_to_string(f"{template}#body", build_context(), request)), seconds)
    )


@require_GET
@vary_on_headers("HX-Request")
@reader_required
def contact_list(request: HttpRequest) -> HttpResponse:
    """The home page: contacts newest first, grouped by month, trips folded into one expandable entry.

    The list (#results) and the page body around it are rendered once per query string and data
    version and cached as HTML: the page a hundred analysts open first is a few cache reads. Neither
    holds anything user-specific.
    """
    page = FilteredPage(request)

    def render_results() -> str:
        total, _ = page.summary()
        entries, cursor = timeline_entries(page.filterset.qs, request)
        context = {"total": total, "period": describe_period(page.filterset), "entries": entries, "page": cursor}
        return str(render_to_string("contacts/contact_list.html#results", context, request))

    # The partial's links depend on the query string alone, which is the cache key. A page further
    # back (a cursor in the URL) is kept briefly: every cursor is a new key of some 100 KB, and the
    # cache must not grow with the pages a crawler walks.
    paged = "before" in request.GET or "after" in request.GET
    seconds = PAGED_CACHE_SECONDS if paged else pagecache.PAGE_CACHE_SECONDS
    query = request.GET.urlencode()

    def results() -> str:
        return mark_safe(pagecache.cached("timeline", query, render_results, seconds))

    if _wants_partial(request):
        # Only #results is the swap target; the facet counts beside the filters follow out of band.
        return HttpResponse(results() + page.facets_html(oob=True))
    body = _cached_body(
        request, "timeline-page", query, "contacts/contact_list.html",
        lambda: {**page.sidebar_context(), "results": results()}, seconds,
    )
    return _page(request, "contacts/contact_list.html", {"body": body})


def _tile_options() -> dict[str, str]:
    """Optional tile server (`MAP_TILE_URL`, e.g. an internal OSM mirror); the default is the offline basemap.

    A tile host must also be allowed in the CSP's img-src.
    """
    url = getattr(settings, "MAP_TILE_URL", "")
    return {"tiles": url, "tiles_attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", "")} if url else {}


@require_GET
@reader_required
def contact_map(request: HttpRequest) -> HttpResponse:
    """Map of the filtered contacts: markers per place, each delegation's itinerary as a line.

    The page body is cached like the timeline's; the markers come from the GeoJSON download.
    """
    page = FilteredPage(request)
    query = request.GET.urlencode()

    def context() -> dict:
        return {
            **page.sidebar_context(),
            "map_config": {
                "geojson": reverse("contacts:export_geojson") + (f"?{query}" if query else ""),
                "basemap": exports.static_url("vendor/world-atlas-2.0.2/countries-50m.json"),
                **_tile_options(),
            },
        }

    body = _cached_body(request, "map-page", query, "contacts/map.html", context, pagecache.PAGE_CACHE_SECONDS)
    return _page(request, "contacts/map.html", {"body": body})


@require_GET
@reader_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A contact outside any trip (a message, a meeting in Pyongyang): its sides, place and sources."""
    contact = get_object_or_404(
        listed_contacts().prefetch_related(_participants_prefetch(), "evidence__article"), pk=pk
    )
    return _page(request, "contacts/contact_detail.html", {"contact": contact}, editable=contact)


# Downloads --------------------------------------------------------------------------------------------


@require_GET
@reader_required
def contact_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered contacts as CSV, all pages, streamed by PostgreSQL's COPY."""
    filterset = contact_filterset(request)
    return exports.stream_contacts_csv(filterset.qs, filename=exports.csv_filename(request))


@require_GET
@reader_required
def contact_export_geojson(request: HttpRequest) -> HttpResponse:
    """The map's data: one point per place with its contacts, one line per delegation itinerary."""
    filterset = contact_filterset(request)
    body = api.contacts_geojson_bytes(filterset.qs, cache_key=request.GET.urlencode())
    response = HttpResponse(body, content_type="application/geo+json")
    if "download" in request.GET:
        response["Content-Disposition"] = 'attachment; filename="contact-atlas-map.geojson"'
    return response


@require_GET
@reader_required
def contact_api(request: HttpRequest) -> JsonResponse:
    """The filtered contacts as paginated JSON (the documented shape on the downloads page)."""
    filterset = contact_filterset(request)

    def encode() -> bytes:
        page = keyset_page(
            filterset.qs.select_related("delegation__leader").prefetch_related(_participants_prefetch()), request
        )
        body = api.contact_page(request, filterset.qs, page)
        return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode()

    # Encoded once per URL (its links are absolute) and data version; pages behind a cursor briefly.
    paged = "before" in request.GET or "after" in request.GET
    seconds = PAGED_CACHE_SECONDS if paged else pagecache.PAGE_CACHE_SECONDS
    body = pagecache.cached("api-contacts", request.build_absolute_uri(), encode, seconds)
    return HttpResponse(body, content_type="application/json")


@require_GET
@reader_required
def downloads(request: HttpRequest) -> HttpResponse:
    """Documentation of the CSV columns, the GeoJSON properties and the JSON shape."""
    return _page(
        request,
        "contacts/downloads.html",
        {"csv_columns": exports.CONTACT_COLUMNS, "json_fields": api.CONTACT_FIELDS},
    )


# Detail pages ---------------------------------------------------------------------------------------------


def _post_on(positions: list[Position], day: dt.date | None) -> Position | None:
    """The post a person held on a day: the latest one started by then and not yet ended."""
    for position in positions:  # ordered newest first
        if day is None:
            return position
        started = position.start_date is None or position.start_date <= day
        running = position.end_date is None or position.end_date >= day
        if started and running:
            return position
    return None


@require_GET
@reader_required
def delegation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One trip: itinerary table and map, meetings at each stop, members, sources, history.

    The page body is cached per delegation, editor or not, and data version.
    """
    delegation = get_object_or_404(
        Delegation.objects.select_related("sending_country__capital", "leader", "organization"), pk=pk
    )
    editor = is_editor(request.user)

    def context() -> dict:
        return {**_delegation_context(delegation), "edit_url": admin_change_url(delegation) if editor else None}

    body = _cached_body(request, "delegation-page", f"{pk}:{editor:d}", "contacts/delegation_detail.html", context,
                        pagecache.PAGE_CACHE_SECONDS)
    return _page(request, "contacts/delegation_detail.html", {"delegation": delegation, "body": body})


def _delegation_context(delegation: Delegation) -> dict:
    contacts = list(
        delegation.contacts.exclude(review_status=ReviewStatus.REJECTED)
        .select_related("country", "place")
        .prefetch_related(_participants_prefetch(), Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
        .order_by("start_date", "itinerary_order", "pk")
    )
    stops = sorted(
        (c for c in contacts if c.kind == Contact.Kind.VISIT),
        key=lambda c: (c.itinerary_order or 10_000, c.start_date, c.pk),
    )
    by_stop: dict[int | None, list[Contact]] = defaultdict(list)
    for contact in contacts:
        if contact.kind != Contact.Kind.VISIT:
            by_stop[contact.stop_id].append(contact)
    itinerary = [(stop, by_stop.pop(stop.pk, [])) for stop in stops]
    unplaced = [c for rows in by_stop.values() for c in rows]

    memberships = list(delegation.memberships.select_related("person"))
    people_ids = [m.person_id for m in memberships] + ([delegation.leader_id] if delegation.leader_id else [])
    positions: dict[int, list[Position]] = defaultdict(list)
    for position in Position.objects.filter(person_id__in=people_ids).select_related("organization").order_by(
        "person_id", "-start_date"
    ):
        positions[position.person_id].append(position)
    members = [(m, _post_on(positions[m.person_id], delegation.start_date)) for m in memberships]
    if delegation.leader_id and delegation.leader_id not in {m.person_id for m in memberships}:
        leader = DelegationMember(delegation=delegation, person=delegation.leader, role="leader")
        members.insert(0, (leader, _post_on(positions[delegation.leader_id], delegation.start_date)))

    evidence = list(delegation.evidence.filter(contact__isnull=True).order_by("published", "pk"))
    return {
        "delegation": delegation,
        "itinerary": itinerary,
        "unplaced": unplaced,
        "members": members,
        "evidence": evidence,
        "history": api.history_for(delegation),
        "map_config": {
            "data": api.delegation_geojson(delegation, stops),
            "basemap": exports.static_url("vendor/world-atlas-2.0.2/countries-50m.json"),
            **_tile_options(),
        },
    }


def _side_of(person: Person) -> str:
    """The side a person usually takes part on; a North Korean without any record counts as DPRK."""
    sides = (
        Participant.objects.filter(person=person).values("side").annotate(n=Count("pk")).order_by("-n", "side")[:1]
    )
    for row in sides:
        return row["side"]
    return Participant.Side.DPRK if person.country_id and person.country.iso2 == "KP" else Participant.Side.FOREIGN


def _person_summary(person: Person) -> tuple[int, list[tuple[int, int]], dict[str, str]]:
    """The parts of an official's page that read all of the official's contacts: their number,
    (person id, contacts together) of the ten counterparts met most often, and the latest contacts
    and the last one seen, rendered.

    Thousands of contacts for the busiest officials: cached per person and data version (names of
    counterparts are read fresh by the caller). The contact ids are a UNION of index lookups.
    """
    contacts_qs = listed_contacts().filter(IdIn(contact_ids_with_people([person.pk])))
    contacts = list(contacts_qs.only(*TIMELINE_FIELDS)[:200])
    counterparts = (
        Participant.objects.filter(contact__in=contacts_qs.order_by().values("pk"))
        .exclude(person=person)
        .exclude(side=_side_of(person))
        .values("person_id", "person__name")
        .annotate(n=Count("contact_id"))  # one participation per person and contact
        .order_by("-n", "person__name")[:10]
    )
    total = contacts_qs.count()
    context = {"person": person, "contacts": contacts, "total": total, "last_seen": contacts[0] if contacts else None}
    seen = {
        name: str(render_to_string(f"contacts/person_detail.html#{name}", context))
        for name in ("last_seen", "contacts")
    }
    return total, [(row["person_id"], row["n"]) for row in counterparts], seen


@require_GET
@reader_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One official: names, posts over time, every contact, counterparts met most often."""
    person = get_object_or_404(Person.objects.select_related("country"), pk=pk)
    total, top, seen = pagecache.cached("person-page", str(person.pk), lambda: _person_summary(person))
    names = {
        row["pk"]: row for row in Person.objects.filter(pk__in=[pk for pk, _ in top]).values("pk", "name", "country__name")
    }
    counterparts = [
        {"person_id": pk, "person__name": names[pk]["name"], "person__country__name": names[pk]["country__name"], "n": n}
        for pk, n in top
        if pk in names
    ]
    context = {
        "person": person,
        "aliases": person.aliases.order_by("name"),
        "positions": list(person.positions.select_related("organization").order_by("-start_date")),
        "total": total,
        "seen": {name: mark_safe(html) for name, html in seen.items()},
        "counterparts": counterparts,
        "led": person.led_delegations.order_by("-start_date")[:20],
    }
    return _page(request, "contacts/person_detail.html", context, editable=person)


def _country_summary(country: Country, contacts_qs: QuerySet[Contact]) -> tuple[int, list, list, list]:
    """Count, contacts per year and direction, officials and delegation types of a country.

    Aggregates over every contact of the country (China: 15 % of all contacts): cached per country
    and data version. People are kept as ids, their names read fresh by the caller. Written as joins
    from the country's contacts (an index lookup), not as `IN (<the country's contacts>)`, which
    PostgreSQL answered by reading every participant.
    """
    rows = contacts_qs.order_by()
    per_year = rows.values_list("start_date__year", "direction").annotate(n=Count("pk")).order_by("start_date__year")
    officials = (
        Participant.objects.filter(contact__country=country)
        .exclude(contact__review_status=ReviewStatus.REJECTED)
        .values("person_id", "person__name", "side")
        .annotate(n=Count("contact_id"))  # one participation per person and contact
        .order_by("-n", "person__name")[:16]
    )
    types = (
        rows.filter(delegation__isnull=False)
        .values("delegation__delegation_type")
        .annotate(n=Count("delegation_id", distinct=True))
        .order_by("-n")
    )
    return (
        rows.count(),
        list(per_year),
        [(row["person_id"], row["side"], row["n"]) for row in officials],
        [(row["delegation__delegation_type"], row["n"]) for row in types],
    )


@require_GET
@reader_required
def country_detail(request: HttpRequest, iso2: str) -> HttpResponse:
    """One country: contacts per year by direction, officials and delegation types, latest contacts."""
    country = get_object_or_404(Country.objects.select_related("capital"), iso2=iso2.upper())
    contacts_qs = listed_contacts().filter(country=country)
    total, per_year, top, types = pagecache.cached("country-page", country.iso2, lambda: _country_summary(country, contacts_qs))
    names = dict(Person.objects.filter(pk__in=[pk for pk, _, _ in top]).values_list("pk", "name"))
    officials = [
        {"person_id": pk, "person__name": names[pk], "side": side, "n": n} for pk, side, n in top if pk in names
    ]
    type_labels = dict(Delegation._meta.get_field("delegation_type").choices)
    context = {
        "country": country,
        "total": total,
        "chart": api.year_chart(per_year),
        "officials": officials,
        "types": [(type_labels.get(value, value), n) for value, n in types],
        "latest": list(contacts_qs.only(*TIMELINE_FIELDS)[:15]),
        "directions": Direction,
    }
    return _page(request, "contacts/country_detail.html", context)


@require_GET
@reader_required
def search_page(request: HttpRequest) -> HttpResponse:
    """Full-text search over articles and records, trigram matching for names; grouped by type."""
    query = request.GET.get("q", "").strip()[:200]
    results = search.search_all(query) if query else None
    return _page(request, "contacts/search.html", {"query": query, "results": results})

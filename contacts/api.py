"""JSON and GeoJSON shapes of the analyst lists, plus the small data builders behind the detail pages.

JSON lists share one documented, keyset-paginated shape (see the downloads page):

    {"count": 1234, "next": "<url>|null", "previous": "<url>|null", "results": [{...}, ...]}

`next` and `previous` keep every filter; follow `next` until it is null to read the whole list.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest
from pghistory.models import MiddlewareEvents

from contacts.links import url_with
from contacts.models import Contact, Country, Delegation, Direction, Place
from contacts.pagecache import cached

if TYPE_CHECKING:
    from contacts.views import KeysetPage


CONTACT_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "Contact identifier."),
    ("url", "Absolute URL of the record's page."),
    ("kind", "visit, meeting, message or agreement."),
    ("direction", "outbound, inbound or remote."),
    ("start_date / end_date", "ISO 8601 dates; end_date may be null."),
    ("start_precision / end_precision", "day, month or year."),
    ("country", '{"iso2": "CN", "name": "China"}: the foreign counterpart\'s country.'),
    ("place", '{"id", "name", "latitude", "longitude"} or null.'),
    ("delegation", '{"id", "title", "type", "url"} or null.'),
    ("itinerary_order, transit", "Stop number within the delegation's itinerary; border/rail passage."),
    ("participants", '[{"id", "name", "side": "dprk"|"foreign", "role", "title"}]'),
    ("summary, confidence, review_status", "As on the page."),
)

POPUP_LIMIT = 12


def _page_url(request: HttpRequest, **changes: str | None) -> str:
    query = request.GET.copy()
    for key in ("before", "after"):
        query.pop(key, None)
    for key, value in changes.items():
        if value is not None:
            query[key] = value
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def contact_json(contact: Contact, request: HttpRequest) -> dict[str, Any]:
    """One contact in the JSON list shape."""
    place = contact.place
    delegation = contact.delegation
    return {
        "id": contact.pk,
        "url": request.build_absolute_uri(contact.get_absolute_url()),
        "kind": contact.kind,
        "direction": contact.direction,
        "start_date": contact.start_date.isoformat(),
        "start_precision": contact.start_precision,
        "end_date": contact.end_date.isoformat() if contact.end_date else None,
        "end_precision": contact.end_precision,
        "country": {"iso2": contact.country.iso2, "name": contact.country.name},
        "place": (
            {"id": place.pk, "name": place.name, "latitude": place.latitude, "longitude": place.longitude}
            if place
            else None
        ),
        "delegation": (
            {
                "id": delegation.pk,
                "title": delegation.title,
                "type": delegation.delegation_type,
                "url": request.build_absolute_uri(delegation.get_absolute_url()),
            }
            if delegation
            else None
        ),
        "itinerary_order": contact.itinerary_order,
        "transit": contact.transit,
        "participants": [
            {"id": p.person_id, "name": p.person.name, "side": p.side, "role": p.role, "title": p.title}
            for p in contact.participants.all()
        ],
        "summary": contact.summary,
        "confidence": contact.confidence,
        "review_status": contact.review_status,
    }


def contact_page(request: HttpRequest, queryset: QuerySet[Contact], page: KeysetPage) -> dict[str, Any]:
    """The documented list shape for one keyset page of contacts."""
    return {
        "count": queryset.count(),
        "next": _page_url(request, before=str(page.older)) if page.older else None,
        "previous": _page_url(request, after=str(page.newer)) if page.newer else None,
        "results": [contact_json(contact, request) for contact in page.rows],
    }


# Map data ---------------------------------------------------------------------------------------------


def contacts_geojson(queryset: QuerySet[Contact]) -> dict[str, Any]:
    """GeoJSON of the filtered contacts: a point per place, a line per delegation itinerary.

    Aggregated in SQL (a GROUP BY per place, a window for each place's latest contacts).
    """
    return _build_geojson(queryset)


def contacts_geojson_bytes(queryset: QuerySet[Contact], *, cache_key: str) -> bytes:
    """The GeoJSON already encoded, cached per filter and data version.

    The encoded bytes are cached, not the dict: for every place that is megabytes of JSON, and
    decoding a cached dict and encoding it again cost some 200 ms per request; a cache hit now costs
    one read of the bytes. Encoded as JsonResponse does (DjangoJSONEncoder, default separators).
    """
    return cached("map-json", cache_key, lambda: json.dumps(_build_geojson(queryset), cls=DjangoJSONEncoder).encode())


def _build_geojson(queryset: QuerySet[Contact]) -> dict[str, Any]:
    base = queryset.order_by()
    # Contacts without a city are drawn at their country's point. Counted per (place, country) on the
    # contacts alone, then the few thousand places and countries read by id: grouping by their
    # names and coordinates joined four tables to every contact first.
    groups = list(base.values_list("place_id", "country_id").annotate(n=Count("pk")))
    places = {
        row["pk"]: row
        for row in Place.objects.filter(pk__in={g[0] for g in groups if g[0]}).values(
            "pk", "name", "latitude", "longitude", "country__iso2"
        )
    }
    countries = {
        row["pk"]: row
        for row in Country.objects.filter(pk__in={g[1] for g in groups}).values(
            "pk", "iso2", "name", "latitude", "longitude", "capital__latitude", "capital__longitude"
        )
    }
    markers = []
    for place_id, country_id, n in groups:
        place = places.get(place_id) or {}
        country = countries[country_id]
        markers.append(
            {
                "place_id": place_id,
                "place__name": place.get("name"),
                "place__latitude": place.get("latitude"),
                "place__longitude": place.get("longitude"),
                "place__country__iso2": place.get("country__iso2"),
                "country__iso2": country["iso2"],
                "country__name": country["name"],
                "country__latitude": country["latitude"],
                "country__longitude": country["longitude"],
                "country__capital__latitude": country["capital__latitude"],
                "country__capital__longitude": country["capital__longitude"],
                "n": n,
            }
        )
    latest = (
        base.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("place_id"), F("country_id")],
                order_by=[F("start_date").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=POPUP_LIMIT)
        .values("pk", "place_id", "country__iso2", "kind", "start_date", "summary", "delegation_id", "delegation__title")
    )
    popups: dict[tuple, list[dict]] = defaultdict(list)
    for row in latest:
        key = (row["place_id"], None if row["place_id"] else row["country__iso2"])
        # Links built from a resolved prefix: a reverse() per popup row was half the build time.
        if row["delegation_id"]:
            url = f"{url_with('contacts:delegation', row['delegation_id'])}#contact-{row['pk']}"
        else:
            url = url_with("contacts:contact", row["pk"])
        popups[key].append(
            {
                "date": row["start_date"].isoformat(),
                "kind": row["kind"],
                "title": (row["summary"] or row["delegation__title"] or row["kind"])[:140],
                "url": url,
            }
        )
    features: list[dict[str, Any]] = []
    merged: dict[tuple, dict[str, Any]] = {}
    for row in markers:
        if row["place_id"]:
            lat, lon, name, key = row["place__latitude"], row["place__longitude"], row["place__name"], (row["place_id"], None)
        else:
            lat = row["country__capital__latitude"] or row["country__latitude"]
            lon = row["country__capital__longitude"] or row["country__longitude"]
            name = f"{row['country__name']} (no city given)"
            key = (None, row["country__iso2"])
        if lat is None or lon is None:
            continue
        if key in merged:  # one place, several countries (rare data errors): one marker
            merged[key]["properties"]["count"] += row["n"]
            continue
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "kind": "place",
                "name": name,
                "country": row["place__country__iso2"] or row["country__iso2"],
                "count": row["n"],
                "place_id": row["place_id"],
                "contacts": sorted(popups.get(key, []), key=lambda c: c["date"], reverse=True),
            },
        }
        merged[key] = feature
        features.append(feature)

    delegations = Delegation.objects.filter(pk__in=base.filter(delegation__isnull=False).values("delegation_id"))
    features.extend(itinerary_features(delegations))
    return {"type": "FeatureCollection", "features": features}


def _origin(delegation: Delegation) -> tuple[str, float, float] | None:
    """Where a trip starts: the sending country's capital (Pyongyang for DPRK delegations)."""
    country = delegation.sending_country
    capital = country.capital
    if capital and capital.latitude is not None and capital.longitude is not None:
        return capital.name, capital.latitude, capital.longitude
    if country.latitude is not None and country.longitude is not None:
        return country.name, country.latitude, country.longitude
    return None


def itinerary_features(delegations: QuerySet[Delegation], limit: int = 2000) -> list[dict[str, Any]]:
    """A LineString per delegation: origin, then every stop in itinerary order. Two queries."""
    # Only the columns a line shows: thousands of rows, whose other columns (timestamps above all)
    # cost more to load than the query costs to run.
    point = ("name", "latitude", "longitude")
    trips = list(
        delegations.select_related("sending_country__capital")
        .only(
            "title",
            "direction",
            "start_date",
            *(f"sending_country__{f}" for f in point),
            *(f"sending_country__capital__{f}" for f in point),
        )
        .order_by("-start_date", "-pk")[:limit]
    )
    stops: dict[int, list[Contact]] = defaultdict(list)
    visits = (
        Contact.objects.filter(delegation__in=[t.pk for t in trips], kind=Contact.Kind.VISIT)
        .exclude(review_status="rejected")
        .select_related("place", "country")
        .only("delegation_id", *(f"place__{f}" for f in point), *(f"country__{f}" for f in point))
        .order_by("delegation_id", "itinerary_order", "start_date", "pk")
    )
    for visit in visits:
        stops[visit.delegation_id].append(visit)
    return [f for trip in trips if (f := _line(trip, stops[trip.pk]))]


def _line(delegation: Delegation, visits: list[Contact]) -> dict[str, Any] | None:
    points: list[tuple[str, float, float]] = []
    origin = _origin(delegation)
    if origin:
        points.append(origin)
    for visit in visits:
        where = visit.place if visit.place_id and visit.place.latitude is not None else None
        if where:
            point = (where.name, where.latitude, where.longitude)
        elif visit.country.latitude is not None:
            point = (visit.country.name, visit.country.latitude, visit.country.longitude)
        else:
            continue
        if not points or points[-1][1:] != point[1:]:
            points.append(point)
    if len(points) < 2:
        return None
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[lon, lat] for _, lat, lon in points]},
        "properties": {
            "kind": "itinerary",
            "delegation_id": delegation.pk,
            "title": delegation.title,
            "direction": delegation.direction,
            "url": url_with("contacts:delegation", delegation.pk),
            "stops": [name for name, _, _ in points],
            "start_date": delegation.start_date.isoformat() if delegation.start_date else None,
        },
    }


def delegation_geojson(delegation: Delegation, stops: list[Contact]) -> dict[str, Any]:
    """The small map on a delegation page: its line and a numbered marker per stop."""
    features: list[dict[str, Any]] = []
    line = _line(delegation, stops)
    if line:
        features.append(line)
    origin = _origin(delegation)
    if origin:
        name, lat, lon = origin
        features.append(_stop_point(name, lat, lon, "origin", 0))
    for number, stop in enumerate(stops, start=1):
        place: Place | None = stop.place
        if place and place.latitude is not None:
            features.append(_stop_point(place.name, place.latitude, place.longitude, "stop", number))
        elif stop.country.latitude is not None:
            features.append(_stop_point(stop.country.name, stop.country.latitude, stop.country.longitude, "stop", number))
    return {"type": "FeatureCollection", "features": features}


def _stop_point(name: str, lat: float, lon: float, kind: str, number: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"kind": kind, "name": name, "number": number, "count": 1, "contacts": []},
    }


# Detail page helpers ----------------------------------------------------------------------------------


def history_for(delegation: Delegation, limit: int = 40) -> list[dict[str, Any]]:
    """Change history of a delegation and of every row pointing at it (stops, meetings, members,
    sources), from the pghistory event tables, newest first."""
    events = list(MiddlewareEvents.objects.references(delegation).order_by("-pgh_created_at")[:limit])
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    rows = []
    for event in events:
        diff = event.pgh_diff or {}
        changed = sorted(k for k in diff if k not in {"updated_at", "created_at"})
        rows.append(
            {
                "when": event.pgh_created_at,
                "label": event.pgh_label,
                "model": event.pgh_obj_model.split(".")[-1],
                "object_id": event.pgh_obj_id,
                "fields": changed,
                "user": names.get((event.pgh_context or {}).get("user")),
                "url": (event.pgh_context or {}).get("url"),
            }
        )
    return rows


CHART_WIDTH = 720
CHART_HEIGHT = 220
CHART_PAD = 34
DIRECTION_ORDER = (Direction.OUTBOUND, Direction.INBOUND, Direction.REMOTE)


def year_chart(rows: list[tuple[int, str, int]]) -> dict[str, Any] | None:
    """Geometry of a stacked bar chart (contacts per year by direction), drawn as SVG by the template."""
    if not rows:
        return None
    per_year: dict[int, dict[str, int]] = defaultdict(dict)
    for year, direction, n in rows:
        per_year[year][direction] = n
    years = list(range(min(per_year), max(per_year) + 1))
    peak = max(sum(v.values()) for v in per_year.values())
    step = _nice_step(peak)
    top = step * -(-peak // step)
    plot_w = CHART_WIDTH - CHART_PAD - 8
    plot_h = CHART_HEIGHT - CHART_PAD - 8
    slot = plot_w / len(years)
    bar_w = max(2.0, min(36.0, slot * 0.7))
    bars, labels = [], []
    label_every = max(1, round(len(years) / 12))
    for i, year in enumerate(years):
        x = CHART_PAD + i * slot + (slot - bar_w) / 2
        y_base = 8 + plot_h
        for direction in DIRECTION_ORDER:
            n = per_year.get(year, {}).get(direction, 0)
            if not n:
                continue
            h = plot_h * n / top
            y_base -= h
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y_base, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "direction": direction,
                    "title": f"{year}: {n} {direction}",
                }
            )
        if i % label_every == 0:
            labels.append({"x": round(x + bar_w / 2, 1), "y": CHART_HEIGHT - 12, "text": str(year)})
    ticks = [
        {"y": round(8 + plot_h - plot_h * v / top, 1), "text": str(v)} for v in range(0, top + 1, step)
    ]
    totals = {d: sum(v.get(d, 0) for v in per_year.values()) for d in DIRECTION_ORDER}
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "left": CHART_PAD,
        "right": CHART_WIDTH - 8,
        "totals": [(d.value, d.label.split(" (")[0], totals[d]) for d in DIRECTION_ORDER if totals[d]],
        "table": [(year, [per_year.get(year, {}).get(d, 0) for d in DIRECTION_ORDER]) for year in years],
    }


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 5:
            return step
    return 10 ** len(str(peak))

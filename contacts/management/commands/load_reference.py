"""Load countries, cities and the core DPRK organisations from the offline reference data.

Idempotent: rows are matched on stable keys (ISO code, GeoNames id, organisation name), only rows
whose values differ are written, so a second run writes nothing and leaves no history events.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict

import pghistory
import pgtrigger
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import CharField, F, Func, Value

from contacts import reference
from contacts.models import Country, Organization, Place, normalize_name

BATCH = 2000
SEPARATOR = "\x1f"  # joins aliases for the digest; appears in no name
# A capital found by coordinates must lie this close to the reference point (km).
CAPITAL_RADIUS_KM = 40


def _changed(obj, values: dict) -> list[str]:
    return [name for name, value in values.items() if getattr(obj, name) != value]


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(math.sqrt(h))


def countries_load() -> dict[str, int]:
    """Insert or update every country (without capitals: those need the places first)."""
    existing = {c.iso2: c for c in Country.objects.all()}
    to_create, to_update, fields = [], [], set()
    for record in reference.countries():
        values = {
            "iso3": record.iso3,
            "numeric": record.numeric,
            "name": record.name,
            "official_name": record.official_name,
            "press_names": list(record.press_names),
            "demonyms": list(record.demonyms),
            "latitude": record.latlng[0] if record.latlng else None,
            "longitude": record.latlng[1] if record.latlng else None,
        }
        country = existing.get(record.iso2)
        if country is None:
            to_create.append(Country(iso2=record.iso2, **values))
            continue
        changed = _changed(country, values)
        if changed:
            for name in changed:
                setattr(country, name, values[name])
            fields.update(changed)
            to_update.append(country)
    Country.objects.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        Country.objects.bulk_update(to_update, sorted(fields), batch_size=BATCH)
    return {"created": len(to_create), "updated": len(to_update)}


def places_load(min_population: int = 15000) -> dict[str, int]:
    """Insert or update GeoNames cities; where one country has two towns of one name, keep the larger."""
    country_ids = dict(Country.objects.values_list("iso2", "id"))
    chosen: dict[tuple[str, str], reference.CityRecord] = {}
    skipped = 0
    for city in reference.cities(min_population):
        if city.country not in country_ids:
            skipped += 1  # e.g. Kosovo (XK), which ISO 3166 does not code
            continue
        key = (city.country, city.name)
        if key in chosen:
            skipped += 1
            if city.population <= chosen[key].population:
                continue
        chosen[key] = city

    # Existing rows are compared through a digest of their aliases, computed in the database: fetching
    # 33,000 alias arrays costs more than the whole comparison.
    digest = Func(
        Func(F("aliases"), Value(SEPARATOR), function="array_to_string", output_field=CharField()),
        function="md5",
        output_field=CharField(),
    )
    rows = Place.objects.annotate(aliases_md5=digest).values_list(
        "pk", "geonameid", "name", "country_id", "aliases_md5", "latitude", "longitude", "population"
    )
    by_geonameid, by_name = {}, {}
    for row in rows:
        if row[1] is not None:
            by_geonameid[row[1]] = row
        else:
            # Places entered by hand (or capitals made from coordinates) are adopted by name.
            by_name[(row[3], row[2])] = row
    to_create, to_update, fields = [], [], set()
    for city in chosen.values():
        values = {
            "name": city.name,
            "country_id": country_ids[city.country],
            "aliases": list(city.aliases),
            "latitude": city.latitude,
            "longitude": city.longitude,
            "population": city.population,
            "geonameid": city.geonameid,
        }
        row = by_geonameid.get(city.geonameid) or by_name.get((values["country_id"], city.name))
        if row is None:
            to_create.append(Place(**values))
            continue
        pk, _, name, country_id, aliases_md5, latitude, longitude, population = row
        current = {
            "name": name,
            "country_id": country_id,
            "latitude": latitude,
            "longitude": longitude,
            "population": population,
            "geonameid": row[1],
        }
        changed = [name for name, value in current.items() if values[name] != value]
        if aliases_md5 != hashlib.md5(SEPARATOR.join(city.aliases).encode()).hexdigest():
            changed.append("aliases")
        if changed:
            fields.update(changed)
            to_update.append(Place(pk=pk, **values))
    _places_copy(to_create)
    if to_update:
        Place.objects.bulk_update(to_update, sorted(fields), batch_size=BATCH)
    return {"created": len(to_create), "updated": len(to_update), "skipped": skipped}


def _places_copy(places: list[Place]) -> None:
    # COPY is several times faster than INSERT for tens of thousands of rows. The insert history
    # trigger is skipped for this load only: the rows come from a versioned offline source and
    # snapshotting 33,000 alias arrays would triple the load time. Later updates by this command,
    # editors and workers are all recorded.
    columns = ["name", "country_id", "aliases", "latitude", "longitude", "population", "geonameid"]
    table = Place._meta.db_table
    with connection.cursor() as cursor, pgtrigger.ignore("contacts.Place:insert_insert"):
        # pgtrigger sets its ignore flag on statements that pass through Django's execute(); COPY does
        # not, so one statement sets the flag for the rest of the transaction (reset when the block ends).
        cursor.execute("SELECT 1")
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for place in places:
                copy.write_row([getattr(place, column) for column in columns])


def _find_capital(record: reference.CountryRecord, home: Country, places: list[Place]) -> Place | None:
    wanted = normalize_name(record.capital)
    named = [p for p in places if normalize_name(p.name) == wanted]
    if not named:
        # Spellings differ between sources ("Nur-Sultan", "Astana"): try the GeoNames alternate names.
        named = list(Place.objects.filter(country=home, aliases__contains=[record.capital]))
    if named:
        return max(named, key=lambda p: p.population or 0)
    if record.capital_latlng:
        near = [
            p
            for p in places
            if p.latitude is not None
            and _distance_km(record.capital_latlng, (p.latitude, p.longitude)) <= CAPITAL_RADIUS_KM
        ]
        if near:
            return max(near, key=lambda p: p.population or 0)
    return None


def capitals_link() -> dict[str, int]:
    """Point each country at its capital Place, creating the place from coordinates if GeoNames lacks it."""
    countries = {c.iso2: c for c in Country.objects.all()}
    # A capital already set (by an earlier run or an editor) is kept.
    needed = [
        r
        for r in reference.countries()
        if r.capital and r.iso2 in countries and r.capital_country in countries and not countries[r.iso2].capital_id
    ]
    places_by_country: dict[int, list[Place]] = defaultdict(list)
    for place in Place.objects.filter(country__iso2__in={r.capital_country for r in needed}).only(
        "id", "name", "latitude", "longitude", "population", "country_id"
    ):
        places_by_country[place.country_id].append(place)
    created = updated = 0
    for record in needed:
        home = countries[record.capital_country]
        capital = _find_capital(record, home, places_by_country[home.id])
        if capital is None:
            lat, lng = record.capital_latlng or (None, None)
            capital, made = Place.objects.get_or_create(
                country=home, name=record.capital, defaults={"latitude": lat, "longitude": lng}
            )
            created += made
            places_by_country[home.id].append(capital)
        country = countries[record.iso2]
        if country.capital_id != capital.id:
            country.capital = capital
            country.save(update_fields=["capital"])
            updated += 1
    return {"created": created, "updated": updated}


def organizations_load() -> dict[str, int]:
    """Insert or update the core DPRK organisations, parents first."""
    dprk = Country.objects.get(iso2="KP")
    existing = {o.name: o for o in Organization.objects.filter(country=dprk)}
    created = updated = 0
    for record in reference.DPRK_ORGANIZATIONS:
        values = {
            "short_name": record.short_name,
            "kind": record.kind,
            "aliases": list(record.aliases),
            "parent_id": existing[record.parent].id if record.parent else None,
        }
        org = existing.get(record.name)
        if org is None:
            org = Organization.objects.create(country=dprk, name=record.name, **values)
            existing[record.name] = org
            created += 1
            continue
        changed = _changed(org, values)
        if changed:
            for name in changed:
                setattr(org, name, values[name])
            org.save(update_fields=changed)
            updated += 1
    return {"created": created, "updated": updated}


def reference_load(min_population: int = 15000) -> dict[str, dict[str, int]]:
    """Load all reference data in one transaction; returns counts per kind of row."""
    with transaction.atomic(), pghistory.context(command="load_reference"):
        return {
            "countries": countries_load(),
            "places": places_load(min_population),
            "capitals": capitals_link(),
            "organizations": organizations_load(),
        }


class Command(BaseCommand):
    help = "Load countries, cities (GeoNames) and the core DPRK organisations. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--min-population", type=int, default=15000, help="Smallest city to load (default 15000).")

    def handle(self, *args, min_population: int, **options) -> None:
        started = time.monotonic()
        counts = reference_load(min_population)
        elapsed = time.monotonic() - started
        summary = "; ".join(
            f"{kind}: " + ", ".join(f"{n} {what}" for what, n in numbers.items()) for kind, numbers in counts.items()
        )
        self.stdout.write(f"Reference data loaded in {elapsed:.1f}s. {summary}")

"""A realistic synthetic dataset at a chosen scale, reproducible from a seed, loaded with COPY.

Shape of the data (what the pages will meet in production):
- persons: 55% DPRK officials with Korean names, Hangul and romanisation variants as aliases, a few
  posts each; the rest foreign officials spread over countries like the contacts. "Kim Song Nam"
  is always person 1 (the name search looks for him misspelled).
- delegations: 60% outbound; each has 1-4 itinerary stops (visits, `itinerary_order` 1..n, dated in
  sequence), 0-3 meetings held at those stops, a leader and 1-4 members. Leaders are drawn with Zipf
  weights, so a few officials lead hundreds of trips, as the real ones do.
- contacts: the visits and meetings of the delegations, and for the rest standalone messages,
  meetings in Pyongyang and agreements. Counterpart countries follow the DPRK's real partners (China,
  Russia, Vietnam, Laos, Cuba first, then a long tail); dates span 1990-2026 with the 2020-2022
  border closure visible.
- participants on both sides, evidence citing generated articles whose title and text name the
  record's country, leader and date.
- articles: 1-3 KB of KCNA-style English (see `bench/text.py`), from a handful of outlets, mostly
  irrelevant to contacts, as in a real feed.

Loading: one connection, `session_replication_role = replica` so that neither the pghistory triggers
(which would write one history row per inserted row) nor the foreign-key triggers fire during the
load; the data is consistent by construction. Secondary indexes of the big tables are dropped before
COPY and rebuilt after (faster than maintaining them row by row; `drop_indexes=False` measures the
other way), then ANALYZE.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.management import call_command, get_commands
from django.db import connection

from bench import text
from contacts.models import Country, Organization, Place, normalize_name

UTC = dt.UTC
START = dt.date(1990, 1, 1)
END = dt.date(2026, 11, 20)

# The DPRK's partners by how often they appear in its press, most frequent first.
PARTNER_WEIGHTS = {
    "CN": 20,
    "RU": 14,
    "VN": 7,
    "LA": 6,
    "CU": 5,
    "SY": 4,
    "IR": 4,
    "MN": 3,
    "ID": 2.5,
    "KH": 2,
    "BY": 2,
    "VE": 2,
    "KR": 2,
    "NI": 1.5,
    "IN": 1.5,
    "PK": 1.5,
    "EG": 1.5,
    "US": 1.5,
    "UG": 1.2,
    "TZ": 1.2,
    "ZW": 1.2,
    "SG": 1.2,
    "ET": 1,
    "NG": 1,
    "AO": 1,
    "MZ": 1,
    "PS": 1,
    "DE": 1,
    "JP": 1,
    "TH": 1,
    "MY": 1,
    "GB": 0.8,
    "SE": 0.8,
    "CH": 0.8,
    "BR": 0.8,
    "BO": 0.8,
    "LK": 0.7,
    "NP": 0.7,
    "BD": 0.7,
    "LY": 0.6,
    "DZ": 0.6,
    "MX": 0.6,
    "FR": 0.5,
    "IT": 0.5,
    "PL": 0.5,
    "CZ": 0.5,
    "RO": 0.5,
    "BG": 0.5,
    "RS": 0.5,
    "EU": 0.5,
}
OTHER_COUNTRY_WEIGHT = 0.12
YEAR_WEIGHTS = {
    **{y: 1.0 for y in range(1990, 2027)},
    2018: 1.6,
    2019: 1.6,
    2020: 0.15,
    2021: 0.1,
    2022: 0.15,
    2023: 1.3,
    2024: 1.5,
    2025: 1.5,
    2026: 1.2,
}
DELEGATION_TYPES = {
    "party": 18,
    "government": 22,
    "military": 8,
    "parliament": 6,
    "friendship": 16,
    "economic": 10,
    "culture": 9,
    "sports": 5,
    "media": 3,
    "other": 3,
}
KOREAN_SURNAMES = {
    "Kim": "김",
    "Ri": "리",
    "Pak": "박",
    "Choe": "최",
    "Jong": "정",
    "Kang": "강",
    "Jo": "조",
    "Yun": "윤",
    "Jang": "장",
    "Han": "한",
    "O": "오",
    "Ryu": "류",
    "Hwang": "황",
    "Ju": "주",
    "Hong": "홍",
    "Mun": "문",
    "Son": "손",
    "Thae": "태",
    "Song": "송",
    "Paek": "백",
}
KOREAN_SYLLABLES = {
    "Song": "성",
    "Nam": "남",
    "Chol": "철",
    "Yong": "용",
    "Il": "일",
    "Su": "수",
    "Hyok": "혁",
    "Jin": "진",
    "Chun": "춘",
    "Myong": "명",
    "Ho": "호",
    "Kwang": "광",
    "Hui": "희",
    "Sun": "순",
    "Ok": "옥",
    "Hak": "학",
    "Gil": "길",
    "Guk": "국",
    "Min": "민",
    "Hyon": "현",
    "Ryong": "룡",
    "Sok": "석",
    "Ung": "웅",
    "Bok": "복",
    "Chang": "창",
    "Man": "만",
    "Yon": "연",
    "Jun": "준",
    "Won": "원",
    "Dok": "덕",
    "Gyong": "경",
    "Thae": "태",
}
# McCune-Reischauer vs South Korean spellings the press mixes: each gives a second alias.
VARIANTS = {
    "Song": "Sung",
    "Chol": "Cheol",
    "Ri": "Lee",
    "Pak": "Park",
    "Jong": "Jeong",
    "Choe": "Choi",
    "Hyon": "Hyun",
    "Gyong": "Kyong",
    "Ryong": "Ryeong",
    "Sok": "Seok",
}
FOREIGN_GIVEN = (
    "Alexei Sergei Nguyen Li Wang Zhang Thongloun Bounthong Miguel Jose Ahmad Ali Hassan Juma John "
    "Maria Anna Olga Tran Le Chen Liu Viktor Igor Fidel Raul Bashar Mohammed Saleh Samdech Hun "
    "Peter Hans Karl Erik Lars Paulo Evo Daniel Pedro Luis Carlos Ibrahim Moussa"
).split()
FOREIGN_FAMILY = (
    "Ivanov Petrov Lavrov Shoigu Nguyen Tran Pham Wang Li Zhao Sisoulith Phommavihane Diaz Castro "
    "Rodriguez Hassan Mikdad Assad Ali Rahimi Tembo Moyo Banda Okafor Mensah Schmidt Andersson "
    "Johansson Silva Santos Morales Ortega Lukashenko Kovalenko Haddad Nasser Sar Sen Kham Bui "
    "Hoang Vu Do Dang Zhou Xu Sun Gao Lin Kuznetsov Smirnov Popov Volkov Sokolov"
).split()
DPRK_TITLES = (
    "director of the International Department of the WPK Central Committee",
    "Minister of Foreign Affairs",
    "vice-minister of Foreign Affairs",
    "Premier of the Cabinet",
    "vice-premier of the Cabinet",
    "chairman of the Korean Committee for Cultural Relations with Foreign Countries",
    "vice-chairman of the Standing Committee of the Supreme People's Assembly",
    "Minister of External Economic Relations",
    "Minister of National Defence",
    "secretary of the WPK Central Committee",
    "DPRK ambassador",
    "chairman of the Central Committee of the Korean Democratic Women's Union",
    "Minister of Culture",
    "Minister of Physical Culture and Sports",
    "president of the Korean Central News Agency",
)
FOREIGN_TITLES = (
    "Minister of Foreign Affairs",
    "President",
    "Prime Minister",
    "ambassador to the DPRK",
    "head of the International Department",
    "Speaker of the National Assembly",
    "Deputy Prime Minister",
    "chairman of the friendship society",
    "Minister of Defence",
    "general secretary of the party",
)
SOURCES = (
    ("KCNA", "kcnawatch.org", 40),
    ("Rodong Sinmun", "rodong.rep.kp", 15),
    ("The Pyongyang Times", "pyongyangtimes.com.kp", 5),
    ("Yonhap", "en.yna.co.kr", 15),
    ("VNA", "en.vietnamplus.vn", 6),
    ("Xinhua", "english.news.cn", 8),
    ("TASS", "tass.com", 6),
    ("NK News", "nknews.org", 5),
)


@dataclass(frozen=True)
class Scale:
    contacts: int = 100_000
    delegations: int = 20_000
    persons: int = 5_000
    articles: int = 1_000_000
    seed: int = 42

    def describe(self) -> str:
        return (
            f"{self.contacts:,} contacts, {self.delegations:,} delegations, {self.persons:,} persons, "
            f"{self.articles:,} articles (seed {self.seed})"
        )


@dataclass
class Plan:
    """The rows to load, as tuples in COPY column order, built in memory before any write."""

    persons: list[tuple] = field(default_factory=list)
    aliases: list[tuple] = field(default_factory=list)
    positions: list[tuple] = field(default_factory=list)
    delegations: list[tuple] = field(default_factory=list)
    members: list[tuple] = field(default_factory=list)
    contacts: list[tuple] = field(default_factory=list)
    participants: list[tuple] = field(default_factory=list)
    evidence: list[tuple] = field(default_factory=list)
    # article id -> what its text should be about (title/text fill values, published date)
    article_topics: dict[int, tuple[dict[str, str], dt.date]] = field(default_factory=dict)


COLUMNS = {
    "contacts_person": ("id", "name", "hangul", "review_status", "notes", "country_id"),
    "contacts_personalias": ("id", "name", "normalized", "person_id"),
    "contacts_position": ("id", "title", "start_date", "end_date", "organization_id", "person_id"),
    "contacts_delegation": (
        "id",
        "title",
        "direction",
        "delegation_type",
        "start_date",
        "start_precision",
        "end_date",
        "end_precision",
        "stage",
        "summary",
        "confidence",
        "review_status",
        "grouping",
        "locked",
        "created_at",
        "updated_at",
        "sending_country_id",
        "organization_id",
        "leader_id",
    ),
    "contacts_delegationmember": ("id", "role", "title", "delegation_id", "person_id"),
    "contacts_contact": (
        "id",
        "kind",
        "direction",
        "start_date",
        "start_precision",
        "end_date",
        "end_precision",
        "itinerary_order",
        "transit",
        "summary",
        "confidence",
        "review_status",
        "created_at",
        "updated_at",
        "stop_id",
        "country_id",
        "delegation_id",
        "place_id",
    ),
    "contacts_participant": ("id", "side", "role", "title", "contact_id", "person_id", "position_id"),
    "contacts_evidence": (
        "id",
        "url",
        "source_name",
        "title",
        "published",
        "quote",
        "created_at",
        "article_id",
        "contact_id",
        "delegation_id",
    ),
    "ingest_source": (
        "id",
        "name",
        "kind",
        "url",
        "active",
        "interval_minutes",
        "etag",
        "last_modified",
        "last_error",
        "consecutive_failures",
    ),
    "ingest_article": (
        "id",
        "url",
        "canonical_url",
        "source_name",
        "title",
        "text",
        "language",
        "published_at",
        "content_hash",
        "fingerprint",
        "status",
        "failure_reason",
        "attempts",
        "classification",
        "extraction",
        "fetched_at",
        "processed_at",
        "created_at",
        "updated_at",
        "duplicate_of_id",
        "source_id",
    ),
}
# Children first, so that TRUNCATE order never matters even without CASCADE.
GENERATED_TABLES = (
    "contacts_evidence",
    "contacts_participant",
    "contacts_contact",
    "contacts_delegationmember",
    "contacts_delegation",
    "contacts_position",
    "contacts_personalias",
    "contacts_person",
    "ingest_proposal",
    "ingest_article",
    "ingest_source",
)
BIG_TABLES = ("contacts_contact", "contacts_participant", "contacts_evidence", "ingest_article")


class Weighted:
    """Draws from a fixed list with fixed weights in O(log n) (random.choices recomputes sums each call)."""

    def __init__(self, items: Sequence, weights: Iterable[float]):
        self.items = list(items)
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect(self.cum, rng.random() * self.total)]


def zipf(n: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, n + 1)]


# ---------------------------------------------------------------------------------------------------
# Reference data


def ensure_reference(log: Callable[[str], None]) -> None:
    """Countries, places and DPRK organisations: `load_reference` when the project has it, else a minimal load."""
    if Country.objects.filter(iso2="KP").exists() and Place.objects.exists():
        return
    if "load_reference" in get_commands():
        log("reference: manage.py load_reference")
        call_command("load_reference", verbosity=0)
        return
    log("reference: load_reference not available, loading countries, capitals and large cities directly")
    from contacts import reference

    countries = {}
    for record in reference.countries():
        lat, lng = record.latlng or (None, None)
        countries[record.iso2] = Country(
            iso2=record.iso2,
            iso3=record.iso3,
            numeric=record.numeric,
            name=record.name,
            official_name=record.official_name,
            press_names=list(record.press_names),
            demonyms=list(record.demonyms),
            latitude=lat,
            longitude=lng,
        )
    Country.objects.bulk_create(countries.values(), ignore_conflicts=True)
    by_iso = {c.iso2: c for c in Country.objects.all()}
    places, seen = [], set()
    for record in reference.countries():
        if record.capital and record.capital_latlng and (record.capital_country or record.iso2) in by_iso:
            key = (record.capital_country or record.iso2, record.capital)
            if key not in seen:
                seen.add(key)
                places.append(
                    Place(
                        name=record.capital,
                        country=by_iso[key[0]],
                        latitude=record.capital_latlng[0],
                        longitude=record.capital_latlng[1],
                    )
                )
    for city in reference.cities(min_population=300_000):
        key = (city.country, city.name)
        if city.country in by_iso and key not in seen:
            seen.add(key)
            places.append(
                Place(
                    name=city.name,
                    country=by_iso[city.country],
                    latitude=city.latitude,
                    longitude=city.longitude,
                    population=city.population,
                )
            )
    Place.objects.bulk_create(places, ignore_conflicts=True)
    kp = by_iso["KP"]
    orgs = {}
    for record in reference.DPRK_ORGANIZATIONS:
        orgs[record.name] = Organization.objects.get_or_create(
            country=kp, name=record.name, defaults={"short_name": record.short_name, "kind": record.kind}
        )[0]
    for record in reference.DPRK_ORGANIZATIONS:
        if record.parent in orgs:
            Organization.objects.filter(pk=orgs[record.name].pk).update(parent=orgs[record.parent])


# ---------------------------------------------------------------------------------------------------
# Planning: every row decided in memory from the seed


def random_date(rng: random.Random, years: Weighted) -> dt.date:
    year = years.draw(rng)
    first = dt.date(year, 1, 1)
    last = min(dt.date(year, 12, 31), END)
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def korean_name(rng: random.Random, taken: set[str]) -> tuple[str, str, list[str]]:
    surnames = list(KOREAN_SURNAMES)
    syllables = list(KOREAN_SYLLABLES)
    while True:
        surname = surnames[min(int(rng.paretovariate(1.2)) - 1, len(surnames) - 1)]
        given = [rng.choice(syllables), rng.choice(syllables)]
        name = f"{surname} {given[0]} {given[1]}"
        if name not in taken:
            taken.add(name)
            break
    hangul = KOREAN_SURNAMES[surname] + "".join(KOREAN_SYLLABLES[s] for s in given)
    aliases = []
    variant = " ".join(VARIANTS.get(part, part) for part in (surname, *given))
    if variant != name and rng.random() < 0.6:
        aliases.append(variant)
    return name, hangul, aliases


def plan_dataset(
    scale: Scale, countries: dict[str, int], places: dict[int, list[int]], kp_places: list[int], dprk_orgs: list[int]
) -> Plan:
    rng = random.Random(scale.seed)
    plan = Plan()
    kp = countries["KP"]
    partners = [iso for iso in countries if iso != "KP"]
    partner_pick = Weighted(partners, [PARTNER_WEIGHTS.get(iso, OTHER_COUNTRY_WEIGHT) for iso in partners])
    years = Weighted(list(YEAR_WEIGHTS), list(YEAR_WEIGHTS.values()))
    dtypes = Weighted(list(DELEGATION_TYPES), list(DELEGATION_TYPES.values()))
    now = dt.datetime(2026, 11, 20, tzinfo=UTC)

    def place_in(country_id: int) -> int | None:
        options = places.get(country_id)
        if not options:
            return None
        # Capital first, then the big cities: most trips go to the capital.
        return options[min(int(rng.paretovariate(1.5)) - 1, len(options) - 1)]

    # Persons ---------------------------------------------------------------------------------------
    taken: set[str] = set()
    dprk_people: list[int] = []
    foreign_by_country: dict[int, list[int]] = defaultdict(list)
    person_names: dict[int, str] = {}
    person_titles: dict[int, str] = {}
    alias_id = itertools.count(1)
    n_dprk = max(1, round(scale.persons * 0.55))
    for pid in range(1, scale.persons + 1):
        if pid <= n_dprk:
            if pid == 1:
                name, hangul, aliases = "Kim Song Nam", "김성남", ["Kim Song-nam"]
                taken.add(name)
            else:
                name, hangul, aliases = korean_name(rng, taken)
            country_id = kp
            dprk_people.append(pid)
            title = rng.choice(DPRK_TITLES)
            start = random_date(rng, years)
            end = start + dt.timedelta(days=rng.randint(300, 4000))
            plan.positions.append(
                (pid, title, start, None if end > END else end, rng.choice(dprk_orgs) if dprk_orgs else None, pid)
            )
        else:
            iso = partner_pick.draw(rng)
            country_id = countries[iso]
            while True:
                name = f"{rng.choice(FOREIGN_GIVEN)} {rng.choice(FOREIGN_FAMILY)}"
                if name not in taken or len(taken) > 2000 * len(FOREIGN_GIVEN):
                    name = name if name not in taken else f"{name} {pid}"
                    taken.add(name)
                    break
            hangul, aliases = "", [f"{name.split()[0][0]}. {name.split()[-1]}"]
            foreign_by_country[country_id].append(pid)
            title = rng.choice(FOREIGN_TITLES)
        person_names[pid] = name
        person_titles[pid] = title
        plan.persons.append((pid, name, hangul, "accepted", "", country_id))
        seen = set()
        for alias in [name, hangul, *aliases]:
            folded = normalize_name(alias) if alias else ""
            if folded and folded not in seen:
                seen.add(folded)
                plan.aliases.append((next(alias_id), alias, folded, pid))
    foreign_all = [p for ps in foreign_by_country.values() for p in ps] or dprk_people
    # Prominent officials appear again and again: Zipf over a shuffled order.
    dprk_order = dprk_people[:]
    rng.shuffle(dprk_order)
    # Exponent 0.7 over ~2,750 officials: the busiest takes part in ~3% of contacts, as the most
    # travelled real ones do; a steeper law would make one official the face of a third of all trips.
    dprk_pick = Weighted(dprk_order, zipf(len(dprk_order), 0.7))

    def foreign_person(country_id: int) -> int:
        options = foreign_by_country.get(country_id) or foreign_all
        # Skewed towards each country's first officials (r^2: the first of 450 gets ~5%), not dominated by one.
        return options[min(int(len(options) * rng.random() ** 2), len(options) - 1)]

    # Articles referenced by evidence are written about their record; ids handed out in order.
    article_ids = itertools.cycle(range(1, scale.articles + 1)) if scale.articles else None
    evidence_id = itertools.count(1)
    names_of = {}
    for c in Country.objects.only("id", "name", "demonyms"):
        names_of[c.id] = (c.name, (c.demonyms or [c.name])[0])

    def cite(contact_id: int | None, delegation_id: int | None, fill: dict[str, str], day: dt.date) -> None:
        if article_ids is None:
            return
        article = next(article_ids)
        published = day + dt.timedelta(days=rng.randint(0, 2))
        if article not in plan.article_topics:
            plan.article_topics[article] = (fill, published)
        source, domain, _ = SOURCES[article % len(SOURCES)]
        url = f"https://{domain}/article/{article}.html"
        quote = text.RELEVANT_SENTENCES[article % len(text.RELEVANT_SENTENCES)].format(**fill)
        title = text.RELEVANT_TITLES[article % len(text.RELEVANT_TITLES)].format(**fill)
        plan.evidence.append(
            (next(evidence_id), url, source, title, published, quote, now, article, contact_id, delegation_id)
        )

    def fill_for(country_id: int, dprk_person: int, foreign: int, day: dt.date, city: str, dtype: str) -> dict:
        cname, demonym = names_of.get(country_id, ("the country", "foreign"))
        return {
            "country": cname,
            "demonym": demonym,
            "leader": person_names[dprk_person],
            "title": person_titles[dprk_person],
            "foreign_leader": person_names[foreign],
            "date": text.kcna_date(day),
            "city": city,
            "dtype": dtype,
            "field": text.fields_sample(rng),
            "province": text.province(rng),
            "org": "the Workers' Party of Korea",
        }

    place_names = dict(Place.objects.values_list("id", "name"))
    contact_id = itertools.count(1)
    participant_id = itertools.count(1)
    member_id = itertools.count(1)
    budget = scale.contacts

    def add_participants(cid: int, dprk_person: int | None, foreign: int | None) -> None:
        if dprk_person:
            plan.participants.append(
                (next(participant_id), "dprk", "lead", person_titles[dprk_person], cid, dprk_person, None)
            )
        if foreign and foreign != dprk_person:
            plan.participants.append(
                (next(participant_id), "foreign", "lead", person_titles[foreign], cid, foreign, None)
            )

    # Delegations with their itineraries -------------------------------------------------------------
    for did in range(1, scale.delegations + 1):
        outbound = rng.random() < 0.6
        direction = "outbound" if outbound else "inbound"
        counterpart = countries[partner_pick.draw(rng)]
        dtype = dtypes.draw(rng)
        start = random_date(rng, years)
        dprk_lead = dprk_pick.draw(rng)
        foreign_lead = foreign_person(counterpart)
        leader = dprk_lead if outbound else foreign_lead
        cname = names_of.get(counterpart, ("?", "?"))
        title = f"DPRK {dtype} delegation to {cname[0]}" if outbound else f"{cname[1]} {dtype} delegation to the DPRK"
        # Itinerary: outbound trips may continue to further countries; inbound ones stay in the DPRK.
        n_stops = (
            min(1 + int(rng.paretovariate(2.2)) - 1 + (rng.random() < 0.35), 4)
            if outbound
            else 1 + (rng.random() < 0.3)
        )
        stops = []
        day = start
        for order in range(1, n_stops + 1):
            if outbound:
                country = counterpart if order == 1 else countries[partner_pick.draw(rng)]
                place = place_in(country)
            else:
                country = counterpart
                place = kp_places[0] if order == 1 or len(kp_places) == 1 else rng.choice(kp_places[1:])
            length = rng.randint(1, 6)
            stops.append((order, country, place, day, day + dt.timedelta(days=length)))
            day += dt.timedelta(days=length + rng.randint(0, 1))
        end = stops[-1][4]
        org = rng.choice(dprk_orgs) if outbound and dprk_orgs and rng.random() < 0.7 else None
        plan.delegations.append(
            (
                did,
                title,
                direction,
                dtype,
                start,
                "day",
                end,
                "day",
                "concluded",
                "",
                1.0,
                "accepted",
                "{}",
                False,
                now,
                now,
                countries["KP"] if outbound else counterpart,
                org,
                leader,
            )
        )
        members = {leader}
        for _ in range(rng.randint(1, 4)):
            member = dprk_pick.draw(rng) if outbound else foreign_person(counterpart)
            if member not in members:
                members.add(member)
        for member in sorted(members, key=lambda m: m != leader):
            plan.members.append(
                (next(member_id), "leader" if member == leader else "member", person_titles[member], did, member)
            )
        fill = fill_for(counterpart, dprk_lead, foreign_lead, start, place_names.get(stops[0][2], cname[0]), dtype)
        cite(None, did, fill, start)
        visit_ids = []
        for order, country, place, arrive, leave in stops:
            if budget <= 0:
                break
            cid = next(contact_id)
            budget -= 1
            visit_ids.append((cid, country, place, arrive, leave))
            summary = f"{title}: stop {order} in {place_names.get(place, '?')}"
            plan.contacts.append(
                (
                    cid,
                    "visit",
                    direction,
                    arrive,
                    "day",
                    leave,
                    "day",
                    order,
                    False,
                    summary,
                    1.0,
                    "accepted",
                    now,
                    now,
                    None,
                    country,
                    did,
                    place,
                )
            )
            add_participants(cid, dprk_lead, None)
            cite(cid, None, fill, arrive)
        for _ in range(min(int(rng.expovariate(0.8)), 3)):
            if budget <= 0 or not visit_ids:
                break
            stop_id, country, place, arrive, leave = rng.choice(visit_ids)
            cid = next(contact_id)
            budget -= 1
            met = arrive + dt.timedelta(days=rng.randint(0, (leave - arrive).days))
            summary = f"Talks during the {title}"
            plan.contacts.append(
                (
                    cid,
                    "meeting",
                    direction,
                    met,
                    "day",
                    None,
                    "day",
                    None,
                    False,
                    summary,
                    1.0,
                    "accepted",
                    now,
                    now,
                    stop_id,
                    country,
                    did,
                    place,
                )
            )
            add_participants(cid, dprk_lead, foreign_person(country))
            cite(cid, None, fill, met)

    # Standalone messages, meetings in Pyongyang and agreements fill the rest ------------------------
    kinds = Weighted(["message", "meeting", "agreement"], [6, 3, 1])
    while budget > 0:
        cid = next(contact_id)
        budget -= 1
        kind = kinds.draw(rng)
        country = countries[partner_pick.draw(rng)]
        day = random_date(rng, years)
        dprk_person = dprk_pick.draw(rng)
        foreign = foreign_person(country)
        if kind == "meeting":
            direction, place = "inbound", kp_places[0] if kp_places else None
        else:
            direction, place = "remote", None
        summary = f"{kind.capitalize()}: {person_names[dprk_person]} and {person_names[foreign]}"
        plan.contacts.append(
            (
                cid,
                kind,
                direction,
                day,
                "day",
                None,
                "day",
                None,
                False,
                summary,
                1.0,
                "accepted",
                now,
                now,
                None,
                country,
                None,
                place,
            )
        )
        add_participants(cid, dprk_person, foreign)
        cite(cid, None, fill_for(country, dprk_person, foreign, day, "Pyongyang", "friendship"), day)
    return plan


# ---------------------------------------------------------------------------------------------------
# Articles, generated while they stream into COPY


def article_rows(
    scale: Scale, plan: Plan, source_ids: list[int], country_names: list[tuple[str, str]], person_names: list[str]
) -> Iterable[tuple]:
    rng = random.Random(scale.seed * 7919 + 1)
    # A shorter word stream for small scales: building it costs ~1 s per million words.
    vocab = text.vocabulary(scale.seed, length=min(1 << 21, max(1 << 15, scale.articles * 64)))
    years = Weighted([y for y in YEAR_WEIGHTS if y >= 1997], [w for y, w in YEAR_WEIGHTS.items() if y >= 1997])
    statuses = Weighted(["irrelevant", "linked", "proposed", "failed", "duplicate"], [84, 10, 3, 2, 1])
    for aid in range(1, scale.articles + 1):
        topic = plan.article_topics.get(aid)
        if topic:
            fill, day = topic
            relevant, status = True, "linked"
        else:
            day = random_date(rng, years)
            relevant = rng.random() < 0.1
            status = statuses.draw(rng) if not relevant else "irrelevant"
            cname, demonym = rng.choice(country_names)
            fill = {
                "country": cname,
                "demonym": demonym,
                "leader": rng.choice(person_names),
                "title": rng.choice(DPRK_TITLES),
                "foreign_leader": rng.choice(person_names),
                "date": text.kcna_date(day),
                "city": "Pyongyang",
                "dtype": "friendship",
                "field": text.fields_sample(rng),
                "province": text.province(rng),
                "org": "the Korean Children's Union",
            }
        # Lengths spread 1-3 KB around 2 KB, like agency wires.
        target = int(min(max(rng.gauss(2000, 450), 900), 3200))
        body = text.article_text(rng, vocab, target, fill, relevant)
        title = text.article_title(rng, fill, relevant)
        index = aid % len(SOURCES)
        source, domain, _ = SOURCES[index]
        url = f"https://{domain}/article/{aid}.html"
        published = dt.datetime(day.year, day.month, day.day, rng.randrange(24), rng.randrange(60), tzinfo=UTC)
        fetched = published + dt.timedelta(minutes=rng.randint(5, 180))
        yield (
            aid,
            url,
            url,
            source,
            title,
            body,
            "en",
            published,
            hashlib.sha256(body.encode()).hexdigest(),
            rng.getrandbits(63) - (1 << 62),
            status,
            "timeout" if status == "failed" else "",
            1,
            "{}",
            "{}",
            fetched,
            fetched,
            fetched,
            fetched,
            None,
            source_ids[index],
        )


# ---------------------------------------------------------------------------------------------------
# Loading


def _copy(cursor, table: str, rows: Iterable[tuple]) -> int:
    columns = ", ".join(COLUMNS[table])
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def secondary_indexes(cursor, tables: Sequence[str]) -> list[tuple[str, str]]:
    """Indexes not backing a primary key or unique constraint: safe to drop and rebuild around a load."""
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        -- Smallest tables first: the pages are usable before the long full-text index on articles is done.
        ORDER BY pg_relation_size(t.oid), 1
        """,
        [list(tables)],
    )
    return cursor.fetchall()


def check_target(database_name: str, force: bool) -> None:
    """The generator empties the domain tables: refuse anything that does not look like a bench database."""
    if force or "bench" in database_name or database_name.startswith("test"):
        return
    raise SystemExit(
        f"Refusing to replace the data in database {database_name!r}: point DATABASE_URL at a database whose name "
        "contains 'bench' (e.g. postgres://postgres@127.0.0.1:5432/atlas_bench) or pass --force."
    )


def generate(
    scale: Scale,
    *,
    drop_indexes: bool = True,
    force: bool = False,
    keep_articles: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, float]:
    """Replace the domain and ingest rows with a synthetic dataset; returns timings in seconds per phase.

    keep_articles: when the articles table already holds `scale.articles` rows, keep them (and their
    full-text index, the slowest part of a load) and replace only the records and their evidence.
    """
    check_target(connection.settings_dict["NAME"], force)
    if keep_articles:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ingest_article")
            keep_articles = cursor.fetchone()[0] == scale.articles
        log("keeping the existing articles" if keep_articles else "article count differs: regenerating articles")
    tables = [t for t in GENERATED_TABLES if not (keep_articles and t in ("ingest_article", "ingest_source"))]
    big_tables = [t for t in BIG_TABLES if not (keep_articles and t == "ingest_article")]
    timings: dict[str, float] = {}
    began = time.perf_counter()
    ensure_reference(log)
    countries = dict(Country.objects.values_list("iso2", "id"))
    places: dict[int, list[int]] = defaultdict(list)
    capitals = set(Country.objects.exclude(capital=None).values_list("capital_id", flat=True))
    for pid, country_id, population in Place.objects.order_by("id").values_list("id", "country_id", "population"):
        places[country_id].append((pid not in capitals, -(population or 0), pid))
    places = {c: [pid for *_, pid in sorted(v)] for c, v in places.items()}
    kp_places = places.get(countries["KP"], [])
    pyongyang = Place.objects.filter(country_id=countries["KP"], name="Pyongyang").values_list("id", flat=True)
    if pyongyang:
        kp_places = [pyongyang[0]] + [p for p in kp_places if p != pyongyang[0]]
    dprk_orgs = list(Organization.objects.filter(country_id=countries["KP"]).values_list("id", flat=True))
    timings["reference"] = time.perf_counter() - began

    began = time.perf_counter()
    plan = plan_dataset(scale, countries, places, kp_places, dprk_orgs)
    timings["plan"] = time.perf_counter() - began
    log(
        f"planned {len(plan.contacts):,} contacts, {len(plan.delegations):,} delegations, "
        f"{len(plan.participants):,} participants, {len(plan.evidence):,} evidence in {timings['plan']:.1f} s"
    )

    country_names = [(c.name, (c.demonyms or [c.name])[0]) for c in Country.objects.exclude(iso2="KP")]
    person_names = [row[1] for row in plan.persons] or ["Kim Song Nam"]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # the psycopg 3 cursor, for COPY
        # Triggers off for this session only: no pghistory rows, no FK checks for rows built consistent.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        began = time.perf_counter()
        # No CASCADE: it would follow foreign keys into tables this generator does not rebuild.
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
        dropped = secondary_indexes(cursor, big_tables) if drop_indexes else []
        for name, _ in dropped:
            cursor.execute(f"DROP INDEX {name}")
        timings["truncate"] = time.perf_counter() - began

        began = time.perf_counter()
        source_ids = list(range(1, len(SOURCES) + 1))
        if not keep_articles:
            _copy(
                cursor,
                "ingest_source",
                [
                    (i, name, "feed", f"https://{domain}/rss.xml", True, 30, "", "", "", 0)
                    for i, (name, domain, _) in enumerate(SOURCES, start=1)
                ],
            )
        for table, rows in (
            ("contacts_person", plan.persons),
            ("contacts_personalias", plan.aliases),
            ("contacts_position", plan.positions),
            ("contacts_delegation", plan.delegations),
            ("contacts_delegationmember", plan.members),
            ("contacts_contact", plan.contacts),
            ("contacts_participant", plan.participants),
        ):
            _copy(cursor, table, rows)
        timings["copy records"] = time.perf_counter() - began
        log(f"copied records in {timings['copy records']:.1f} s")

        began = time.perf_counter()
        written = 0
        if not keep_articles:
            rows = article_rows(scale, plan, source_ids, country_names, person_names)
            written = _copy(cursor, "ingest_article", rows)
        _copy(cursor, "contacts_evidence", plan.evidence)
        timings["generate+copy articles"] = time.perf_counter() - began
        log(f"generated and copied {written:,} articles in {timings['generate+copy articles']:.1f} s")

        began = time.perf_counter()
        for _, definition in dropped:
            # IF NOT EXISTS: an index an operator built by hand meanwhile is kept, not an error.
            cursor.execute(re.sub(r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX IF NOT EXISTS ", definition))
        timings["rebuild indexes"] = time.perf_counter() - began
        if dropped:
            log(f"rebuilt {len(dropped)} indexes in {timings['rebuild indexes']:.1f} s")

        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        began = time.perf_counter()
        # Planner statistics for what was loaded (a whole-database ANALYZE re-samples the article index too).
        cursor.execute("ANALYZE " + ", ".join(tables))
        timings["analyze"] = time.perf_counter() - began
    cache.clear()  # cached aggregates describe the old data
    timings["total"] = sum(timings.values())
    return timings

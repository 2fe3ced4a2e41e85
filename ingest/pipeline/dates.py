"""Dates in news copy: datelines, explicit dates, weekday words and "on the 17th", resolved to days.

Date phrases are spotted with regular expressions and resolved by hand against a reference day (the
dateline, else the publication date): a weekday means the latest such day on or before the reference
day ("left here Thursday" in a Thursday dispatch is that Thursday). This is both faster and more
predictable than `dateparser.search_dates` (see LIBRARIES.md: "this Tuesday" and same-weekday traps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ingest.pipeline.lexicon import trie_pattern

MONTHS = {
    # English (with press abbreviations)
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # Italian, Spanish, Portuguese, French
    "gennaio": 1, "febbraio": 2, "marzo": 3, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7, "agosto": 8,
    "settembre": 9, "ottobre": 10, "novembre": 11, "dicembre": 12,
    "enero": 1, "febrero": 2, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "septiembre": 9, "setiembre": 9,
    "octubre": 10, "noviembre": 11, "diciembre": 12,
    "janeiro": 1, "fevereiro": 2, "março": 3, "marco": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
    "outubro": 10, "novembro": 11, "dezembro": 12,
    "janvier": 1, "février": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "août": 8,
    "septembre": 9, "octobre": 10, "décembre": 12,
    # Russian (genitive, as in dates)
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6, "июля": 7, "августа": 8,
    "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "lunedì": 0, "lunedi": 0, "martedì": 1, "martedi": 1, "mercoledì": 2, "mercoledi": 2, "giovedì": 3,
    "giovedi": 3, "venerdì": 4, "venerdi": 4, "sabato": 5, "domenica": 6,
    "lunes": 0, "martes": 1, "miércoles": 2, "miercoles": 2, "jueves": 3, "viernes": 4, "sábado": 5,
    "domingo": 6,
    "segunda-feira": 0, "terça-feira": 1, "quarta-feira": 2, "quinta-feira": 3, "sexta-feira": 4,
    "понедельник": 0, "вторник": 1, "среду": 2, "среда": 2, "четверг": 3, "пятницу": 4, "пятница": 4,
    "субботу": 5, "суббота": 5, "воскресенье": 6,
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "sabtu": 5, "minggu": 6,
}
# Tries rather than flat alternations: the same words matched, several times faster (lexicon.trie_pattern).
_MONTH_RE = trie_pattern(MONTHS)
_WEEKDAY_RE = trie_pattern(WEEKDAYS)

# Datelines: "Pyongyang, March 21 (KCNA) --", "SEOUL, Nov. 14 (Yonhap) --", "PYONGYANG, October 8./TASS/.",
# "BEIJING, March 23 (Xinhua) --", "Tehran (ISNA) -", "HANOI, Kyodo -", "VIETNAM, March 25 - HÀ NỘI —".
DATELINE = re.compile(
    r"^\s*(?P<city>[A-Z][A-Za-zÀ-ÿ'’ .]{1,30}?)(?:/[A-Z][A-Za-z ]+)?"
    r"(?:,\s*(?P<month>" + _MONTH_RE + r")\.?\s+(?P<day>\d{1,2})(?:,\s*(?P<year>\d{4}))?)?"
    r"\.?\s*(?:/(?P<agency2>[A-Z]{2,6})/\.?|(?:\((?P<agency>[^)]{2,40})\)|,\s*(?P<agency3>[A-Z][A-Za-z]+(?:\.[a-z]{2,3})?)\b)?"
    r"\s*(?:--|—|–|-|:))",
    re.IGNORECASE | re.MULTILINE,
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
PATTERNS = [
    # Ranges first, so that their parts are not read as single days.
    ("range", re.compile(
        r"\b(?:from\s+)?(?P<month>" + _MONTH_RE + r")\.?\s+(?P<day>\d{1,2})\s*(?:-|–|to|through|until)\s*"
        r"(?:(?P<month2>" + _MONTH_RE + r")\.?\s+)?(?P<day2>\d{1,2})\b(?:,?\s*(?P<year>\d{4}))?", re.IGNORECASE)),
    ("range", re.compile(r"\bfrom\s+(?P<weekday>" + _WEEKDAY_RE + r")\s+(?:to|through|until)\s+(?P<weekday2>"
                         + _WEEKDAY_RE + r")\b", re.IGNORECASE)),
    ("mdy", re.compile(r"\b(?P<month>" + _MONTH_RE + r")\.?\s+" + _DAY + r"\b(?:,?\s*(?P<year>\d{4}))?",
                       re.IGNORECASE)),
    ("dmy", re.compile(r"\b" + _DAY + r"\s+(?:de\s+|of\s+)?(?P<month>" + _MONTH_RE + r")\b(?:\s+(?:de\s+)?(?P<year>\d{4}))?",
                       re.IGNORECASE)),
    ("numeric", re.compile(r"\b(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})\b")),
    ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")),
    ("nth", re.compile(r"\b(?:on|of|since|by)\s+the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)),
    ("weekday", re.compile(
        r"\b(?P<mod>last|this|next|scorso|scorsa|pasado|pasada|passado|passada|прошлый|прошлую)?\s*"
        r"(?:on\s+|в\s+|во\s+|el\s+|na\s+|no\s+)?(?P<weekday>" + _WEEKDAY_RE + r")\b"
        r"(?:\s+(?P<mod2>scorso|scorsa|pasado|pasada|passado|passada))?", re.IGNORECASE)),
    ("today", re.compile(r"\b(?P<word>today|this morning|this afternoon|this evening|tonight|oggi|hoy|hoje|сегодня)\b",
                         re.IGNORECASE)),
    ("yesterday", re.compile(r"\b(?P<word>yesterday|ieri|ayer|ontem|вчера)\b", re.IGNORECASE)),
]
# A weekday right after these words dates the report, not the event ("KCNA said on Friday").
_REPORT_BEFORE = re.compile(
    r"(?:said|says|reported|reports|announced|announces|report|media|KCNA|agency|Agency|according to[^,.;]{0,60}|"
    r"told reporters|quoted as saying|dispatch|riferito|informó|informou|сообщило|сообщает|disclosed)\s*(?:on\s+)?$"
)


_EXPLICIT = {"range", "mdy", "dmy", "numeric", "iso"}
_DIGIT = re.compile(r"\d")
_WEEKDAY_HINT = re.compile(trie_pattern(WEEKDAYS))
_MONTH_HINT = re.compile(trie_pattern(MONTHS))
_WORD_HINT = re.compile(r"today|this morning|this afternoon|this evening|tonight|yesterday|oggi|hoy|hoje|ieri|ayer|"
                        r"ontem|сегодня|вчера")


@dataclass(frozen=True)
class DateMention:
    """A date phrase resolved to a day (or flagged as a range): where it is and how precise."""

    value: date | None
    precision: str | None  # day | month | year
    start: int
    end: int
    how: str  # dateline | mdy | dmy | nth | weekday | today | yesterday | range | numeric | iso
    reported: bool = False  # the phrase dates the report ("said on Friday"), not the event
    first: date | None = None  # a range's first and last days ("from Monday to Thursday", "March 25-28")
    last: date | None = None


@dataclass(frozen=True)
class Dateline:
    """The dateline of a dispatch: its city, its date (year from the publication date) and where it ends."""

    city: str | None
    value: date | None
    end: int
    agency: str | None
    start: int = 0


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_number(word: str) -> int | None:
    if word.isdigit():
        value = int(word)
        return value if 1 <= value <= 12 else None
    return MONTHS.get(word.lower().rstrip("."))


def resolve_month_day(month: int, day: int, reference: date | None, year: int | None = None) -> date | None:
    """A month and day without a year: the nearest such day not far after the reference day."""
    if year:
        return _safe_date(year, month, day)
    if reference is None:
        return None
    candidate = _safe_date(reference.year, month, day)
    if candidate and candidate > reference + timedelta(days=45):
        candidate = _safe_date(reference.year - 1, month, day)
    elif candidate is None:
        return None
    if candidate and candidate < reference - timedelta(days=320):
        candidate = _safe_date(reference.year + 1, month, day)
    return candidate


def resolve_weekday(weekday: int, reference: date, modifier: str = "") -> date:
    """The latest `weekday` on or before `reference` ("last Friday" never means the reference day itself)."""
    back = (reference.weekday() - weekday) % 7
    if back == 0 and modifier.lower() in {"last", "scorso", "scorsa", "pasado", "pasada", "passado", "passada",
                                           "прошлый", "прошлую"}:
        back = 7
    return reference - timedelta(days=back)


def resolve_nth(day: int, reference: date) -> date | None:
    """"On the 17th": that day of the reference month, or of the month before if it lies ahead."""
    candidate = _safe_date(reference.year, reference.month, day)
    if candidate is None or candidate > reference + timedelta(days=1):
        previous = reference.replace(day=1) - timedelta(days=1)
        candidate = _safe_date(previous.year, previous.month, day)
    return candidate


def parse_dateline(text: str, published: date | None) -> Dateline:
    """The dateline in the first lines of `text`, if any; its date takes the year from `published`."""
    head = text[:700]
    for m in DATELINE.finditer(head):
        if m.start() > 0 and head[m.start() - 1] not in "\n":
            continue
        agency = m.group("agency") or m.group("agency2") or m.group("agency3")
        month = m.group("month")
        if not (agency or month):
            # A bare "SEOUL -" only counts when the city is written in capitals, as datelines are.
            city = m.group("city").strip()
            if not city.isupper() or len(city) < 3:
                continue
        city = m.group("city").strip().rstrip(".")
        value = None
        if month:
            year = int(m.group("year")) if m.group("year") else None
            value = resolve_month_day(MONTHS[month.lower().rstrip(".")], int(m.group("day")), published, year)
        return Dateline(city=_title_city(city), value=value, end=m.end(), agency=agency, start=m.start())
    return Dateline(city=None, value=None, end=0, agency=None)


def _title_city(city: str) -> str:
    return " ".join(w.capitalize() if w.isupper() else w for w in city.split())


def find_dates(text: str, reference: date | None, relative: date | None | bool = True,
               slack: int = 0) -> list[DateMention]:
    """Every date phrase in `text`, resolved against `reference` (None when it cannot be resolved).

    `relative` is the day weekday words, "on the 17th", "today" and "yesterday" count from; by default the
    reference. Pass None when the page date is known to be wrong (a mirror): such words then stay unresolved
    while explicit dates still resolve. `slack` days are added before resolving weekday words, for page
    dates that may lag the event by a time zone.
    """
    if relative is True:
        relative = reference
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    lower = text.lower()
    has_digit = _DIGIT.search(text) is not None
    has_weekday = bool(_WEEKDAY_HINT.search(lower))
    has_word = bool(_WORD_HINT.search(lower))
    has_month = has_digit and bool(_MONTH_HINT.search(lower))
    for how, pattern in PATTERNS:
        # Cheap checks first: most sentences have no date at all, and the big patterns are slow.
        if how in {"range", "mdy", "dmy", "numeric", "iso", "nth"} and not has_digit:
            if not (how == "range" and has_weekday):
                continue
        if how in {"mdy", "dmy"} and not has_month or how == "range" and not has_month and not has_weekday:
            continue  # every one of these names a month (or, for "from Monday to Thursday", weekdays)
        if how == "weekday" and not has_weekday:
            continue
        if how in {"today", "yesterday"} and not has_word:
            continue
        for m in pattern.finditer(text):
            if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
                continue
            base = reference if how in _EXPLICIT else relative
            if how == "weekday" and base is not None and slack:
                base = base + timedelta(days=slack)
            value, precision = _resolve(how, m, base)
            if how == "weekday" and value is None and relative is not None:
                continue
            if how in {"mdy", "dmy"} and value is None and reference is not None and not m.group("year"):
                continue
            reported = how in {"weekday", "today", "yesterday"} and _is_report_date(text, m.start(), m.end())
            first = last = None
            if how == "range":
                first, last = _resolve_range(m, reference, base)
            taken.append((m.start(), m.end()))
            found.append(DateMention(value, precision, m.start(), m.end(), how, reported, first, last))
    found.sort(key=lambda d: d.start)
    return found


def explicit_dates(text: str, reference: date | None) -> list[date]:
    """Only the dates written with a month name ("March 21", "21 marzo"): a cheap scan of a long text."""
    found = []
    if not _DIGIT.search(text) or not _MONTH_HINT.search(text.lower()):
        return found
    for how in ("mdy", "dmy"):
        pattern = next(p for h, p in PATTERNS if h == how)
        for m in pattern.finditer(text):
            value, _ = _resolve(how, m, reference)
            if value:
                found.append(value)
    return found


def _is_report_date(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 80):start]
    # "arrived on Thursday, KCNA said" dates the arrival; only "KCNA said on Friday" dates the report.
    return bool(_REPORT_BEFORE.search(before))


def _resolve_range(m: re.Match, reference: date | None, relative: date | None) -> tuple[date | None, date | None]:
    """The first and last days of a range: month-day ranges against the reference day, weekday ranges
    ("from Monday to Thursday") start on the latest such weekday on or before the relative day."""
    groups = m.groupdict()
    if groups.get("weekday"):
        if relative is None:
            return None, None
        start_wd, end_wd = WEEKDAYS[groups["weekday"].lower()], WEEKDAYS[groups["weekday2"].lower()]
        first = resolve_weekday(start_wd, relative)
        return first, first + timedelta(days=(end_wd - start_wd) % 7)
    month = _month_number(groups["month"])
    if month is None:
        return None, None
    year = int(groups["year"]) if groups.get("year") else None
    first = resolve_month_day(month, int(groups["day"]), reference, year)
    if first is None:
        return None, None
    month2 = _month_number(groups["month2"]) if groups.get("month2") else first.month
    year2 = first.year + (1 if month2 is not None and month2 < first.month else 0)
    last = _safe_date(year2, month2, int(groups["day2"])) if month2 else None
    if last is not None and last < first:
        last = None
    return first, last


def _resolve(how: str, m: re.Match, reference: date | None) -> tuple[date | None, str | None]:
    if how == "range":
        return None, None
    if how in {"mdy", "dmy", "numeric", "iso"}:
        month = _month_number(m.group("month"))
        if month is None:
            return None, None
        day = int(m.group("day"))
        year = int(m.group("year")) if m.group("year") else None
        return resolve_month_day(month, day, reference, year), "day"
    if reference is None:
        return None, None
    if how == "nth":
        return resolve_nth(int(m.group("day")), reference), "day"
    if how == "weekday":
        modifier = (m.group("mod") or m.group("mod2") or "").lower()
        if modifier in {"this", "next"}:
            return None, None
        return resolve_weekday(WEEKDAYS[m.group("weekday").lower()], reference, modifier), "day"
    if how == "today":
        return reference, "day"
    if how == "yesterday":
        return reference - timedelta(days=1), "day"
    return None, None

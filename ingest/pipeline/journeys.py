"""Journeys: the trips an article tells of, with their stops in order, dates, transits and stage.

A later step (consolidation) folds the journeys of many articles into one delegation per real trip, so
each journey carries what identifies it (leader, direction, sending country, delegation phrase, dates)
and what it adds to the itinerary (stops with arrival/departure days and transit flags).

An article may tell of two journeys ("A Russian delegation led by ... also met ..."): each delegation
introduced with its own leader becomes its own journey, and nothing here merges them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ingest.pipeline import gazetteer, lexicon
from ingest.pipeline.dates import WEEKDAYS, explicit_dates, find_dates
from ingest.pipeline.names import find_names, name_key, same_person

if TYPE_CHECKING:  # pragma: no cover
    from ingest.pipeline.classify import Analysis, Context, SentenceInfo

ANNOUNCED = re.compile(r"\b(?:will (?:visit|pay|travel|leave|make|attend|hold|send)|is (?:due|set|scheduled|expected|to) "
                       r"to (?:visit|travel|leave|arrive)|is to (?:visit|pay|travel)|are to (?:visit|pay)|"
                       r"plans? to visit|to pay (?:a|an) (?:[\w-]+ ){0,3}visit|at the invitation|"
                       r"will take (?:the|them|him|her)|is then due|then due to travel|before going to|"
                       r"(?:announced|said) (?:that )?(?:\w+ ){0,4}would visit)\b", re.IGNORECASE)
CONCLUDED = re.compile(r"\b(?:returned home|returns home|arrived (?:back )?home|back home|wrapp?(?:ed|ing) up|"
                       r"conclud(?:ed|ing)|ended (?:its|his|her|their)|completing (?:his|her|its|their)|"
                       r"rientrat[oa]|concluso|concluy[oó]|concluiu|завершил[аи]?)\b", re.IGNORECASE)
DEPARTED = re.compile(r"\b(?:left|departed|arrived|arrives|is on (?:a|an)|visiting|met|held talks|kicked off|"
                      r"began|partit[oa]|arrivat[oa]|incontrato|lleg[oó]|chegou|прибыл[аи]?)\b", re.IGNORECASE)
NEW_DELEGATION = re.compile(
    r"\b(?P<phrase>(?:[Aa]n?|[Aa]nother|[Aa] second|[Tt]he|[Uu]na?|[Uu]na seconda|[Dd]elegations?)\s+"
    r"(?:[\w'’-]+\s+){0,8}?(?:delegations?|delegazione|delegación|delegação|делегация)(?:\s+(?:of|from|del|de|da)\s+"
    r"(?:the\s+)?[^,;]{0,80}?)?)(?:\s+[a-zà-ÿ-]+)?\s*,?\s*(?:(?:which is |who is )?(?:led|headed|guidata|guidato|"
    r"encabezada|"
    r"liderada|chefiada)\s+(?:by|da|dal|dalla|dallo|por|pelo|pela)|во главе с)\s+(?:(?:[\w'’.-]+\s+){0,6}?)(?P<name>[A-Z][\w'’-]+"
    r"(?:[ -][A-Z][\w'’-]+){1,3})")


_DPRK_WORDS = re.compile(r"DPRK|North Korea|Workers' Party|WPK|KPA|Korean|nordcorean|norcorean|КНДР|Корe")


def _leader_name(raw: str) -> str:
    """The personal name of a "led by" phrase without the title in front ("Vice-Minister Ri Chol Ung")."""
    names = find_names(raw)
    return names[-1][0] if names else raw.strip()


def _stage(text: str) -> str | None:
    if CONCLUDED.search(text):
        return "concluded"
    if DEPARTED.search(text) and not ANNOUNCED.search(text):
        return "departed"
    if ANNOUNCED.search(text):
        return "announced"
    return None


def _sentence_day(text: str, reference: date | None, relative: date | None | bool = True, slack: int = 0) -> date | None:
    for d in find_dates(text, reference, relative, slack):
        if d.value and not d.reported and d.how != "range":
            return d.value
    return None


def _day_after_anchor(text: str, anchor: date) -> date | None:
    """A weekday word when the page date cannot be trusted, counted from the day the sentence just before
    gives ("met officials on April 10. The delegation departed on Sunday."): the first such day on or after it."""
    for d in find_dates(text, anchor, None):
        if d.reported or d.how != "weekday":
            continue
        phrase = text[d.start:d.end]
        word = re.search(_WEEKDAY_WORDS, phrase, re.IGNORECASE)
        if word is None or re.match(r"\s*(?:last|this|next)\b", phrase, re.IGNORECASE):
            return None
        return anchor + timedelta(days=(WEEKDAYS[word.group(0).lower()] - anchor.weekday()) % 7)
    return None


def _sentence_range(text: str, reference: date | None, relative: date | None | bool = True,
                    slack: int = 0) -> tuple[date | None, date | None] | None:
    """The first and last days of a range the sentence gives ("from Monday to Thursday"), if resolved."""
    for d in find_dates(text, reference, relative, slack):
        if d.how == "range" and d.first and not d.reported:
            return d.first, d.last
    return None


def build_journeys(analysis: Analysis, infos: list[SentenceInfo], ctx: Context) -> list:
    """The journeys of an analysed article: the main one and any other delegation it introduces."""
    from ingest.pipeline.classify import Journey

    journeys: list[Journey] = []
    main = None
    if analysis.direction in {"outbound", "inbound"} and analysis.countries:
        outbound = analysis.direction == "outbound"
        leader = analysis.dprk_lead if outbound else analysis.foreign_lead
        phrase = ""
        for info in infos[:6]:
            m = NEW_DELEGATION.search(info.sent.text)
            if m and (not leader or same_person(_leader_name(m.group("name")), leader)):
                phrase = m.group("phrase").strip()
                break
        stops = _stops(analysis, infos, ctx, outbound)
        stage = _article_stage(infos, analysis)
        start, end = _span(infos, ctx, outbound, stops)
        main = Journey(
            leader=leader,
            direction=analysis.direction,
            delegation_type=analysis.delegation_type,
            sending_country="KP" if outbound else analysis.countries[0],
            countries=list(analysis.countries) if outbound else ["KP"],
            stops=stops,
            stage=stage,
            start=start,
            end=end,
            phrase=phrase,
            leader_title=next((p.title for p in analysis.people if leader and p.name == leader), ""),
        )
        journeys.append(main)
    # Other delegations the article introduces with their own leader.
    for info in infos:
        for m in NEW_DELEGATION.finditer(info.sent.text):
            name = _leader_name(m.group("name"))
            if any(j.leader and same_person(j.leader, name) for j in journeys):
                continue
            phrase = m.group("phrase").strip()
            refs = [c for c in info.countries if c.start <= m.end()]
            dprk = bool(_DPRK_WORDS.search(m.group(0) + " " + info.sent.text[:m.start()]))
            # "a delegation of the Ministry of Foreign Affairs of North Korea led by ..." is the DPRK's own,
            # whoever else the sentence names before it.
            own = bool(_DPRK_WORDS.search(m.group("phrase")))
            foreign = [] if own else [c.iso2 for c in refs if c.role == "actor" and c.iso2 != "KP"]
            places = [c.iso2 for c in info.countries if c.role in {"place", "destination"} and c.iso2 != "KP"]
            if dprk and not foreign:
                direction = "outbound"
                sending = "KP"
                countries = places or list(analysis.countries)
            elif foreign:
                direction = "inbound"
                sending = foreign[0]
                countries = ["KP"]
            else:
                continue
            if main and main.direction == direction and main.sending_country == sending and not main.leader:
                main.leader = name
                main.phrase = main.phrase or phrase
                continue
            day = _sentence_day(info.sent.text, ctx.reference, ctx.relative, ctx.slack)
            stops = []
            if direction == "outbound":
                stops = [_stop(code, None, day if _arrival(info.sent.text) else None, None, False, info.sent.text)
                         for code in countries[:1]]
            else:
                stops = [_stop("KP", "Pyongyang", day if _arrival(info.sent.text) else None, None, False,
                               info.sent.text)]
            journeys.append(Journey(
                leader=name,
                direction=direction,
                delegation_type=_phrase_type(phrase),
                sending_country=sending,
                countries=countries if direction == "outbound" else ["KP"],
                stops=stops,
                stage=_stage(info.sent.text),
                start=day if re.search(r"\b(?:left|departed|partit|partió|partiu)", info.sent.text, re.I) else None,
                end=None,
                phrase=phrase,
            ))
    return journeys


def _phrase_type(phrase: str) -> str | None:
    from ingest.pipeline.classify import _delegation_type

    head = lexicon.DELEGATION_HEAD.search(phrase)
    return _delegation_type(phrase, head.group(0)) if head else None


def _arrival(text: str) -> bool:
    return bool(re.search(r"\b(?:arrived|arrives|arrival|landed|reached|arrivat|lleg|chegou|прибыл)", text, re.I))


def _stop(country: str, city: str | None, arrived, departed, transit: bool, evidence: str):
    from ingest.pipeline.classify import StopMention

    return StopMention(country=country, city=city, arrived=arrived, departed=departed, transit=transit,
                       evidence=evidence[:300])


def _article_stage(infos: list[SentenceInfo], analysis: Analysis) -> str | None:
    stages = [_stage(i.sent.text) for i in infos[:5]]
    if "concluded" in stages[:3]:
        return "concluded"
    if "departed" in stages:
        return "departed"
    if "announced" in stages:
        return "announced"
    return "departed" if analysis.kind in {"visit", "meeting"} else None


def _reference(ctx: Context) -> date | None:
    """The day month-day dates count from: the dateline or publication date, else, for an undated page,
    the year of a full date the article writes ("left on Feb. 23, 2019" ... "arrived home on Tuesday (March 5)")."""
    if ctx.reference is not None:
        return ctx.reference
    full = explicit_dates(ctx.folded or "", None)  # without a reference only dates with a year resolve
    return max(full) if full else None


def _span(infos: list[SentenceInfo], ctx: Context, outbound: bool, stops: list) -> tuple[date | None, date | None]:
    start = end = None
    reference = _reference(ctx)
    for info in infos:
        text = info.sent.text
        if outbound and lexicon.LEFT_HOME.search(text) and start is None:
            start = _sentence_day(text[lexicon.LEFT_HOME.search(text).start():], reference, ctx.relative, ctx.slack)
        if outbound and lexicon.RETURN_HOME.search(text) and end is None:
            m = lexicon.RETURN_HOME.search(text)
            end = _sentence_day(text[m.start():], reference, ctx.relative, ctx.slack) or \
                _sentence_day(text, reference, ctx.relative, ctx.slack)
    return start, end


_DEPART_PLACE = re.compile(r"\b(?:left|departed|departs|leaving|leaves|from|boarded [\w ]{0,20}at)\s+(?:the\s+)?$",
                           re.IGNORECASE)
# A stop that did not happen or is only guessed at: "does not stop in Beijing", "predictions that he
# might stop in Guangzhou", "his route through China was not known".
_NOT_A_STOP = re.compile(r"\b(?:not|never|might|(?-i:may)|could|would|predict\w*|speculat\w*|rumou?r\w*|whether|"
                         r"expected to stop|instead of|rather than)\b", re.IGNORECASE)
_FUTURE = re.compile(r"\b(?:is|are) (?:expected|due|set|scheduled|slated) to\b|\bwill\b|\bis to (?:arrive|travel|visit)\b",
                     re.IGNORECASE)
_PAST_MOVE = re.compile(r"\b(?:arrived|landed|reached|left|departed|crossed|passed|returned)\b", re.IGNORECASE)
# "The previous day, the train left ...": a day counted from the day of the sentence before.
_WEEKDAY_WORDS = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_DAY_BEFORE = re.compile(r"\b(?:the previous day|the day before|a day earlier|il giorno prima|el d[ií]a anterior|"
                         r"no dia anterior|накануне)\b", re.IGNORECASE)
_DAY_AFTER = re.compile(r"\b(?:the (?:following|next) day|a day later|il giorno dopo|al d[ií]a siguiente|"
                        r"no dia seguinte|на следующий день)\b", re.IGNORECASE)
_TRAIN_TRANSIT = re.compile(r"\b(?:train|rail|railway|motorcade|by car|border (?:town|city|station|crossing))\b", re.I)
_AIRPORT_WELCOME = re.compile(r"\b(?:greeted|welcomed|received|met)\b[^.]{0,160}\b(?:airport|station)\b|"
                              r"\b(?:airport|station)\b[^.]{0,80}\b(?:greeted|welcomed|received)\b", re.I)


def _stops(analysis: Analysis, infos: list[SentenceInfo], ctx: Context, outbound: bool) -> list:
    """Stops in the order the article tells them, with the dates its sentences give.

    A stop is a city (or a country when no city is named) in a place phrase of a sentence about the
    journey. Arrival and departure days come from the sentence's date phrase; a transit told without a date
    takes the day of the sentence before ("crossed into Dandong later that night"). Places denied or guessed
    at are left out, and so are sentences about another delegation.
    """
    from ingest.pipeline.classify import _cities_in, _other_delegation

    if not outbound:
        day = analysis.event_date if analysis.kind == "visit" else None
        city = next((c for c in analysis.cities), "Pyongyang")
        return [_stop("KP", city, day, None, False, analysis.evidence)]
    stops: list = []
    wanted = set(analysis.countries)
    main_country = analysis.countries[0] if analysis.countries else None
    last_day = None
    previous_day = None  # the day the sentence just before gives, if it gives one
    for info in infos:
        text = info.sent.text
        told, previous_day = previous_day, None
        if info.sent.index > ctx.decisive and _other_delegation(info) or lexicon.HISTORY.search(text):
            continue
        day = _sentence_day(text, ctx.reference, ctx.relative, ctx.slack)
        previous_day = day
        if day is None and told is not None and ctx.relative is None:
            day = _day_after_anchor(text, told)
        if day is None and last_day is not None:
            if _DAY_BEFORE.search(text):
                day = last_day - timedelta(days=1)
            elif _DAY_AFTER.search(text):
                day = last_day + timedelta(days=1)
        if not info.triggers and not stops and not lexicon.TRANSIT.search(text):
            last_day = day or last_day
            continue
        if day is None and stops and _AIRPORT_WELCOME.search(text):
            pass
        elif _AIRPORT_WELCOME.search(text) and stops and stops[-1].arrived is None and not _cities_in(text):
            # "was greeted by ... at an airport Thursday": the arrival day of the stop just told.
            stops[-1].arrived = day
        planned = bool(ANNOUNCED.search(text) or _FUTURE.search(text)) and not _PAST_MOVE.search(text)
        # A train ride through a country that is not the destination is a transit ("the train passed
        # through Changsha", "arrived in Pingxiang" on the way home from Hanoi).
        train = bool(_TRAIN_TRANSIT.search(text))
        mentioned = []
        for name, city, start, _end in _cities_in(text):
            if city.country == "KP":
                continue
            before = text[max(0, start - 50):start]
            transit = bool(lexicon.TRANSIT.search(before[-35:])) or (train and city.country != main_country)
            if wanted and city.country not in wanted and not transit:
                continue
            mentioned.append((start, city.country, name, transit))
        city_starts = {m[0] for m in mentioned}
        for c in info.countries:
            if c.iso2 == "KP" or c.role not in {"destination", "place", "transit"} or c.start in city_starts:
                continue
            if c.iso2 not in wanted and c.role != "transit":
                continue
            mentioned.append((c.start, c.iso2, None, c.role == "transit"))
        mentioned.sort(key=lambda item: item[0])
        # "is leading a delegation to visit Viet Nam from Monday to Thursday": one stop, its first and last days.
        span = _sentence_range(text, ctx.reference, ctx.relative, ctx.slack) \
            if len({m[1] for m in mentioned if not m[3]}) == 1 else None
        for start, country, city, transit in mentioned:
            near_before = text[max(0, start - 60):start]
            if _NOT_A_STOP.search(text[max(0, start - 80):start + 40]):
                continue
            departing = bool(_DEPART_PLACE.search(near_before))
            arriving = _arrival(text[max(0, start - 60):start + 40]) or transit
            when = day if day else (last_day if transit else None)
            arrived = None if planned or departing or not arriving else when
            if transit and re.search(r"\bvia\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$", near_before, re.I):
                arrived = None  # "arrived in Vietnam via China": the day is Vietnam's, not China's
            departed = day if departing and not planned else None
            if span and not transit and not departing:
                arrived, departed = span
            _merge(stops, _stop(country, gazetteer.fold(city) if city else None, arrived, departed, transit, text))
        last_day = day or last_day
    return stops


def _merge(stops: list, stop) -> None:
    for existing in stops:
        same_city = existing.city and stop.city and name_key(existing.city) == name_key(stop.city)
        if existing.country == stop.country and (same_city or not existing.city or not stop.city):
            if existing.transit != stop.transit and existing.city and stop.city and not same_city:
                continue
            if existing.arrived and stop.arrived and abs((existing.arrived - stop.arrived).days) > 3:
                continue  # the same place passed again on another leg ("arrived in Pingxiang" going and coming)
            existing.city = existing.city or stop.city
            existing.arrived = _earliest(existing.arrived, stop.arrived)
            existing.departed = existing.departed or stop.departed
            existing.transit = existing.transit and stop.transit
            return
    stops.append(stop)


def _earliest(a: date | None, b: date | None) -> date | None:
    if a and b:
        return min(a, b)
    return a or b

"""Journeys told by one article: stop dates from ranges, yearless days and weekday words."""

from __future__ import annotations

from datetime import date

from ingest.pipeline.classify import analyze
from ingest.tests.test_classify import article


def _stop(a, country):
    journey = next(j for j in a.journeys if j.direction == "outbound")
    return next(s for s in journey.stops if s.country == country and not s.transit)


def test_weekday_range_gives_arrival_and_departure_of_the_stop():
    a = analyze(article(
        "MONTEVIDEO, April 8 (Prensa Latina) -- The Foreign Minister of Uruguay received a delegation of the "
        "Workers' Party of Korea led by Ri Kwang Sok on Wednesday.\n"
        "Ri, who is leading a delegation to visit Uruguay from Tuesday to Friday, thanked his hosts.",
        published="2026-04-08", source="Prensa Latina",
    ))
    assert a.relevant and a.direction == "outbound"
    stop = _stop(a, "UY")
    assert (stop.arrived, stop.departed) == (date(2026, 4, 7), date(2026, 4, 10))


def test_month_day_range_gives_arrival_and_departure_of_the_stop():
    a = analyze(article(
        "Pyongyang, June 30 (KCNA) -- A delegation of the Ministry of Culture led by Minister Jon Hyon Mi "
        "visited Mongolia from June 21 to 26 and held talks with Mongolian officials.",
        published="2026-06-30",
    ))
    assert a.relevant and a.direction == "outbound"
    stop = _stop(a, "MN")
    assert (stop.arrived, stop.departed) == (date(2026, 6, 21), date(2026, 6, 26))

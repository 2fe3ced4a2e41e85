"""Journeys told by one article: stop dates from ranges, yearless days and weekday words."""

from __future__ import annotations

from datetime import date

import pytest

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


def test_the_previous_day_counts_from_the_sentence_before():
    a = analyze(article(
        "North Korean Premier Pak Thae Song's return trip through Russia continued for a second day on Oct. 12 "
        "after his official goodwill visit to Mongolia.\n"
        "The previous day, Pak's train departed Ulaanbaatar Station and arrived in Ulan-Ude in Russia.",
        published="2026-10-13", source="Hankyoreh",
    ))
    journey = next(j for j in a.journeys if j.direction == "outbound")
    russia = next(s for s in journey.stops if s.country == "RU")
    mongolia = next(s for s in journey.stops if s.country == "MN")
    assert russia.arrived == date(2026, 10, 11) and mongolia.departed == date(2026, 10, 11)


def test_a_city_passed_on_the_way_out_and_back_is_two_stops():
    a = analyze(article(
        "North Korean Premier Pak Thae Song's return trip through Russia continued on Oct. 12 after his "
        "official goodwill visit to Mongolia.\n"
        "The previous day, Pak's train departed Ulaanbaatar Station and arrived in Ulan-Ude in Russia.\n"
        "On the way out, his train passed through Ulan-Ude on Oct. 2.",
        published="2026-10-13", source="Hankyoreh",
    ))
    journey = next(j for j in a.journeys if j.direction == "outbound")
    passes = sorted(s.arrived for s in journey.stops if s.city == "Ulan-Ude")
    assert passes == [date(2026, 10, 2), date(2026, 10, 11)]


def test_delegation_phrase_naming_the_dprk_is_outbound_and_its_leader_has_no_title():
    a = analyze(article(
        "Mongolian Deputy Foreign Minister Bat Erdene held talks on Friday with a delegation of the Ministry of "
        "External Economic Relations of North Korea led by Vice-Minister Kang Chol Su, which arrived in "
        "Ulaanbaatar on July 7.",
        published="2026-07-11", source="Montsame",
    ))
    assert a.relevant
    assert a.journeys
    assert all(j.direction == "outbound" and j.sending_country == "KP" for j in a.journeys)
    assert [j.leader for j in a.journeys] == ["Kang Chol Su"]


@pytest.mark.parametrize("text", [
    "HAVANA, May 4 (Prensa Latina) -- A delegation of the Workers' Party of Korea led by Ri Kwang Sok will visit "
    "Cuba soon, the Communist Party of Cuba said.",
    "SEOUL, May 4 (Yonhap) -- North Korea will send a ruling party delegation led by Ri Kwang Sok to Cuba, state "
    "media reported Tuesday.",
    "Pyongyang, May 4 (KCNA) -- A delegation of the Workers' Party of Korea led by Ri Kwang Sok is to visit Cuba "
    "at the invitation of the Communist Party of Cuba.",
])
def test_announced_visit_is_relevant_with_an_announced_stage(text):
    a = analyze(article(text, published="2026-05-05", source="Wire"))
    assert (a.relevant, a.kind, a.direction, a.countries) == (True, "visit", "outbound", ["CU"])
    assert [(j.leader, j.stage) for j in a.journeys] == [("Ri Kwang Sok", "announced")]


def test_undated_page_takes_the_year_of_a_full_date_for_the_journey_end():
    a = analyze(article(
        "SEOUL - North Korean Premier Pak Thae Song arrived home on Tuesday (October 14), state media said, "
        "completing his tour of Mongolia.\n"
        "Pak left Pyongyang on October 2, 2026 by train for Ulaanbaatar, where he met Mongolian leaders.",
        source="Wire",
    ))
    journey = next(j for j in a.journeys if j.direction == "outbound")
    assert journey.stage == "concluded"
    assert journey.end == date(2026, 10, 14)


def test_weekday_in_a_mirror_with_a_wrong_page_date_counts_from_the_sentence_before():
    # The page is dated two months after the trip: "Sunday" follows the day the sentence before gives.
    a = analyze(article(
        "A delegation of the Workers' Party of Korea led by Ri Kwang Sok left Pyongyang on April 8 for a visit "
        "to Cambodia.\n"
        "Ri met Cambodian officials in Phnom Penh on April 10.\n"
        "The delegation departed Phnom Penh on Sunday.",
        published="2026-06-20", source="Mirror News",
    ))
    stop = _stop(a, "KH")
    assert stop.departed == date(2026, 4, 12)

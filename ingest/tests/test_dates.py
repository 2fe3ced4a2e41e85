"""Date phrases resolved against datelines and publication days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ingest.pipeline.dates import find_dates, parse_dateline, resolve_nth, resolve_weekday

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def values(text, reference):
    return [(d.value, d.how) for d in find_dates(text, reference) if not d.reported]


def test_kcna_dateline_gives_city_date_and_agency():
    line = parse_dateline("Pyongyang, March 21 (KCNA) -- A delegation left here.", date(2024, 3, 21))
    assert line.city == "Pyongyang" and line.value == date(2024, 3, 21) and line.agency == "KCNA"


def test_dateline_year_comes_from_the_publication_day_across_new_year():
    line = parse_dateline("Pyongyang, December 31 (KCNA) -- Text.", date(2025, 1, 2))
    assert line.value == date(2024, 12, 31)


def test_wire_datelines():
    assert parse_dateline("SEOUL, Nov. 14 (Yonhap) -- Text", date(2019, 11, 14)).value == date(2019, 11, 14)
    assert parse_dateline("PYONGYANG, October 8./TASS/. Text", date(2019, 10, 8)).value == date(2019, 10, 8)
    bare = parse_dateline("HANOI - The leader arrived.", date(2019, 2, 26))
    assert bare.city == "Hanoi" and bare.value is None


def test_weekday_is_the_latest_such_day_on_or_before_the_reference():
    thursday = date(2024, 3, 21)
    assert values("left here Tuesday", thursday) == [(date(2024, 3, 19), "weekday")]
    assert values("arrived here on Thursday", thursday) == [(date(2024, 3, 21), "weekday")]
    assert values("met him last Thursday", thursday) == [(date(2024, 3, 14), "weekday")]


def test_this_weekday_is_not_resolved_backwards():
    assert values("will arrive this Saturday", date(2024, 3, 21)) == []


def test_report_weekdays_are_flagged():
    found = find_dates("state media KCNA said on Friday", date(2024, 3, 22))
    assert found and found[0].reported


def test_nth_and_explicit_dates():
    ref = date(2024, 9, 19)
    assert values("met in Moscow on the 17th", ref) == [(date(2024, 9, 17), "nth")]
    assert values("on the 28th", date(2024, 10, 2)) == [(date(2024, 9, 28), "nth")]
    assert values("received a message on Feb. 16", date(2012, 2, 24)) == [(date(2012, 2, 16), "mdy")]
    assert values("South Korea April 27, 2018", None) == [(date(2018, 4, 27), "mdy")]
    assert values("è partito il 21 marzo", date(2024, 3, 27)) == [(date(2024, 3, 21), "dmy")]


def test_ranges_are_not_single_days():
    found = find_dates("performances from June 3 to 19", date(2011, 6, 24))
    assert [d.how for d in found] == ["range"] and found[0].value is None


def test_yesterday_and_today():
    assert values("talks yesterday", date(2007, 9, 7)) == [(date(2007, 9, 6), "yesterday")]
    assert values("at the Hall today", date(2008, 7, 16)) == [(date(2008, 7, 16), "today")]


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)), st.integers(min_value=0, max_value=6))
def test_weekday_rule_properties(reference, weekday):
    resolved = resolve_weekday(weekday, reference)
    assert resolved.weekday() == weekday
    assert reference - timedelta(days=6) <= resolved <= reference
    last = resolve_weekday(weekday, reference, "last")
    assert last.weekday() == weekday and reference - timedelta(days=7) <= last < reference


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 12, 31)), st.integers(min_value=1, max_value=31))
def test_nth_is_never_in_the_future(reference, day):
    resolved = resolve_nth(day, reference)
    if resolved is not None:
        assert resolved.day == day and resolved <= reference + timedelta(days=1)
        assert reference - resolved < timedelta(days=62)


@given(st.dates(min_value=date(1990, 1, 7), max_value=date(2040, 12, 31)), st.sampled_from(WEEKDAY_NAMES))
def test_weekday_phrases_resolve_like_the_rule(reference, name):
    found = values(f"The delegation arrived here on {name}.", reference)
    assert len(found) == 1 and found[0][0].strftime("%A") == name and found[0][0] <= reference


def test_ranges_give_their_first_and_last_days():
    found = find_dates("the troupe toured Peru from April 3 to 9", date(2015, 4, 12))
    assert (found[0].first, found[0].last) == (date(2015, 4, 3), date(2015, 4, 9))
    found = find_dates("she will be in Oslo Sept. 29-Oct. 2", date(2016, 9, 20))
    assert (found[0].first, found[0].last) == (date(2016, 9, 29), date(2016, 10, 2))
    # A weekday range starts on the latest such weekday on or before the reference day (a Wednesday here).
    found = find_dates("in Lima from Tuesday to Friday", date(2015, 4, 8))
    assert (found[0].first, found[0].last) == (date(2015, 4, 7), date(2015, 4, 10))
    assert found[0].value is None

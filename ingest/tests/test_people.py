"""Person resolution: romanisations, near spellings, namesakes told apart by their posts, new names proposed."""

from __future__ import annotations

from datetime import date

import pytest

from contacts.models import Country, Organization, Person, PersonAlias, Position, ReviewStatus
from ingest.pipeline.people import person_resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def kp():
    return Country.objects.get_or_create(iso2="KP", defaults={"iso3": "PRK", "name": "North Korea"})[0]


@pytest.fixture
def ru():
    return Country.objects.get_or_create(iso2="RU", defaults={"iso3": "RUS", "name": "Russia"})[0]


def known(name: str, country: Country, *aliases: str) -> Person:
    person = Person.objects.create(name=name, country=country)
    for alias in (name, *aliases):
        PersonAlias.objects.create(person=person, name=alias)
    return person


def test_romanisations_and_hangul_resolve_to_the_known_person_and_are_recorded(kp):
    person = known("Kim Song Nam", kp)
    for spelling in ("Kim Song-nam", "Kim Sung-nam", "KIM SONG NAM", "김성남"):
        assert person_resolve(spelling, country=kp) == (person, False)
    assert {"Kim Sung-nam", "김성남"} <= set(person.aliases.values_list("name", flat=True))
    assert Person.objects.count() == 1


def test_near_spellings_match_above_the_threshold(kp, ru):
    kim = known("Kim Yong Chol", kp)
    lavrov = known("Sergei Lavrov", ru)
    assert person_resolve("Kim Yong-chul", country=kp) == (kim, False)
    assert person_resolve("Sergey Lavrov", country=ru) == (lavrov, False)
    # The new spelling is now an alias: the next report finds it at once.
    assert PersonAlias.objects.filter(person=kim, name="Kim Yong-chul").exists()


@pytest.mark.parametrize("known_name, reported", [
    ("Kim Yong Nam", "Kim Song Nam"),  # one letter apart, two people
    ("Pak Jong Chon", "Pak Jong Chol"),  # the consonants carry the name
    ("Kim Jong Un", "Kim Jong Il"),
    ("Ri Son Gwon", "Ri Yong Ho"),  # a common surname alone is nothing
    ("Kim Song Nam", "Ri Song Nam"),
])
def test_a_shared_surname_or_a_near_miss_is_a_new_proposed_person(kp, known_name, reported):
    existing = known(known_name, kp)
    person, created = person_resolve(reported, country=kp)
    assert created and person != existing
    assert person.review_status == ReviewStatus.PROPOSED
    # Reported again: the proposed person, not a second one.
    assert person_resolve(reported, country=kp) == (person, False)


def test_an_alias_of_someone_from_another_country_is_not_taken(kp):
    kr = Country.objects.get_or_create(iso2="KR", defaults={"iso3": "KOR", "name": "South Korea"})[0]
    northern = known("Kim Song Nam", kp)
    person, created = person_resolve("Kim Song Nam", country=kr)
    assert created and person != northern and person.country == kr
    assert person_resolve("Kim Song Nam", country=kp) == (northern, False)
    # With no side reported, the older record is kept.
    assert person_resolve("Kim Song Nam") == (northern, False)


def test_namesakes_are_told_apart_by_the_post_held_on_the_day(kp):
    department = Organization.objects.create(name="International Department of the WPK Central Committee",
                                             kind=Organization.Kind.PARTY, country=kp)
    sports = Organization.objects.create(name="Ministry of Physical Culture and Sports",
                                         kind=Organization.Kind.GOVERNMENT, country=kp)
    diplomat = known("Kim Song Nam", kp)
    minister = known("Kim Song Nam", kp)
    Position.objects.create(person=diplomat, organization=department, title="Director of the International Department",
                            start_date=date(2021, 1, 1))
    Position.objects.create(person=minister, organization=sports, title="Minister of Physical Culture and Sports",
                            start_date=date(2010, 5, 1), end_date=date(2019, 12, 31))

    resolved, created = person_resolve("Kim Song-nam", country=kp, on=date(2024, 3, 21),
                                       title="director of the International Department of the WPK Central Committee")
    assert (resolved, created) == (diplomat, False)
    resolved, _ = person_resolve("Kim Song Nam", country=kp, on=date(2015, 6, 1), title="sports minister")
    assert resolved == minister
    # The day alone decides when no title is reported: only one of them held a post in 2016.
    assert person_resolve("Kim Song Nam", country=kp, on=date(2016, 1, 1))[0] == minister
    # Without title or day the choice is stable: the older record.
    assert person_resolve("Kim Song Nam", country=kp)[0] == diplomat


def test_the_current_signature_still_works(kp):
    person, created = person_resolve("Choe Son Hui", country=kp)
    assert created and person.country == kp
    assert person_resolve("Choe Son-hui", country=kp) == (person, False)

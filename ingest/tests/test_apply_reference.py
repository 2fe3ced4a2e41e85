"""Apply resolves reported people and places with what the article says: the post, the day, the curated places."""

from __future__ import annotations

from datetime import date

import pytest

from contacts.models import Contact, Country, Organization, Participant, Person, PersonAlias, Position
from ingest.models import Article
from ingest.pipeline import apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def kp():
    return Country.objects.get_or_create(iso2="KP", defaults={"iso3": "PRK", "name": "North Korea"})[0]


def test_panmunjom_is_recorded_with_its_coordinates(kp):
    place = apply.place_get(kp, "Panmunjom")
    assert place.name == "Panmunjom"
    assert (round(place.latitude, 2), round(place.longitude, 2)) == (37.96, 126.68)
    # Another spelling of the same place finds the same row.
    assert apply.place_get(kp, "Panmunjeom") == place


def test_a_meeting_goes_to_the_namesake_who_held_the_reported_post_that_day(kp):
    Country.objects.get_or_create(iso2="CN", defaults={"iso3": "CHN", "name": "China"})
    sports = Organization.objects.create(name="Ministry of Physical Culture and Sports",
                                         kind=Organization.Kind.GOVERNMENT, country=kp)
    party = Organization.objects.create(name="International Department of the WPK Central Committee",
                                        kind=Organization.Kind.PARTY, country=kp)
    people = {}
    for key, org, title, start, end in [
        ("director", party, "Director of the International Department", date(2021, 1, 1), None),
        ("minister", sports, "Minister of Physical Culture and Sports", date(2020, 5, 1), None),
    ]:
        person = Person.objects.create(name="Kim Song Nam", country=kp)
        PersonAlias.objects.create(person=person, name="Kim Song Nam")
        Position.objects.create(person=person, organization=org, title=title, start_date=start, end_date=end)
        people[key] = person

    article = Article.objects.create(url="https://wire.example/1", canonical_url="https://wire.example/1",
                                     status=Article.Status.PROPOSED)
    payload = {
        "kind": "meeting",
        "country": "CN",
        "date": "2023-06-01",
        "people": [{"name": "Kim Song Nam", "side": "dprk", "role": "lead", "title": "sports minister"}],
    }
    contact = apply.contact_record(payload, article, confidence=0.9, evidence="Kim Song Nam, sports minister, met...")
    # Both held a post that day: the reported post decides.
    lead = Participant.objects.get(contact=contact, side="dprk")
    assert lead.person == people["minister"]
    assert Contact.objects.filter(pk=contact.pk, start_date=date(2023, 6, 1)).exists()

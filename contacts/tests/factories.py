"""factory_boy factories for the domain models. Each builds a valid row with the fewest choices made."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from contacts.models import (
    Contact,
    Country,
    Delegation,
    DelegationMember,
    Direction,
    Evidence,
    Organization,
    Participant,
    Person,
    PersonAlias,
    Place,
    Position,
)

# ISO 3166 leaves these codes to users, so factory countries never clash with real ones (and the
# reference data loaded by some tests); past 40 countries the get-or-create on iso2 reuses them.
USER_ASSIGNED_CODES = [f"Q{c}" for c in "MNOPQRSTUVWXYZ"] + [f"X{c}" for c in "ABCDEFGHIJLMNOPQRSTUVWXYZ"]


def _iso2(n: int) -> str:
    return USER_ASSIGNED_CODES[n % len(USER_ASSIGNED_CODES)]


class CountryFactory(DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("iso2",)

    iso2 = factory.Sequence(_iso2)
    name = factory.LazyAttribute(lambda o: f"Country {o.iso2}")
    latitude = 10.0
    longitude = 20.0


class PlaceFactory(DjangoModelFactory):
    class Meta:
        model = Place

    name = factory.Sequence(lambda n: f"City {n}")
    country = factory.SubFactory(CountryFactory)
    latitude = 10.0
    longitude = 20.0


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organization.Kind.PARTY
    country = factory.SubFactory(CountryFactory)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Person {n}")
    country = factory.SubFactory(CountryFactory)


class PersonAliasFactory(DjangoModelFactory):
    class Meta:
        model = PersonAlias

    person = factory.SubFactory(PersonFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = Position

    person = factory.SubFactory(PersonFactory)
    organization = factory.SubFactory(OrganizationFactory)
    title = "Director"
    start_date = dt.date(2020, 1, 1)


class DelegationFactory(DjangoModelFactory):
    class Meta:
        model = Delegation

    title = factory.Sequence(lambda n: f"Delegation {n}")
    direction = Direction.OUTBOUND
    sending_country = factory.SubFactory(CountryFactory, iso2="KP", name="North Korea")
    delegation_type = "party"
    leader = factory.SubFactory(PersonFactory)
    start_date = dt.date(2024, 3, 1)
    end_date = dt.date(2024, 3, 10)


class DelegationMemberFactory(DjangoModelFactory):
    class Meta:
        model = DelegationMember

    delegation = factory.SubFactory(DelegationFactory)
    person = factory.SubFactory(PersonFactory)
    role = "member"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    kind = Contact.Kind.MEETING
    direction = Direction.OUTBOUND
    country = factory.SubFactory(CountryFactory)
    start_date = dt.date(2024, 3, 2)
    summary = factory.Sequence(lambda n: f"Contact {n}")


class VisitFactory(ContactFactory):
    """A stop of a delegation's itinerary."""

    kind = Contact.Kind.VISIT
    delegation = factory.SubFactory(DelegationFactory)
    itinerary_order = factory.Sequence(lambda n: n + 1)


class ParticipantFactory(DjangoModelFactory):
    class Meta:
        model = Participant

    contact = factory.SubFactory(ContactFactory)
    person = factory.SubFactory(PersonFactory)
    side = "dprk"
    role = "lead"


class EvidenceFactory(DjangoModelFactory):
    class Meta:
        model = Evidence

    contact = factory.SubFactory(ContactFactory)
    url = factory.Sequence(lambda n: f"https://example.org/articles/{n}")
    source_name = "Example News"
    title = factory.Sequence(lambda n: f"Article {n}")
    published = dt.date(2024, 3, 3)

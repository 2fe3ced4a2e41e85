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


def trip_scenario() -> dict:
    """A DPRK party delegation Pyongyang -> Beijing -> Hanoi -> Vientiane with a meeting at each stop.

    Real coordinates, so maps and GeoJSON can be checked; returns the rows by name. Calling it again
    adds another such trip (countries, places and the department are shared).
    """

    def place(name: str, country: Country, lat: float, lon: float) -> Place:
        found = Place.objects.filter(name=name, country=country).first()
        return found or PlaceFactory(name=name, country=country, latitude=lat, longitude=lon)

    kp = CountryFactory(iso2="KP", name="North Korea", latitude=40.0, longitude=127.0)
    pyongyang = place("Pyongyang", kp, 39.03, 125.75)
    kp.capital = pyongyang
    kp.save()
    cn = CountryFactory(iso2="CN", name="China", latitude=35.0, longitude=103.0)
    vn = CountryFactory(iso2="VN", name="Vietnam", latitude=16.0, longitude=106.0)
    la = CountryFactory(iso2="LA", name="Laos", latitude=18.0, longitude=105.0)
    cities = [
        place("Beijing", cn, 39.91, 116.40),
        place("Hanoi", vn, 21.03, 105.85),
        place("Vientiane", la, 17.97, 102.60),
    ]
    department_name = "WPK Central Committee International Department"
    department = Organization.objects.filter(name=department_name, country=kp).first() or OrganizationFactory(
        name=department_name, country=kp
    )
    leader = PersonFactory(name="Kim Song Nam", hangul="김성남", country=kp)
    PersonAliasFactory(person=leader, name="Kim Song-nam")
    PersonAliasFactory(person=leader, name="김성남")
    PositionFactory(person=leader, organization=department, title="Director", start_date=dt.date(2019, 1, 1))
    delegation = DelegationFactory(
        title="WPK delegation led by Kim Song Nam",
        sending_country=kp,
        organization=department,
        leader=leader,
        start_date=dt.date(2024, 3, 12),
        end_date=dt.date(2024, 3, 27),
    )
    DelegationMemberFactory(delegation=delegation, person=leader, role="leader")
    visits, meetings, hosts = [], [], []
    for order, (city, day) in enumerate(zip(cities, (12, 17, 23), strict=True), start=1):
        visit = VisitFactory(
            delegation=delegation,
            itinerary_order=order,
            country=city.country,
            place=city,
            start_date=dt.date(2024, 3, day),
            end_date=dt.date(2024, 3, day + 3),
            summary=f"WPK delegation visits {city.name}.",
        )
        host = PersonFactory(name=f"Host of {city.name}", country=city.country)
        meeting = ContactFactory(
            delegation=delegation,
            stop=visit,
            country=city.country,
            place=city,
            start_date=dt.date(2024, 3, day + 1),
            summary=f"{host.name} meets Kim Song Nam.",
        )
        ParticipantFactory(contact=meeting, person=leader, side="dprk")
        ParticipantFactory(contact=meeting, person=host, side="foreign", role="lead")
        EvidenceFactory(contact=meeting, quote=f"{host.name} met the delegation led by Kim Song Nam.")
        visits.append(visit)
        meetings.append(meeting)
        hosts.append(host)
    return {
        "kp": kp,
        "pyongyang": pyongyang,
        "cities": cities,
        "department": department,
        "leader": leader,
        "delegation": delegation,
        "visits": visits,
        "meetings": meetings,
        "hosts": hosts,
    }

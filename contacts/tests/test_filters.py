"""ContactFilterSet: one test per filter, and the facet counts beside them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from contacts.filters import ContactFilterSet, contact_facets
from contacts.models import Contact
from contacts.tests.factories import (
    ContactFactory,
    CountryFactory,
    DelegationFactory,
    DelegationMemberFactory,
    OrganizationFactory,
    ParticipantFactory,
    PersonAliasFactory,
    PersonFactory,
    PlaceFactory,
    PositionFactory,
)

pytestmark = pytest.mark.django_db


def rows(query: str) -> set[int]:
    return set(ContactFilterSet(QueryDict(query), queryset=Contact.objects.for_listing()).qs.values_list("pk", flat=True))


def test_no_filters_returns_everything():
    contacts = ContactFactory.create_batch(3)
    assert rows("") == {c.pk for c in contacts}


def test_period_bounds_are_inclusive():
    early = ContactFactory(start_date=dt.date(2024, 1, 1))
    middle = ContactFactory(start_date=dt.date(2024, 2, 15))
    late = ContactFactory(start_date=dt.date(2024, 3, 31))
    assert rows("date_from=2024-02-15") == {middle.pk, late.pk}
    assert rows("date_to=2024-02-15") == {early.pk, middle.pk}
    assert rows("date_from=2024-01-01&date_to=2024-03-31") == {early.pk, middle.pk, late.pk}


def test_countries_by_iso_code_any_of():
    a, b, c = (CountryFactory(iso2=code) for code in ("QM", "QN", "QO"))
    in_a, in_b = ContactFactory(country=a), ContactFactory(country=b)
    ContactFactory(country=c)
    assert rows("country=QM") == {in_a.pk}
    assert rows("country=QM&country=QN") == {in_a.pk, in_b.pk}


@pytest.mark.parametrize("field,value,other", [("kind", "visit", "message"), ("direction", "inbound", "remote")])
def test_choice_filters(field, value, other):
    wanted = ContactFactory(**{field: value})
    ContactFactory(**{field: other})
    assert rows(f"{field}={value}") == {wanted.pk}


def test_delegation_type():
    military = ContactFactory(delegation=DelegationFactory(delegation_type="military"))
    ContactFactory(delegation=DelegationFactory(delegation_type="party"))
    ContactFactory()
    assert rows("delegation_type=military") == {military.pk}


def test_official_matches_participation_leadership_and_membership():
    official = PersonFactory()
    took_part = ParticipantFactory(person=official).contact
    led = ContactFactory(delegation=DelegationFactory(leader=official))
    membership = DelegationMemberFactory(person=official)
    member_stop = ContactFactory(delegation=membership.delegation)
    ContactFactory()
    assert rows(f"official={official.pk}") == {took_part.pk, led.pk, member_stop.pk}


def test_organisation_matches_sending_body_or_a_participants_post():
    org = OrganizationFactory()
    sent = ContactFactory(delegation=DelegationFactory(organization=org))
    post = PositionFactory(organization=org)
    attended = ParticipantFactory(person=post.person, position=post).contact
    ContactFactory()
    assert rows(f"organisation={org.pk}") == {sent.pk, attended.pk}


def test_place():
    hanoi = PlaceFactory(name="Hanoi")
    there = ContactFactory(place=hanoi)
    ContactFactory(place=PlaceFactory())
    assert rows(f"place={hanoi.pk}") == {there.pk}


def test_free_text_matches_summary_place_country_delegation_and_names():
    by_summary = ContactFactory(summary="Talks on fisheries cooperation")
    by_place = ContactFactory(place=PlaceFactory(name="Vientiane"))
    by_delegation = ContactFactory(delegation=DelegationFactory(title="Friendship delegation of Cuba"))
    person = PersonFactory(name="Choe Son Hui")
    by_person = ParticipantFactory(person=person).contact
    alias = PersonAliasFactory(person=PersonFactory(name="Kim Song Nam"), name="Kim Sung-nam")
    by_alias = ParticipantFactory(person=alias.person).contact
    ContactFactory(summary="Nothing relevant")
    assert rows("q=fisheries") == {by_summary.pk}
    assert rows("q=vientiane") == {by_place.pk}
    assert rows("q=friendship+cuba") == {by_delegation.pk}
    assert rows("q=Choe") == {by_person.pk}
    assert rows("q=Sung-nam") == {by_alias.pk}


def test_filters_combine_with_and():
    country = CountryFactory(iso2="QP")
    wanted = ContactFactory(country=country, kind="visit", start_date=dt.date(2024, 5, 1))
    ContactFactory(country=country, kind="message", start_date=dt.date(2024, 5, 1))
    ContactFactory(country=country, kind="visit", start_date=dt.date(2020, 5, 1))
    assert rows("country=QP&kind=visit&date_from=2024-01-01") == {wanted.pk}


def test_invalid_values_are_ignored_rather_than_failing():
    contact = ContactFactory()
    assert rows("date_from=yesterday&official=abc") == {contact.pk}


def test_facets_count_each_value_without_its_own_filter():
    a, b = CountryFactory(iso2="QQ", name="Alpha"), CountryFactory(iso2="QR", name="Beta")
    ContactFactory.create_batch(2, country=a, kind="visit")
    ContactFactory(country=a, kind="message")
    ContactFactory(country=b, kind="visit")
    filterset = ContactFilterSet(QueryDict("country=QQ&kind=visit"), queryset=Contact.objects.for_listing())
    facets = {facet.name: {v.value: (v.count, v.selected) for v in facet.values} for facet in contact_facets(filterset)}
    # Countries counted among visits (the kind filter applies, the country filter does not).
    assert facets["country"] == {"QQ": (2, True), "QR": (1, False)}
    # Kinds counted within Alpha (the country filter applies, the kind filter does not).
    assert facets["kind"] == {"visit": (2, True), "message": (1, False)}
    assert facets["direction"] == {"outbound": (2, False)}


def test_facets_list_officials_most_frequent_first_and_keep_the_selected_one():
    busy, rare = PersonFactory(name="Busy"), PersonFactory(name="Rare")
    for _ in range(3):
        ParticipantFactory(person=busy)
    ParticipantFactory(person=rare)
    filterset = ContactFilterSet(QueryDict(f"official={rare.pk}"), queryset=Contact.objects.for_listing())
    officials = next(f for f in contact_facets(filterset) if f.name == "official")
    assert [(v.label, v.count, v.selected) for v in officials.values] == [("Busy", 3, False), ("Rare", 1, True)]


def test_free_text_matches_word_prefixes_and_works_inside_facet_subqueries():
    person = PersonFactory(name="Ri Son Gwon")
    contact = ParticipantFactory(person=person, contact=ContactFactory(summary="Talks held in Pyongyang")).contact
    ContactFactory(summary="Talks held in Havana")
    assert rows("q=pyong") == {contact.pk}
    filterset = ContactFilterSet(QueryDict("q=pyong"), queryset=Contact.objects.for_listing())
    officials = next(f for f in contact_facets(filterset) if f.name == "official")
    assert [(v.label, v.count) for v in officials.values] == [("Ri Son Gwon", 1)]

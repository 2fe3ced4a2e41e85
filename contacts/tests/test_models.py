"""Constraints live in the database: bad rows are refused whoever writes them (admin, workers, raw SQL)."""

import datetime as dt

import pytest
from django.db import DataError, IntegrityError, transaction

from contacts.models import Contact, Country, PersonAlias, normalize_name
from contacts.tests.factories import (
    ContactFactory,
    CountryFactory,
    DelegationFactory,
    EvidenceFactory,
    PersonAliasFactory,
    PersonFactory,
    PositionFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except (IntegrityError, DataError):
        return True
    return False


def test_contact_dates_must_be_in_order():
    assert refused(lambda: ContactFactory(start_date=dt.date(2024, 3, 5), end_date=dt.date(2024, 3, 1)))
    assert not refused(lambda: ContactFactory(start_date=dt.date(2024, 3, 1), end_date=dt.date(2024, 3, 1)))


def test_delegation_and_position_dates_must_be_in_order():
    assert refused(lambda: DelegationFactory(start_date=dt.date(2024, 3, 5), end_date=dt.date(2024, 3, 1)))
    assert refused(lambda: PositionFactory(start_date=dt.date(2024, 3, 5), end_date=dt.date(2020, 1, 1)))


def test_a_delegation_has_one_stop_per_itinerary_order():
    delegation = DelegationFactory()
    VisitFactory(delegation=delegation, itinerary_order=1)
    assert refused(lambda: VisitFactory(delegation=delegation, itinerary_order=1))
    assert not refused(lambda: VisitFactory(delegation=delegation, itinerary_order=2))


def test_only_visits_of_a_delegation_have_an_itinerary_order():
    delegation = DelegationFactory()
    assert refused(lambda: ContactFactory(kind=Contact.Kind.MEETING, delegation=delegation, itinerary_order=1))
    assert refused(lambda: ContactFactory(kind=Contact.Kind.VISIT, delegation=None, itinerary_order=1))


def test_no_duplicate_alias_per_person_even_spelled_differently():
    person = PersonFactory()
    PersonAliasFactory(person=person, name="Kim Song-nam")
    assert refused(lambda: PersonAliasFactory(person=person, name="KIM SONG NAM"))
    # Another person may carry the same spelling (namesakes exist).
    assert not refused(lambda: PersonAliasFactory(name="Kim Song Nam"))
    assert PersonAlias.objects.get(person=person).normalized == normalize_name("kim song nam")


@pytest.mark.parametrize("code", ["kp", "K1", "KPR", ""])
def test_country_codes_must_be_valid_iso(code):
    assert refused(lambda: Country.objects.create(iso2=code, name="Bad"))


def test_country_alpha3_must_be_three_capitals():
    assert refused(lambda: CountryFactory(iso2="QM", iso3="qmx"))


def test_coordinates_and_confidence_are_in_range():
    assert refused(lambda: CountryFactory(iso2="QN", latitude=91))
    assert refused(lambda: ContactFactory(confidence=1.5))


def test_evidence_must_support_a_record():
    assert refused(lambda: EvidenceFactory(contact=None, delegation=None))


def test_a_delegation_cannot_be_remote():
    assert refused(lambda: DelegationFactory(direction="remote"))


def test_timeline_indexes_exist():
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Contact._meta.db_table)
    assert {"contact_timeline", "contact_country_date", "contact_kind_date"} <= set(constraints)

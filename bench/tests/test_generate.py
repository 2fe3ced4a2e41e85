"""The dataset generator at a tiny scale: the rows it writes obey the domain's rules and the seed fixes them."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection

from bench.generate import Scale, generate
from contacts.models import Contact, Delegation, Evidence, Participant, Person, PersonAlias
from ingest.models import Article

pytestmark = pytest.mark.django_db

TINY = Scale(contacts=300, delegations=60, persons=80, articles=400, seed=7)


def fingerprint() -> str:
    """A digest of the generated rows, to compare two runs."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for sql in (
            "SELECT id, kind, direction, start_date, end_date, itinerary_order, country_id, delegation_id, place_id "
            "FROM contacts_contact ORDER BY id",
            "SELECT id, name, hangul FROM contacts_person ORDER BY id",
            "SELECT id, title, md5(text), published_at FROM ingest_article ORDER BY id",
        ):
            cursor.execute(sql)
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


def test_generates_the_requested_scale(reference):
    generate(TINY, log=lambda line: None)

    assert Contact.objects.count() == TINY.contacts
    assert Delegation.objects.count() == TINY.delegations
    assert Person.objects.count() == TINY.persons
    assert Article.objects.count() == TINY.articles
    assert Participant.objects.exists()
    assert Evidence.objects.filter(article__isnull=False).count() == Evidence.objects.count()


def test_itineraries_are_numbered_stops_in_date_order(reference):
    generate(TINY, log=lambda line: None)

    for delegation in Delegation.objects.all()[:30]:
        visits = list(delegation.contacts.filter(kind="visit").order_by("itinerary_order"))
        assert [v.itinerary_order for v in visits] == list(range(1, len(visits) + 1))
        assert [v.start_date for v in visits] == sorted(v.start_date for v in visits)
    meetings = Contact.objects.filter(kind="meeting", delegation__isnull=False)
    assert all(m.stop.kind == "visit" and m.stop.delegation_id == m.delegation_id for m in meetings)


def test_misspelled_name_target_exists_with_aliases(reference):
    generate(TINY, log=lambda line: None)

    kim = Person.objects.get(pk=1)
    assert kim.name == "Kim Song Nam"
    assert set(PersonAlias.objects.filter(person=kim).values_list("name", flat=True)) >= {"Kim Song Nam", "김성남"}


def test_history_triggers_do_not_record_the_bulk_load(reference):
    generate(TINY, log=lambda line: None)

    assert not Contact.pgh_event_model.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


def test_same_seed_same_rows(reference):
    generate(TINY, log=lambda line: None)
    first = fingerprint()
    generate(TINY, log=lambda line: None)
    assert fingerprint() == first

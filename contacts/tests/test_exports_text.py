"""The CSV's participant and source columns follow every write path: ORM, bulk, raw SQL, renames, merges.

They are read from ContactExportText, which database triggers keep (migration 0007); these tests
write the way editors, merges and the ingest do and read the downloaded CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse
from pghistory.models import Events

from contacts.models import Contact, ContactExportText, Evidence, Participant, Person
from contacts.services import person_merge
from contacts.tests.factories import ContactFactory, EvidenceFactory, ParticipantFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client):
    client.force_login(User.objects.create_user("analyst"))
    return client


def csv_rows(client) -> dict[int, dict[str, str]]:
    body = b"".join(client.get(reverse("contacts:export_csv")).streaming_content)
    return {int(row["contact_id"]): row for row in csv.DictReader(io.StringIO(body.decode("utf-8-sig")))}


def people(client, contact: Contact) -> tuple[str, str]:
    row = csv_rows(client)[contact.pk]
    return row["dprk_participants"], row["foreign_participants"]


def aggregated_now() -> set[tuple]:
    """The columns as the export used to aggregate them at download time, for every contact."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id, pa.dprk, pa.foreign_side, ev.urls
            FROM contacts_contact c
            LEFT JOIN (
                SELECT p.contact_id,
                       string_agg(pe.name, '; ' ORDER BY p.role, p.id) FILTER (WHERE p.side = 'dprk') AS dprk,
                       string_agg(pe.name, '; ' ORDER BY p.role, p.id) FILTER (WHERE p.side = 'foreign') AS foreign_side
                FROM contacts_participant p JOIN contacts_person pe ON pe.id = p.person_id
                GROUP BY p.contact_id) pa ON pa.contact_id = c.id
            LEFT JOIN (
                SELECT e.contact_id, string_agg(e.url, ' ' ORDER BY e.published, e.id) AS urls
                FROM contacts_evidence e GROUP BY e.contact_id) ev ON ev.contact_id = c.id
            """
        )
        return {row for row in cursor.fetchall() if any(value is not None for value in row[1:])}


def kept() -> set[tuple]:
    rows = ContactExportText.objects.values_list("contact_id", "dprk", "foreign_side", "sources")
    return {row for row in rows if any(value is not None for value in row[1:])}


def test_participant_added_through_the_orm_appears_leads_first_by_side(analyst):
    contact = ContactFactory()
    assert people(analyst, contact) == ("", "")
    ParticipantFactory(contact=contact, person=PersonFactory(name="Ri Son Gwon"), role="member")
    ParticipantFactory(contact=contact, person=PersonFactory(name="Choe Son Hui"), role="lead")
    ParticipantFactory(contact=contact, person=PersonFactory(name="Wang Yi"), side="foreign")
    assert people(analyst, contact) == ("Choe Son Hui; Ri Son Gwon", "Wang Yi")
    Participant.objects.filter(person__name="Choe Son Hui").update(role="present")
    Participant.objects.filter(person__name="Ri Son Gwon").update(title="Minister")  # not exported
    assert people(analyst, contact) == ("Ri Son Gwon; Choe Son Hui", "Wang Yi")


def test_participant_edits_and_removals_show(analyst):
    contact = ContactFactory()
    first = ParticipantFactory(contact=contact, person=PersonFactory(name="Kim Song Nam"))
    second = ParticipantFactory(contact=contact, person=PersonFactory(name="Pak Myong Ho"))
    first.side = "foreign"
    first.save()
    assert people(analyst, contact) == ("Pak Myong Ho", "Kim Song Nam")
    other = ContactFactory()
    second.contact = other
    second.save()  # moved to another contact: gone from the first, shown on the second
    assert people(analyst, contact) == ("", "Kim Song Nam")
    assert people(analyst, other) == ("Pak Myong Ho", "")
    first.delete()
    assert people(analyst, contact) == ("", "")


def test_renaming_a_person_renames_them_in_every_contact(analyst):
    person = PersonFactory(name="Kim Yong Nam")
    contacts = ContactFactory.create_batch(3)
    for contact in contacts:
        ParticipantFactory(contact=contact, person=person)
    person.name = "Kim Yong-nam"
    person.save()
    rows = csv_rows(analyst)
    assert [rows[c.pk]["dprk_participants"] for c in contacts] == ["Kim Yong-nam"] * 3


def test_person_merge_shows_the_kept_person_once(analyst):
    target = PersonFactory(name="Choe Ryong Hae")
    other = PersonFactory(name="Choe Ryong-hae")
    both = ContactFactory()
    ParticipantFactory(contact=both, person=target)
    ParticipantFactory(contact=both, person=other)
    only_other = ContactFactory()
    ParticipantFactory(contact=only_other, person=other, side="foreign")
    assert people(analyst, both) == ("Choe Ryong Hae; Choe Ryong-hae", "")
    person_merge(target=target, others=[other])
    assert people(analyst, both) == ("Choe Ryong Hae", "")
    assert people(analyst, only_other) == ("", "Choe Ryong Hae")


def test_sources_follow_evidence_in_publication_order(analyst):
    contact = ContactFactory()
    late = EvidenceFactory(contact=contact, url="https://example.org/late", published=dt.date(2024, 5, 2))
    EvidenceFactory(contact=contact, url="https://example.org/undated", published=None)
    EvidenceFactory(contact=contact, url="https://example.org/early", published=dt.date(2024, 5, 1))
    sources = csv_rows(analyst)[contact.pk]["sources"]
    assert sources == "https://example.org/early https://example.org/late https://example.org/undated"
    late.url = "https://example.org/corrected"
    late.save()
    Evidence.objects.filter(url="https://example.org/undated").delete()
    assert csv_rows(analyst)[contact.pk]["sources"] == "https://example.org/early https://example.org/corrected"
    Evidence.objects.filter(url="https://example.org/early").update(published=dt.date(2024, 6, 1))
    assert csv_rows(analyst)[contact.pk]["sources"] == "https://example.org/corrected https://example.org/early"


def test_bulk_and_raw_sql_writes_show(analyst):
    contacts = ContactFactory.create_batch(3)
    person = PersonFactory(name="Ri Il Hwan")
    Participant.objects.bulk_create([Participant(contact=c, person=person, side="dprk") for c in contacts])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO contacts_evidence (contact_id, url, source_name, title, quote, created_at)"
            " VALUES (%s, 'https://example.org/raw', '', '', '', now())",
            [contacts[0].pk],
        )
        cursor.execute("UPDATE contacts_person SET name = 'Ri Il-hwan' WHERE id = %s", [person.pk])
    rows = csv_rows(analyst)
    assert [rows[c.pk]["dprk_participants"] for c in contacts] == ["Ri Il-hwan"] * 3
    assert rows[contacts[0].pk]["sources"] == "https://example.org/raw"


def test_kept_text_equals_aggregating_at_download_time_after_mixed_writes():
    persons = PersonFactory.create_batch(4)
    contacts = ContactFactory.create_batch(5)
    for i, contact in enumerate(contacts):
        for j, person in enumerate(persons[: i % 4 + 1]):
            ParticipantFactory(contact=contact, person=person, side="dprk" if j % 2 else "foreign")
        EvidenceFactory.create_batch(i % 3, contact=contact)
    Participant.objects.filter(contact=contacts[1]).delete()
    Evidence.objects.filter(contact=contacts[2]).update(contact=contacts[0])
    Person.objects.filter(pk=persons[0].pk).update(name="Renamed")
    contacts[3].delete()
    assert kept() == aggregated_now()
    assert not ContactExportText.objects.exclude(contact__in=Contact.objects.all()).exists()


def test_keeping_the_text_writes_no_contact_history():
    contact = ContactFactory()
    before = Events.objects.tracks(contact).count()
    ParticipantFactory(contact=contact)
    EvidenceFactory(contact=contact)
    assert Events.objects.tracks(contact).count() == before


def test_writes_with_triggers_off_for_replication_still_show(analyst):
    """A bulk loader turns the history triggers off with session_replication_role; not these."""
    contact = ContactFactory()
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            ParticipantFactory(contact=contact, person=PersonFactory(name="Kim Jong Un"))
            EvidenceFactory(contact=contact, url="https://example.org/loaded")
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    row = csv_rows(analyst)[contact.pk]
    assert (row["dprk_participants"], row["sources"]) == ("Kim Jong Un", "https://example.org/loaded")


def test_truncate_and_reload_with_the_same_ids_shows_only_the_new_rows(analyst):
    old = ParticipantFactory(person=PersonFactory(name="Old Name")).contact
    EvidenceFactory(contact=old, url="https://example.org/old")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses pending deferred FK checks
        cursor.execute("TRUNCATE contacts_evidence, contacts_participant, contacts_contact, ingest_proposal")
    reloaded = ContactFactory(pk=old.pk)  # as a loader that restarts the ids would
    assert people(analyst, reloaded) == ("", "")
    assert csv_rows(analyst)[reloaded.pk]["sources"] == ""
    ParticipantFactory(contact=reloaded, person=PersonFactory(name="New Name"))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE contacts_evidence")  # one table alone: the others' text stays
    assert people(analyst, reloaded) == ("New Name", "")

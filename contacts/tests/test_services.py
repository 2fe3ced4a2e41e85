"""Merging people and delegations moves every reference, keeps every alias, and is recorded in history."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from pghistory.models import Events

from contacts.models import (
    Contact,
    Delegation,
    DelegationMember,
    Evidence,
    Participant,
    Person,
    Position,
    normalize_name,
)
from contacts.services import delegation_merge, person_merge
from contacts.tests.factories import (
    ContactFactory,
    DelegationFactory,
    DelegationMemberFactory,
    EvidenceFactory,
    ParticipantFactory,
    PersonAliasFactory,
    PersonFactory,
    PositionFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return get_user_model().objects.create_user("editor", password="x")


def test_person_merge_moves_every_reference_and_keeps_every_spelling(editor):
    target = PersonFactory(name="Kim Song Nam", hangul="")
    other = PersonFactory(name="Kim Sung-nam", hangul="김성남")
    PersonAliasFactory(person=target, name="Kim Song-nam")
    PersonAliasFactory(person=other, name="Kim Song Nam")  # same spelling as the target's name, folded
    PersonAliasFactory(person=other, name="Kim Song-nam (WPK)")
    position = PositionFactory(person=other)
    only_other = ParticipantFactory(person=other)
    both = ContactFactory()
    ParticipantFactory(contact=both, person=target)
    ParticipantFactory(contact=both, person=other)
    led = DelegationFactory(leader=other)
    membership = DelegationMemberFactory(person=other)
    shared = DelegationFactory()
    DelegationMemberFactory(delegation=shared, person=target)
    DelegationMemberFactory(delegation=shared, person=other)

    person_merge(target=target, others=[other], user=editor)

    assert not Person.objects.filter(pk=other.pk).exists()
    target.refresh_from_db()
    # Aliases are unique per person once folded ("Kim Song Nam" = "Kim Song-nam"): every spelling is kept in that sense.
    spellings = ["Kim Song Nam", "Kim Song-nam", "Kim Sung-nam", "김성남", "Kim Song-nam (WPK)"]
    assert set(target.aliases.values_list("normalized", flat=True)) == {normalize_name(s) for s in spellings}
    assert target.hangul == "김성남"
    assert Position.objects.get(pk=position.pk).person == target
    assert Participant.objects.get(pk=only_other.pk).person == target
    assert Participant.objects.filter(contact=both).count() == 1
    assert Delegation.objects.get(pk=led.pk).leader == target
    assert DelegationMember.objects.get(pk=membership.pk).person == target
    assert DelegationMember.objects.filter(delegation=shared).count() == 1


def test_person_merge_is_recorded_in_history_with_the_action_and_editor(editor):
    target, other = PersonFactory(), PersonFactory()
    participant = ParticipantFactory(person=other)

    person_merge(target=target, others=[other], user=editor)

    events = Events.objects.references(participant).filter(pgh_label="update")
    contexts = [event.pgh_context for event in events if event.pgh_context]
    assert any(c.get("action") == "person_merge" and c.get("user") == editor.pk for c in contexts)
    deleted = Events.objects.filter(pgh_obj_model="contacts.Person", pgh_obj_id=str(other.pk), pgh_label="delete")
    assert deleted.count() == 1


def test_person_merge_is_all_or_nothing():
    target, other = PersonFactory(), PersonFactory()
    with pytest.raises(ValueError):
        person_merge(target=target, others=[target])
    assert Person.objects.filter(pk__in=[target.pk, other.pk]).count() == 2


def test_delegation_merge_moves_contacts_members_and_evidence_and_renumbers_the_itinerary(editor):
    first_half = DelegationFactory(start_date=dt.date(2024, 3, 21), end_date=dt.date(2024, 3, 24))
    second_half = DelegationFactory(start_date=dt.date(2024, 3, 25), end_date=dt.date(2024, 3, 31))
    beijing = VisitFactory(delegation=first_half, itinerary_order=1, start_date=dt.date(2024, 3, 21))
    hanoi = VisitFactory(delegation=second_half, itinerary_order=1, start_date=dt.date(2024, 3, 25))
    vientiane = VisitFactory(delegation=second_half, itinerary_order=2, start_date=dt.date(2024, 3, 28))
    meeting = ContactFactory(delegation=second_half, stop=hanoi, start_date=dt.date(2024, 3, 25))
    member = DelegationMemberFactory(delegation=second_half)
    interpreter = DelegationMemberFactory(delegation=first_half).person
    duplicate_member = DelegationMemberFactory(delegation=second_half, person=interpreter)
    trip_evidence = EvidenceFactory(contact=None, delegation=second_half, url="https://example.org/trip")
    EvidenceFactory(contact=None, delegation=first_half, url="https://example.org/same")
    EvidenceFactory(contact=None, delegation=second_half, url="https://example.org/same")
    meeting_evidence = EvidenceFactory(contact=meeting)

    delegation_merge(target=first_half, others=[second_half], user=editor)

    assert not Delegation.objects.filter(pk=second_half.pk).exists()
    first_half.refresh_from_db()
    visits = list(first_half.contacts.filter(kind=Contact.Kind.VISIT).order_by("itinerary_order"))
    assert [v.pk for v in visits] == [beijing.pk, hanoi.pk, vientiane.pk]
    assert [v.itinerary_order for v in visits] == [1, 2, 3]
    assert Contact.objects.get(pk=meeting.pk).delegation == first_half
    assert Evidence.objects.get(pk=meeting_evidence.pk).contact_id == meeting.pk
    assert DelegationMember.objects.get(pk=member.pk).delegation == first_half
    assert not DelegationMember.objects.filter(pk=duplicate_member.pk).exists()
    assert first_half.memberships.filter(person=second_half.leader).exists()
    assert Evidence.objects.get(pk=trip_evidence.pk).delegation == first_half
    assert first_half.evidence.filter(url="https://example.org/same", contact=None).count() == 1
    assert (first_half.start_date, first_half.end_date) == (dt.date(2024, 3, 21), dt.date(2024, 3, 31))
    assert first_half.grouping["merged"] == [second_half.pk]
    assert first_half.locked


def test_delegation_merge_is_recorded_in_history(editor):
    target, other = DelegationFactory(), DelegationFactory()
    visit = VisitFactory(delegation=other)
    delegation_merge(target=target, others=[other], user=editor)
    contexts = [e.pgh_context for e in Events.objects.tracks(visit) if e.pgh_context]
    assert any(c.get("action") == "delegation_merge" for c in contexts)

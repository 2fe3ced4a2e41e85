"""The editors' admin: every model listed, searched and edited; history with who and revert; merges."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pghistory.models import MiddlewareEvents

from contacts.models import Country, Delegation, Person
from contacts.tests.factories import (
    ContactFactory,
    CountryFactory,
    DelegationFactory,
    DelegationMemberFactory,
    EvidenceFactory,
    ParticipantFactory,
    PersonAliasFactory,
    PersonFactory,
    PlaceFactory,
    PositionFactory,
    VisitFactory,
    trip_scenario,
)

pytestmark = pytest.mark.django_db

MODELS = [
    "country",
    "place",
    "organization",
    "person",
    "personalias",
    "position",
    "delegation",
    "delegationmember",
    "contact",
    "participant",
    "evidence",
]


@pytest.fixture
def superuser_client(client):
    user = get_user_model().objects.create_superuser("boss", password="x")
    client.force_login(user)
    return client


@pytest.fixture
def sample():
    delegation = DelegationFactory()
    visit = VisitFactory(delegation=delegation, itinerary_order=1)
    meeting = ContactFactory(delegation=delegation, stop=visit)
    ParticipantFactory(contact=meeting)
    EvidenceFactory(contact=meeting)
    DelegationMemberFactory(delegation=delegation)
    PositionFactory()
    PersonAliasFactory()
    PlaceFactory()
    return delegation


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_changelist_add_page_and_change_page(superuser_client, sample, model):
    changelist = superuser_client.get(reverse(f"admin:contacts_{model}_changelist"))
    assert changelist.status_code == 200
    assert superuser_client.get(reverse(f"admin:contacts_{model}_add")).status_code == 200
    obj = changelist.context["cl"].result_list[0]
    assert superuser_client.get(reverse(f"admin:contacts_{model}_change", args=[obj.pk])).status_code == 200
    assert superuser_client.get(reverse(f"admin:contacts_{model}_history", args=[obj.pk])).status_code == 200


def test_person_search_finds_aliases(superuser_client):
    person = PersonFactory(name="Kim Song Nam")
    PersonAliasFactory(person=person, name="Kim Sung-nam")
    PersonFactory(name="Somebody Else")
    response = superuser_client.get(reverse("admin:contacts_person_changelist"), {"q": "Sung-nam"})
    assert list(response.context["cl"].result_list) == [person]


def test_country_search_finds_press_names(superuser_client):
    country = CountryFactory(iso2="QM", name="Lao People's Democratic Republic", press_names=["Lao PDR"])
    response = superuser_client.get(reverse("admin:contacts_country_changelist"), {"q": "lao pdr"})
    assert list(response.context["cl"].result_list) == [country]


def test_delegation_page_shows_visits_members_and_evidence_inlines(superuser_client, sample):
    response = superuser_client.get(reverse("admin:contacts_delegation_change", args=[sample.pk]))
    prefixes = {formset.formset.prefix for formset in response.context["inline_admin_formsets"]}
    assert prefixes == {"contacts", "memberships", "evidence"}


def test_an_editors_change_is_recorded_with_the_editor(client):
    editor = get_user_model().objects.create_user("maria", password="x", is_staff=True)
    from django.contrib.auth.models import Group

    editor.groups.add(Group.objects.get(name="Editor"))
    client.force_login(editor)
    country = CountryFactory(iso2="QN", name="Old name")
    url = reverse("admin:contacts_country_change", args=[country.pk])
    response = client.post(url, {"iso2": "QN", "name": "New name", "press_names": "New, Newer", "demonyms": ""})
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    event = MiddlewareEvents.objects.tracks(country).filter(pgh_label="update").order_by("-pgh_id").first()
    assert event.user == editor
    assert event.pgh_diff["name"] == ["Old name", "New name"]
    history = client.get(reverse("admin:contacts_country_history", args=[country.pk]))
    assert b"maria" in history.content
    assert b"New name" in history.content


def test_revert_restores_an_earlier_version_and_is_itself_recorded(superuser_client):
    country = CountryFactory(iso2="QO", name="First")
    Country.objects.filter(pk=country.pk).update(name="Second")  # a bulk write is recorded too
    insert = next(e for e in MiddlewareEvents.objects.tracks(country) if e.pgh_label == "insert")
    response = superuser_client.post(
        reverse("admin:contacts_country_history_revert", args=[country.pk, insert.pgh_id]),
        {"event_model": insert.pgh_model},
    )
    assert response.status_code == 302
    country.refresh_from_db()
    assert country.name == "First"
    latest = MiddlewareEvents.objects.tracks(country).order_by("-pgh_id").first()
    assert latest.pgh_context["action"] == "revert"


def test_revert_refuses_events_of_another_object(superuser_client):
    country, other = CountryFactory(iso2="QP"), CountryFactory(iso2="QQ")
    event = MiddlewareEvents.objects.tracks(other).first()
    response = superuser_client.post(
        reverse("admin:contacts_country_history_revert", args=[country.pk, event.pgh_id]),
        {"event_model": event.pgh_model},
    )
    assert response.status_code == 404


def test_merge_people_action_asks_which_to_keep_then_merges(superuser_client):
    keep = PersonFactory(name="Kim Song Nam")
    drop = PersonFactory(name="Kim Sung-nam")
    ParticipantFactory(person=drop)
    url = reverse("admin:contacts_person_changelist")
    selection = {"action": "merge_people", "_selected_action": [keep.pk, drop.pk]}

    confirm = superuser_client.post(url, selection)
    assert confirm.status_code == 200
    assert b"Choose the record to keep" in confirm.content

    done = superuser_client.post(url, {**selection, "apply": "1", "target": keep.pk})
    assert done.status_code == 302
    assert list(Person.objects.all()) == [keep]
    assert keep.participations.count() == 1
    assert keep.aliases.filter(name="Kim Sung-nam").exists()


def test_merge_delegations_action(superuser_client):
    keep, drop = DelegationFactory(), DelegationFactory()
    VisitFactory(delegation=drop, itinerary_order=1)
    url = reverse("admin:contacts_delegation_changelist")
    response = superuser_client.post(
        url, {"action": "merge_delegations", "_selected_action": [keep.pk, drop.pk], "apply": "1", "target": keep.pk}
    )
    assert response.status_code == 302
    assert list(Delegation.objects.all()) == [keep]
    assert keep.contacts.count() == 1


def test_history_includes_bulk_writes_and_raw_sql(superuser_client):
    from django.db import connection

    person = PersonFactory(name="Before")
    Person.objects.filter(pk=person.pk).update(notes="changed by a worker's bulk update")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contacts_person SET name = 'Changed in SQL' WHERE id = %s", [person.pk])
    (created,) = Person.objects.bulk_create([Person(name="Bulk created")])

    page = superuser_client.get(reverse("admin:contacts_person_history", args=[person.pk]))
    assert b"changed by a worker&#x27;s bulk update" in page.content
    assert b"Changed in SQL" in page.content
    assert MiddlewareEvents.objects.tracks(created).filter(pgh_label="insert").count() == 1


def test_a_delegation_edited_by_hand_is_locked(superuser_client):
    delegation = DelegationFactory(title="Old title", locked=False)
    url = reverse("admin:contacts_delegation_change", args=[delegation.pk])
    form = superuser_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update(
        title="Corrected title",
        sending_country=delegation.sending_country_id,
        leader=delegation.leader_id,
        start_date="2024-03-01",
        end_date="2024-03-10",
    )
    data.pop("locked", None)
    for prefix in ("contacts", "memberships", "evidence"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    delegation.refresh_from_db()
    assert delegation.title == "Corrected title"
    assert delegation.locked


def test_split_trip_action_moves_the_chosen_stop_and_its_meeting_to_a_new_locked_delegation(superuser_client):
    trip = trip_scenario()
    delegation = trip["delegation"]
    last_stop = trip["visits"][-1]
    url = reverse("admin:contacts_contact_changelist")
    response = superuser_client.post(url, {"action": "split_trip", "_selected_action": [last_stop.pk]})
    assert response.status_code == 302
    last_stop.refresh_from_db()
    delegation.refresh_from_db()
    assert last_stop.delegation_id != delegation.pk
    assert last_stop.delegation.locked and delegation.locked
    meeting = trip["meetings"][-1]
    meeting.refresh_from_db()
    assert meeting.delegation_id == last_stop.delegation_id
    assert delegation.contacts.filter(kind="visit").count() == 2


def test_split_trip_action_refuses_to_empty_a_delegation(superuser_client):
    trip = trip_scenario()
    url = reverse("admin:contacts_contact_changelist")
    chosen = [visit.pk for visit in trip["visits"]]
    response = superuser_client.post(url, {"action": "split_trip", "_selected_action": chosen}, follow=True)
    assert "Could not split" in response.content.decode()
    assert Delegation.objects.count() == 1

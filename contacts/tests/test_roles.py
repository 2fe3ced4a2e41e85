"""Roles from the migration: an Analyst reads everything and changes nothing; an Editor edits and reviews."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from contacts.tests.factories import CountryFactory, DelegationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def login(client, group: str):
    user = get_user_model().objects.create_user(group.lower(), password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def test_groups_exist_with_their_permissions():
    analyst = set(Group.objects.get(name="Analyst").permissions.values_list("codename", flat=True))
    editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    assert {"view_contact", "view_delegation", "view_proposal", "view_article"} <= analyst
    assert all(codename.startswith("view_") for codename in analyst)
    assert {"add_contact", "change_delegation", "change_person", "change_proposal", "view_source"} <= editor
    assert not any(codename.startswith("delete_") for codename in editor)


def test_analyst_can_read_but_not_change_anything(client):
    login(client, "Analyst")
    person = PersonFactory()
    change_url = reverse("admin:contacts_person_change", args=[person.pk])

    assert client.get(reverse("admin:contacts_delegation_changelist")).status_code == 200
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.get(reverse("admin:contacts_person_add")).status_code == 403
    assert client.post(change_url, {"name": "Changed"}).status_code == 403
    assert client.get(reverse("admin:ingest_proposal_changelist")).status_code == 200
    person.refresh_from_db()
    assert person.name != "Changed"


def test_analyst_cannot_merge_or_revert(client):
    login(client, "Analyst")
    first, second = DelegationFactory(), DelegationFactory()
    response = client.post(
        reverse("admin:contacts_delegation_changelist"),
        {"action": "merge_delegations", "_selected_action": [first.pk, second.pk], "apply": "1", "target": first.pk},
    )
    assert response.status_code in (200, 302, 403)
    assert DelegationFactory._meta.model.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    country = CountryFactory(iso2="QR")
    history = client.get(reverse("admin:contacts_country_history", args=[country.pk]))
    assert history.status_code == 200
    assert b"Restore this version" not in history.content


def test_editor_can_change_contacts_and_review_proposals(client):
    login(client, "Editor")
    country = CountryFactory(iso2="QS", name="Before")
    change_url = reverse("admin:contacts_country_change", args=[country.pk])
    page = client.get(change_url)
    assert b'name="_save"' in page.content
    response = client.post(change_url, {"iso2": "QS", "name": "After", "press_names": "", "demonyms": ""})
    assert response.status_code == 302
    country.refresh_from_db()
    assert country.name == "After"
    assert client.get(reverse("admin:contacts_person_add")).status_code == 200
    assert client.get(reverse("admin:ingest_proposal_changelist")).status_code == 200

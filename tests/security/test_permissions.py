"""Who may read or change what: every analyst URL and every admin page, role by role, cell by cell.

Roles (tests/conftest.py): anonymous, analyst (group "Analyst"), editor (group "Editor", staff) and
admin (superuser). Analyst pages are readable by any logged-in user, and by anyone when PUBLIC_READ
is on; they only answer GET. The admin is for staff: editors see contacts and the review queue, never
users, groups, schedules or login records.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import URLPattern, reverse

from contacts import urls as contact_urls
from contacts.models import Contact
from contacts.tests.factories import EvidenceFactory, ParticipantFactory, trip_scenario
from ingest.models import Article, Proposal, Source
from tests.conftest import ROLES, client_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Apps an editor must never reach in the admin, whatever the groups say.
EDITOR_FORBIDDEN_APPS = {"auth", "axes", "django_celery_beat"}
# Models an editor must be able to work on: contacts and the review queue.
EDITOR_REQUIRED = {"contacts", "ingest.proposal"}


@pytest.fixture
def world(role_users):
    """One row of everything a URL can point at."""
    trip = trip_scenario()
    delegation = trip["delegation"]
    contact = Contact.objects.filter(delegation__isnull=True).first() or trip["meetings"][0]
    ParticipantFactory(contact=contact)
    EvidenceFactory(contact=contact)
    source = Source.objects.create(name="Test wire", url="https://news.example.org/feed.xml")
    article = Article.objects.create(
        url="https://news.example.org/1", canonical_url="https://news.example.org/1", title="A report",
        text="Some text.", status=Article.Status.PROPOSED, source=source,
    )
    proposal = Proposal.objects.create(article=article, action=Proposal.Action.NEW_CONTACT, payload={},
                                       confidence=0.5, evidence="Some text.")
    return {
        "users": role_users,
        "contact": contact,
        "delegation": delegation,
        "person": delegation.leader,
        "country": contact.country,
        "article": article,
        "proposal": proposal,
        "source": source,
    }


def analyst_urls(world) -> dict[str, str]:
    """Every named pattern of contacts/urls.py with real arguments; a new pattern must be added here."""
    args = {
        "contact": [world["contact"].pk],
        "delegation": [world["delegation"].pk],
        "person": [world["person"].pk],
        "country": [world["country"].iso2],
    }
    names = [p.name for p in contact_urls.urlpatterns if isinstance(p, URLPattern)]
    missing = [n for n in names if n is None]
    assert not missing, "every analyst URL needs a name"
    return {name: reverse(f"contacts:{name}", args=args.get(name, [])) for name in names}


def _check_analyst_cell(response, role: str, public: bool, htmx: bool) -> None:
    if role == "anonymous" and not public:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(reverse("login"))
        if htmx:
            assert response["HX-Redirect"] == response["Location"]
    else:
        assert response.status_code == 200, (role, public, response.status_code)


@pytest.mark.parametrize("public", [False, True], ids=["login-required", "public-read"])
@pytest.mark.parametrize("role", ROLES)
def test_analyst_pages_downloads_and_partials(world, settings, role, public):
    settings.PUBLIC_READ = public
    client = client_for(world["users"][role])
    urls = analyst_urls(world)
    assert {"list", "map", "search", "export_csv", "export_geojson", "api_contacts"} <= set(urls)
    for name, url in urls.items():
        for htmx in (False, True):
            response = client.get(url + ("?q=Kim" if name == "search" else ""), **(HTMX if htmx else {}))
            _check_analyst_cell(response, role, public, htmx)
            if response.status_code == 200 and name == "export_csv":
                assert response["Content-Disposition"].startswith("attachment")
                assert b"".join(response.streaming_content)  # the body streams without an error


@pytest.mark.parametrize("role", ROLES)
def test_analyst_urls_refuse_every_write_method(world, settings, role):
    """Nothing under the analyst pages changes state, so nothing there answers POST, PUT or DELETE."""
    settings.PUBLIC_READ = True
    client = client_for(world["users"][role])
    for url in analyst_urls(world).values():
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url, **HTMX).status_code == 405, (method, url)


def test_inactive_user_is_treated_as_anonymous(world, settings):
    settings.PUBLIC_READ = False
    user = world["users"]["analyst"]
    client = client_for(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("contacts:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_only_editors_see_admin_links(world, settings):
    settings.PUBLIC_READ = True
    url = reverse("contacts:delegation", args=[world["delegation"].pk])
    admin_link = reverse("admin:index")
    for role in ROLES:
        html = client_for(world["users"][role]).get(url).content.decode()
        assert (f'href="{admin_link}' in html) == (role in ("editor", "admin")), role


# Admin ------------------------------------------------------------------------------------------------


def registered_models() -> list:
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _label(model) -> str:
    return model._meta.label_lower


def editor_may(model, action: str, editor: User) -> bool:
    """The editor's expected right on a model: fixed for the policy's apps, else what the group grants."""
    meta = model._meta
    if meta.app_label in EDITOR_FORBIDDEN_APPS:
        return False
    if action == "view" and (meta.app_label in EDITOR_REQUIRED or meta.label_lower in EDITOR_REQUIRED):
        return True
    codename = f"{meta.app_label}.{action}_{meta.model_name}"
    return editor.has_perm(codename) or (action == "view" and editor.has_perm(f"{meta.app_label}.change_{meta.model_name}"))


def test_editor_policy_holds_in_the_groups(world):
    """The groups themselves: an editor may change contacts and proposals, an analyst may change nothing."""
    editor, analyst = world["users"]["editor"], world["users"]["analyst"]
    for codename in ("contacts.change_contact", "contacts.change_delegation", "contacts.change_person",
                     "ingest.change_proposal"):
        assert editor.has_perm(codename), codename
    assert not [p for p in analyst.get_all_permissions() if not p.split(".")[1].startswith("view_")]
    assert not analyst.is_staff
    for app in EDITOR_FORBIDDEN_APPS:
        assert not [p for p in editor.get_all_permissions() if p.startswith(f"{app}.")], app


@pytest.mark.parametrize("role", ROLES)
def test_admin_changelists_and_add_forms(world, role):
    user = world["users"][role]
    client = client_for(user)
    admin_login = reverse("admin:login")
    assert len(registered_models()) >= 3
    for model, model_admin in registered_models():
        meta = model._meta
        for view in ("changelist", "add"):
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}")
            response = client.get(url)
            cell = (role, _label(model), view, response.status_code)
            if role in ("anonymous", "analyst"):
                assert response.status_code == 302 and response["Location"].startswith(admin_login), cell
                continue
            action = "view" if view == "changelist" else "add"
            if role == "admin":
                request = response.wsgi_request
                allowed = model_admin.has_view_permission(request) if view == "changelist" else \
                    model_admin.has_add_permission(request)
            else:
                allowed = editor_may(model, action, user)
                if view == "add":
                    allowed = allowed and model_admin.has_add_permission(response.wsgi_request)
            if allowed:
                assert response.status_code == 200, cell
            else:
                assert response.status_code in (302, 403), cell
                if response.status_code == 302:  # the admin index when the model is hidden altogether
                    assert not response["Location"].startswith(admin_login), cell


@pytest.mark.parametrize("role", ROLES)
def test_admin_change_forms(world, role):
    user = world["users"][role]
    client = client_for(user)
    objects = [world["contact"], world["delegation"], world["person"], world["country"], world["article"],
               world["proposal"], world["source"], world["users"]["analyst"]]
    for obj in objects:
        meta = obj._meta
        if obj.__class__ not in admin.site._registry:
            continue
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        response = client.get(url)
        cell = (role, meta.label_lower, response.status_code)
        if role in ("anonymous", "analyst"):
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), cell
        elif role == "admin" or editor_may(obj.__class__, "view", user):
            assert response.status_code == 200, cell
        else:
            assert response.status_code in (302, 403), cell


def _action_post(client, model, action: str, pks: list[int]):
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    return client.post(url, {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"})


@pytest.mark.parametrize("role", ROLES)
def test_review_queue_action_by_role(world, role):
    """Rejecting a proposal (admin action, POST): editors and admins can, nobody else changes it."""
    proposal = world["proposal"]
    response = _action_post(client_for(world["users"][role]), Proposal, "reject", [proposal.pk])
    proposal.refresh_from_db()
    if role in ("anonymous", "analyst"):
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
        assert proposal.status == Proposal.Status.PENDING
    else:
        assert response.status_code == 302
        assert proposal.status == Proposal.Status.REJECTED
        assert proposal.reviewed_by == world["users"][role]


@pytest.mark.parametrize("role", ROLES)
def test_deleting_users_by_action_is_for_admins_only(world, role):
    victim = world["users"]["analyst"]
    response = _action_post(client_for(world["users"][role]), User, "delete_selected", [victim.pk])
    if role == "admin":
        assert response.status_code == 200  # the confirmation page
        assert b"Are you sure" in response.content
    elif role == "editor":
        assert response.status_code == 403
    else:
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert User.objects.filter(pk=victim.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_deleting_contacts_by_action(world, role):
    """The delete action's confirmation page is reachable exactly for the roles allowed to delete."""
    contact = world["contact"]
    if Contact not in admin.site._registry:
        pytest.fail("contacts.Contact is not registered in the admin")
    response = _action_post(client_for(world["users"][role]), Contact, "delete_selected", [contact.pk])
    user = world["users"][role]
    if role in ("anonymous", "analyst"):
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    elif user.has_perm("contacts.delete_contact"):
        assert response.status_code == 200 and b"Are you sure" in response.content
    else:  # the action is not offered: the changelist again, or a refusal, never the confirmation
        assert response.status_code in (200, 302, 403)
        assert b"Are you sure" not in response.content
    assert Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.parametrize("role", ["anonymous", "analyst"])
def test_editor_input_form_is_closed_to_readers(world, role):
    url = reverse("admin:ingest_article_add_input")
    client = client_for(world["users"][role])
    for response in (client.get(url), client.post(url, {"url": "https://news.example.org/2"})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert not Article.objects.filter(url="https://news.example.org/2").exists()

"""CSRF on every state change, a strict Content Security Policy on every page, the deploy checklist, login throttling."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from contacts.tests.factories import EvidenceFactory, trip_scenario
from ingest.models import Article, Proposal
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(role_users):
    trip = trip_scenario()
    EvidenceFactory(contact=trip["meetings"][0])
    article = Article.objects.create(url="https://news.example.org/1", canonical_url="https://news.example.org/1",
                                     title="A report", text="Some text.", status=Article.Status.PROPOSED)
    proposal = Proposal.objects.create(article=article, action=Proposal.Action.NEW_CONTACT, payload={},
                                       confidence=0.5, evidence="Some text.")
    return {"trip": trip, "users": role_users, "article": article, "proposal": proposal}


# CSRF -------------------------------------------------------------------------------------------------


def _csrf_token(client: Client, url: str) -> str:
    client.get(url)
    return client.cookies["csrftoken"].value


def test_admin_action_needs_the_token(world):
    """The same POST is refused without the token and done with it."""
    client = client_for(world["users"]["admin"], enforce_csrf=True)
    url = reverse("admin:ingest_proposal_changelist")
    data = {"action": "reject", "_selected_action": [str(world["proposal"].pk)], "index": "0"}
    refused = client.post(url, data)
    world["proposal"].refresh_from_db()
    assert refused.status_code == 403
    assert world["proposal"].status == Proposal.Status.PENDING
    data["csrfmiddlewaretoken"] = _csrf_token(client, url)
    done = client.post(url, data)
    world["proposal"].refresh_from_db()
    assert done.status_code == 302
    assert world["proposal"].status == Proposal.Status.REJECTED


def test_htmx_style_header_token_is_accepted(world):
    """HTMX sends the token in X-CSRFToken (hx-headers on <body>); that works, a missing one does not."""
    client = client_for(world["users"]["admin"], enforce_csrf=True)
    url = reverse("admin:ingest_proposal_changelist")
    data = {"action": "reject", "_selected_action": [str(world["proposal"].pk)], "index": "0"}
    assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 403
    token = _csrf_token(client, url)
    assert client.post(url, data, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token).status_code == 302


def test_pages_carry_the_token_for_htmx(world, settings):
    settings.PUBLIC_READ = True
    client = client_for(world["users"]["analyst"], enforce_csrf=True)
    html = client.get(reverse("contacts:list")).content.decode()
    token = client.cookies["csrftoken"].value
    assert token
    assert "hx-headers='{\"x-csrftoken\": \"" in html


def every_admin_post_url(world) -> list[str]:
    urls = [reverse("admin:logout"), reverse("admin:ingest_article_add_input"), reverse("admin:password_change")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    for obj in (world["trip"]["delegation"], world["trip"]["meetings"][0], world["article"], world["proposal"]):
        meta = obj._meta
        if obj.__class__ in admin.site._registry:
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[obj.pk]))
    return urls


def test_every_state_change_is_refused_without_the_token(world, settings):
    """Admin forms, actions, deletes, logout, login and the analyst pages: POST without a token is a 403."""
    settings.PUBLIC_READ = True
    client = client_for(world["users"]["admin"], enforce_csrf=True)
    posts = every_admin_post_url(world) + [reverse("logout"), reverse("contacts:list"), reverse("contacts:search")]
    before = (Article.objects.count(), Proposal.objects.filter(status="pending").count())
    for url in posts:
        response = client.post(url, {"action": "delete_selected", "_selected_action": ["1"], "post": "yes"})
        assert response.status_code == 403, url
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(reverse("login"), {"username": "admin", "password": "admin-pass-1"}).status_code == 403
    assert (Article.objects.count(), Proposal.objects.filter(status="pending").count()) == before
    assert client.get(reverse("admin:index")).status_code == 200  # still logged in: logout was refused too


# CSP and markup ---------------------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_strict_csp(response) -> None:
    header = response.get("Content-Security-Policy")
    assert header, f"no CSP on {response.wsgi_request.path}"
    directives = csp_directives(header)
    assert directives["default-src"] == ["'self'"]
    for name in ("script-src", "style-src"):
        sources = directives.get(name, directives["default-src"])
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(sources), (name, sources)
    assert directives.get("object-src") == ["'none'"]
    assert directives.get("frame-ancestors") == ["'none'"]


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block or what would run: inline scripts, styles, handlers, js: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            kind = (values.get("type") or "").lower()
            if not values.get("src") and kind not in ("application/json", "application/ld+json"):
                self._in_script = True
                self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.strip().lower().replace("\t", "").replace("\n", "").startswith(("javascript:", "data:text")):
                self.problems.append(f"{name}={value[:40]} on <{tag}>")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def analyst_pages(trip) -> list[str]:
    meeting = trip["meetings"][0]
    return [
        reverse("contacts:list"), reverse("contacts:list") + "?country=VN", reverse("contacts:map"),
        reverse("contacts:search"), reverse("contacts:search") + "?q=Kim", reverse("contacts:downloads"),
        reverse("contacts:contact", args=[meeting.pk]), reverse("contacts:delegation", args=[trip["delegation"].pk]),
        reverse("contacts:person", args=[trip["delegation"].leader_id]), reverse("contacts:country", args=["VN"]),
        reverse("login"),
    ]


@pytest.mark.parametrize("role", ["anonymous", "editor"])
def test_analyst_pages_have_a_strict_csp_and_no_inline_code(world, settings, role):
    settings.PUBLIC_READ = True
    client = client_for(world["users"][role])
    for url in analyst_pages(world["trip"]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_csp(response)
        assert not inline_problems(response.content.decode()), (url, inline_problems(response.content.decode()))
        partial = client.get(url, HTTP_HX_REQUEST="true")
        assert not inline_problems(partial.content.decode()), url


def test_downloads_and_admin_pages_carry_the_csp(world, settings):
    settings.PUBLIC_READ = True
    client = client_for(world["users"]["admin"])
    urls = [reverse("contacts:export_csv"), reverse("contacts:export_geojson"), reverse("contacts:api_contacts"),
            reverse("admin:index"), reverse("admin:ingest_proposal_change", args=[world["proposal"].pk]),
            reverse("admin:ingest_article_changelist")]
    for model in admin.site._registry:
        urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_csp(response)
        if response["Content-Type"].startswith("text/html"):
            scripts = [p for p in inline_problems(response.content.decode()) if "script" in p or p.startswith("on")]
            assert not scripts, (url, scripts)


def test_security_headers_on_pages(world, settings):
    settings.PUBLIC_READ = True
    response = Client().get(reverse("contacts:list"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# Deploy checklist -------------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DEBUG": "0",
        "SECRET_KEY": "k9$Yq2!vR7@pL4#wZ8^nB3&xT6*mJ1(sD5)hF0_gC2+eU7=aQ4-iO9",
        "ALLOWED_HOSTS": "atlas.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://atlas.example.org",
    }
    # Overrides a developer may have exported, and the async escape hatch a browser fixture may have set.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
                 "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_debug_on():
    """The same check fails loudly when DEBUG is left on: the test above is not vacuous."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "1",
           "SECRET_KEY": "k9$Yq2!vR7@pL4#wZ8^nB3&xT6*mJ1(sD5)hF0_gC2+eU7=aQ4-iO9", "ALLOWED_HOSTS": "atlas.example.org"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


# Login throttling -------------------------------------------------------------------------------------


def _login(client: Client, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_sixth_attempt_is_refused_even_with_the_right_password(world):
    client = Client()
    for _ in range(5):
        response = _login(client, "analyst", "wrong")
        assert response.status_code in (200, 429)  # the form again, then the lockout at the 5th
    locked = _login(client, "analyst", "analyst-pass-1")
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address, or another user from this one, is not locked out.
    assert _login(Client(), "analyst", "analyst-pass-1", ip="198.51.100.9").status_code == 302
    assert _login(Client(), "editor", "editor-pass-1").status_code == 302


def test_lockout_ends_after_the_cool_off(world, settings):
    from axes.models import AccessAttempt

    for _ in range(5):
        _login(Client(), "analyst", "wrong")
    assert _login(Client(), "analyst", "analyst-pass-1").status_code == 429
    # Fifteen minutes later (moved back in the database rather than waited for).
    from datetime import timedelta

    from django.utils import timezone

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _login(Client(), "analyst", "analyst-pass-1").status_code == 302


def test_success_resets_the_failure_count(world):
    for _ in range(4):
        _login(Client(), "analyst", "wrong")
    assert _login(Client(), "analyst", "analyst-pass-1").status_code == 302
    for _ in range(4):
        _login(Client(), "analyst", "wrong")
    assert _login(Client(), "analyst", "analyst-pass-1").status_code == 302


def test_admin_login_is_throttled_too(world):
    url = reverse("admin:login")
    for _ in range(5):
        Client().post(url, {"username": "admin", "password": "wrong"}, REMOTE_ADDR="203.0.113.8")
    response = Client().post(url, {"username": "admin", "password": "admin-pass-1"}, REMOTE_ADDR="203.0.113.8")
    assert response.status_code == 429

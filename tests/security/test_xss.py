"""Whatever came from an article is shown as text: no script, handler or javascript: link reaches the page.

Article titles, text, evidence quotes and even names of people come from fetched pages, so each
carries the payloads below, and every page that shows them is checked: the analyst pages (search,
delegation, contact, person, timeline) and the editors' admin (review queue, article pages).
One test loads the pages in headless Chromium and checks that no injected script ran.
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.urls import reverse

from contacts.models import Contact, Evidence
from contacts.tests.factories import ParticipantFactory, PersonFactory, trip_scenario
from ingest.models import Article, Proposal
from tests.conftest import client_for
from tests.security.test_csrf_csp_deploy import inline_problems

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "'><iframe src=javascript:window.__xss=1>",
    "</textarea></title><script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">click</a>',
    "<style>body{display:none}</style>",
    "{{ request }} {% debug %}",
]
HOSTILE = " ".join(PAYLOADS)
JS_URL = "javascript:window.__xss=1//https://news.example.org/"
# An http URL that tries to break out of the href attribute.
QUOTE_URL = 'https://news.example.org/r?a="><script>window.__xss=1</script>&b=\' onmouseover=\'window.__xss=1'

# Markers that only appear if a payload went out unescaped.
RAW_MARKERS = ["<script>window", "<img src=x", "<svg onload", "<iframe src", "<style>body", "<a href=\"javascript"]


def hostile_world(url: str = QUOTE_URL) -> dict:
    trip = trip_scenario()
    delegation, meeting = trip["delegation"], trip["meetings"][0]
    person = PersonFactory(name=f"Kim {PAYLOADS[1]}", country=trip["delegation"].sending_country)
    ParticipantFactory(contact=meeting, person=person, side="dprk", role="member")
    Contact.objects.filter(pk=meeting.pk).update(summary=f"Kim Song Nam met {HOSTILE}")
    delegation.title = f"WPK delegation {PAYLOADS[0]}"
    delegation.save()
    article = Article.objects.create(
        url=url, canonical_url=url, source_name=f"KCNA {PAYLOADS[2]}",
        title=f"Kim Song Nam arrives {PAYLOADS[0]}", text=f"Kim Song Nam arrived in Hanoi. {HOSTILE} Kim Song Nam left.",
        status=Article.Status.PROPOSED, published_at=dt.datetime(2024, 3, 17, tzinfo=dt.UTC),
        classification={"reasons": [f"rule {PAYLOADS[1]}"], "evidence": f"Kim Song Nam arrived in Hanoi. {PAYLOADS[0]}"},
    )
    for target in ({"contact": meeting}, {"delegation": delegation}):
        Evidence.objects.create(**target, article=article, url=url, title=article.title,
                                source_name=article.source_name, quote=f"Kim Song Nam said {HOSTILE}")
    proposal = Proposal.objects.create(
        article=article, action=Proposal.Action.NEW_CONTACT, confidence=0.5,
        payload={"summary": HOSTILE}, evidence=f"Kim Song Nam arrived in Hanoi. {PAYLOADS[0]}",
    )
    return {"trip": trip, "meeting": meeting, "person": person, "article": article, "proposal": proposal}


def hostile_pages(world) -> list[str]:
    return [
        reverse("contacts:list"),
        reverse("contacts:search") + "?q=Kim",
        reverse("contacts:search") + "?q=" + "%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
        reverse("contacts:delegation", args=[world["trip"]["delegation"].pk]),
        reverse("contacts:contact", args=[world["meeting"].pk]),
        reverse("contacts:person", args=[world["person"].pk]),
        reverse("contacts:person", args=[world["trip"]["delegation"].leader_id]),
        reverse("contacts:country", args=["VN"]),
    ]


def admin_pages(world) -> list[str]:
    return [
        reverse("admin:ingest_proposal_changelist"),
        reverse("admin:ingest_proposal_change", args=[world["proposal"].pk]),
        reverse("admin:ingest_article_changelist"),
        reverse("admin:ingest_article_change", args=[world["article"].pk]),
    ]


def executable_markup(html: str) -> list[str]:
    return inline_problems(html) + [marker for marker in RAW_MARKERS if marker in html]


@pytest.mark.django_db
def test_hostile_article_is_escaped_on_every_analyst_page(role_users, settings):
    settings.PUBLIC_READ = True
    world = hostile_world()
    client = client_for(role_users["editor"])
    shown, problems = 0, {}
    for url in hostile_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        if executable_markup(html):
            problems[url] = executable_markup(html)
        shown += html.count("window.__xss=1")
    assert not problems
    assert shown >= 5  # the payloads are on the pages, as text


@pytest.mark.django_db
def test_javascript_urls_from_articles_are_not_clickable(role_users, settings):
    settings.PUBLIC_READ = True
    world = hostile_world(url=JS_URL)
    client = client_for(role_users["editor"])
    problems = {}
    for url in hostile_pages(world) + admin_pages(world):
        found = [p for p in executable_markup(client.get(url).content.decode()) if "javascript" in p]
        if found:
            problems[url] = found
    assert not problems


@pytest.mark.django_db
def test_hostile_article_is_escaped_in_the_review_queue(role_users):
    world = hostile_world()
    client = client_for(role_users["editor"])
    for url in admin_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        problems = [p for p in inline_problems(html) if "script" in p or p.startswith("on") or "javascript" in p]
        assert not problems, (url, problems)
        for marker in RAW_MARKERS:
            assert marker not in html, (url, marker)
    queue = client.get(admin_pages(world)[1]).content.decode()
    assert "<mark>Kim Song Nam arrived in Hanoi. &lt;script&gt;" in queue  # the evidence is marked, escaped


@pytest.mark.django_db
def test_json_and_geojson_do_not_carry_html_to_a_browser(role_users, settings):
    """The JSON downloads are served as JSON, never as HTML a browser would render."""
    settings.PUBLIC_READ = True
    hostile_world()
    client = client_for(None)
    for name in ("contacts:api_contacts", "contacts:export_geojson"):
        response = client.get(reverse(name))
        assert response["Content-Type"].startswith(("application/json", "application/geo+json"))
        assert response["X-Content-Type-Options"] == "nosniff"


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_injected_script_runs_in_a_browser(live_server, settings, role_users):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    settings.PUBLIC_READ = True
    world = hostile_world()
    urls = hostile_pages(world) + admin_pages(world)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    editor = role_users["editor"]  # logged in through a session row: Playwright's loop forbids ORM calls
    session = SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(editor.pk), "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = editor.get_session_auth_hash()
    session.save()

    def browse() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(base_url=live_server.url)
                context.add_cookies([{"name": "sessionid", "value": session.session_key, "url": live_server.url}])
                page = context.new_page()
                dialogs: list[str] = []
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                ran = []
                for url in urls:
                    page.goto(url)
                    page.wait_for_load_state("load")
                    if page.evaluate("typeof window.__xss") != "undefined":
                        ran.append(url)
                assert not ran
                assert not dialogs
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:  # its own thread: no event loop from other browser tests
        pool.submit(browse).result(timeout=600)

"""Analyst pages: access, full page versus HTMX partial, trips on the timeline, keyset pages, detail pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse

from contacts.models import Contact
from contacts.tests.factories import (
    ContactFactory,
    CountryFactory,
    DelegationFactory,
    DelegationMemberFactory,
    ParticipantFactory,
    PersonFactory,
    trip_scenario,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def analyst(client):
    user = User.objects.create_user("analyst", password="pw")
    client.force_login(user)
    return client


@pytest.fixture
def editor(client):
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_contact"))
    client.force_login(user)
    return client


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-contact-id="(\d+)"', html)]


# Access -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["contacts:list", "contacts:map", "contacts:search", "contacts:export_csv"])
def test_reading_needs_a_login_by_default(client, settings, name):
    settings.PUBLIC_READ = False
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_public_read_opens_the_pages_to_anonymous_readers(client, settings):
    settings.PUBLIC_READ = True
    ContactFactory()
    assert client.get(reverse("contacts:list")).status_code == 200
    assert client.get(reverse("contacts:export_csv")).status_code == 200


def test_htmx_request_without_login_asks_for_a_full_redirect(client, settings):
    settings.PUBLIC_READ = False
    response = client.get(reverse("contacts:list"), headers=HTMX)
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_only_editors_see_admin_and_edit_links(analyst, editor, django_user_model, monkeypatch):
    monkeypatch.setattr("contacts.views.admin_change_url", lambda obj: f"/admin/contacts/{obj._meta.model_name}/{obj.pk}/change/")
    trip = trip_scenario()
    url = reverse("contacts:delegation", args=[trip["delegation"].pk])
    edit = f"/admin/contacts/delegation/{trip['delegation'].pk}/change/"
    assert edit in editor.get(url).content.decode()
    assert reverse("admin:index") in editor.get(reverse("contacts:list")).content.decode()
    analyst.force_login(django_user_model.objects.get(username="analyst"))
    page = analyst.get(url).content.decode()
    assert edit not in page
    assert reverse("admin:index") not in analyst.get(reverse("contacts:list")).content.decode()


# Timeline -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["contacts:list", "contacts:map"])
def test_a_cached_page_carries_each_readers_own_name_and_token(django_user_model, name):
    """The page body is cached for everyone; the signed-in user and the CSRF token are rendered per request."""
    ContactFactory(summary="Talks on trade")
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    for username in ("first-reader", "second-reader"):  # the second gets the body the first one cached
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(django_user_model.objects.create_user(username, password="pw"))
        page = browser.get(reverse(name)).content.decode()
        assert username in page and ("first-reader" not in page or username == "first-reader")
        signed_out = browser.post(reverse("logout"), {"csrfmiddlewaretoken": token.search(page)[1]})
        assert signed_out.status_code == 302  # the page's token is this reader's: no CSRF failure


def test_timeline_renders_the_full_page(analyst):
    ContactFactory(summary="Floral basket to the President of Laos")
    response = analyst.get(reverse("contacts:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert 'id="results"' in html and 'id="filters"' in html
    assert "Floral basket to the President of Laos" in html


def test_htmx_request_returns_only_results_and_out_of_band_facets(analyst):
    ContactFactory(kind=Contact.Kind.VISIT)
    response = analyst.get(reverse("contacts:list"), {"kind": "visit"}, headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert 'id="facets" class="facets" hx-swap-oob="true"' in html
    assert 'id="filters"' not in html
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]


def test_history_restore_request_gets_the_full_page(analyst):
    response = analyst.get(reverse("contacts:list"), headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_filter_form_works_without_javascript(analyst):
    """A plain GET form: action, method and field names are the query string the views read."""
    html = analyst.get(reverse("contacts:list")).content.decode()
    assert 'method="get" action="/"' in html
    assert 'hx-push-url="true"' in html
    assert 'name="q"' in html and 'name="date_from"' in html


def test_trip_is_one_expandable_entry_with_its_visits_and_meetings(analyst):
    trip = trip_scenario()
    alone = ContactFactory(kind=Contact.Kind.MESSAGE, start_date=dt.date(2024, 3, 20), summary="Greetings")
    html = analyst.get(reverse("contacts:list")).content.decode()
    assert html.count('<details class="entry trip') == 1
    start = html.index('<details class="entry trip')
    trip_html = html[start : html.index("</details>", start)]
    expected = {c.pk for c in trip["visits"] + trip["meetings"]}
    assert set(_ids(trip_html)) == expected
    assert "Pyongyang → Beijing → Hanoi → Vientiane" in trip_html
    assert f'data-contact-id="{alone.pk}"' in html
    # Grouped by month, newest first: the trip's newest contact (24 March) comes before the 20 March message.
    assert html.index("March 2024") < html.index('<details class="entry trip') < html.index("Greetings")


def test_trip_shows_only_the_contacts_that_match_the_filters(analyst):
    trip = trip_scenario()
    html = analyst.get(reverse("contacts:list"), {"kind": "meeting"}).content.decode()
    assert set(_ids(html)) == {m.pk for m in trip["meetings"]}
    assert "Pyongyang → Beijing → Hanoi → Vientiane" in html  # the route is the trip's, not the filter's


def test_keyset_pages_cover_every_entry_once_and_keep_the_filters(analyst):
    country = CountryFactory(iso2="QM")
    other = CountryFactory(iso2="QN")
    start = dt.date(2020, 1, 1)
    wanted = [ContactFactory(country=country, start_date=start + dt.timedelta(days=i % 40)) for i in range(120)]
    ContactFactory.create_batch(5, country=other)
    seen: list[int] = []
    url = reverse("contacts:list") + "?country=QM"
    pages = 0
    while url:
        html = analyst.get(url).content.decode()
        seen += _ids(html)
        pages += 1
        match = re.search(r'rel="next" href="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
        if url:
            assert "country=QM" in url and "before=" in url
    assert pages == 3
    expected = sorted(wanted, key=lambda c: (c.start_date, c.pk), reverse=True)
    assert seen == [c.pk for c in expected]


def test_newer_link_returns_to_the_previous_page(analyst):
    rows = [ContactFactory(start_date=dt.date(2021, 1, 1) + dt.timedelta(days=i)) for i in range(60)]
    first = _ids(analyst.get(reverse("contacts:list")).content.decode())
    html = analyst.get(reverse("contacts:list"), {"before": f"{rows[10].start_date}.{rows[10].pk}"}).content.decode()
    newer = re.search(r'href="(\?after=[^"]+)"', html).group(1).replace("&amp;", "&")
    back = _ids(analyst.get(reverse("contacts:list") + newer).content.decode())
    assert back == first[: len(back)]
    assert rows[11].pk in back


def test_bad_cursor_is_ignored(analyst):
    ContactFactory()
    assert analyst.get(reverse("contacts:list"), {"before": "not-a-date.x"}).status_code == 200


def test_facet_counts_are_shown_beside_the_filters(analyst):
    cn = CountryFactory(iso2="QO", name="Country QO")
    ContactFactory.create_batch(3, country=cn, kind=Contact.Kind.VISIT)
    ContactFactory(country=cn, kind=Contact.Kind.MESSAGE)
    html = analyst.get(reverse("contacts:list"), {"kind": "visit"}).content.decode()
    facet = re.search(r'for="f-kind-message".*?<span class="count">(\d+)</span>', html, re.S)
    assert facet.group(1) == "1"  # its own filter is left out, so the other kinds still show their counts
    country = re.search(r'for="f-country-QO".*?<span class="count">(\d+)</span>', html, re.S)
    assert country.group(1) == "3"


def test_timeline_query_count_does_not_grow_with_rows(analyst, django_assert_max_num_queries):
    def build(n):
        trip = trip_scenario() if n else None
        for _ in range(n):
            contact = ContactFactory()
            ParticipantFactory(contact=contact)
        return trip

    build(3)
    with django_assert_max_num_queries(20) as small:
        analyst.get(reverse("contacts:list"))
    build(45)
    with django_assert_max_num_queries(len(small.captured_queries)):
        analyst.get(reverse("contacts:list"))


def test_pages_have_no_inline_script_or_style(analyst):
    trip = trip_scenario()
    urls = [
        reverse("contacts:list"),
        reverse("contacts:map"),
        reverse("contacts:delegation", args=[trip["delegation"].pk]),
        reverse("contacts:person", args=[trip["leader"].pk]),
        reverse("contacts:country", args=["CN"]),
        reverse("contacts:search") + "?q=Kim",
        reverse("contacts:downloads"),
        reverse("contacts:contact", args=[ContactFactory().pk]),
    ]
    for url in urls:
        response = analyst.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert "<style" not in html, url
        assert " style=" not in html, url
        assert "//cdn" not in html and "unpkg" not in html, url
        assert "script-src 'self'" in response["Content-Security-Policy"]


# Map ----------------------------------------------------------------------------------------------


def test_map_page_passes_the_filtered_data_url_through_json_script(analyst):
    html = analyst.get(reverse("contacts:map"), {"country": "CN"}).content.decode()
    assert 'id="map-config" type="application/json"' in html
    assert "/map.geojson?country=CN" in html
    assert "vendor/world-atlas-2.0.2/countries-50m.json" in html
    assert "vendor/leaflet-1.9.4/leaflet.js" in html


# Detail pages --------------------------------------------------------------------------------------


def test_delegation_page_shows_itinerary_meetings_members_sources_and_history(analyst):
    trip = trip_scenario()
    member = PersonFactory(name="Ri Chang Ho")
    DelegationMemberFactory(delegation=trip["delegation"], person=member, title="vice department director")
    html = analyst.get(reverse("contacts:delegation", args=[trip["delegation"].pk])).content.decode()
    table = html[html.index('<table class="data stack itinerary">') : html.index("</table>")]
    assert table.index("Beijing") < table.index("Hanoi") < table.index("Vientiane")
    assert "Host of Hanoi meets Kim Song Nam." in table
    assert "Director" in html and "vice department director" in html  # posts on those dates
    assert "Host of Beijing met the delegation led by Kim Song Nam." in html  # the quoted sentence
    assert "Change history" in html and "Delegation #" in html
    assert 'id="map-config"' in html


def test_delegation_page_query_count_does_not_grow_with_stops(analyst, django_assert_max_num_queries):
    small = trip_scenario()["delegation"]
    big = trip_scenario()["delegation"]
    first_stop = big.contacts.filter(kind=Contact.Kind.VISIT).first()
    for _ in range(10):
        meeting = ContactFactory(delegation=big, stop=first_stop, start_date=dt.date(2024, 3, 13))
        ParticipantFactory(contact=meeting)
        DelegationMemberFactory(delegation=big)
    with django_assert_max_num_queries(20) as before:
        analyst.get(reverse("contacts:delegation", args=[small.pk]))
    with django_assert_max_num_queries(len(before.captured_queries)):
        analyst.get(reverse("contacts:delegation", args=[big.pk]))


def test_official_page_shows_names_posts_contacts_and_counterparts(analyst):
    trip = trip_scenario()
    html = analyst.get(reverse("contacts:person", args=[trip["leader"].pk])).content.decode()
    assert "김성남" in html and "Kim Song-nam" in html
    assert "Director" in html
    for host in trip["hosts"]:
        assert host.name in html
    assert "Last observed" in html and "24 Mar 2024" in html


def test_country_page_draws_contacts_per_year_as_svg(analyst):
    cn = CountryFactory(iso2="QP", name="Country QP")
    ContactFactory.create_batch(2, country=cn, start_date=dt.date(2022, 5, 1), direction="outbound")
    ContactFactory(country=cn, start_date=dt.date(2024, 5, 1), direction="inbound")
    html = analyst.get(reverse("contacts:country", args=["qp"])).content.decode()
    assert "<svg" in html
    assert html.count('<rect class="outbound"') == 1 and html.count('<rect class="inbound"') == 1
    assert "2023" in html  # empty years keep their place on the axis
    assert "2022: 2 outbound" in html


def test_unknown_records_are_404(analyst):
    assert analyst.get(reverse("contacts:delegation", args=[999999])).status_code == 404
    assert analyst.get(reverse("contacts:country", args=["ZZ"])).status_code == 404


# Cached pages follow the data ----------------------------------------------------------------------


def test_timeline_shows_a_renamed_person_at_once(analyst):
    """The rendered list is cached per data version; a person's name is part of that version."""
    contact = ContactFactory(summary="Talks on trade")
    person = PersonFactory(name="Ri Old Name")
    ParticipantFactory(contact=contact, person=person)
    assert "Ri Old Name" in analyst.get(reverse("contacts:list")).content.decode()
    person.name = "Ri New Name"
    person.save()
    html = analyst.get(reverse("contacts:list")).content.decode()
    assert "Ri New Name" in html and "Ri Old Name" not in html


def test_an_edit_in_the_admin_shows_at_once_although_pages_lag_the_ingest(client, admin_client, settings):
    """Pages re-read the data version only every few seconds, but an editor's change refreshes it."""
    settings.DATA_VERSION_SECONDS = 60
    client.force_login(User.objects.create_user("reader", password="pw"))
    kept, removed = ContactFactory(summary="Talks on trade"), ContactFactory(summary="Mistaken report")
    assert "Mistaken report" in client.get(reverse("contacts:list")).content.decode()

    answer = admin_client.post(
        reverse("admin:contacts_contact_changelist"),
        {"action": "delete_selected", "_selected_action": [removed.pk], "post": "yes"},
    )
    assert answer.status_code == 302 and not Contact.objects.filter(pk=removed.pk).exists()
    html = client.get(reverse("contacts:list")).content.decode()
    assert "Mistaken report" not in html and kept.summary in html


def test_official_page_lists_a_trip_once_the_official_joins_it(analyst):
    """The page is cached per data version; a new delegation member is part of that version."""
    person = PersonFactory(name="Kim Member")
    delegation = DelegationFactory()
    ContactFactory(summary="Stop in Minsk", delegation=delegation)
    url = reverse("contacts:person", args=[person.pk])
    assert "Stop in Minsk" not in analyst.get(url).content.decode()
    DelegationMemberFactory(delegation=delegation, person=person)
    assert "Stop in Minsk" in analyst.get(url).content.decode()


def test_official_filter_keeps_contacts_led_joined_or_taken_part_in(analyst):
    person = PersonFactory(name="Pak Official")
    took_part = ContactFactory(summary="Took part")
    ParticipantFactory(contact=took_part, person=person)
    joined = ContactFactory(summary="Joined trip", delegation=DelegationMemberFactory(person=person).delegation)
    led = ContactFactory(summary="Led trip", delegation=DelegationFactory(leader=person))
    ContactFactory(summary="Someone else", delegation=DelegationFactory())
    html = analyst.get(reverse("contacts:list"), {"official": person.pk}).content.decode()
    assert set(_ids(html)) == {took_part.pk, joined.pk, led.pk}

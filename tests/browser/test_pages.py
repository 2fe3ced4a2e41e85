"""What an analyst does in a real browser: filter, go back, open the map, download the CSV, read every page.

Waits use locators (`expect`), not `wait_for_function`: the latter evaluates a string in the page,
which the Content Security Policy rightly forbids.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from contacts.tests.factories import ContactFactory, CountryFactory, PlaceFactory, trip_scenario

# serialized_rollback: the live server needs committed rows, and the flush after each test must not
# take the rows that migrations put in (the editor and analyst groups) from the tests that follow.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("restore_migration_data"),
]


@pytest.fixture
def data():
    trip = trip_scenario()
    ru = CountryFactory(iso2="RU", name="Russia", latitude=55.75, longitude=37.62)
    ContactFactory(
        country=ru,
        kind=Contact.Kind.VISIT,
        direction="inbound",
        place=trip["pyongyang"],
        start_date=dt.date(2024, 6, 19),
        summary="Vladimir Putin arrives in Pyongyang for a state visit.",
    )
    ContactFactory(
        country=ru, kind=Contact.Kind.MESSAGE, direction="remote", start_date=dt.date(2024, 6, 12), summary="Greetings"
    )
    cu = CountryFactory(iso2="CU", name="Cuba", latitude=23.1, longitude=-82.4)
    ContactFactory(country=cu, place=PlaceFactory(name="Havana", country=cu, latitude=23.1, longitude=-82.4))
    return trip


def shown_ids(page) -> list[int]:
    return [int(x) for x in page.eval_on_selector_all("#results [data-contact-id]", "els => els.map(e => e.dataset.contactId)")]


def test_filter_the_timeline_then_go_back(page, data):
    page.goto("/")
    everything = shown_ids(page)
    assert len(everything) == 9
    with page.expect_response(lambda r: "country=CN" in r.url):
        page.check("#f-country-CN")
    page.wait_for_url(re.compile(r"country=CN"))
    expect(page.locator("#results [data-contact-id]")).to_have_count(2)
    assert page.inner_text("#results .total") == "2"
    assert page.is_checked("#f-country-CN")
    # Only #results was swapped: the page itself (and its header) stayed.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1

    page.go_back()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("#results [data-contact-id]")).to_have_count(9)
    assert sorted(shown_ids(page)) == sorted(everything)
    assert not page.is_checked("#f-country-CN")

    # A reload of a filtered URL restores the same view.
    page.goto("/?kind=meeting")
    assert len(shown_ids(page)) == 4  # three on the trip, one in Havana
    assert page.is_checked("#f-kind-meeting")


def test_free_text_filter_updates_as_you_type(page, data):
    page.goto("/")
    page.fill("#id_q", "Putin")
    page.wait_for_url(re.compile(r"q=Putin"))
    expect(page.locator("#results [data-contact-id]")).to_have_count(1)
    assert "Vladimir Putin" in page.inner_text("#results")


def test_trip_expands_to_show_its_stops(page, data):
    page.goto("/")
    trip = page.locator(f"#trip-{data['delegation'].pk}")
    assert "Pyongyang → Beijing → Hanoi → Vientiane" in trip.inner_text()
    assert not trip.locator(".trip-items").is_visible()
    trip.locator("summary").click()
    assert trip.locator(".trip-items li").count() == 6


def test_map_draws_the_itinerary_and_the_markers(page, data):
    page.goto("/map/")
    page.wait_for_selector("#map[data-ready]")
    line = page.locator(f"path.itinerary-{data['delegation'].pk}")
    assert line.count() == 1
    vertices = re.findall(r"[ML]", line.get_attribute("d"))
    assert len(vertices) == 4  # Pyongyang, Beijing, Hanoi, Vientiane
    # Pyongyang, Beijing, Hanoi, Vientiane, Havana and Russia's message at the country's point.
    assert page.locator("path.place-marker").count() == 6
    assert page.get_attribute("#map", "data-lines") == "1"
    # The basemap is drawn from static files: no request leaves the server.
    assert page.locator(".leaflet-tile").count() == 0
    page.locator("path.place-marker").first.click(force=True)
    page.wait_for_selector(".leaflet-popup-content a")


def test_map_follows_the_timeline_filters(page, data):
    page.goto("/map/?country=CU")
    page.wait_for_selector("#map[data-ready]")
    assert page.locator("path.place-marker").count() == 1
    assert page.get_attribute("#map", "data-lines") == "0"


def test_csv_download_matches_the_rows_on_screen(page, data, tmp_path):
    page.goto("/?country=CN&country=RU")
    on_screen = shown_ids(page)
    with page.expect_download() as info:
        page.click("#download-csv")
    path = tmp_path / "download.csv"
    info.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert sorted(int(r["contact_id"]) for r in rows) == sorted(on_screen)
    assert len(rows) == int(page.inner_text("#results .total"))


PAGES = {
    "timeline": "/",
    "timeline-filtered": "/?country=CN&kind=meeting",
    "map": "/map/",
    "delegation": "/delegations/{delegation}/",
    "official": "/people/{leader}/",
    "country": "/countries/CN/",
    "search": "/search/?q=Kim+Sung+Nam",
    "downloads": "/downloads/",
}


@pytest.mark.parametrize("viewport", ["laptop", "phone"])
def test_screenshots_of_every_page(chromium, live_server, settings, data, screenshot_dir, viewport):
    from tests.browser.conftest import VIEWPORTS  # noqa: PLC0415 - one place for the sizes

    settings.PUBLIC_READ = True
    context = chromium.new_context(viewport=VIEWPORTS[viewport], base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    ids = {"delegation": data["delegation"].pk, "leader": data["leader"].pk}
    for name, url in PAGES.items():
        page.goto(url.format(**ids))
        if page.locator("#map").count():
            page.wait_for_selector("#map[data-ready]")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[viewport]["width"], f"{name} scrolls sideways on a {viewport}"
        page.screenshot(path=screenshot_dir / f"{name}-{viewport}.png", full_page=name != "map")
    settings.PUBLIC_READ = False
    page.goto("/")
    page.screenshot(path=screenshot_dir / f"login-{viewport}.png")
    context.close()
    assert not [e for e in errors if "favicon" not in e], errors

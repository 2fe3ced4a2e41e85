"""JSON list shape and the map's GeoJSON."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from contacts.tests.factories import ContactFactory, CountryFactory, ParticipantFactory, PlaceFactory, trip_scenario

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client):
    client.force_login(User.objects.create_user("analyst"))
    return client


def test_json_shape_and_following_next_reads_every_row_once(analyst):
    country = CountryFactory(iso2="QM")
    wanted = [ContactFactory(country=country, start_date=dt.date(2023, 1, 1) + dt.timedelta(days=i)) for i in range(73)]
    ContactFactory.create_batch(4)
    url = reverse("contacts:api_contacts") + "?country=QM"
    seen, pages = [], []
    while url:
        data = analyst.get(url).json()
        assert set(data) == {"count", "next", "previous", "results"}
        assert data["count"] == 73
        pages.append(data)
        seen += [row["id"] for row in data["results"]]
        url = data["next"]
        if url:
            assert "country=QM" in url
    assert [len(p["results"]) for p in pages] == [50, 23]
    assert pages[0]["previous"] is None and pages[1]["previous"] is not None
    assert seen == [c.pk for c in sorted(wanted, key=lambda c: (c.start_date, c.pk), reverse=True)]


def test_json_row_fields(analyst):
    trip = trip_scenario()
    data = analyst.get(reverse("contacts:api_contacts"), {"kind": "meeting", "country": "LA"}).json()
    (row,) = data["results"]
    assert row["kind"] == "meeting" and row["direction"] == "outbound"
    assert row["start_date"] == "2024-03-24" and row["end_date"] is None
    assert row["country"] == {"iso2": "LA", "name": "Laos"}
    assert row["place"]["name"] == "Vientiane"
    assert row["delegation"]["id"] == trip["delegation"].pk
    assert row["url"].startswith("http://testserver/delegations/")
    assert {(p["name"], p["side"]) for p in row["participants"]} == {("Kim Song Nam", "dprk"), ("Host of Vientiane", "foreign")}


def test_json_query_count_does_not_grow_with_rows(analyst, django_assert_max_num_queries):
    for _ in range(5):
        ParticipantFactory(contact=ContactFactory())
    with django_assert_max_num_queries(12) as small:
        analyst.get(reverse("contacts:api_contacts"))
    for _ in range(40):
        ParticipantFactory(contact=ContactFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        analyst.get(reverse("contacts:api_contacts"))


def test_geojson_draws_the_itinerary_from_pyongyang_through_every_stop(analyst):
    trip = trip_scenario()
    response = analyst.get(reverse("contacts:export_geojson"))
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    (line,) = [f for f in data["features"] if f["geometry"]["type"] == "LineString"]
    assert line["properties"]["stops"] == ["Pyongyang", "Beijing", "Hanoi", "Vientiane"]
    assert line["geometry"]["coordinates"][0] == [125.75, 39.03]
    assert line["properties"]["delegation_id"] == trip["delegation"].pk
    points = {f["properties"]["name"]: f["properties"] for f in data["features"] if f["geometry"]["type"] == "Point"}
    assert points["Hanoi"]["count"] == 2  # the visit and the meeting
    assert {c["title"] for c in points["Hanoi"]["contacts"]} == {"WPK delegation visits Hanoi.", "Host of Hanoi meets Kim Song Nam."}
    assert all(c["url"].startswith("/delegations/") for c in points["Hanoi"]["contacts"])


def test_geojson_follows_the_filters(analyst):
    trip_scenario()
    elsewhere = ContactFactory(place=PlaceFactory(name="Havana", latitude=23.1, longitude=-82.4))
    data = analyst.get(reverse("contacts:export_geojson"), {"country": elsewhere.country.iso2}).json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Havana"]


def test_geojson_places_contacts_without_a_city_at_the_country(analyst):
    country = CountryFactory(iso2="QN", name="Country QN", latitude=12.0, longitude=34.0)
    ContactFactory(country=country, kind="message", direction="remote")
    (feature,) = analyst.get(reverse("contacts:export_geojson")).json()["features"]
    assert feature["geometry"]["coordinates"] == [34.0, 12.0]
    assert feature["properties"]["name"] == "Country QN (no city given)"


def test_geojson_is_recomputed_after_a_change(analyst):
    first = ContactFactory(place=PlaceFactory(name="Minsk", latitude=53.9, longitude=27.6))
    assert len(analyst.get(reverse("contacts:export_geojson")).json()["features"]) == 1
    ContactFactory(place=PlaceFactory(name="Tehran", latitude=35.7, longitude=51.4), country=first.country)
    assert len(analyst.get(reverse("contacts:export_geojson")).json()["features"]) == 2


def test_geojson_download_is_an_attachment(analyst):
    response = analyst.get(reverse("contacts:export_geojson"), {"download": "1"})
    assert response["Content-Disposition"] == 'attachment; filename="contact-atlas-map.geojson"'

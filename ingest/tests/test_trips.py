"""Trips: every report of one journey folds into one delegation, whatever the order and however often.

The articles are written for these tests (invented delegations and people) and go through the real
pipeline: storage, classification, journeys, proposals, consolidation and apply.
"""

from __future__ import annotations

from datetime import date

import pytest

from contacts.models import Contact, Delegation
from ingest import pipeline
from ingest.pipeline import apply
from ingest.pipeline.trips import delegation_split, delegations_export

pytestmark = pytest.mark.django_db

# A Foreign Ministry tour: Ulaanbaatar, Minsk, Belgrade, told by five outlets.
TOUR = {
    "https://news.example/departure": (
        date(2025, 6, 3),
        "Foreign Ministry delegation leaves for Mongolia, Belarus and Serbia",
        "Pyongyang, June 2 (KCNA) -- A delegation of the Ministry of Foreign Affairs of the DPRK led by Vice-Minister "
        "Ri Chol Ung left here on Monday to visit Mongolia, Belarus and Serbia.\n\n"
        "It was seen off at the airport by officials concerned.",
    ),
    "https://news.example/ulaanbaatar": (
        date(2025, 6, 3),
        "DPRK delegation arrives in Ulaanbaatar",
        "Ulaanbaatar, June 3 (KCNA) -- A delegation of the DPRK Ministry of Foreign Affairs led by Vice-Minister "
        "Ri Chol Ung arrived in Ulaanbaatar on June 2.\n\nIt was greeted at the airport by Mongolian foreign ministry "
        "officials. The delegation held talks with Mongolian State Secretary Bat-Erdene Gantulga on June 3.",
    ),
    "https://press.example/minsk": (
        date(2025, 6, 6),
        "Belarus and DPRK hold consultations",
        "Minsk, June 6 (BelTA) -- A delegation of the DPRK Ministry of Foreign Affairs led by Vice-Minister Ri Chol "
        "Ung, which arrived in Minsk on June 5, held talks with Belarusian Deputy Foreign Minister Igor Sokol on "
        "Thursday.\n\nThe sides discussed bilateral cooperation.",
    ),
    "https://wire.example/belgrade": (
        date(2025, 6, 9),
        "North Korean vice-minister in Belgrade",
        "Belgrade, June 9 -- North Korean Vice Foreign Minister Ri Chol Ung arrived in Belgrade on June 8 on the last "
        "leg of a tour that took him to Mongolia and Belarus.\n\nHe met Serbian State Secretary Marko Petrovic on "
        "Monday.",
    ),
    "https://news.example/return": (
        date(2025, 6, 12),
        "Foreign Ministry delegation returns home",
        "Pyongyang, June 11 (KCNA) -- The delegation of the Ministry of Foreign Affairs of the DPRK led by "
        "Vice-Minister Ri Chol Ung returned home on Wednesday after visiting Mongolia, Belarus and Serbia.",
    ),
}


def ingest(articles: dict, urls: list[str]) -> None:
    stored = []
    for url in urls:
        published, title, text = articles[url]
        stored.append(pipeline.ingest_text(text_body=text, url=url, title=title, published=published.isoformat()))
    pipeline.process_all([a.pk for a in stored])


def trips_of(leader: str) -> list[dict]:
    return [line for line in delegations_export() if line["leader"] == leader]


def places(line: dict) -> list[tuple[str, str | None]]:
    return [(s["country"], s["city"]) for s in line["stops"] if not s["transit"]]


def city(country: str, name: str) -> str:
    """The gazetteer's name for a city (GeoNames calls Ulaanbaatar "Ulan Bator")."""
    return apply.place_get(apply.country_get(country), name).name


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 2, 0, 3, 1], [3, 1, 4, 0, 2]])
def test_five_reports_in_any_order_and_twice_make_one_trip_with_its_stops_in_order(order):
    urls = [list(TOUR)[i] for i in order]
    ingest(TOUR, urls)
    ingest(TOUR, list(reversed(urls)))  # the same reports again: nothing changes

    trips = trips_of("Ri Chol Ung")
    assert len(trips) == 1
    trip = trips[0]
    assert trip["direction"] == "outbound"
    ulaanbaatar = city("MN", "Ulaanbaatar")
    assert places(trip) == [("MN", ulaanbaatar), ("BY", "Minsk"), ("RS", "Belgrade")]
    arrivals = {s["city"]: s["arrived"] for s in trip["stops"]}
    assert arrivals == {ulaanbaatar: "2025-06-02", "Minsk": "2025-06-05", "Belgrade": "2025-06-08"}
    assert trip["start"] == "2025-06-02"
    assert trip["end"] == "2025-06-11"
    assert sorted(trip["articles"]) == sorted(TOUR)
    delegation = Delegation.objects.get(pk=trip["id"])
    assert delegation.stage == Delegation.Stage.CONCLUDED
    # Editors see why each article joined: one entry per article, the first one starting the trip.
    reasons = delegation.grouping["articles"]
    assert len(reasons) == len(TOUR)
    assert any("same leader" in r for rs in reasons.values() for r in rs)


TWO_DELEGATIONS = {
    "https://news.example/russian-talks": (
        date(2025, 6, 21),
        "Defence ministers hold talks",
        "Pyongyang, June 21 (KCNA) -- No Kwang Chol, minister of National Defence, held talks with the visiting "
        "military delegation of the Russian Federation led by Defence Minister Andrei Belousov on Friday.",
    ),
    "https://news.example/two-delegations": (
        date(2025, 6, 20),
        "Russian and Chinese delegations arrive",
        "Pyongyang, June 20 (KCNA) -- A military delegation of the Russian Federation led by Defence Minister Andrei "
        "Belousov arrived here on Thursday.\n\nIt was met at the airport by No Kwang Chol, minister of National "
        "Defence.\n\nA delegation of the Communist Party of China led by Wang Xiaoming, vice-minister of its "
        "International Department, also arrived here on Thursday.",
    ),
}


def test_an_article_about_two_delegations_feeds_both_and_merges_nothing():
    ingest(TWO_DELEGATIONS, list(TWO_DELEGATIONS))

    russian, chinese = trips_of("Andrei Belousov"), trips_of("Wang Xiaoming")
    assert len(russian) == 1 and len(chinese) == 1
    assert sorted(russian[0]["articles"]) == sorted(TWO_DELEGATIONS)
    assert chinese[0]["articles"] == ["https://news.example/two-delegations"]
    assert russian[0]["id"] != chinese[0]["id"]
    assert Delegation.objects.get(pk=chinese[0]["id"]).sending_country.iso2 == "CN"
    assert places(chinese[0]) == [("KP", "Pyongyang")]


CUBA = {
    "https://news.example/announcement": (
        date(2025, 7, 1),
        "WPK delegation to visit Cuba",
        "Pyongyang, July 1 (KCNA) -- A delegation of the Workers' Party of Korea led by Kim Song Nam, director of the "
        "International Department of the WPK Central Committee, will pay a visit to Cuba at the invitation of the "
        "Communist Party of Cuba.",
    ),
    "https://wire.example/havana": (
        date(2025, 7, 8),
        "North Korean party delegation in Havana",
        "Havana, July 8 -- A delegation of the Workers' Party of Korea led by Kim Song Nam arrived in Havana on July 7 "
        "and was greeted by Emilio Lozada, head of the International Relations Department of the Communist Party "
        "of Cuba.",
    ),
}


def test_an_announcement_is_a_planned_trip_that_the_departure_report_updates():
    ingest(CUBA, ["https://news.example/announcement"])
    (planned,) = trips_of("Kim Song Nam")
    assert Delegation.objects.get(pk=planned["id"]).stage == Delegation.Stage.ANNOUNCED

    ingest(CUBA, ["https://wire.example/havana"])
    (trip,) = trips_of("Kim Song Nam")
    assert trip["id"] == planned["id"]
    assert Delegation.objects.get(pk=trip["id"]).stage == Delegation.Stage.DEPARTED
    assert places(trip) == [("CU", "Havana")]
    assert trip["stops"][0]["arrived"] == "2025-07-07"
    assert sorted(trip["articles"]) == sorted(CUBA)


LATE_BELGRADE = {
    "https://wire.example/belgrade-president": (
        date(2025, 6, 10),
        "Serbian president receives North Korean envoy",
        "Belgrade, June 10 -- Serbian President Aleksandar Vucic received North Korean Vice Foreign Minister Ri Chol "
        "Ung in Belgrade on Monday.",
    ),
}


def test_an_editors_split_is_kept_by_later_ingests():
    urls = list(TOUR)
    ingest(TOUR, urls)
    (trip,) = trips_of("Ri Chol Ung")
    delegation = Delegation.objects.get(pk=trip["id"])
    belgrade = delegation.contacts.get(kind=Contact.Kind.VISIT, country__iso2="RS")

    second = delegation_split(delegation, [belgrade])

    delegation.refresh_from_db()
    assert delegation.locked and second.locked
    assert second.grouping["split_from"] == delegation.pk
    assert second.pk in delegation.grouping["split_into"]
    by_id = {line["id"]: line for line in delegations_export()}
    assert places(by_id[delegation.pk]) == [("MN", city("MN", "Ulaanbaatar")), ("BY", "Minsk")]
    assert places(by_id[second.pk]) == [("RS", "Belgrade")]
    # The Belgrade report follows its stop (it also names the earlier stops, so the first trip keeps citing it).
    assert "https://wire.example/belgrade" in by_id[second.pk]["articles"]
    assert "https://news.example/ulaanbaatar" not in by_id[second.pk]["articles"]

    # The same reports again, and a new report from Belgrade: the split stands.
    ingest(TOUR, list(reversed(urls)))
    ingest(LATE_BELGRADE, list(LATE_BELGRADE))
    by_id = {line["id"]: line for line in delegations_export() if line["leader"] == "Ri Chol Ung"}
    assert set(by_id) == {delegation.pk, second.pk}
    assert places(by_id[delegation.pk]) == [("MN", city("MN", "Ulaanbaatar")), ("BY", "Minsk")]
    assert places(by_id[second.pk]) == [("RS", "Belgrade")]
    assert "https://wire.example/belgrade-president" in by_id[second.pk]["articles"]
    assert "https://wire.example/belgrade-president" not in by_id[delegation.pk]["articles"]
    # The president's reception is attached to the stop where it happened.
    reception = Contact.objects.get(kind=Contact.Kind.MEETING, country__iso2="RS")
    assert reception.delegation_id == second.pk
    assert reception.stop is not None and reception.stop.place.name == "Belgrade"


def test_a_split_must_leave_a_stop_on_each_side():
    ingest(TOUR, list(TOUR))
    delegation = Delegation.objects.get(leader__name="Ri Chol Ung")
    visits = list(delegation.contacts.filter(kind=Contact.Kind.VISIT))
    with pytest.raises(ValueError):
        delegation_split(delegation, visits)
    with pytest.raises(ValueError):
        delegation_split(delegation, [])


def test_itinerary_order_uses_reported_days_then_meetings_then_the_listed_route():
    from contacts.models import Country, DatePrecision
    from ingest.pipeline.trips import itinerary_key

    def stop(pk, iso2, day, precision=DatePrecision.DAY):
        return Contact(pk=pk, country=Country(iso2=iso2), start_date=day, start_precision=precision)

    placeholder = DatePrecision.MONTH
    beijing = stop(1, "CN", date(2025, 3, 21))
    laos = stop(2, "LA", date(2025, 3, 21), placeholder)  # known only from "to visit China, Viet Nam and Laos"
    hanoi = stop(3, "VN", date(2025, 3, 21), placeholder)
    ranks = {"CN": 0.0, "VN": 0.5, "LA": 1.0}
    by_route = itinerary_key([laos, hanoi, beijing], ranks)
    assert sorted([laos, hanoi, beijing], key=lambda v: by_route[v.pk]) == [beijing, hanoi, laos]
    # A dated meeting at a stop outweighs the order the countries were listed in.
    by_meetings = itinerary_key([laos, hanoi, beijing], {"CN": 0.0, "LA": 0.5, "VN": 1.0},
                                {hanoi.pk: date(2025, 3, 25), laos.pk: date(2025, 3, 29)})
    assert sorted([laos, hanoi, beijing], key=lambda v: by_meetings[v.pk]) == [beijing, hanoi, laos]

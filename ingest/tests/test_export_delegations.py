"""`manage.py export_delegations --json`: the contract used to measure trips, line by line."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from contacts.models import Contact, DatePrecision, Delegation, Direction, Evidence
from ingest import pipeline
from ingest.models import Article
from ingest.pipeline import apply

pytestmark = pytest.mark.django_db


def export() -> list[dict]:
    out = StringIO()
    call_command("export_delegations", "--json", stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def visit(delegation, country, city, start, *, order, end=None, transit=False, precision=DatePrecision.DAY):
    place_country = apply.country_get(country)
    return Contact.objects.create(
        kind=Contact.Kind.VISIT, direction=delegation.direction,
        country=place_country if delegation.direction == Direction.OUTBOUND else delegation.sending_country,
        place=apply.place_get(place_country, city) if city else None, start_date=start, start_precision=precision,
        end_date=end, delegation=delegation, itinerary_order=order, transit=transit,
    )


def test_one_line_per_delegation_with_stops_in_itinerary_order_and_every_article():
    leader, _ = apply.person_resolve("Ri Chol Ung", country=apply.country_get("KP"))
    trip = Delegation.objects.create(
        title="Foreign Ministry delegation", direction=Direction.OUTBOUND, sending_country=apply.country_get("KP"),
        leader=leader, start_date=date(2025, 6, 2), end_date=date(2025, 6, 11),
    )
    # Created out of order on purpose: the export follows itinerary_order, not creation.
    belgrade = visit(trip, "RS", "Belgrade", date(2025, 6, 8), order=3, end=date(2025, 6, 10))
    visit(trip, "MN", "Ulaanbaatar", date(2025, 6, 2), order=1)
    visit(trip, "RU", None, date(2025, 6, 4), order=2, transit=True, precision=DatePrecision.MONTH)
    talks = Contact.objects.create(kind=Contact.Kind.MEETING, direction=Direction.OUTBOUND, country=belgrade.country,
                                   start_date=date(2025, 6, 9), delegation=trip, stop=belgrade)
    original = pipeline.ingest_text(text_body="Report.", url="https://news.example/a", published="2025-06-09")
    copy = pipeline.ingest_text(text_body="Report. ", url="https://mirror.example/a", published="2025-06-01")
    Article.objects.filter(pk=copy.pk).update(duplicate_of=original)
    apply.evidence_add(original, delegation=trip)
    Evidence.objects.create(contact=talks, url="https://other.example/talks")

    (line,) = export()

    assert line == {
        "id": trip.pk,
        "leader": "Ri Chol Ung",
        "direction": "outbound",
        "start": "2025-06-02",
        "end": "2025-06-11",
        "stops": [
            {"country": "MN", "city": line["stops"][0]["city"], "arrived": "2025-06-02", "departed": None,
             "transit": False},
            # A placeholder date (not known to the day) is not exported as an arrival.
            {"country": "RU", "city": None, "arrived": None, "departed": None, "transit": True},
            {"country": "RS", "city": "Belgrade", "arrived": "2025-06-08", "departed": "2025-06-10",
             "transit": False},
        ],
        "articles": ["https://mirror.example/a", "https://news.example/a", "https://other.example/talks"],
    }
    assert line["stops"][0]["city"] == apply.place_get(apply.country_get("MN"), "Ulaanbaatar").name


def test_a_visit_to_the_dprk_is_a_stop_in_the_dprk():
    trip = Delegation.objects.create(
        title="Russian military delegation", direction=Direction.INBOUND, sending_country=apply.country_get("RU"),
        start_date=date(2025, 6, 19),
    )
    visit(trip, "KP", "Pyongyang", date(2025, 6, 19), order=1)

    (line,) = export()

    assert line["leader"] is None and line["end"] is None
    assert line["stops"] == [{"country": "KP", "city": "Pyongyang", "arrived": "2025-06-19", "departed": None,
                              "transit": False}]
    assert line["articles"] == []


def test_ingest_keeps_each_lines_url(tmp_path):
    lines = [
        {"id": "a", "url": "https://news.example/path?id=1&utm_source=feed", "source": "X", "published": "2025-06-01",
         "title": "A", "text": "Nothing about any delegation."},
        {"id": "b", "url": "http://www.other.example/story.html", "source": "Y", "published": None,
         "title": "B", "text": "Something else entirely."},
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")

    call_command("ingest", "--quiet", str(path), stdout=StringIO())

    assert sorted(Article.objects.values_list("url", flat=True)) == sorted(line["url"] for line in lines)

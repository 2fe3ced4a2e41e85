"""CSV downloads: exactly the filtered rows, Excel-friendly, formula-safe, streamed by COPY."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http import StreamingHttpResponse
from django.urls import reverse

from contacts import exports
from contacts.models import Contact
from contacts.tests.factories import (
    ContactFactory,
    CountryFactory,
    ParticipantFactory,
    PersonFactory,
    PlaceFactory,
    trip_scenario,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client):
    client.force_login(User.objects.create_user("analyst"))
    return client


def download(client, **params) -> tuple[StreamingHttpResponse, bytes, list[dict[str, str]]]:
    response = client.get(reverse("contacts:export_csv"), params)
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    return response, body, rows


def test_csv_holds_exactly_the_filtered_rows_in_timeline_order(analyst):
    country = CountryFactory(iso2="QM")
    wanted = [ContactFactory(country=country, start_date=dt.date(2024, 1, 1) + dt.timedelta(days=i)) for i in range(7)]
    # In another country by name: a factory-made country could be QM again (its codes cycle).
    ContactFactory.create_batch(3, country=CountryFactory(iso2="QN"))
    response, body, rows = download(analyst, country="QM")
    assert [int(r["contact_id"]) for r in rows] == [c.pk for c in reversed(wanted)]


def test_csv_has_bom_header_iso_dates_and_attachment_headers(analyst):
    trip = trip_scenario()
    response, body, rows = download(analyst, kind="visit")
    assert body.startswith(b"\xef\xbb\xbfcontact_id,kind,direction,start_date,")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="contact-atlas-')
    assert list(rows[0]) == [column.header for column in exports.CONTACT_COLUMNS]
    first = rows[-1]  # oldest visit: Beijing
    assert first["start_date"] == "2024-03-12" and first["end_date"] == "2024-03-15"
    assert first["place"] == "Beijing" and first["country_iso2"] == "CN"
    assert first["delegation_id"] == str(trip["delegation"].pk) and first["itinerary_order"] == "1"
    assert first["transit"] == "false"


def test_dates_are_iso_whatever_the_session_date_style():
    ContactFactory(start_date=dt.date(2024, 3, 12), end_date=dt.date(2024, 3, 15))
    sql = exports.copy_sql(Contact.objects.all())
    with connection.cursor() as cursor:
        cursor.execute("SET DateStyle = 'SQL, DMY'")
    (row,) = list(csv.DictReader(io.StringIO(b"".join(exports.iter_copy(sql)).decode())))
    assert (row["start_date"], row["end_date"]) == ("2024-03-12", "2024-03-15")


def test_csv_lists_participants_and_sources(analyst):
    trip = trip_scenario()
    _, _, rows = download(analyst, kind="meeting", country="VN")
    (row,) = rows
    assert row["dprk_participants"] == "Kim Song Nam"
    assert row["foreign_participants"] == "Host of Hanoi"
    assert row["sources"] == trip["meetings"][1].evidence.get().url


def test_csv_keeps_korean_and_vietnamese_names_intact(analyst):
    person = PersonFactory(name="김성남")
    contact = ContactFactory(summary="Nguyễn Phú Trọng tiếp đoàn đại biểu", place=PlaceFactory(name="Hà Nội"))
    ParticipantFactory(contact=contact, person=person)
    _, _, rows = download(analyst)
    assert rows[0]["dprk_participants"] == "김성남"
    assert rows[0]["summary"] == "Nguyễn Phú Trọng tiếp đoàn đại biểu"
    assert rows[0]["place"] == "Hà Nội"


@pytest.mark.parametrize("dangerous", ["=SUM(A1:A9)", "+1+2", "-2+3", "@cmd", "\tindent", "\rreturn"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(analyst, dangerous):
    ContactFactory(summary=dangerous, place=PlaceFactory(name=dangerous, latitude=-33.9, longitude=-70.6))
    _, _, rows = download(analyst)
    assert rows[0]["summary"] == "'" + dangerous
    assert rows[0]["place"] == "'" + dangerous
    assert rows[0]["latitude"] == "-33.9"  # numbers are left alone


@pytest.mark.parametrize("harmless", ["\u2212 5 (a minus sign, not a hyphen)", "김성남", "'quoted", " =spaced"])
def test_cells_starting_with_other_characters_are_unchanged(analyst, harmless):
    ContactFactory(summary=harmless)
    _, _, rows = download(analyst)
    assert rows[0]["summary"] == harmless


def test_harmless_text_is_unchanged(analyst):
    ContactFactory(summary="Talks in Pyongyang = friendly; costs -5%")
    _, _, rows = download(analyst)
    assert rows[0]["summary"] == "Talks in Pyongyang = friendly; costs -5%"


def test_filter_values_are_bound_safely_in_the_copy_statement(analyst):
    tricky = "50% O'Brien'); DROP TABLE contacts_contact; --"
    wanted = ContactFactory(summary=f"Summary with {tricky}")
    ContactFactory(summary="Other")
    _, _, rows = download(analyst, q="O'Brien');")
    assert [int(r["contact_id"]) for r in rows] == [wanted.pk]
    assert Contact.objects.count() == 2


def test_empty_result_still_has_a_header(analyst):
    _, body, rows = download(analyst, kind="agreement")
    assert rows == []
    assert body.decode("utf-8-sig").startswith("contact_id,")


def test_rejected_contacts_are_not_exported(analyst):
    kept = ContactFactory()
    ContactFactory(review_status="rejected")
    _, _, rows = download(analyst)
    assert [int(r["contact_id"]) for r in rows] == [kept.pk]


def test_large_exports_stream_in_blocks(analyst, monkeypatch):
    monkeypatch.setattr(exports, "STREAM_BLOCK_BYTES", 1024)
    ContactFactory.create_batch(300, summary="x" * 40)
    response = analyst.get(reverse("contacts:export_csv"))
    chunks = list(response.streaming_content)
    assert len(chunks) > 10
    assert max(len(chunk) for chunk in chunks) < 1024 + 1024  # one block plus at most one row
    assert len(list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))) == 301


def test_every_column_is_documented_on_the_downloads_page(analyst):
    html = analyst.get(reverse("contacts:downloads")).content.decode()
    for column in exports.CONTACT_COLUMNS:
        assert f"<code>{column.header}</code>" in html

"""Date and link helpers of the timeline: the same text the pages showed with their former includes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from contacts.templatetags.atlas import clip, date_range, fuzzy_date, people
from contacts.tests.factories import ContactFactory, ParticipantFactory, PersonFactory

D = dt.date


@pytest.mark.parametrize(
    ("day", "precision", "text"),
    [(D(2024, 3, 5), "day", "5 Mar 2024"), (D(2024, 3, 5), "month", "Mar 2024"), (D(2024, 3, 5), "year", "2024")],
)
def test_a_date_is_written_to_its_precision(day, precision, text):
    assert fuzzy_date(day, precision) == text


@pytest.mark.parametrize(
    ("start", "end", "precision", "text"),
    [
        (D(2024, 5, 3), D(2024, 5, 7), "day", "3–7 May 2024"),
        (D(2024, 4, 30), D(2024, 5, 2), "day", "30 Apr – 2 May 2024"),
        (D(2023, 12, 30), D(2024, 1, 2), "day", "30 Dec 2023 – 2 Jan 2024"),
        (D(2024, 5, 3), D(2024, 5, 3), "day", "3 May 2024"),
        (D(2024, 5, 3), None, "day", "3 May 2024"),
        (D(2024, 5, 1), D(2024, 6, 30), "month", "May 2024"),
    ],
)
def test_a_date_range_is_written_compactly(start, end, precision, text):
    assert date_range(start, end, precision) == text


def test_clip_shortens_like_truncatechars():
    assert clip("short", 10) == "short"
    assert clip("x" * 12, 10) == "x" * 9 + "…"


@pytest.mark.django_db
def test_people_are_links_to_their_pages_with_escaped_names():
    contact = ContactFactory()
    person = PersonFactory(name="<b>Kim</b>")
    ParticipantFactory(contact=contact, person=person, side="dprk", title="Vice-minister & envoy")
    html = people(contact)
    assert f'href="{reverse("contacts:person", args=[person.pk])}"' in html
    assert "&lt;b&gt;Kim&lt;/b&gt;" in html and "<b>" not in html
    assert 'title="DPRK — Vice-minister &amp; envoy"' in html

"""Fixtures for the benchmark tests."""

import pytest

from contacts.tests.factories import CountryFactory, PlaceFactory


@pytest.fixture
def reference():
    """A few real countries with a capital each, so the generator skips load_reference."""
    for iso2, name, capital in (
        ("KP", "DPRK", "Pyongyang"),
        ("CN", "China", "Beijing"),
        ("VN", "Vietnam", "Hanoi"),
        ("LA", "Laos", "Vientiane"),
        ("RU", "Russia", "Moscow"),
    ):
        country = CountryFactory(iso2=iso2, name=name, demonyms=[name + "n"])
        country.capital = PlaceFactory(name=capital, country=country)
        country.save()

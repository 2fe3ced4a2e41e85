"""load_reference: countries as the press names them, cities, DPRK organisations; a second run changes nothing."""

import pytest
from django.core.management import call_command
from pghistory.models import Events

from contacts.models import Country, Organization, Place

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "countries": list(Country.objects.order_by("iso2").values()),
        "places": Place.objects.count(),
        "organizations": list(Organization.objects.order_by("name").values()),
        "events": Events.objects.across(
            *[
                model.pgh_event_models[label]
                for model in (Country, Place, Organization)
                for label in ("insert", "update")
            ]
        ).count(),
    }


def test_load_reference_loads_the_world_and_is_idempotent():
    call_command("load_reference")
    first = snapshot()

    lao = Country.objects.get(iso2="LA")
    assert {"Lao PDR", "Laos"} <= set(lao.press_names)
    assert "Laotian" in lao.demonyms
    assert lao.capital.name == "Vientiane"
    dprk = Country.objects.get(iso2="KP")
    assert dprk.capital.name == "Pyongyang"
    assert dprk.latitude and dprk.longitude
    assert Country.objects.count() >= 249
    assert Place.objects.count() > 30000
    hanoi = Place.objects.get(country__iso2="VN", name="Hanoi")
    assert "Ha Noi" in hanoi.aliases or "Hà Nội" in hanoi.aliases
    department = Organization.objects.get(name="International Department of the WPK Central Committee")
    assert department.parent.name == "Central Committee of the Workers' Party of Korea"
    assert department.country == dprk
    assert Organization.objects.filter(country=dprk, kind="legislature", short_name="SPA").exists()

    call_command("load_reference")
    assert snapshot() == first  # no row changed and no history event was written


def test_load_reference_repairs_a_changed_row_and_records_it():
    call_command("load_reference")
    Country.objects.filter(iso2="LA").update(demonyms=["Lao"])
    call_command("load_reference")
    lao = Country.objects.get(iso2="LA")
    assert "Laotian" in lao.demonyms
    contexts = [e.pgh_context for e in Events.objects.tracks(lao).filter(pgh_label="update") if e.pgh_context]
    assert {"command": "load_reference"}.items() <= contexts[-1].items()

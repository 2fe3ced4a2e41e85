"""load_demo: the March 2024 WPK trip and other documented contacts, with sources; idempotent."""

import pytest
from django.core.management import CommandError, call_command
from pghistory.models import Events

from contacts.management.commands.load_reference import countries_load
from contacts.models import Contact, Delegation, Evidence, Person, normalize_name

pytestmark = pytest.mark.django_db

TRIP = "WPK delegation led by Kim Song Nam to China, Viet Nam and Laos (March 2024)"


@pytest.fixture
def countries():
    countries_load()


def test_load_demo_needs_the_reference_countries():
    with pytest.raises(CommandError, match="load_reference"):
        call_command("load_demo")


def test_demo_trip_has_three_visits_in_date_order(countries):
    call_command("load_demo")
    trip = Delegation.objects.get(title=TRIP)
    assert trip.leader.name == "Kim Song Nam"
    assert trip.sending_country.iso2 == "KP"
    visits = list(trip.contacts.filter(kind=Contact.Kind.VISIT).order_by("itinerary_order"))
    assert [(v.country.iso2, v.place.name) for v in visits] == [("CN", "Beijing"), ("VN", "Hanoi"), ("LA", "Vientiane")]
    assert [v.start_date for v in visits] == sorted(v.start_date for v in visits)
    met = set(
        trip.contacts.filter(kind=Contact.Kind.MEETING, participants__side="foreign").values_list(
            "participants__person__name", flat=True
        )
    )
    assert met == {
        "Liu Jianchao",
        "Wang Huning",
        "Wang Yi",
        "Le Hoai Trung",
        "Thongsavanh Phomvihane",
        "Thongloun Sisoulith",
    }
    for meeting in trip.contacts.filter(kind=Contact.Kind.MEETING):
        assert meeting.stop.country == meeting.country


def test_demo_has_the_floral_basket_and_documented_contacts_across_years(countries):
    call_command("load_demo")
    basket = Contact.objects.get(kind=Contact.Kind.MESSAGE, country__iso2="LA", start_date__year=2024)
    assert basket.direction == "remote"
    assert "69th anniversary" in basket.summary
    assert Contact.objects.count() >= 12
    assert {d.year for d in Contact.objects.dates("start_date", "year")} >= {2019, 2023, 2024}
    assert set(Contact.objects.values_list("direction", flat=True)) == {"outbound", "inbound", "remote"}
    assert set(Contact.objects.values_list("kind", flat=True)) == {"visit", "meeting", "message", "agreement"}
    assert {"party", "government", "military", "parliament", "friendship"} <= set(
        Delegation.objects.values_list("delegation_type", flat=True)
    )
    for contact in Contact.objects.all():
        assert contact.evidence.exists(), contact
    assert not Evidence.objects.exclude(url__startswith="http").exists()


def test_demo_people_have_aliases_hangul_and_posts(countries):
    call_command("load_demo")
    kim = Person.objects.get(name="Kim Song Nam")
    assert kim.hangul == "김성남"
    folded = set(kim.aliases.values_list("normalized", flat=True))
    assert {normalize_name(n) for n in ["Kim Song Nam", "Kim Song-nam", "Kim Sung-nam", "김성남"]} <= folded
    post = kim.positions.get()
    assert post.organization.name == "International Department of the WPK Central Committee"


def test_load_demo_twice_changes_nothing(countries):
    call_command("load_demo")
    counts = {model: model.objects.count() for model in (Contact, Delegation, Evidence, Person)}
    events = Events.objects.count()  # history events of every tracked model
    call_command("load_demo")
    assert {model: model.objects.count() for model in (Contact, Delegation, Evidence, Person)} == counts
    assert Events.objects.count() == events

"""The classifier on articles written for these tests, in KCNA, Yonhap and wire-service style.

Each article is invented (names of real offices, made-up events) so that the rules are checked on copy
they were not tuned on. No database is needed.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.management import call_command

from ingest.pipeline.classify import ArticleInput, analyze, prediction
from ingest.pipeline.names import same_person


def article(text: str, *, published: str | None = None, title: str = "", source: str = "KCNA", ident: str = "t1"):
    return ArticleInput(
        id=ident,
        url=f"https://example.org/{ident}",
        source=source,
        published=date.fromisoformat(published) if published else None,
        title=title,
        text=text,
    )


def test_kcna_outbound_departure_with_apposition_and_weekday():
    a = analyze(article(
        "Pyongyang, November 14 (KCNA) -- A delegation of the Workers' Party of Korea headed by Ri Chol Man, "
        "member of the Political Bureau and director of a department of the WPK Central Committee, left here "
        "Tuesday to visit Cuba and Nicaragua.",
        published="2024-11-14",
    ))
    assert a.relevant
    assert a.kind == "visit"
    assert a.direction == "outbound"
    assert a.countries == ["CU", "NI"]
    assert same_person(a.dprk_lead, "Ri Chol Man")
    assert a.delegation_type == "party"
    assert a.event_date == date(2024, 11, 12)  # the Tuesday before the Thursday dateline
    assert a.event_date_precision == "day"
    assert a.cities == []
    assert any("direction outbound" in r for r in a.reasons)


def test_kcna_inbound_arrival_is_datelined_in_pyongyang():
    a = analyze(article(
        "Pyongyang, June 3 (KCNA) -- A delegation of the Communist Party of Brazil led by Marina Costa, member of "
        "the National Executive Committee of the party, arrived here on Monday.",
        published="2025-06-03",
    ))
    assert a.relevant and a.kind == "visit" and a.direction == "inbound"
    assert a.countries == ["BR"]
    assert a.foreign_lead == "Marina Costa"
    assert a.dprk_lead is None
    assert a.delegation_type == "party"
    assert a.event_date == date(2025, 6, 2)
    assert a.cities == ["Pyongyang"]


def test_kcna_message_of_greeting_is_remote_and_dated_explicitly():
    a = analyze(article(
        "Pyongyang, October 12 (KCNA) -- Kim Jong Un, general secretary of the Workers' Party of Korea, received "
        "a message of greeting from Emmerson Mnangagwa, president of the Republic of Zimbabwe, on October 9.\n"
        "The message wished the Korean people greater successes.",
        published="2023-10-12",
    ))
    assert a.relevant and a.kind == "message" and a.direction == "remote"
    assert a.countries == ["ZW"]
    assert a.dprk_lead == "Kim Jong Un"
    assert a.foreign_lead == "Emmerson Mnangagwa"
    assert a.event_date == date(2023, 10, 9)
    assert a.delegation_type is None


def test_credentials_meeting_in_pyongyang_names_both_sides():
    a = analyze(article(
        "Pyongyang, March 5 (KCNA) -- Choe Ryong Hae, first vice-president of the State Affairs Commission, "
        "received credentials from Ahmed Benali, Algerian ambassador to the DPRK, at the Mansudae Assembly Hall "
        "today.",
        published="2024-03-05",
    ))
    assert a.relevant and a.kind == "meeting" and a.direction == "inbound"
    assert a.countries == ["DZ"]
    assert a.dprk_lead == "Choe Ryong Hae"
    assert a.foreign_lead == "Ahmed Benali"
    assert a.event_date == date(2024, 3, 5)
    assert a.cities == ["Pyongyang"]


def test_yonhap_style_meeting_abroad_with_last_friday():
    a = analyze(article(
        "North Korea's foreign minister has held talks with his Mongolian counterpart during a rare trip abroad.\n"
        "According to the Korean Central News Agency on Sunday, Choe Son-hui met Battsetseg Batmunkh, "
        "foreign minister of Mongolia, in Ulaanbaatar last Friday.",
        published="2025-05-11", source="Yonhap",
    ))
    assert a.relevant and a.kind == "meeting" and a.direction == "outbound"
    assert a.countries == ["MN"]
    assert same_person(a.dprk_lead, "Choe Son Hui")
    assert a.foreign_lead == "Battsetseg Batmunkh"
    assert a.event_date == date(2025, 5, 9)
    assert a.cities == ["Ulaanbaatar"]


def test_agreement_signed_here():
    a = analyze(article(
        "Pyongyang, August 20 (KCNA) -- An agreement on cooperation in public health between the governments of "
        "the DPRK and Belarus was signed here on Wednesday.",
        published="2025-08-20",
    ))
    assert a.relevant and a.kind == "agreement" and a.direction == "inbound"
    assert a.countries == ["BY"]
    assert a.event_date == date(2025, 8, 20)


@pytest.mark.parametrize(
    "text,source",
    [
        # A South Korean contact with no DPRK side, in copy that talks about the North.
        ("SEOUL, May 2 (Yonhap) -- President Lee Jae-myung held talks with visiting Philippine President "
         "Ferdinand Marcos at the presidential office on Tuesday, discussing North Korea's nuclear threat.", "Yonhap"),
        # A missile launch.
        ("North Korea fired two short-range ballistic missiles into the East Sea on Thursday, South Korea's Joint "
         "Chiefs of Staff said.", "Yonhap"),
        # A spokesman's statement.
        ("Pyongyang, April 9 (KCNA) -- A spokesman for the DPRK Foreign Ministry issued the following press "
         "statement on Tuesday denouncing the joint military drills of the U.S. and Japan.", "KCNA"),
        # An editorial.
        ("Pyongyang, April 9 (KCNA) -- Rodong Sinmun Tuesday says in a commentary that the U.S. is to blame for "
         "the tension on the Korean peninsula.", "KCNA"),
        # History: a visit long ago, told in a feature.
        ("In 1964, Kim Il Sung visited Indonesia, where he met President Sukarno in Bogor.", "Feature"),
        # A Chinese delegation visiting Vietnam: no DPRK side at all.
        ("A delegation of the Communist Party of China led by Cai Qi arrived in Hanoi on Monday for talks with "
         "Vietnamese leaders.", "Xinhua"),
        # A meeting only hoped for.
        ("The U.S. president said he would like to meet North Korean leader Kim Jong Un again if possible.", "AFP"),
        # Anniversary of an old agreement, no contact.
        ("Pyongyang, July 11 (KCNA) -- Today marks the 64th anniversary of the conclusion of the DPRK-China "
         "Treaty of Friendship, Cooperation and Mutual Assistance.", "KCNA"),
    ],
)
def test_near_misses_are_rejected(text, source):
    a = analyze(article(text, published="2025-05-02", source=source))
    assert not a.relevant, a.reasons
    assert prediction("x", a)["kind"] is None


def test_article_with_two_delegations_gives_two_journeys():
    a = analyze(article(
        "SEOUL -- A North Korean delegation led by Pak Myong Ho, vice-minister of foreign affairs, arrived in "
        "Hanoi on Monday, state media said.\n"
        "A Russian delegation led by Oleg Volkov, governor of the Amur Region, also visited Pyongyang on Monday "
        "and met North Korean officials.",
        published="2025-04-15", source="Reuters",
    ))
    assert a.relevant and a.direction == "outbound" and a.countries == ["VN"]
    leaders = {j.leader: j for j in a.journeys}
    assert set(leaders) == {"Pak Myong Ho", "Oleg Volkov"}
    assert leaders["Pak Myong Ho"].direction == "outbound"
    assert leaders["Oleg Volkov"].direction == "inbound"
    assert leaders["Oleg Volkov"].sending_country == "RU"


def test_journey_stops_in_order_with_dates_and_transit():
    a = analyze(article(
        "Pyongyang, May 20 (KCNA) -- A delegation of the Ministry of External Economic Relations led by Minister "
        "Yun Jong Ho left here on May 14 for a tour of Russia and Belarus.\n"
        "The delegation arrived in Moscow on May 15 after passing through Vladivostok.\n"
        "It arrived in Minsk on May 18 and held talks with Belarusian officials.",
        published="2025-05-20",
    ))
    assert a.relevant and a.direction == "outbound"
    journey = a.journeys[0]
    assert journey.leader == "Yun Jong Ho"
    assert journey.sending_country == "KP"
    assert journey.start == date(2025, 5, 14)
    cities = [(s.country, s.city) for s in journey.stops if not s.transit]
    assert cities == [("RU", "Moscow"), ("BY", "Minsk")]
    moscow = next(s for s in journey.stops if s.city == "Moscow")
    assert moscow.arrived == date(2025, 5, 15)
    assert journey.stage == "departed"


def test_announcement_is_a_planned_stage():
    a = analyze(article(
        "Pyongyang, September 2 (KCNA) -- A delegation of the Supreme People's Assembly led by Pak In Chol, "
        "vice-chairman of its Standing Committee, will pay an official visit to Laos at the invitation of the "
        "National Assembly of Laos, it was announced today.",
        published="2025-09-02",
    ))
    assert a.relevant
    assert a.delegation_type == "parliament"
    assert a.journeys and a.journeys[0].stage == "announced"
    assert all(s.arrived is None for s in a.journeys[0].stops)


def test_prediction_has_exactly_the_contract_fields():
    a = analyze(article("Pyongyang, May 1 (KCNA) -- Spring sowing began across the country.", published="2025-05-01"))
    p = prediction("abc", a)
    assert set(p) == {"id", "relevant", "score", "kind", "direction", "countries", "dprk_lead", "foreign_lead",
                      "delegation_type", "event_date", "cities"}
    assert p["id"] == "abc" and p["relevant"] is False and 0 <= p["score"] <= 1


def test_classify_command_writes_one_prediction_per_line_without_database(tmp_path):
    # No django_db mark: pytest-django raises on any database access, so this also proves classify needs none.
    lines = [
        {"id": "a", "url": "u1", "source": "KCNA", "published": "2025-06-03", "title": "",
         "text": "Pyongyang, June 3 (KCNA) -- A Lao government delegation led by Minister Somsavat Lengsavad "
                 "arrived here on Tuesday."},
        {"id": "b", "url": "u2", "source": "KCNA", "published": None, "title": "", "text": "Rain fell."},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    call_command("classify", jsonl=str(src), out=str(out))
    got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in got] == ["a", "b"]
    assert got[0]["relevant"] and got[0]["direction"] == "inbound" and got[0]["countries"] == ["LA"]
    assert got[0]["delegation_type"] == "government"
    assert got[1]["relevant"] is False


def test_evaluate_command_prints_a_table(tmp_path):
    line = {"id": "a", "url": "u", "source": "KCNA", "published": "2025-06-03", "title": "",
            "text": "Pyongyang, June 3 (KCNA) -- A Lao government delegation led by Minister Somsavat Lengsavad "
                    "arrived here on Tuesday.",
            "label": {"relevant": True, "kind": "visit", "direction": "inbound", "countries": ["LA"],
                      "dprk_lead": None, "foreign_lead": "Somsavat Lengsavad", "delegation_type": "government",
                      "event_date": "2025-06-03", "cities": ["Pyongyang"]}}
    src = tmp_path / "labelled.jsonl"
    src.write_text(json.dumps(line) + "\n", encoding="utf-8")
    from io import StringIO

    buf = StringIO()
    call_command("evaluate", jsonl=str(src), stdout=buf)
    table = buf.getvalue()
    for name in ("relevance", "kind", "direction", "countries", "dprk_lead", "foreign_lead", "event_date",
                 "delegation_type", "cities"):
        assert name in table
    assert "1.000" in table


def test_embassy_reception_with_guests_in_the_next_sentence():
    a = analyze(article(
        "Pyongyang, October 1 (KCNA) -- Chinese Ambassador to the DPRK Wang Yajun hosted a reception at the embassy "
        "on Monday on the occasion of the 75th anniversary of the founding of the People's Republic of China.\n"
        "Invited there were Choe Ryong Hae, member of the Presidium of the Political Bureau of the WPK Central "
        "Committee, and other officials.",
        published="2024-10-01",
    ))
    assert a.relevant and a.kind == "meeting" and a.direction == "inbound"
    assert a.countries == ["CN"]
    assert a.foreign_lead == "Wang Yajun" and a.dprk_lead == "Choe Ryong Hae"
    assert a.event_date == date(2024, 9, 30)


def test_message_recipient_takes_the_country_of_the_apposition():
    a = analyze(article(
        "Pyongyang, August 15 (KCNA) -- Kim Jong Un sent a message of greeting to Droupadi Murmu, president of the "
        "Republic of India, on the occasion of the Independence Day of India.",
        published="2024-08-15",
    ))
    assert a.kind == "message" and a.countries == ["IN"]
    assert a.dprk_lead == "Kim Jong Un" and a.foreign_lead == "Droupadi Murmu"


def test_return_home_after_a_two_country_tour():
    a = analyze(article(
        "Pyongyang, June 20 (KCNA) -- A delegation of the Ministry of Agriculture led by Minister Ri Chol Man "
        "returned home on Wednesday after visiting Mongolia and Kazakhstan.",
        published="2024-06-20",
    ))
    assert a.relevant and a.kind == "visit" and a.direction == "outbound"
    assert a.countries == ["MN", "KZ"]
    assert a.delegation_type == "government"
    assert a.event_date == date(2024, 6, 19)
    assert a.journeys[0].stage == "concluded" and a.journeys[0].end == date(2024, 6, 19)


def test_a_summit_in_the_truce_village_names_it_whatever_the_direction():
    # Invented copy: the South's side of the line, reported from Seoul.
    result = analyze(article(
        "SEOUL (Wire) - South Korean Unification Minister Han Do-yun met North Korean official Ri Chol Su at "
        "the truce village of Panmunjom on Tuesday, the ministry said.",
        published="2030-04-02", source="Wire",
    ))
    assert result.relevant
    assert result.cities == ["Panmunjom"]


def test_every_decision_on_a_contact_names_the_rule_behind_it(tmp_path):
    line = {"id": "a", "url": "u1", "source": "KCNA", "published": "2025-06-03", "title": "",
            "text": "Pyongyang, June 3 (KCNA) -- A Lao government delegation led by Minister Somsavat Lengsavad "
                    "arrived here on Tuesday."}
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(line) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    call_command("classify", jsonl=str(src), out=str(out), reasons=True)
    reasons = json.loads(out.read_text(encoding="utf-8"))["reasons"]
    for decided in ("decided by sentence 1", "kind visit:", "direction inbound:", "delegation type government",
                    "foreign lead Somsavat Lengsavad: leads the delegation", "date:"):
        assert any(reason.startswith(decided) for reason in reasons), decided


def test_a_journey_carries_its_leader_post_to_tell_namesakes_apart():
    a = analyze(article(
        "Pyongyang, November 14 (KCNA) -- A delegation of the Workers' Party of Korea headed by Ri Chol Man, "
        "member of the Political Bureau and director of a department of the WPK Central Committee, left here "
        "Tuesday to visit Cuba and Nicaragua.",
        published="2024-11-14",
    ))
    assert a.journeys[0].leader == "Ri Chol Man"
    assert "member of the Political Bureau" in a.journeys[0].leader_title


def test_a_spokesperson_reports_the_contact_and_is_not_its_lead():
    a = analyze(article(
        "North Korean Vice Premier Ri Chang Ho arrived in Mongolia on Tuesday for a three-day visit.\n"
        "Foreign ministry spokeswoman Bolormaa Tsend told reporters after Ri's talks with Prime Minister "
        "Oyun Batbold that the two sides had agreed to expand trade.",
        published="2031-05-07", source="Wire",
    ))
    assert a.relevant and a.countries == ["MN"]
    assert a.foreign_lead == "Oyun Batbold"


def test_a_typed_delegation_phrase_in_the_lead_beats_the_leaders_title():
    a = analyze(article(
        "Pyongyang, May 12 (KCNA) -- A government trade delegation of the Republic of Belarus led by Minister "
        "of Industry Pavel Orlov visited the statues of President Kim Il Sung and Chairman Kim Jong Il on Mansu "
        "Hill on Sunday to pay tribute to them.\n"
        "The delegation arrived here Saturday.",
        published="2031-05-12",
    ))
    assert a.relevant and a.direction == "inbound"
    assert a.delegation_type == "economic"


def test_a_leader_and_his_party_travel_as_a_delegation_of_the_leaders_body():
    a = analyze(article(
        "Pyongyang, June 9 (KCNA) -- Pak Yong Chol, vice-chairman of the Supreme People's Assembly, and his "
        "party returned home today after visiting Laos.",
        published="2031-06-09",
    ))
    assert a.relevant and a.direction == "outbound" and a.countries == ["LA"]
    assert a.delegation_type == "parliament"

"""Demo data: a dozen real, documented contacts, with the articles that report them.

Centred on the Workers' Party of Korea delegation that Kim Song Nam, director of the International
Department of the WPK Central Committee, led to China, Viet Nam and Laos in March 2024, with other
summits and delegations across the years. The summaries are written for this project and state
only what the cited reports say. Where the exact address of an article is not at hand, the
evidence cites the outlet's home page with the article's title and date.

`demo_load()` is idempotent: records are matched on natural keys and only written when they differ.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pghistory
from django.db import transaction

from contacts.models import (
    Contact,
    Country,
    Delegation,
    DelegationMember,
    DelegationType,
    Direction,
    Evidence,
    Organization,
    Participant,
    Person,
    PersonAlias,
    Place,
    Position,
    normalize_name,
)

__all__ = ["DemoDataError", "demo_load"]

D = dt.date
KCNA_WATCH = "https://kcnawatch.org/"
XINHUA = "https://english.news.cn/"
KREMLIN = "http://en.kremlin.ru/"
YONHAP = "https://en.yna.co.kr/"
VNA = "https://en.vietnamplus.vn/"
RODONG = "http://www.rodong.rep.kp/en/"

# Places that GeoNames (the reference cities) does not list.
EXTRA_PLACES = {
    ("RU", "Vostochny Cosmodrome"): (51.884, 128.334),
}

PEOPLE: dict[str, dict[str, Any]] = {
    "Kim Song Nam": {
        "country": "KP",
        "hangul": "김성남",
        "aliases": ["Kim Song-nam", "Kim Sung-nam", "Kim Song Nam", "김성남"],
        "positions": [
            {
                "title": "Director of the International Department",
                "organization": "International Department of the WPK Central Committee",
                "start": D(2021, 1, 1),
            },
        ],
        "notes": "Served as interpreter for Kim Il Sung and Kim Jong Il; regarded as a China specialist.",
    },
    "Kim Jong Un": {
        "country": "KP",
        "hangul": "김정은",
        "aliases": ["Kim Jong-un", "Kim Jong Un", "김정은"],
        "positions": [
            {
                "title": "General Secretary",
                "organization": "Workers' Party of Korea",
                "start": D(2021, 1, 10),
            },
            {
                "title": "President of the State Affairs",
                "organization": "State Affairs Commission",
                "start": D(2016, 6, 29),
            },
        ],
    },
    "Choe Son Hui": {
        "country": "KP",
        "hangul": "최선희",
        "aliases": ["Choe Son-hui", "Choe Son Hui", "Choi Son-hui", "최선희"],
        "positions": [
            {
                "title": "Minister of Foreign Affairs",
                "organization": "Ministry of Foreign Affairs",
                "start": D(2022, 6, 11),
            },
        ],
    },
    "Choe Ryong Hae": {
        "country": "KP",
        "hangul": "최룡해",
        "aliases": ["Choe Ryong-hae", "Choe Ryong Hae", "Choi Ryong-hae", "최룡해"],
        "positions": [
            {
                "title": "Chairman of the Standing Committee",
                "organization": "Standing Committee of the Supreme People's Assembly",
                "start": D(2019, 4, 11),
            },
        ],
    },
    "Ri Ryong Nam": {
        "country": "KP",
        "hangul": "리룡남",
        "aliases": ["Ri Ryong-nam", "Ri Ryong Nam", "리룡남"],
        "positions": [{"title": "Ambassador to China", "organization": "Ministry of Foreign Affairs"}],
    },
    "Liu Jianchao": {"country": "CN", "aliases": ["Liu Jianchao", "刘建超"]},
    "Wang Huning": {"country": "CN", "aliases": ["Wang Huning", "王沪宁"]},
    "Wang Yi": {"country": "CN", "aliases": ["Wang Yi", "王毅"]},
    "Xi Jinping": {"country": "CN", "aliases": ["Xi Jinping", "习近平"]},
    "Zhao Leji": {"country": "CN", "aliases": ["Zhao Leji", "赵乐际"]},
    "Li Hongzhong": {"country": "CN", "aliases": ["Li Hongzhong", "李鸿忠"]},
    "Le Hoai Trung": {"country": "VN", "aliases": ["Le Hoai Trung", "Lê Hoài Trung"]},
    "Nguyen Phu Trong": {"country": "VN", "aliases": ["Nguyen Phu Trong", "Nguyễn Phú Trọng"]},
    "Thongsavanh Phomvihane": {"country": "LA", "aliases": ["Thongsavanh Phomvihane", "Thongsavan Phomvihane"]},
    "Thongloun Sisoulith": {"country": "LA", "aliases": ["Thongloun Sisoulith", "Thongloun Sisoulit"]},
    "Vladimir Putin": {"country": "RU", "aliases": ["Vladimir Putin", "Владимир Путин"]},
    "Sergei Shoigu": {"country": "RU", "aliases": ["Sergei Shoigu", "Sergey Shoygu", "Сергей Шойгу"]},
    "Sergey Lavrov": {"country": "RU", "aliases": ["Sergey Lavrov", "Sergei Lavrov", "Сергей Лавров"]},
    "Donald Trump": {"country": "US", "aliases": ["Donald Trump", "Donald J. Trump"]},
    "Cha Hui Rim": {
        "country": "KP",
        "hangul": "차희림",
        "aliases": ["Cha Hui-rim", "Cha Hui Rim", "차희림"],
        "positions": [
            {"title": "Chairman", "organization": "Korea-Laos Friendship Association"},
        ],
    },
}


def _ev(url: str, source: str, title: str, published: dt.date, quote: str = "") -> dict[str, Any]:
    return {"url": url, "source_name": source, "title": title, "published": published, "quote": quote}


def _p(name: str, side: str, title: str = "", role: str = "lead") -> dict[str, str]:
    return {"person": name, "side": side, "title": title, "role": role}


# Each delegation: its trip, members, stops (visits, in itinerary order) and the events during it.
# Each stop and event: kind, country, place, dates, summary, participants and evidence.
DELEGATIONS: list[dict[str, Any]] = [
    {
        "title": "WPK delegation led by Kim Song Nam to China, Viet Nam and Laos (March 2024)",
        "direction": Direction.OUTBOUND,
        "sending_country": "KP",
        "organization": "Central Committee of the Workers' Party of Korea",
        "delegation_type": DelegationType.PARTY,
        "leader": "Kim Song Nam",
        "members": [
            ("Kim Song Nam", "leader", "Director of the International Department of the WPK Central Committee")
        ],
        "start": D(2024, 3, 21),
        "end": D(2024, 3, 31),
        "summary": (
            "A Workers' Party of Korea delegation led by Kim Song Nam left Pyongyang on 21 March 2024 on a tour "
            "of the three socialist states of Asia: China, Viet Nam and Laos. It was Kim Song Nam's first known "
            "trip abroad since his appointment in 2021. The delegation left Vientiane on 31 March."
        ),
        "evidence": [
            _ev(
                "https://www.koreaherald.com/view.php?ud=20240322050237",
                "Korea Herald (Yonhap)",
                "N. Korean party delegation arrives in Beijing on three-nation tour",
                D(2024, 3, 22),
            ),
        ],
        "stops": [
            {
                "country": "CN",
                "place": "Beijing",
                "start": D(2024, 3, 21),
                "end": None,
                "summary": "The delegation arrived in Beijing, the first stop of its tour, on 21 March.",
                "evidence": [
                    _ev(
                        "https://www.koreaherald.com/view.php?ud=20240322050237",
                        "Korea Herald (Yonhap)",
                        "N. Korean party delegation arrives in Beijing on three-nation tour",
                        D(2024, 3, 22),
                        "North Korea's ruling party delegation has arrived in Beijing on a three-nation tour, "
                        "state media reported Friday.",
                    ),
                ],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 3, 21),
                        "summary": (
                            "Liu Jianchao, head of the International Department of the CPC Central Committee, "
                            "received the delegation in Beijing; the DPRK ambassador Ri Ryong Nam was present."
                        ),
                        "participants": [
                            _p("Kim Song Nam", "dprk", "Director of the International Department of the WPK CC"),
                            _p("Ri Ryong Nam", "dprk", "DPRK Ambassador to China", "present"),
                            _p("Liu Jianchao", "foreign", "Head of the International Department of the CPC CC"),
                        ],
                        "evidence": [
                            _ev(
                                "https://www.tongilnews.com/news/articleView.html?idxno=210281",
                                "Tongil News",
                                "North Korea's diplomatic push to Asia's socialist allies",
                                D(2024, 3, 22),
                            ),
                        ],
                    },
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 3, 21),
                        "summary": (
                            "Wang Huning, member of the Standing Committee of the CPC Politburo and chairman of the "
                            "CPPCC National Committee, met Kim Song Nam and offered to deepen exchanges in the "
                            "year of China-DPRK friendship."
                        ),
                        "participants": [
                            _p("Kim Song Nam", "dprk", "Director of the International Department of the WPK CC"),
                            _p("Wang Huning", "foreign", "Chairman of the CPPCC National Committee"),
                        ],
                        "evidence": [
                            _ev(
                                "https://www.koreaherald.com/view.php?ud=20240322050237",
                                "Korea Herald (Yonhap)",
                                "N. Korean party delegation arrives in Beijing on three-nation tour",
                                D(2024, 3, 22),
                                "Wang Huning, a member of the standing committee of the political bureau of the "
                                "Chinese Communist Party, met with Kim on Thursday.",
                            ),
                        ],
                    },
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 3, 23),
                        "summary": (
                            "Wang Yi, director of the Office of the CPC Central Foreign Affairs Commission, met the "
                            "delegation in Beijing and proposed activities for the China-DPRK Friendship Year."
                        ),
                        "participants": [
                            _p("Kim Song Nam", "dprk", "Director of the International Department of the WPK CC"),
                            _p(
                                "Wang Yi",
                                "foreign",
                                "Director of the Office of the CPC Central Foreign Affairs Commission",
                            ),
                        ],
                        "evidence": [
                            _ev(
                                XINHUA,
                                "Xinhua",
                                "Top Chinese diplomat meets WPK delegation in Beijing",
                                D(2024, 3, 23),
                                "Wang Yi ... met with a delegation led by Kim Song Nam, international department "
                                "director of the Workers' Party of Korea (WPK) Central Committee, in Beijing on Saturday.",
                            ),
                        ],
                    },
                ],
            },
            {
                "country": "VN",
                "place": "Hanoi",
                "start": D(2024, 3, 25),
                "end": D(2024, 3, 28),
                "summary": "The delegation visited Viet Nam from 25 to 28 March, holding talks in Hanoi.",
                "evidence": [
                    _ev(
                        "https://www.einpresswire.com/article/698614739/vietnamese-dprk-senior-party-officials-hold-talks",
                        "Viet Nam News",
                        "Vietnamese, DPRK senior Party officials hold talks",
                        D(2024, 3, 25),
                        "Kim, who is leading a delegation to visit Việt Nam from Monday to Thursday",
                    ),
                ],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 3, 25),
                        "summary": (
                            "Le Hoai Trung, secretary of the CPV Central Committee and chairman of its Commission "
                            "for External Relations, held talks with Kim Song Nam in Hanoi on cooperation between "
                            "the two parties' external departments."
                        ),
                        "participants": [
                            _p("Kim Song Nam", "dprk", "Director of the International Department of the WPK CC"),
                            _p(
                                "Le Hoai Trung",
                                "foreign",
                                "Chairman of the CPV Central Committee's Commission for External Relations",
                            ),
                        ],
                        "evidence": [
                            _ev(
                                "https://www.einpresswire.com/article/698614739/vietnamese-dprk-senior-party-officials-hold-talks",
                                "Viet Nam News",
                                "Vietnamese, DPRK senior Party officials hold talks",
                                D(2024, 3, 25),
                                "Lê Hoài Trung held talks with visiting Director of the International Department of "
                                "the Central Committee of the Workers' Party of Korea (WPK) Kim Song Nam in Hà Nội on Monday.",
                            ),
                        ],
                    },
                ],
            },
            {
                "country": "LA",
                "place": "Vientiane",
                "start": D(2024, 3, 28),
                "end": D(2024, 3, 31),
                "summary": "The last stop of the tour: the delegation left Vientiane on 31 March.",
                "evidence": [
                    _ev(
                        "https://en.vietnamplus.vn/dprk-delegation-visit-laos/283795.vnp",
                        "VietnamPlus (VNA)",
                        "DPRK delegation visits Laos",
                        D(2024, 3, 31),
                    ),
                ],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 3, 28),
                        "end": D(2024, 3, 31),
                        "summary": (
                            "Kim Song Nam met Thongsavanh Phomvihane, head of the External Relations Committee of "
                            "the Lao People's Revolutionary Party, during the visit."
                        ),
                        "participants": [
                            _p("Kim Song Nam", "dprk", "Director of the International Department of the WPK CC"),
                            _p("Thongsavanh Phomvihane", "foreign", "Head of the LPRP External Relations Committee"),
                        ],
                        "evidence": [
                            _ev(
                                "https://en.vietnamplus.vn/dprk-delegation-visit-laos/283795.vnp",
                                "VietnamPlus (VNA)",
                                "DPRK delegation visits Laos",
                                D(2024, 3, 31),
                                "Within the framework of the visit, Kim Song Nam met Thongsavanh Phomvihane, head "
                                "of the external relations committee of the Lao People's Revolutionary Party (LPRP).",
                            ),
                        ],
                    },
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 3, 28),
                        "end": D(2024, 3, 31),
                        "summary": (
                            "Kim Song Nam paid a courtesy call on Thongloun Sisoulith, General Secretary of the "
                            "LPRP and President of Laos, and said the DPRK would promote strategic cooperation."
                        ),
                        "participants": [
                            _p("Kim Song Nam", "dprk", "Director of the International Department of the WPK CC"),
                            _p("Thongloun Sisoulith", "foreign", "General Secretary of the LPRP, President of Laos"),
                        ],
                        "evidence": [
                            _ev(
                                "https://en.vietnamplus.vn/dprk-delegation-visit-laos/283795.vnp",
                                "VietnamPlus (VNA)",
                                "DPRK delegation visits Laos",
                                D(2024, 3, 31),
                                "Kim also paid a courtesy visit to the General Secretary of the Lao People's "
                                "Revolutionary Party and President of Laos Thongloun Sisoulith.",
                            ),
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "Kim Jong Un's visit to Russia (September 2023)",
        "direction": Direction.OUTBOUND,
        "sending_country": "KP",
        "organization": "State Affairs Commission",
        "delegation_type": DelegationType.GOVERNMENT,
        "leader": "Kim Jong Un",
        "members": [
            ("Kim Jong Un", "leader", "General Secretary of the WPK, President of the State Affairs"),
            ("Choe Son Hui", "member", "Minister of Foreign Affairs"),
        ],
        "start": D(2023, 9, 12),
        "end": None,
        "summary": (
            "Kim Jong Un travelled to the Russian Far East by armoured train. He met Vladimir Putin at the "
            "Vostochny Cosmodrome on 13 September, then visited Komsomolsk-on-Amur and Vladivostok."
        ),
        "evidence": [_ev(KCNA_WATCH, "KCNA", "Kim Jong Un visits Russia", D(2023, 9, 18))],
        "stops": [
            {
                "country": "RU",
                "place": "Vostochny Cosmodrome",
                "start": D(2023, 9, 13),
                "end": D(2023, 9, 13),
                "summary": "Summit with Vladimir Putin and a tour of the space launch site.",
                "evidence": [_ev(KREMLIN, "President of Russia", "Russian-North Korean talks", D(2023, 9, 13))],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2023, 9, 13),
                        "summary": (
                            "Kim Jong Un and Vladimir Putin held talks at the Vostochny Cosmodrome in the Amur "
                            "region, followed by a reception."
                        ),
                        "participants": [
                            _p("Kim Jong Un", "dprk", "President of the State Affairs"),
                            _p("Choe Son Hui", "dprk", "Minister of Foreign Affairs", "member"),
                            _p("Vladimir Putin", "foreign", "President of Russia"),
                        ],
                        "evidence": [
                            _ev(KREMLIN, "President of Russia", "Russian-North Korean talks", D(2023, 9, 13)),
                            _ev(
                                YONHAP,
                                "Yonhap",
                                "N. Korea's Kim, Putin hold summit at Russian spaceport",
                                D(2023, 9, 13),
                            ),
                        ],
                    },
                ],
            },
            {
                "country": "RU",
                "place": "Komsomolsk-on-Amur",
                "start": D(2023, 9, 15),
                "end": D(2023, 9, 15),
                "summary": "Kim Jong Un toured the Yuri Gagarin aircraft plant.",
                "evidence": [
                    _ev(KCNA_WATCH, "KCNA", "Kim Jong Un visits aircraft plant in Komsomolsk-on-Amur", D(2023, 9, 16))
                ],
            },
            {
                "country": "RU",
                "place": "Vladivostok",
                "start": D(2023, 9, 16),
                "end": D(2023, 9, 17),
                "summary": "Kim Jong Un was shown ships of the Pacific Fleet by Defence Minister Sergei Shoigu.",
                "evidence": [_ev(KCNA_WATCH, "KCNA", "Kim Jong Un looks round Russian Pacific Fleet", D(2023, 9, 17))],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2023, 9, 16),
                        "summary": "Sergei Shoigu showed Kim Jong Un strategic bombers and a frigate of the Pacific Fleet.",
                        "participants": [
                            _p("Kim Jong Un", "dprk", "President of the State Affairs"),
                            _p("Sergei Shoigu", "foreign", "Minister of Defence of Russia"),
                        ],
                        "evidence": [
                            _ev(YONHAP, "Yonhap", "N. Korean leader inspects Russian warship, bombers", D(2023, 9, 16))
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "Kim Jong Un's journey to Hanoi for the second DPRK-US summit (February-March 2019)",
        "direction": Direction.OUTBOUND,
        "sending_country": "KP",
        "organization": "State Affairs Commission",
        "delegation_type": DelegationType.GOVERNMENT,
        "leader": "Kim Jong Un",
        "members": [("Kim Jong Un", "leader", "Chairman of the State Affairs Commission")],
        "start": D(2019, 2, 23),
        "end": D(2019, 3, 5),
        "summary": (
            "Kim Jong Un left Pyongyang by train on 23 February 2019, crossed China and arrived at Dong Dang on "
            "26 February, then drove to Hanoi for the summit with Donald Trump (27-28 February) and an official "
            "goodwill visit to Viet Nam. He was back in Pyongyang on 5 March."
        ),
        "evidence": [_ev(YONHAP, "Yonhap", "N. Korean leader returns home after Vietnam trip", D(2019, 3, 5))],
        "stops": [
            {
                "country": "VN",
                "place": "Hanoi",
                "start": D(2019, 2, 26),
                "end": D(2019, 3, 2),
                "summary": "Second DPRK-US summit, then an official goodwill visit to Viet Nam.",
                "evidence": [
                    _ev(VNA, "VNA", "DPRK leader Kim Jong Un arrives in Hanoi", D(2019, 2, 26)),
                ],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2019, 2, 27),
                        "end": D(2019, 2, 28),
                        "country": "US",
                        "summary": (
                            "Second summit between Kim Jong Un and Donald Trump at the Sofitel Legend Metropole "
                            "in Hanoi; it ended early without an agreement."
                        ),
                        "participants": [
                            _p("Kim Jong Un", "dprk", "Chairman of the State Affairs Commission"),
                            _p("Donald Trump", "foreign", "President of the United States"),
                        ],
                        "evidence": [
                            _ev(YONHAP, "Yonhap", "Trump-Kim summit ends without agreement", D(2019, 2, 28)),
                            _ev(KCNA_WATCH, "KCNA", "Second DPRK-U.S. summit talks held in Hanoi", D(2019, 3, 1)),
                        ],
                    },
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2019, 3, 1),
                        "summary": (
                            "Kim Jong Un held talks with Nguyen Phu Trong, General Secretary of the Communist Party "
                            "of Viet Nam and President, at the Presidential Palace in Hanoi."
                        ),
                        "participants": [
                            _p("Kim Jong Un", "dprk", "Chairman of the State Affairs Commission"),
                            _p("Nguyen Phu Trong", "foreign", "General Secretary of the CPV, President of Viet Nam"),
                        ],
                        "evidence": [
                            _ev(
                                VNA,
                                "VNA",
                                "Party chief, President Nguyen Phu Trong holds talks with DPRK leader",
                                D(2019, 3, 1),
                            ),
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "Putin's state visit to the DPRK (June 2024)",
        "direction": Direction.INBOUND,
        "sending_country": "RU",
        "delegation_type": DelegationType.GOVERNMENT,
        "leader": "Vladimir Putin",
        "members": [
            ("Vladimir Putin", "leader", "President of Russia"),
            ("Sergey Lavrov", "member", "Minister of Foreign Affairs of Russia"),
        ],
        "start": D(2024, 6, 18),
        "end": D(2024, 6, 19),
        "summary": (
            "Vladimir Putin arrived in Pyongyang late on 18 June 2024, his first visit since 2000. On 19 June he "
            "and Kim Jong Un held talks and signed the Treaty on Comprehensive Strategic Partnership."
        ),
        "evidence": [_ev(KREMLIN, "President of Russia", "State visit to the DPRK", D(2024, 6, 19))],
        "stops": [
            {
                "country": "RU",
                "place": "Pyongyang",
                "start": D(2024, 6, 18),
                "end": D(2024, 6, 19),
                "summary": "State visit: welcome ceremony at Kim Il Sung Square, talks and a state reception.",
                "evidence": [_ev(KCNA_WATCH, "KCNA", "Russian President Putin arrives in Pyongyang", D(2024, 6, 19))],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 6, 19),
                        "summary": "Kim Jong Un and Vladimir Putin held talks at the Kumsusan State Guest House.",
                        "participants": [
                            _p("Kim Jong Un", "dprk", "General Secretary of the WPK, President of the State Affairs"),
                            _p("Choe Son Hui", "dprk", "Minister of Foreign Affairs", "present"),
                            _p("Vladimir Putin", "foreign", "President of Russia"),
                            _p("Sergey Lavrov", "foreign", "Minister of Foreign Affairs of Russia", "present"),
                        ],
                        "evidence": [_ev(KREMLIN, "President of Russia", "Russian-North Korean talks", D(2024, 6, 19))],
                    },
                    {
                        "kind": Contact.Kind.AGREEMENT,
                        "start": D(2024, 6, 19),
                        "summary": (
                            "Kim Jong Un and Vladimir Putin signed the Treaty on Comprehensive Strategic Partnership "
                            "between the DPRK and the Russian Federation, with a mutual assistance clause."
                        ),
                        "participants": [
                            _p("Kim Jong Un", "dprk", "President of the State Affairs"),
                            _p("Vladimir Putin", "foreign", "President of Russia"),
                        ],
                        "evidence": [
                            _ev(
                                KREMLIN,
                                "President of Russia",
                                "Treaty on Comprehensive Strategic Partnership between the Russian Federation and the "
                                "Democratic People's Republic of Korea",
                                D(2024, 6, 19),
                            ),
                            _ev(
                                YONHAP,
                                "Yonhap",
                                "Putin, Kim sign comprehensive strategic partnership treaty",
                                D(2024, 6, 19),
                            ),
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "Xi Jinping's state visit to the DPRK (June 2019)",
        "direction": Direction.INBOUND,
        "sending_country": "CN",
        "delegation_type": DelegationType.PARTY,
        "leader": "Xi Jinping",
        "members": [
            ("Xi Jinping", "leader", "General Secretary of the CPC, President of China"),
            ("Wang Yi", "member", "State Councillor and Minister of Foreign Affairs"),
        ],
        "start": D(2019, 6, 20),
        "end": D(2019, 6, 21),
        "summary": (
            "Xi Jinping paid a two-day state visit to Pyongyang on 20-21 June 2019, the first by a Chinese "
            "leader in fourteen years, and held talks with Kim Jong Un."
        ),
        "evidence": [_ev(XINHUA, "Xinhua", "Xi arrives in Pyongyang for state visit to DPRK", D(2019, 6, 20))],
        "stops": [
            {
                "country": "CN",
                "place": "Pyongyang",
                "start": D(2019, 6, 20),
                "end": D(2019, 6, 21),
                "summary": "State visit: talks, a banquet and a mass games performance.",
                "evidence": [_ev(XINHUA, "Xinhua", "Xi arrives in Pyongyang for state visit to DPRK", D(2019, 6, 20))],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2019, 6, 20),
                        "summary": "Xi Jinping and Kim Jong Un held talks in Pyongyang on relations and the peninsula.",
                        "participants": [
                            _p("Kim Jong Un", "dprk", "Chairman of the WPK, Chairman of the State Affairs Commission"),
                            _p("Xi Jinping", "foreign", "General Secretary of the CPC, President of China"),
                        ],
                        "evidence": [
                            _ev(
                                XINHUA, "Xinhua", "Xi Jinping holds talks with Kim Jong Un in Pyongyang", D(2019, 6, 20)
                            ),
                            _ev(KCNA_WATCH, "KCNA", "Talks between top leaders of DPRK and China held", D(2019, 6, 21)),
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "Russian military delegation led by Sergei Shoigu (July 2023)",
        "direction": Direction.INBOUND,
        "sending_country": "RU",
        "delegation_type": DelegationType.MILITARY,
        "leader": "Sergei Shoigu",
        "members": [("Sergei Shoigu", "leader", "Minister of Defence of Russia")],
        "start": D(2023, 7, 25),
        "end": D(2023, 7, 27),
        "summary": (
            "Defence Minister Sergei Shoigu led a military delegation to Pyongyang for the 70th anniversary of "
            "the Korean War armistice, which the DPRK marks as Victory Day."
        ),
        "evidence": [_ev(YONHAP, "Yonhap", "Russian defense minister arrives in Pyongyang", D(2023, 7, 26))],
        "stops": [
            {
                "country": "RU",
                "place": "Pyongyang",
                "start": D(2023, 7, 25),
                "end": D(2023, 7, 27),
                "summary": "Talks, an arms exhibition and the Victory Day parade of 27 July.",
                "evidence": [
                    _ev(KCNA_WATCH, "KCNA", "Russian military delegation arrives in Pyongyang", D(2023, 7, 26))
                ],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2023, 7, 26),
                        "summary": (
                            "Kim Jong Un received Sergei Shoigu, took a letter from Vladimir Putin and showed him an "
                            "exhibition of weapons."
                        ),
                        "participants": [
                            _p("Kim Jong Un", "dprk", "General Secretary of the WPK"),
                            _p("Sergei Shoigu", "foreign", "Minister of Defence of Russia"),
                        ],
                        "evidence": [
                            _ev(YONHAP, "Yonhap", "N. Korea's Kim meets Russian defense minister", D(2023, 7, 26))
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "Chinese party and government delegation led by Li Hongzhong (July 2023)",
        "direction": Direction.INBOUND,
        "sending_country": "CN",
        "delegation_type": DelegationType.PARTY,
        "leader": "Li Hongzhong",
        "members": [
            ("Li Hongzhong", "leader", "Member of the CPC Politburo, Vice Chairman of the NPC Standing Committee")
        ],
        "start": D(2023, 7, 26),
        "end": None,
        "summary": (
            "Li Hongzhong led a Chinese party and government delegation to Pyongyang for the 70th anniversary of "
            "the armistice, the first senior Chinese delegation since the pandemic."
        ),
        "evidence": [
            _ev(XINHUA, "Xinhua", "Chinese delegation arrives in Pyongyang for armistice anniversary", D(2023, 7, 26))
        ],
        "stops": [
            {
                "country": "CN",
                "place": "Pyongyang",
                "start": D(2023, 7, 26),
                "end": None,
                "summary": "Talks and the Victory Day celebrations.",
                "evidence": [
                    _ev(KCNA_WATCH, "KCNA", "Chinese party and government delegation arrives", D(2023, 7, 26))
                ],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2023, 7, 27),
                        "summary": "Kim Jong Un met Li Hongzhong, who handed over a letter from Xi Jinping.",
                        "participants": [
                            _p("Kim Jong Un", "dprk", "General Secretary of the WPK"),
                            _p("Li Hongzhong", "foreign", "Vice Chairman of the NPC Standing Committee"),
                        ],
                        "evidence": [_ev(XINHUA, "Xinhua", "Kim Jong Un meets Chinese delegation", D(2023, 7, 27))],
                    },
                ],
            },
        ],
    },
    {
        "title": "NPC delegation led by Zhao Leji (April 2024)",
        "direction": Direction.INBOUND,
        "sending_country": "CN",
        "delegation_type": DelegationType.PARLIAMENT,
        "leader": "Zhao Leji",
        "members": [("Zhao Leji", "leader", "Chairman of the NPC Standing Committee")],
        "start": D(2024, 4, 11),
        "end": D(2024, 4, 13),
        "summary": (
            "Zhao Leji, chairman of the Standing Committee of China's National People's Congress, led a party "
            "and government delegation to open the China-DPRK Friendship Year."
        ),
        "evidence": [
            _ev(XINHUA, "Xinhua", "Zhao Leji arrives in Pyongyang for official goodwill visit", D(2024, 4, 11))
        ],
        "stops": [
            {
                "country": "CN",
                "place": "Pyongyang",
                "start": D(2024, 4, 11),
                "end": D(2024, 4, 13),
                "summary": "Talks with Choe Ryong Hae and the opening ceremony of the Friendship Year.",
                "evidence": [
                    _ev(KCNA_WATCH, "KCNA", "Chinese party and government delegation arrives", D(2024, 4, 12))
                ],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 4, 11),
                        "summary": "Choe Ryong Hae held talks with Zhao Leji at the Mansudae Assembly Hall.",
                        "participants": [
                            _p("Choe Ryong Hae", "dprk", "Chairman of the SPA Standing Committee"),
                            _p("Zhao Leji", "foreign", "Chairman of the NPC Standing Committee"),
                        ],
                        "evidence": [
                            _ev(XINHUA, "Xinhua", "Zhao Leji holds talks with Choe Ryong Hae", D(2024, 4, 11))
                        ],
                    },
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 4, 13),
                        "summary": "Kim Jong Un received Zhao Leji before the delegation left.",
                        "participants": [
                            _p("Kim Jong Un", "dprk", "General Secretary of the WPK"),
                            _p("Zhao Leji", "foreign", "Chairman of the NPC Standing Committee"),
                        ],
                        "evidence": [
                            _ev(YONHAP, "Yonhap", "N. Korea's Kim meets Chinese parliamentary chief", D(2024, 4, 13))
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "Foreign Minister Choe Son Hui's visit to Russia (January 2024)",
        "direction": Direction.OUTBOUND,
        "sending_country": "KP",
        "organization": "Ministry of Foreign Affairs",
        "delegation_type": DelegationType.GOVERNMENT,
        "leader": "Choe Son Hui",
        "members": [("Choe Son Hui", "leader", "Minister of Foreign Affairs")],
        "start": D(2024, 1, 15),
        "end": D(2024, 1, 17),
        "summary": "Choe Son Hui visited Moscow, held talks with Sergey Lavrov and was received by Vladimir Putin.",
        "evidence": [_ev(YONHAP, "Yonhap", "N. Korean FM arrives in Moscow", D(2024, 1, 15))],
        "stops": [
            {
                "country": "RU",
                "place": "Moscow",
                "start": D(2024, 1, 15),
                "end": D(2024, 1, 17),
                "summary": "Talks at the Foreign Ministry and a reception at the Kremlin.",
                "evidence": [_ev(KCNA_WATCH, "KCNA", "DPRK foreign minister leaves for Russia", D(2024, 1, 15))],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 1, 16),
                        "summary": "Choe Son Hui and Sergey Lavrov held talks in Moscow.",
                        "participants": [
                            _p("Choe Son Hui", "dprk", "Minister of Foreign Affairs"),
                            _p("Sergey Lavrov", "foreign", "Minister of Foreign Affairs of Russia"),
                        ],
                        "evidence": [
                            _ev(YONHAP, "Yonhap", "N. Korean, Russian foreign ministers hold talks", D(2024, 1, 16))
                        ],
                    },
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2024, 1, 16),
                        "summary": "Vladimir Putin received Choe Son Hui at the Kremlin.",
                        "participants": [
                            _p("Choe Son Hui", "dprk", "Minister of Foreign Affairs"),
                            _p("Vladimir Putin", "foreign", "President of Russia"),
                        ],
                        "evidence": [
                            _ev(
                                KREMLIN,
                                "President of Russia",
                                "Meeting with DPRK Foreign Minister Choe Son Hui",
                                D(2024, 1, 16),
                            )
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "Sergey Lavrov's visit to the DPRK (October 2023)",
        "direction": Direction.INBOUND,
        "sending_country": "RU",
        "delegation_type": DelegationType.GOVERNMENT,
        "leader": "Sergey Lavrov",
        "members": [("Sergey Lavrov", "leader", "Minister of Foreign Affairs of Russia")],
        "start": D(2023, 10, 18),
        "end": D(2023, 10, 19),
        "summary": "Sergey Lavrov visited Pyongyang, held talks with Choe Son Hui and was received by Kim Jong Un.",
        "evidence": [_ev(YONHAP, "Yonhap", "Russian FM Lavrov arrives in Pyongyang", D(2023, 10, 18))],
        "stops": [
            {
                "country": "RU",
                "place": "Pyongyang",
                "start": D(2023, 10, 18),
                "end": D(2023, 10, 19),
                "summary": "Talks at the Foreign Ministry and a meeting with Kim Jong Un.",
                "evidence": [_ev(KCNA_WATCH, "KCNA", "Russian foreign minister arrives in Pyongyang", D(2023, 10, 19))],
                "events": [
                    {
                        "kind": Contact.Kind.MEETING,
                        "start": D(2023, 10, 19),
                        "summary": "Kim Jong Un received Sergey Lavrov.",
                        "participants": [
                            _p("Kim Jong Un", "dprk", "General Secretary of the WPK"),
                            _p("Sergey Lavrov", "foreign", "Minister of Foreign Affairs of Russia"),
                        ],
                        "evidence": [
                            _ev(YONHAP, "Yonhap", "N. Korean leader meets Russian foreign minister", D(2023, 10, 19))
                        ],
                    },
                ],
            },
        ],
    },
    {
        "title": "DPRK-Laos Friendship Association delegation led by Cha Hui Rim (July 2018)",
        "direction": Direction.OUTBOUND,
        "sending_country": "KP",
        "organization": "Korea-Laos Friendship Association",
        "delegation_type": DelegationType.FRIENDSHIP,
        "leader": "Cha Hui Rim",
        "members": [
            (
                "Cha Hui Rim",
                "leader",
                "Chairman of the Pyongyang City People's Committee and of the DPRK-Laos Friendship Association",
            )
        ],
        "start": D(2018, 7, 23),
        "end": None,
        "summary": (
            "A delegation of the DPRK-Laos Friendship Association headed by Cha Hui Rim, chairman of the Pyongyang "
            "City People's Committee and of the association, left Pyongyang on 23 July 2018 to visit Laos."
        ),
        "evidence": [
            _ev(
                "http://kcna.co.jp/item/2018/201807/news23/20180723-05ee.html",
                "KCNA",
                "Delegation of DPRK-Laos Friendship Association Leaves for Laos",
                D(2018, 7, 23),
                "A delegation of the DPRK-Laos Friendship Association headed by Cha Hui Rim ... left here Monday "
                "to visit Laos.",
            ),
        ],
        "stops": [
            {
                "country": "LA",
                "place": None,
                # The report gives the departure only: the stay in Laos is known to the month.
                "start": D(2018, 7, 1),
                "start_precision": "month",
                "end": None,
                "summary": "Friendship visit to Laos.",
                "evidence": [
                    _ev(
                        "http://kcna.co.jp/item/2018/201807/news23/20180723-05ee.html",
                        "KCNA",
                        "Delegation of DPRK-Laos Friendship Association Leaves for Laos",
                        D(2018, 7, 23),
                    ),
                ],
            },
        ],
    },
]

# Contacts without a delegation: messages, gifts and the like.
STANDALONE: list[dict[str, Any]] = [
    {
        "kind": Contact.Kind.MESSAGE,
        "direction": Direction.REMOTE,
        "country": "LA",
        "place": None,
        "start": D(2024, 3, 22),
        "summary": (
            "Kim Jong Un sent a floral basket to Thongloun Sisoulith, General Secretary of the Lao People's "
            "Revolutionary Party and President of Laos, for the 69th anniversary of the party's founding."
        ),
        "participants": [
            _p("Kim Jong Un", "dprk", "General Secretary of the WPK"),
            _p("Thongloun Sisoulith", "foreign", "General Secretary of the LPRP, President of Laos"),
        ],
        "evidence": [
            _ev(
                "https://www.tongilnews.com/news/articleView.html?idxno=210281",
                "Tongil News",
                "North Korea's diplomatic push to Asia's socialist allies",
                D(2024, 3, 22),
                "Kim Jong Un sent a flower basket to the General Secretary of the Lao People's Revolutionary Party, "
                "Thongloun Sisoulith, who is also the President of Laos, in commemoration of the party's 69th "
                "anniversary of founding.",
            ),
        ],
    },
]


class DemoDataError(Exception):
    """The reference data the demo builds on is missing."""


def _upsert(model, lookup: dict[str, Any], values: dict[str, Any]):
    """Get or create by `lookup`, then write only the fields that differ (no write, no history event)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
    return obj


class _Loader:
    def __init__(self) -> None:
        self.countries = {c.iso2: c for c in Country.objects.all()}
        missing = {"KP", "CN", "VN", "LA", "RU", "US"} - set(self.countries)
        if missing:
            raise DemoDataError(f"Countries {sorted(missing)} are missing: run `manage.py load_reference` first.")
        self.people: dict[str, Person] = {}
        self.orgs = {o.name: o for o in Organization.objects.filter(country=self.countries["KP"])}

    def place(self, iso2: str, name: str | None) -> Place | None:
        if not name:
            return None
        country = self.countries[iso2]
        place = Place.objects.filter(country=country, name=name).first()
        if place is None:
            lat, lng = EXTRA_PLACES.get((iso2, name), (None, None))
            place = Place.objects.create(country=country, name=name, latitude=lat, longitude=lng)
        return place

    def organization(self, name: str | None) -> Organization | None:
        if not name:
            return None
        if name not in self.orgs:
            self.orgs[name] = _upsert(Organization, {"country": self.countries["KP"], "name": name}, {})
        return self.orgs[name]

    def person(self, name: str) -> Person:
        if name in self.people:
            return self.people[name]
        spec = PEOPLE[name]
        country = self.countries[spec["country"]]
        person = _upsert(
            Person,
            {"name": name, "country": country},
            {"hangul": spec.get("hangul", ""), "notes": spec.get("notes", "")},
        )
        have = set(person.aliases.values_list("normalized", flat=True))
        for alias in [name, *spec.get("aliases", [])]:
            if normalize_name(alias) not in have:
                PersonAlias.objects.create(person=person, name=alias)
                have.add(normalize_name(alias))
        for post in spec.get("positions", []):
            _upsert(
                Position,
                {"person": person, "title": post["title"], "organization": self.organization(post.get("organization"))},
                {"start_date": post.get("start")},
            )
        self.people[name] = person
        return person

    def evidence(self, rows: list[dict[str, Any]], **target) -> None:
        for row in rows:
            values = {key: value for key, value in row.items() if key != "url"}
            lookup = {"url": row["url"], **target}
            if "delegation" in target:
                lookup["contact"] = None
            _upsert(Evidence, lookup, values)

    def participants(self, contact: Contact, rows: list[dict[str, str]]) -> None:
        for row in rows:
            _upsert(
                Participant,
                {"contact": contact, "person": self.person(row["person"])},
                {"side": row["side"], "role": row["role"], "title": row["title"]},
            )

    def contact(self, spec: dict[str, Any], *, delegation: Delegation | None = None, **fixed) -> Contact:
        country = self.countries[spec["country"]]
        values = {
            "direction": spec.get("direction") or fixed.pop("direction"),
            "place": fixed.pop("place", None) if "place" in fixed else self.place(country.iso2, spec.get("place")),
            "end_date": spec.get("end"),
            "start_precision": spec.get("start_precision", "day"),
            "summary": spec["summary"],
            **fixed,
        }
        lookup = {"kind": spec["kind"], "country": country, "start_date": spec["start"], "delegation": delegation}
        if spec["kind"] == Contact.Kind.VISIT:
            lookup = {"delegation": delegation, "itinerary_order": values.pop("itinerary_order")}
            values.update(kind=spec["kind"], country=country, start_date=spec["start"])
            contact = _upsert(Contact, lookup, values)
        else:
            # Several events can share a day and a country: the foreign lead tells them apart.
            lead = next(p["person"] for p in spec["participants"] if p["side"] == "foreign")
            contact = (
                Contact.objects.filter(**lookup, participants__person=self.person(lead), participants__side="foreign")
                .distinct()
                .first()
            )
            if contact is None:
                contact = Contact.objects.create(**lookup, **values)
            else:
                contact = _upsert(Contact, {"pk": contact.pk}, values)
        self.participants(contact, spec.get("participants", []))
        self.evidence(spec.get("evidence", []), contact=contact)
        return contact

    def delegation(self, spec: dict[str, Any]) -> Delegation:
        sending = self.countries[spec["sending_country"]]
        delegation = _upsert(
            Delegation,
            {"title": spec["title"], "sending_country": sending},
            {
                "direction": spec["direction"],
                "organization": self.organization(spec.get("organization")),
                "delegation_type": spec["delegation_type"],
                "leader": self.person(spec["leader"]),
                "start_date": spec["start"],
                "end_date": spec["end"],
                "stage": Delegation.Stage.CONCLUDED,
                "summary": spec["summary"],
            },
        )
        for name, role, title in spec["members"]:
            _upsert(
                DelegationMember,
                {"delegation": delegation, "person": self.person(name)},
                {"role": role, "title": title},
            )
        self.evidence(spec.get("evidence", []), delegation=delegation)
        for order, stop in enumerate(spec["stops"], start=1):
            visit_spec = {**stop, "kind": Contact.Kind.VISIT}
            # An inbound stop happens in the DPRK but its counterpart is the visitors' country.
            place = self.place("KP" if spec["direction"] == Direction.INBOUND else stop["country"], stop["place"])
            visit = self.contact(
                visit_spec,
                delegation=delegation,
                direction=spec["direction"],
                itinerary_order=order,
                place=place,
            )
            side = "dprk" if sending.iso2 == "KP" else "foreign"
            self.participants(
                visit,
                [
                    _p(name, side, title, "lead" if role == "leader" else "member")
                    for name, role, title in spec["members"]
                ],
            )
            for event in stop.get("events", []):
                self.contact(
                    {**event, "country": event.get("country") or stop["country"]},
                    delegation=delegation,
                    direction=spec["direction"],
                    place=place,
                    stop=visit,
                )
        return delegation


def demo_load() -> dict[str, int]:
    """Create or update the demo records; returns how many delegations and contacts the demo holds."""
    with transaction.atomic(), pghistory.context(command="load_demo"):
        loader = _Loader()
        delegations = [loader.delegation(spec) for spec in DELEGATIONS]
        standalone = [loader.contact(spec) for spec in STANDALONE]
    contacts = Contact.objects.filter(delegation__in=delegations).count() + len(standalone)
    return {"delegations": len(delegations), "contacts": contacts}

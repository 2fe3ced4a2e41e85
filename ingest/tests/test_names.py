"""Romanisation-insensitive names: the keys editors and consolidation rely on."""

from __future__ import annotations

import pytest

from ingest.pipeline.names import find_names, is_korean_name, name_key, same_person


@pytest.mark.parametrize(
    "a,b",
    [
        ("Kim Song Nam", "Kim Song-nam"),
        ("Kim Song Nam", "Kim Sung-nam"),
        ("Kim Song Nam", "김성남"),
        ("Kim Jong Un", "Kim Jong-un"),
        ("Kim Jong Un", "Kim Chŏng-ŭn"),
        ("Kim Jong Un", "김정은"),
        ("Choe Son Hui", "Choi Son-hui"),
        ("Choe Son Hui", "최선희"),
        ("Ri Yong Ho", "Lee Yong-ho"),
        ("Ri Yong Ho", "리용호"),
        ("Pak Jong Chon", "Park Jong-chon"),
        ("Pak Jong Chon", "박정천"),
        ("Kim Phyong Hae", "Kim Pyong-hae"),
        ("Kim Jong Gyu", "Kim Jong-kyu"),
        ("Thae Jong Su", "Tae Jong-su"),
        ("V. Putin", "Vladimir Putin"),
        ("Bashar Al-Assad", "bashar al-assad"),
        ("Lê Hoài Trung", "Le Hoai Trung"),
    ],
)
def test_same_person_across_romanisations(a, b):
    assert same_person(a, b)
    assert same_person(b, a)


@pytest.mark.parametrize(
    "a,b",
    [
        ("Kim Yong Nam", "Kim Song Nam"),
        ("Kim Jong Un", "Kim Jong Il"),
        ("Ri Yong Ho", "Ri Yong Chol"),
        ("Sergei Lavrov", "Sergei Shoigu"),
        ("Kim Song Nam", ""),
    ],
)
def test_different_people_stay_apart(a, b):
    assert not same_person(a, b)


def test_key_ignores_case_spaces_hyphens_and_accents():
    assert name_key("KIM  song-NAM") == name_key("Kim Song Nam")
    assert name_key("Nguyễn Phú Trọng") == name_key("Nguyen Phu Trong")


def test_korean_name_shape():
    assert is_korean_name("Kim Song-nam")
    assert is_korean_name("Choe Ryong Hae")
    assert is_korean_name("김여정")
    assert not is_korean_name("Sergei Lavrov")
    assert not is_korean_name("Kim")


def test_find_names_leaves_titles_out():
    text = ("A delegation headed by Vice Marshal of the Korean People's Army Ri Yong Ho met Chinese Ambassador "
            "Wang Yajun and G. Zyuganov.")
    assert [n for n, _, _ in find_names(text)] == ["Ri Yong Ho", "Wang Yajun", "G. Zyuganov"]


def test_a_firm_before_a_title_is_not_a_person():
    names = [n for n, _, _ in find_names("talks with Hanbit Electronics Vice Chairman Kang Min-jun and Daesan "
                                         "Shipping Chairman Oh Jae-won")]
    assert names == ["Kang Min-jun", "Oh Jae-won"]


def test_korean_given_syllables_that_are_english_words_stay_in_the_name():
    assert [n for n, _, _ in find_names("Pak In Chol met Ri An Sok")] == ["Pak In Chol", "Ri An Sok"]
    # Only inside a Korean name shape: a capitalised "In" before a place is no name.
    assert find_names("Minister Kim In Pyongyang") == []

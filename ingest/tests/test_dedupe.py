"""Canonical URLs, content hashes and near-duplicate fingerprints."""

from __future__ import annotations

from ingest.pipeline.dedupe import canonical_url, content_hash, hamming, same_story, simhash

REPORT = (
    "Pyongyang, March 25 (KCNA) -- A delegation of the Workers' Party of Korea headed by Kim Song Nam, "
    "director of the International Department of the WPK Central Committee, arrived in Hanoi on Monday. "
    "It was greeted at the airport by Le Hoai Trung, head of the Commission for External Relations of the "
    "Communist Party of Vietnam Central Committee, and other officials. The delegation is on a visit to "
    "Vietnam at the invitation of the Communist Party of Vietnam, following its stay in China."
)


def test_canonical_url_strips_tracking_and_fragment():
    assert canonical_url("HTTPS://Example.org:443/news/1?utm_source=rss&id=7&fbclid=x#top") == (
        "https://example.org/news/1?id=7"
    )
    assert canonical_url("https://example.org/a?b=2&a=1") == canonical_url("https://example.org/a?a=1&b=2")


def test_canonical_url_leaves_local_identifiers_alone():
    assert canonical_url("urn:file:abc") == "urn:file:abc"


def test_content_hash_ignores_spacing_case_and_punctuation():
    assert content_hash(REPORT) == content_hash(REPORT.upper().replace(" ", "  ").replace(",", ""))
    assert content_hash(REPORT) != content_hash(REPORT.replace("Hanoi", "Vientiane"))


def test_copy_with_a_byline_is_a_near_duplicate():
    copy = "Source: KCNA Watch. " + REPORT.replace("Monday", "Monday,") + " (end)"
    assert hamming(simhash(REPORT), simhash(copy)) <= 3
    assert same_story(REPORT, copy)


def test_same_template_about_another_country_is_not_the_same_story():
    other = REPORT.replace("Vietnam", "Laos").replace("Hanoi", "Vientiane")
    assert not same_story(REPORT, other)


def test_unrelated_texts_are_far_apart():
    other = "Seoul, June 3 (Yonhap) -- South Korea's central bank kept its key rate unchanged on Thursday. " * 3
    assert hamming(simhash(REPORT), simhash(other)) > 10


def test_short_texts_have_no_fingerprint():
    assert simhash("Kim Jong Un sent a floral basket.") is None

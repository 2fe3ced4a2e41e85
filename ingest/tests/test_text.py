"""Encoding detection, main-text extraction and feed sniffing."""

from __future__ import annotations

from datetime import UTC, datetime

from ingest.pipeline.text import clean_text, decode, extract_page, looks_like_feed, parse_date

KOREAN = "평양 3월 21일발 조선중앙통신 -- 조선로동당 대표단이 베트남을 방문하기 위하여 평양을 떠났다."
PAGE_TEMPLATE = """<html><head>{meta}<title>대표단 출발</title></head><body>
<nav>홈 | 정치 | 경제</nav>
<article><h1>대표단 출발</h1><p>{body}</p><p>{body}</p></article>
<footer>저작권</footer></body></html>"""


def euc_kr_page(meta: str = '<meta charset="euc-kr">') -> bytes:
    return PAGE_TEMPLATE.format(meta=meta, body=KOREAN).encode("euc-kr")


def test_euc_kr_page_declared_in_meta_is_decoded():
    assert KOREAN in decode(euc_kr_page())


def test_euc_kr_page_mislabelled_as_utf8_is_detected():
    # The header says UTF-8, the bytes are EUC-KR: the declared charset fails, detection decides.
    assert KOREAN in decode(euc_kr_page(meta=""), declared="utf-8")


def test_byte_order_mark_wins():
    assert decode("\ufeffHanoi".encode("utf-8-sig"), declared="latin-1") == "Hanoi"


def test_extract_page_keeps_the_article_and_drops_navigation():
    html = """<html><head><title>Delegation leaves | News</title>
    <meta property="article:published_time" content="2024-03-21T08:00:00+09:00"></head><body>
    <nav><a href="/">Home</a> <a href="/politics">Politics</a></nav>
    <article><h1>Delegation leaves</h1>
    <p>Pyongyang, March 21 (KCNA) -- A delegation of the Workers' Party of Korea left here on Thursday
    to visit China, Vietnam and Laos. It is headed by Kim Song Nam, director of the International
    Department of the WPK Central Committee.</p>
    <p>It was seen off at the airport by officials of the International Department.</p></article>
    <footer>Copyright 2024. All rights reserved.</footer><script>alert(1)</script></body></html>"""
    page = extract_page(html, url="https://example.org/a")
    assert "headed by Kim Song Nam" in page.text
    assert "Copyright" not in page.text and "alert" not in page.text
    assert page.title.startswith("Delegation leaves")
    assert page.published is not None and page.published.date().isoformat() == "2024-03-21"


def test_extract_page_of_a_korean_page():
    page = extract_page(decode(euc_kr_page()))
    assert "조선로동당 대표단" in page.text


def test_clean_text_normalises_spacing_and_control_characters():
    assert clean_text("  a\u00a0 b\x00c\r\n\r\n\r\n\nd  ") == "a bc\n\nd"


def test_parse_date_accepts_dates_and_iso_strings():
    assert parse_date("2024-03-21") == datetime(2024, 3, 21, tzinfo=UTC)
    assert parse_date("2024-03-21T10:00:00Z") == datetime(2024, 3, 21, 10, tzinfo=UTC)
    assert parse_date("not a date") is None
    assert parse_date(None) is None


def test_looks_like_feed():
    assert looks_like_feed(b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>')
    assert looks_like_feed(b'<feed xmlns="http://www.w3.org/2005/Atom"></feed>')
    assert looks_like_feed(b"", "application/atom+xml")
    assert not looks_like_feed(b"<!DOCTYPE html><html><body>rss</body></html>")

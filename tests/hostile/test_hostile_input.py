"""Hostile and broken input through the real pipeline: each ends with a clear status, nothing escapes.

Inputs are the files in tests/hostile/corpus/ (written for this project) and pages generated here
(encodings, sizes, binary data), served on loopback by pytest-httpserver and taken through the same
entry points as production: `ingest_url` / `ingest_file` / `ingest_jsonl`, then `article_process`.
After each input: every article is in a final status, a failed one has its reason, no exception
escaped, and a failed article left no proposal, record or evidence behind.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from werkzeug import Response

from contacts.models import Contact, Delegation, Evidence, Person
from ingest import pipeline
from ingest.models import Article, Proposal

CORPUS = Path(__file__).resolve().parent / "corpus"
FINAL = {"irrelevant", "proposed", "linked", "duplicate", "failed"}
REPORT = (
    "Pyongyang, March 18 -- A delegation of the Workers' Party of Korea led by Ri Chol Man, vice-director of "
    "the International Department of the WPK Central Committee, left here on Monday for Hanoi to visit Vietnam "
    "at the invitation of the Communist Party of Vietnam. The delegation was seen off at the airport by "
    "officials of the department and by the Vietnamese ambassador."
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback(settings):
    """The test server listens on 127.0.0.1; the private-network refusal has its own tests (tests/security)."""
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = True


def settle(articles: list[Article]) -> list[Article]:
    """Process the articles as the command does (following feeds), then reload them."""
    outcomes = pipeline.process_all([a.pk for a in articles])
    ids = {a.pk for a in articles} | {o.article_id for o in outcomes if o.article_id}
    return list(Article.objects.filter(pk__in=ids).order_by("pk"))


def assert_clean_end(articles: list[Article]) -> None:
    assert articles, "every input leaves at least one article row"
    for article in articles:
        assert article.status in FINAL, (article.url, article.status)
        if article.status == Article.Status.FAILED:
            assert article.failure_reason.strip(), article.url
            assert not article.proposals.exists(), "a failed article left proposals"
            assert not Evidence.objects.filter(article=article).exists(), "a failed article left evidence"
        else:
            assert article.failure_reason == "", (article.url, article.failure_reason)
    assert not Article.objects.filter(status__in=["pending", "fetched"]).exists()


def serve(httpserver, path: str, body: bytes, content_type: str | None = "text/html", **headers) -> str:
    if content_type:
        headers["Content-Type"] = content_type
    httpserver.expect_request(path).respond_with_response(Response(body, headers=headers))
    return httpserver.url_for(path)


def ingest_served(httpserver, path: str, body: bytes, content_type: str | None = "text/html", **headers):
    return settle(pipeline.ingest_url(serve(httpserver, path, body, content_type, **headers)))


# Feeds ------------------------------------------------------------------------------------------------


def test_truncated_feed(httpserver):
    serve(httpserver, "/truncated/1", f"<html><body><article><p>{REPORT}</p></article></body></html>".encode())
    body = (CORPUS / "truncated_feed.xml").read_bytes().replace(b"http://wire.example.test", httpserver.url_for("").rstrip("/").encode())
    articles = ingest_served(httpserver, "/truncated.xml", body, "application/rss+xml")
    assert_clean_end(articles)
    # The complete item before the cut is kept.
    assert any("Hanoi" in a.text for a in articles)


def test_malformed_feed(httpserver):
    articles = ingest_served(httpserver, "/malformed.xml", (CORPUS / "malformed_feed.xml").read_bytes(),
                             "application/rss+xml")
    assert_clean_end(articles)


@pytest.mark.parametrize("body", [b"", b"<", b"<?xml version='1.0'?>", b"<rss><channel></channel></rss>",
                                  b"\x00\x00\x00", b"<rss" + b"<item>" * 5000])
def test_empty_and_garbage_feeds(httpserver, body):
    articles = ingest_served(httpserver, "/feed.xml", body, "application/rss+xml")
    assert_clean_end(articles)
    assert articles[0].status == Article.Status.FAILED


def test_xml_that_is_not_a_feed(httpserver):
    articles = ingest_served(httpserver, "/config.xml", (CORPUS / "not_a_feed.xml").read_bytes(), "application/xml")
    assert_clean_end(articles)
    assert not any("hunter2" in (a.text + a.title) for a in articles if a.status != Article.Status.FAILED)


def test_billion_laughs_is_not_expanded(httpserver):
    articles = ingest_served(httpserver, "/bomb.xml", (CORPUS / "billion_laughs.xml").read_bytes(),
                             "application/rss+xml")
    assert_clean_end(articles)
    for article in articles:
        assert "lollollollol" not in article.title + article.text
        assert len(article.text) < 10_000


def test_billion_laughs_as_an_uploaded_file(tmp_path):
    path = tmp_path / "bomb.xml"
    path.write_bytes((CORPUS / "billion_laughs.xml").read_bytes())
    try:
        articles = pipeline.ingest_file(path)
    except pipeline.FetchError as exc:  # refused as a feed without entries: a clear reason for the editor
        assert "parse error" in str(exc)
        return
    articles = settle(articles)
    assert_clean_end(articles)
    assert all("lollollol" not in a.title + a.text for a in articles)


def test_xxe_does_not_read_local_files_or_fetch(httpserver, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("XXE-SECRET-MARKER-7f3a")
    body = (CORPUS / "xxe_feed.xml.tmpl").read_text().replace("{path}", str(secret))
    body = body.replace("http://wire.example.test", httpserver.url_for("").rstrip("/"))
    serve(httpserver, "/xxe/1", f"<html><body><article><p>{REPORT}</p></article></body></html>".encode())
    articles = ingest_served(httpserver, "/xxe.xml", body.encode(), "application/rss+xml")
    assert_clean_end(articles)
    for article in Article.objects.all():
        assert "XXE-SECRET" not in article.title + article.text + json.dumps(article.classification)
    assert not Person.objects.filter(name__contains="XXE").exists()


# Pages ------------------------------------------------------------------------------------------------


def test_fifty_megabyte_page_is_refused_without_reading_it(httpserver, settings):
    """Streamed without Content-Length: the fetcher stops at the cap, the server never sends the rest."""
    sent = []
    chunk = b"<p>" + b"x" * (1024 * 1024 - 7) + b"</p>\n"

    def handler(request):
        def body():
            for _ in range(50):
                sent.append(len(chunk))
                yield chunk

        return Response(body(), content_type="text/html")

    httpserver.expect_request("/huge.html").respond_with_handler(handler)
    articles = settle(pipeline.ingest_url(httpserver.url_for("/huge.html")))
    assert_clean_end(articles)
    assert articles[0].status == Article.Status.FAILED
    assert "too large" in articles[0].failure_reason
    assert sum(sent) < 20 * 1024 * 1024, f"{sum(sent)} bytes were produced for a page refused at the cap"


def test_gzip_bomb_stops_at_the_cap(httpserver, settings):
    import gzip

    settings.INGEST_MAX_BYTES = 1024 * 1024
    bomb = gzip.compress(b"<p>" + b"a" * (30 * 1024 * 1024) + b"</p>")
    articles = ingest_served(httpserver, "/bomb.html", bomb, "text/html", **{"Content-Encoding": "gzip"})
    assert_clean_end(articles)
    assert articles[0].status == Article.Status.FAILED and "too large" in articles[0].failure_reason


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40


@pytest.mark.parametrize("content_type", ["text/html", None, "image/png", "application/octet-stream"])
def test_binary_file_named_html(httpserver, content_type):
    articles = ingest_served(httpserver, "/photo.html", PNG, content_type)
    assert_clean_end(articles)
    assert articles[0].status == Article.Status.FAILED
    assert "\x00" not in articles[0].text


def test_binary_file_named_html_uploaded(tmp_path):
    path = tmp_path / "photo.html"
    path.write_bytes(PNG)
    articles = settle(pipeline.ingest_file(path))
    assert_clean_end(articles)
    assert articles[0].status == Article.Status.FAILED


KOREAN = (
    "평양 3월 18일발 조선중앙통신 -- 조선로동당 대표단이 베트남공산당의 초청에 따라 베트남을 방문하기 위하여 "
    "18일 평양을 출발하였다. 대표단은 당 중앙위원회 국제부 부부장 리철만이 단장으로 하였다. "
) * 4


@pytest.mark.parametrize(
    ("label", "encoding", "declared"),
    [
        ("euc-kr, declared", "euc-kr", "euc-kr"),
        ("euc-kr, undeclared", "euc-kr", None),
        ("euc-kr, declared utf-8", "euc-kr", "utf-8"),
        ("euc-kr, declared latin-1", "euc-kr", "iso-8859-1"),
        ("utf-8, declared euc-kr", "utf-8", "euc-kr"),
        ("cp949, declared nonsense", "cp949", "x-no-such-charset"),
    ],
)
def test_korean_pages_in_mislabelled_encodings(httpserver, label, encoding, declared):
    html = f"<html><head><title>조선로동당 대표단 출발</title></head><body><article><p>{KOREAN}</p></article></body></html>"
    content_type = f"text/html; charset={declared}" if declared else "text/html"
    articles = ingest_served(httpserver, "/ko.html", html.encode(encoding), content_type)
    assert_clean_end(articles)
    article = articles[0]
    if article.status != Article.Status.FAILED:
        assert "대표단" in article.text, (label, article.text[:80])
        assert "\ufffd" not in article.text


def test_meta_charset_lies(httpserver):
    html = "<html><head><meta charset='utf-8'><title>Делегация</title></head><body><article><p>" + \
           ("Делегация Трудовой партии Кореи прибыла в Москву по приглашению. " * 10) + "</p></article></body></html>"
    articles = ingest_served(httpserver, "/ru.html", html.encode("koi8-r"), "text/html")
    assert_clean_end(articles)
    if articles[0].status != Article.Status.FAILED:
        assert "\x00" not in articles[0].text


def test_empty_page(httpserver):
    articles = ingest_served(httpserver, "/empty.html", b"", "text/html")
    assert_clean_end(articles)
    assert articles[0].status == Article.Status.FAILED and articles[0].failure_reason


def test_page_without_text(httpserver):
    articles = ingest_served(httpserver, "/blank.html", b"<html><head><title>t</title></head><body> </body></html>")
    assert_clean_end(articles)
    assert articles[0].status == Article.Status.FAILED and "no readable text" in articles[0].failure_reason


def test_html_with_scripts_and_handlers_is_stored_as_text(httpserver):
    articles = ingest_served(httpserver, "/laos.html", (CORPUS / "scripts.html").read_bytes())
    assert_clean_end(articles)
    article = articles[0]
    assert article.status != Article.Status.FAILED, article.failure_reason
    assert "Vientiane" in article.text
    stored = article.title + article.text
    for marker in ("SCRIPT-BODY-MARKER", "STYLE-MARKER", "<script", "onerror", "onload", "javascript:", "<iframe"):
        assert marker not in stored, marker


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_error_answers(httpserver, status):
    httpserver.expect_request("/gone").respond_with_data("nope", status=status)
    articles = settle(pipeline.ingest_url(httpserver.url_for("/gone")))
    assert_clean_end(articles)
    assert f"HTTP {status}" in articles[0].failure_reason


def test_redirect_loop(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    articles = settle(pipeline.ingest_url(httpserver.url_for("/a")))
    assert_clean_end(articles)
    assert "redirect" in articles[0].failure_reason


# Text inputs -----------------------------------------------------------------------------------------


def write_jsonl(tmp_path, records: list[dict]) -> Path:
    path = tmp_path / "input.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def test_empty_article(tmp_path):
    path = write_jsonl(tmp_path, [{"url": "https://wire.example.test/empty", "title": "", "text": ""},
                                  {"url": "https://wire.example.test/spaces", "title": " ", "text": " \n\t "}])
    # No text, so the pipeline fetches the URL; the host does not resolve: failed with the reason.
    articles = settle(pipeline.ingest_jsonl(path))
    assert_clean_end(articles)
    assert {a.status for a in articles} == {Article.Status.FAILED}


def test_two_hundred_thousand_character_article(tmp_path):
    text = (REPORT + "\n\n") * (200_000 // len(REPORT) + 1)
    text = text[:200_000]
    articles = settle(pipeline.ingest_jsonl(write_jsonl(tmp_path, [{"url": "https://wire.example.test/long",
                                                                     "title": "Long", "text": text}])))
    assert_clean_end(articles)
    assert len(articles[0].text) >= 190_000


def test_two_million_characters_are_cut(tmp_path):
    text = "word " * 500_000
    articles = settle(pipeline.ingest_jsonl(write_jsonl(tmp_path, [{"url": "https://wire.example.test/huge",
                                                                     "title": "Huge", "text": text}])))
    assert_clean_end(articles)
    assert len(articles[0].text) <= 2_000_000


NAMES = [
    "Kim Jong Un", "김정은", "金正恩", "Ким Чен Ын", "キム・ジョンウン", "كيم جونغ أون", "קים ג'ונג און",
    "किम जोंग उन", "คิม จอง-อึน", "Κιμ Γιονγκ Ουν", "ኪም ጆንግ ኡን", "Kim Jŏng-ŭn", "Kim\u200bJong\u200dUn",
    "Kim \u202eNU gnoJ", "Z̵̧a̸l̷g̶o̵", "🇰🇵 Kim 🚀", "Nguyễn Phú Trọng", "Thongloun Sisoulith", "Ри Чхоль Ман",
]


def test_names_in_many_scripts(tmp_path, settings):
    settings.INGEST_AUTO_APPLY_THRESHOLD = 0.0  # apply whatever is proposed: names reach the records
    records = [
        {
            "url": f"https://wire.example.test/names/{i}",
            "title": f"{name} receives a delegation",
            "text": f"Pyongyang, March {i + 1} -- {name}, chairman, received a delegation of the Communist Party of "
                    f"Vietnam led by {NAMES[-i - 1]} on Tuesday in Pyongyang. They had a talk. {REPORT}",
        }
        for i, name in enumerate(NAMES)
    ]
    articles = settle(pipeline.ingest_jsonl(write_jsonl(tmp_path, records)))
    assert_clean_end(articles)
    for person in Person.objects.all():
        assert "\x00" not in person.name and person.name.strip() == person.name


def test_control_characters_and_nul_bytes(tmp_path):
    text = "A\x00B\x01C\x1b[31m red \x7f" + REPORT + "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    articles = settle(pipeline.ingest_jsonl(write_jsonl(tmp_path, [{"url": "https://wire.example.test/ctl",
                                                                     "title": "T\x00itle", "text": text}])))
    assert_clean_end(articles)
    assert "\x00" not in articles[0].text + articles[0].title


def test_broken_jsonl_is_refused_whole(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"url": "https://wire.example.test/ok", "text": "fine"}\n{"url": "https://wire.ex\n')
    with pytest.raises(pipeline.InputError, match="not JSON"):
        pipeline.ingest_jsonl(path)


def test_jsonl_urls_that_are_not_http_are_not_kept(tmp_path):
    articles = pipeline.ingest_jsonl(write_jsonl(tmp_path, [
        {"url": "javascript:alert(document.cookie)//", "title": "T", "text": REPORT},
        {"url": "data:text/html,<script>alert(1)</script>", "title": "T", "text": REPORT + " again"},
    ]))
    for article in articles:
        assert article.url.startswith(("http://", "https://", "urn:")), article.url


# Duplicates in parallel ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_url_submitted_in_parallel_makes_one_article(httpserver, settings):
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = True
    settings.INGEST_AUTO_APPLY_THRESHOLD = 0.0
    page = f"<html><head><title>Delegation leaves for Hanoi</title></head><body><article><p>{REPORT}</p></article></body></html>"
    url = serve(httpserver, "/same", page.encode())
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []
    ids: list[int] = []

    def submit():
        from django.db import connection

        try:
            barrier.wait()
            for article in pipeline.ingest_url(url + "?utm_source=x" if len(ids) % 2 else url):
                ids.append(article.pk)
                pipeline.article_process(article.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert len(set(ids)) == 1
    assert Article.objects.count() == 1
    article = Article.objects.get()
    if article.status in (Article.Status.PENDING, Article.Status.FETCHED):  # every thread found it busy: finish it
        pipeline.article_process(article.pk)
        article.refresh_from_db()
    assert_clean_end([article])
    proposals = list(Proposal.objects.filter(article=article).values_list("action", "payload"))
    assert len(proposals) == len({(a, json.dumps(p, sort_keys=True)) for a, p in proposals}), proposals
    assert Delegation.objects.count() <= 1
    assert Evidence.objects.filter(article=article).count() == len(
        set(Evidence.objects.filter(article=article).values_list("contact_id", "delegation_id"))
    )
    assert Contact.objects.filter(evidence__article=article).count() == Contact.objects.filter(
        evidence__article=article).distinct().count()
    assert article.attempts == 1, "the same article was processed by several threads at once"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_same_report_under_two_urls_in_parallel_makes_one_original(tmp_path):
    records = [{"url": f"https://wire{i}.example.test/report", "title": "Delegation leaves", "text": REPORT}
               for i in range(6)]
    articles = pipeline.ingest_jsonl(write_jsonl(tmp_path, records))
    barrier = threading.Barrier(len(articles))
    errors: list[BaseException] = []

    def work(article_id):
        from django.db import connection

        try:
            barrier.wait()
            pipeline.article_process(article_id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(a.pk,)) for a in articles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    rows = list(Article.objects.all())
    assert_clean_end(rows)
    originals = [a for a in rows if a.status != Article.Status.DUPLICATE]
    assert len(originals) == 1, [(a.url, a.status) for a in rows]

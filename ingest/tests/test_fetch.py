"""Fetching against a real local HTTP server: the guards a hostile or broken site meets."""

from __future__ import annotations

import gzip
import time

import pytest
from werkzeug import Response

from ingest.pipeline import fetch as fetch_module
from ingest.pipeline.fetch import BlockedAddress, PermanentFetchError, TransientFetchError, fetch

PAGE = b"<html><head><title>T</title></head><body><p>Hello</p></body></html>"


def test_plain_page_is_fetched_with_its_type_and_charset(httpserver, allow_private):
    httpserver.expect_request("/page").respond_with_data(PAGE, content_type="text/html; charset=EUC-KR")
    result = fetch(httpserver.url_for("/page"))
    assert result.status == 200
    assert result.content == PAGE
    assert result.content_type == "text/html"
    assert result.charset == "EUC-KR"


def test_conditional_get_returns_not_modified(httpserver, allow_private):
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_response(
        Response(status=304, headers={"ETag": '"v1"'})
    )
    httpserver.expect_request("/feed").respond_with_data(
        b"<rss/>", content_type="application/rss+xml", headers={"ETag": '"v1"', "Last-Modified": "Mon, 25 Mar 2024"}
    )
    first = fetch(httpserver.url_for("/feed"))
    assert not first.not_modified and first.etag == '"v1"' and first.last_modified == "Mon, 25 Mar 2024"
    second = fetch(httpserver.url_for("/feed"), etag=first.etag)
    assert second.not_modified
    assert second.content == b""


def test_slow_server_times_out_as_a_transient_error(httpserver, allow_private, monkeypatch):
    monkeypatch.setattr(fetch_module, "READ_TIMEOUT", 0.3)

    def slow(request):
        time.sleep(1.0)
        return Response(PAGE, content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(TransientFetchError, match="timeout"):
        fetch(httpserver.url_for("/slow"))


def test_redirects_are_followed_up_to_the_limit(httpserver, allow_private):
    httpserver.expect_request("/a").respond_with_response(Response(status=301, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_response(Response(status=302, headers={"Location": "/page"}))
    httpserver.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    result = fetch(httpserver.url_for("/a"))
    assert result.final_url == httpserver.url_for("/page")
    assert result.url == httpserver.url_for("/a")


def test_redirect_loop_stops_at_the_limit(httpserver, allow_private):
    httpserver.expect_request("/loop").respond_with_response(Response(status=302, headers={"Location": "/loop"}))
    with pytest.raises(PermanentFetchError, match="too many redirects"):
        fetch(httpserver.url_for("/loop"))


def test_redirect_to_a_private_address_is_refused(httpserver, refuse_private, monkeypatch):
    # The test server itself is on loopback: let exactly its address through, so the first hop stands
    # in for a public site, and check that the hop to the cloud metadata address is still refused.
    real_check = fetch_module.address_allowed
    monkeypatch.setattr(fetch_module, "address_allowed", lambda ip: ip == "127.0.0.1" or real_check(ip))
    httpserver.expect_request("/go").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    )
    with pytest.raises(BlockedAddress, match="169.254.169.254"):
        fetch(httpserver.url_for("/go"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://127.1/",
        "http://2130706433/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_private_and_loopback_addresses_are_refused(url, refuse_private):
    with pytest.raises(BlockedAddress):
        fetch(url)


def test_a_name_resolving_to_loopback_is_refused_at_connect_time(httpserver, refuse_private):
    httpserver.expect_request("/page").respond_with_data(PAGE, content_type="text/html")
    url = httpserver.url_for("/page").replace("127.0.0.1", "localhost")
    with pytest.raises(BlockedAddress, match="localhost"):
        fetch(url)
    assert httpserver.log == []  # nothing reached the server


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://x/", "http://user:pw@example.org/"])
def test_other_schemes_and_credentials_are_refused(url):
    with pytest.raises(PermanentFetchError, match="refused"):
        fetch(url)


def test_oversize_body_with_declared_length_is_refused(httpserver, allow_private):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000, content_type="text/html")
    with pytest.raises(PermanentFetchError, match="too large"):
        fetch(httpserver.url_for("/big"), max_bytes=1000)


def test_oversize_streamed_body_is_cut_at_the_cap(httpserver, allow_private):
    def stream(request):
        return Response((b"x" * 1000 for _ in range(50)), content_type="text/html")  # chunked, no length

    httpserver.expect_request("/stream").respond_with_handler(stream)
    with pytest.raises(PermanentFetchError, match="too large"):
        fetch(httpserver.url_for("/stream"), max_bytes=10_000)


def test_gzip_bomb_is_cut_at_the_decompressed_cap(httpserver, allow_private):
    bomb = gzip.compress(b"\0" * 2_000_000)
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    assert len(bomb) < 10_000
    with pytest.raises(PermanentFetchError, match="too large"):
        fetch(httpserver.url_for("/bomb"), max_bytes=100_000)


def test_binary_content_type_is_refused(httpserver, allow_private):
    httpserver.expect_request("/img").respond_with_data(b"\x89PNG", content_type="image/png")
    with pytest.raises(PermanentFetchError, match="content type"):
        fetch(httpserver.url_for("/img"))


def test_server_errors_are_transient_and_client_errors_permanent(httpserver, allow_private):
    httpserver.expect_request("/down").respond_with_data(b"", status=503)
    httpserver.expect_request("/gone").respond_with_data(b"", status=404)
    with pytest.raises(TransientFetchError, match="503"):
        fetch(httpserver.url_for("/down"))
    with pytest.raises(PermanentFetchError, match="404"):
        fetch(httpserver.url_for("/gone"))


def test_refused_connection_is_transient(allow_private):
    with pytest.raises(TransientFetchError):
        fetch("http://127.0.0.1:9/")  # the discard port: nothing listens

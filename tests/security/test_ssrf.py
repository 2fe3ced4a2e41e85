"""URL ingestion cannot reach private, loopback or link-local addresses: directly, by name, or by redirect.

With INGEST_ALLOW_PRIVATE_NETWORKS off every URL below is refused by the fetcher before a byte is
sent, and an editor's or a feed's URL that is refused ends as a failed article with the reason.
The redirect cases use a local HTTP server, reached with the setting on, whose answer points at a
private address: the second hop must still be refused.
"""

from __future__ import annotations

import socket

import pytest

from ingest import pipeline
from ingest.models import Article
from ingest.pipeline import fetch

PRIVATE_URLS = [
    "http://127.0.0.1/",
    "http://127.0.0.1:6379/",
    "http://127.1/",
    "http://localhost/",
    "http://LocalHost/admin/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://10.0.0.1/",
    "http://10.255.255.254:8080/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://0/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://[fc00::1]/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
]
NOT_HTTP = ["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://example.org/", "dict://127.0.0.1:11211/",
            "http://user:pass@example.org/"]
# Names an attacker controls that resolve to internal addresses (answered by the patched resolver).
EVIL_NAMES = {
    "loopback.attacker.test": "127.0.0.1",
    "metadata.attacker.test": "169.254.169.254",
    "intranet.attacker.test": "10.1.2.3",
    "v6.attacker.test": "::1",
    "mapped.attacker.test": "::ffff:192.168.0.1",
}


@pytest.fixture
def refuse_private(settings):
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = False


@pytest.fixture
def no_connections(monkeypatch):
    """Fail the test if the fetcher opens any TCP connection at all."""
    opened: list = []
    real_create = socket.create_connection

    def guard(address, *args, **kwargs):
        opened.append(address)
        raise AssertionError(f"connection attempted to {address}")

    monkeypatch.setattr(socket, "create_connection", guard)
    yield opened
    monkeypatch.setattr(socket, "create_connection", real_create)


@pytest.fixture
def evil_dns(monkeypatch):
    """Resolve the EVIL_NAMES to internal addresses, like a DNS name under an attacker's control."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in EVIL_NAMES:
            ip = EVIL_NAMES[name]
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            sockaddr = (ip, port or 80, 0, 0) if family == socket.AF_INET6 else (ip, port or 80)
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_addresses_are_refused(refuse_private, no_connections, url):
    with pytest.raises(fetch.PermanentFetchError) as caught:
        fetch.fetch(url)
    assert "refused" in str(caught.value)
    assert not no_connections


@pytest.mark.parametrize("url", NOT_HTTP)
def test_other_schemes_and_credentials_are_refused(refuse_private, no_connections, url):
    with pytest.raises(fetch.PermanentFetchError, match="refused"):
        fetch.fetch(url)
    assert not no_connections


@pytest.mark.parametrize("name", sorted(EVIL_NAMES))
def test_names_resolving_to_private_addresses_are_refused(refuse_private, evil_dns, no_connections, name):
    with pytest.raises(fetch.BlockedAddress, match="non-public"):
        fetch.fetch(f"http://{name}/news/1")
    assert not no_connections


def test_a_name_with_one_public_and_one_private_address_is_refused(refuse_private, monkeypatch, no_connections):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch("http://mixed.attacker.test/")


def test_dns_rebinding_is_checked_at_connect_time(refuse_private, monkeypatch, no_connections):
    """A name that answers public for the first lookup and loopback afterwards is still refused."""
    answers = iter(["93.184.216.34"] + ["127.0.0.1"] * 10)
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host == "rebind.attacker.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    socket.getaddrinfo("rebind.attacker.test", 80)  # a check done elsewhere saw a public address
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch("http://rebind.attacker.test/")


@pytest.mark.parametrize("target", ["http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::1]/", "http://loopback.attacker.test/", "http://2130706433/"])
def test_redirect_to_a_private_address_is_refused(settings, httpserver, evil_dns, monkeypatch, target):
    """The first hop is allowed (test server on loopback); the redirect's target goes through the guard again."""
    httpserver.expect_request("/go").respond_with_data("", status=302, headers={"Location": target})
    real_backend = fetch.GuardedBackend
    first_hop = httpserver.host, str(httpserver.port)

    class OnlyTestServer(real_backend):
        """Allows exactly the test server, so every other address is judged as in production."""

        def connect_tcp(self, host, port, *args, **kwargs):
            self.allow_private = (host, str(port)) == first_hop
            return super().connect_tcp(host, port, *args, **kwargs)

    monkeypatch.setattr(fetch, "GuardedBackend", OnlyTestServer)
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch(httpserver.url_for("/go"))
    assert len(httpserver.log) == 1


def test_redirect_to_another_scheme_is_refused(settings, httpserver):
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = True
    httpserver.expect_request("/go").respond_with_data("", status=301, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(fetch.PermanentFetchError, match="refused"):
        fetch.fetch(httpserver.url_for("/go"))


def test_the_setting_really_is_what_lets_the_test_server_through(settings, httpserver):
    """Same server, setting on then off: proves the refusals above come from the guard, not the network."""
    httpserver.expect_request("/page").respond_with_data("<p>hello</p>", content_type="text/html")
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = True
    assert fetch.fetch(httpserver.url_for("/page")).content == b"<p>hello</p>"
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(fetch.BlockedAddress):
        fetch.fetch(httpserver.url_for("/page"))


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://loopback.attacker.test/x"])
def test_refused_url_becomes_a_failed_article_with_the_reason(refuse_private, evil_dns, no_connections, url):
    articles = pipeline.ingest_url(url)
    assert len(articles) == 1
    article = Article.objects.get(pk=articles[0].pk)
    assert article.status == Article.Status.FAILED
    assert "refused" in article.failure_reason
    assert article.text == ""


@pytest.mark.django_db
def test_stored_article_with_a_private_url_is_refused_when_processed(refuse_private, no_connections):
    """An article queued with an internal URL (JSONL without text, admin form) fails at processing."""
    article = Article.objects.create(url="http://10.0.0.5/secret", canonical_url="http://10.0.0.5/secret")
    outcome = pipeline.article_process(article.pk)
    article.refresh_from_db()
    assert outcome.status == Article.Status.FAILED
    assert article.status == Article.Status.FAILED and "refused" in article.failure_reason

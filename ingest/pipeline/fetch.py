"""Fetch one URL safely: every outgoing HTTP request of the ingest goes through `fetch()`.

The guards, and why:
- The address is checked when the socket is opened, on the IP actually connected to, so a DNS name
  that resolves to 127.0.0.1 (or changes its answer between a check and the connection, "DNS
  rebinding") cannot reach internal services. Private, loopback, link-local, reserved and other
  non-global addresses are refused unless `settings.INGEST_ALLOW_PRIVATE_NETWORKS` is on.
- Redirects are followed by hand, at most `MAX_REDIRECTS`, and each hop goes through the same guard.
- Connect and read timeouts, plus an overall deadline so a server dripping bytes cannot hold a worker.
- The body is read in chunks and abandoned past `settings.INGEST_MAX_BYTES` (decompressed size, so a
  gzip bomb stops at the cap too).
- Only text-like content types (HTML, XML feeds, plain text) are accepted.
- Conditional GET: the caller passes the ETag / Last-Modified it stored; a 304 comes back as
  `not_modified`.
Environment proxies are ignored (`trust_env=False`): a proxy would make the address check meaningless.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from django.conf import settings

__all__ = [
    "BlockedAddress",
    "FetchError",
    "FetchResult",
    "PermanentFetchError",
    "TransientFetchError",
    "fetch",
]

MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
TOTAL_DEADLINE = 30.0
USER_AGENT = "ContactAtlas/1.0 (+news monitoring; respects ETag and Last-Modified)"
ACCEPT = "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,text/*;q=0.8"
ALLOWED_CONTENT_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "text/plain",
)
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class FetchError(Exception):
    """A fetch that did not produce a usable body; the message is the reason an editor sees."""

    transient = False


class TransientFetchError(FetchError):
    """Worth retrying later: timeouts, refused connections, 5xx and 429 answers."""

    transient = True


class PermanentFetchError(FetchError):
    """Retrying will not help: refused address, oversize body, wrong content type, 4xx, redirect loop."""


class BlockedAddress(PermanentFetchError):
    """The URL resolves to an address the ingest must not reach (loopback, private network, ...)."""


@dataclass(frozen=True)
class FetchResult:
    """What came back: the body as bytes (decoding is the text step's job) and the caching headers."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content: bytes
    content_type: str  # media type only, lower case ("text/html")
    charset: str | None  # from the Content-Type header, if any
    etag: str
    last_modified: str
    not_modified: bool = False


def address_allowed(ip: str) -> bool:
    """Whether an IP address is a public one (IPv4-mapped IPv6 is judged as the IPv4 it maps)."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class GuardedBackend(httpcore.SyncBackend):
    """httpcore network backend that resolves the host itself and connects only to allowed addresses.

    Connecting to the checked IP (not the name) closes the gap between check and use; TLS still
    verifies the certificate against the original host name, which httpcore passes separately.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not self.allow_private:
            refused = [ip for ip in addresses if not address_allowed(ip)]
            if refused:
                raise BlockedAddress(f"refused: {host} resolves to a non-public address ({refused[0]})")
        last_error: Exception | None = None
        for ip in addresses:
            try:
                return super().connect_tcp(ip, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # try the next address, as browsers do
                last_error = exc
        raise last_error or httpcore.ConnectError(f"no address for {host}")


@lru_cache(maxsize=1)
def _tls() -> ssl.SSLContext:
    # Built once per process: loading the CA bundle costs ~17 ms, more than extracting a page's text.
    # (The certificate checks are the same on every connection; an SSLContext may be shared.)
    return httpx.create_ssl_context()


def _client() -> httpx.Client:
    allow_private = settings.INGEST_ALLOW_PRIVATE_NETWORKS
    transport = httpx.HTTPTransport(retries=0, verify=_tls())
    # httpx has no public hook for the network backend; the pool attribute is stable across 0.2x.
    transport._pool._network_backend = GuardedBackend(allow_private)
    return httpx.Client(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
    )


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise PermanentFetchError(f"refused: only http and https URLs are fetched, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise PermanentFetchError("refused: the URL has no host")
    if parts.username or parts.password:
        raise PermanentFetchError("refused: credentials in the URL")


def _media_type(header: str) -> tuple[str, str | None]:
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip().strip("\"'") or None
    return media.strip().lower(), charset


def _read_capped(response: httpx.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PermanentFetchError(f"too large: {int(declared)} bytes declared, limit {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes(chunk_size=65536):
        size += len(chunk)
        if size > max_bytes:
            raise PermanentFetchError(f"too large: more than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise TransientFetchError(f"timeout: body not complete after {TOTAL_DEADLINE:.0f} s")
        chunks.append(chunk)
    return b"".join(chunks)


def fetch(url: str, *, etag: str = "", last_modified: str = "", max_bytes: int | None = None) -> FetchResult:
    """GET one URL with every guard above; raise TransientFetchError or PermanentFetchError on failure."""
    max_bytes = max_bytes or settings.INGEST_MAX_BYTES
    deadline = time.monotonic() + TOTAL_DEADLINE
    conditional = {}
    if etag:
        conditional["If-None-Match"] = etag
    if last_modified:
        conditional["If-Modified-Since"] = last_modified
    current = url
    with _client() as client:
        for _hop in range(MAX_REDIRECTS + 1):
            _check_url(current)
            try:
                with client.stream("GET", current, headers=conditional) as response:
                    if response.status_code in REDIRECT_STATUSES:
                        location = response.headers.get("Location")
                        if not location:
                            raise PermanentFetchError(f"HTTP {response.status_code} without a Location")
                        current = urljoin(current, location)
                        continue
                    return _finish(url, current, response, max_bytes, deadline)
            except BlockedAddress:
                raise
            except httpx.TimeoutException as exc:
                raise TransientFetchError(f"timeout: {type(exc).__name__} fetching {current}") from exc
            except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
                raise TransientFetchError(f"network error: {type(exc).__name__}: {exc}") from exc
            except httpx.HTTPError as exc:
                raise PermanentFetchError(f"HTTP error: {type(exc).__name__}: {exc}") from exc
    raise PermanentFetchError(f"too many redirects: more than {MAX_REDIRECTS}")


def _finish(url: str, final_url: str, response: httpx.Response, max_bytes: int, deadline: float) -> FetchResult:
    status = response.status_code
    headers = response.headers
    if status == 304:
        return FetchResult(
            url, final_url, status, b"", "", None, headers.get("ETag", ""), headers.get("Last-Modified", ""), True
        )
    if status == 429 or status >= 500:
        raise TransientFetchError(f"HTTP {status} from {final_url}")
    if status >= 400:
        raise PermanentFetchError(f"HTTP {status} from {final_url}")
    if status != 200:
        raise PermanentFetchError(f"unexpected HTTP {status} from {final_url}")
    media, charset = _media_type(headers.get("Content-Type", ""))
    # A missing type is sniffed later; a present one must be something the text step can read.
    if media and media not in ALLOWED_CONTENT_TYPES and not media.endswith("+xml"):
        raise PermanentFetchError(f"unsupported content type: {media}")
    content = _read_capped(response, max_bytes, deadline)
    return FetchResult(
        url=url,
        final_url=final_url,
        status=status,
        content=content,
        content_type=media,
        charset=charset,
        etag=headers.get("ETag", ""),
        last_modified=headers.get("Last-Modified", ""),
    )

"""Keeps the cached analyst pages honest after edits made through the web (see contacts/pagecache.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from contacts.pagecache import data_version_refresh

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class DataVersionMiddleware:
    """After a successful change (an editor's save, merge, revert or review), pages read the new data at once."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            data_version_refresh()
        return response

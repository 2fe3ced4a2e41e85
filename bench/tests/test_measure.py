"""The bench's shortcut to a deep timeline page lands where following the "older" links does."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from bench import measure
from bench.generate import Scale, generate

pytestmark = pytest.mark.django_db


@override_settings(PUBLIC_READ=True)
def test_deep_page_cursor_matches_following_the_pager(client, reference):
    generate(Scale(contacts=400, delegations=80, persons=60, articles=200, seed=3), log=lambda line: None)
    url = reverse("contacts:list")
    for _ in range(4):
        tokens = measure.NEXT_PAGE.findall(client.get(url).content.decode())
        url = f"{reverse('contacts:list')}?before={tokens[-1]}"

    assert url.endswith(f"before={measure.deep_page_cursor(5)}")

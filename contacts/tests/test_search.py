"""Search: trigram names, full-text over records and articles, grouped results, and the indexes behind them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from contacts import search
from contacts.tests.factories import ContactFactory, DelegationFactory, PersonAliasFactory, PersonFactory
from ingest.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(client):
    client.force_login(User.objects.create_user("analyst"))
    return client


def article(title: str, text: str, day: int = 1) -> Article:
    url = f"https://news.example/{title.replace(' ', '-')}"
    return Article.objects.create(
        url=url,
        canonical_url=url,
        title=title,
        text=text,
        source_name="KCNA",
        published_at=timezone.make_aware(dt.datetime(2024, 3, day, 8)),
    )


@pytest.mark.parametrize("query", ["Kim Sung Nam", "kim song-nam", "Kim Songnam", "김성남"])
def test_misspelled_or_variant_names_find_the_person(query):
    person = PersonFactory(name="Kim Song Nam", hangul="김성남")
    PersonAliasFactory(person=person, name="김성남")
    PersonFactory(name="Ri Son Gwon")
    assert [p.pk for p in search.search_people(query)] == [person.pk]


def test_alias_similarity_ranks_the_person():
    person = PersonFactory(name="Choe Son Hui")
    PersonAliasFactory(person=person, name="Choe Sun-hui")
    assert person in search.search_people("Choe Sun Hui")


def test_full_text_over_articles_is_newest_first_and_uses_word_stems():
    old = article("Delegation leaves for Laos", "A delegation of the WPK left Pyongyang for Vientiane.", day=1)
    new = article("Talks in Vientiane", "The delegations held talks in Vientiane.", day=5)
    article("Unrelated", "Rice planting began across the country.", day=6)
    assert list(search.search_articles("delegation vientiane")) == [new, old]


def test_article_snippets_are_escaped_and_highlighted():
    article("Report", "Kim Song Nam met <script>alert(1)</script> officials & staff in Hanoi.")
    (found,) = search.search_all("Hanoi").articles
    assert "<script" not in found.snippet
    assert "&amp; staff" in found.snippet
    assert "<mark>Hanoi</mark>" in found.snippet


def test_search_page_groups_results_by_type(analyst):
    person = PersonFactory(name="Kim Song Nam")
    delegation = DelegationFactory(title="WPK delegation to Laos", summary="Party delegation visits Vientiane")
    contact = ContactFactory(summary="Delegation arrives in Vientiane")
    article("Arrival in Vientiane", "The delegation arrived in Vientiane.")
    html = analyst.get(reverse("contacts:search"), {"q": "Vientiane"}).content.decode()
    assert 'id="delegations"' in html and delegation.title in html
    assert 'id="contacts"' in html and contact.summary in html
    assert 'id="articles"' in html and "Arrival in Vientiane" in html
    html = analyst.get(reverse("contacts:search"), {"q": "Kim Sung Nam"}).content.decode()
    assert 'id="people"' in html and person.get_absolute_url() in html


def test_empty_search_page_explains_itself(analyst):
    response = analyst.get(reverse("contacts:search"))
    assert response.status_code == 200
    assert "Search people" in response.content.decode()


@pytest.mark.parametrize(
    ("sql", "index"),
    [
        (search.Article.objects.filter(search._matches(search.ARTICLE_TSV, "delegation")).query, "article_search_vector"),
        (search.Delegation.objects.filter(search._matches(search.DELEGATION_TSV, "delegation")).query, "_fts"),
    ],
    ids=["articles", "delegations"],
)
def test_full_text_queries_can_use_the_gin_indexes(sql, index):
    """The WHERE clause must use the indexed column or repeat the indexed expression, or PostgreSQL scans.

    Sequential and plain index scans are both switched off: on a table the statistics call tiny, a full
    walk of the primary key with a filter could otherwise be priced under the GIN bitmap.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        query, params = sql.sql_with_params()
        cursor.execute("EXPLAIN " + query, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan


def test_name_search_can_use_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        query, params = search.Person.objects.filter(name__trigram_similar="Kim Sung Nam").query.sql_with_params()
        cursor.execute("EXPLAIN " + query, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "person_name_trgm" in plan, plan


def test_articles_beyond_the_newest_are_still_found(monkeypatch):
    """The first pass reads only the newest articles; a rarer match further back comes from the index."""
    monkeypatch.setattr(search, "WALK_ROWS", 2)
    old = article("Rare visit to Ulaanbaatar", "A delegation arrived in Ulaanbaatar.", day=1)
    for day in range(2, 6):
        article(f"Rice report {day}", "Rice planting began across the country.", day=day)
    assert list(search.search_articles("Ulaanbaatar")) == [old]


def test_a_phrase_matches_only_its_words_in_order():
    wanted = article("Science", "The sci-tech exhibition opened in Pyongyang.", day=2)
    article("Other order", "An exhibition of sci-tech achievements opened.", day=3)
    assert list(search.search_articles('"sci-tech exhibition"')) == [wanted]

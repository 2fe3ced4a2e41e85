"""Search: PostgreSQL full-text search over articles and records, trigram matching for names.

Names are matched by trigram similarity (pg_trgm), so a romanisation variant or a typo still finds
the person: "Kim Sung Nam" finds Kim Song Nam. Text is matched with `websearch_to_tsquery`
(quotes, OR and -word work as on a web search engine) against GIN expression indexes created in
migration 0004; the expressions below must stay identical to the indexed ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import BooleanField, Exists, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.utils.html import escape
from django.utils.safestring import mark_safe

from contacts.models import Contact, Country, Delegation, Organization, Person, PersonAlias, Place, ReviewStatus
from ingest.models import Article

RESULT_LIMIT = 20
# pg_trgm's default `%` threshold (0.3) finds "Kim Sung Nam" for Kim Song Nam (similarity ~0.45)
# without flooding results with every "Kim".
NAME_THRESHOLD = 0.3

# A stored generated column (ingest migration 0003), so walking articles newest first stays cheap.
ARTICLE_TSV = '"ingest_article"."search_vector"'
CONTACT_TSV = "to_tsvector('english'::regconfig, \"contacts_contact\".\"summary\")"
DELEGATION_TSV = (
    "to_tsvector('english'::regconfig, \"contacts_delegation\".\"title\" || ' ' || \"contacts_delegation\".\"summary\")"
)
QUERY = "websearch_to_tsquery('english'::regconfig, %s)"
# Article text is untrusted: ts_headline marks matches with control characters, and the snippet is
# HTML-escaped before they become <mark> tags.
MARK_START = "\x02"
MARK_END = "\x03"


def _matches(tsvector_sql: str, text: str) -> RawSQL:
    return RawSQL(f"{tsvector_sql} @@ {QUERY}", [text], output_field=BooleanField())


@dataclass
class SearchResults:
    """Results grouped by type, each list already limited; `total` counts what was shown."""

    people: list = field(default_factory=list)
    places: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    delegations: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    articles: list = field(default_factory=list)
    countries: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(
            len(group)
            for group in (
                self.people,
                self.places,
                self.organisations,
                self.delegations,
                self.contacts,
                self.articles,
                self.countries,
            )
        )


def search_people(text: str, limit: int = RESULT_LIMIT) -> QuerySet[Person]:
    """People whose canonical name or any alias is similar to `text`, best match first.

    The matching ids are a UNION of one index lookup per condition (trigram GiST on names and
    aliases, the Hangul column), so no condition makes PostgreSQL read every person.
    """
    alias_score = (
        PersonAlias.objects.filter(person=OuterRef("pk"))
        .annotate(score=TrigramSimilarity("name", text))
        .order_by("-score")
        .values("score")[:1]
    )
    matches = (
        Person.objects.filter(name__trigram_similar=text)
        .order_by()
        .values("pk")
        .union(
            PersonAlias.objects.filter(name__trigram_similar=text).order_by().values("person_id"),
            Person.objects.filter(hangul=text).order_by().values("pk"),
        )
    )
    return (
        Person.objects.filter(pk__in=matches)
        .annotate(
            score=Greatest(
                TrigramSimilarity("name", text),
                alias_score,
                output_field=FloatField(),
            )
        )
        .select_related("country")
        .prefetch_related("aliases")
        .order_by("-score", "name")[:limit]
    )


HEADLINE_OPTIONS = f"StartSel={MARK_START},StopSel={MARK_END},MaxWords=30,MinWords=12,MaxFragments=1"
# How many of the newest articles the first, bounded pass reads (see search_articles).
WALK_ROWS = 2000
# The newest articles as a subquery with its own LIMIT: PostgreSQL reads them in date order from
# article_published and stops after `limit` matches, whatever it estimates for the query.
WALK_SQL = f"""
    SELECT a.id, a.title, a.url, a.source_name, a.published_at, a.status,
           ts_headline('english', a.text, {QUERY}, %s) AS snippet
    FROM (
        SELECT id, title, url, source_name, published_at, status, text, search_vector
        FROM ingest_article ORDER BY published_at DESC, id DESC LIMIT %s
    ) AS a
    WHERE a.search_vector @@ {QUERY}
    ORDER BY a.published_at DESC, a.id DESC
    LIMIT %s
"""


def search_articles(text: str, limit: int = RESULT_LIMIT) -> list[Article]:
    """Articles matching the words, newest first.

    Two passes. The first checks only the newest WALK_ROWS articles, in date order, and stops at
    `limit` matches: a bounded cost that is enough for any term or phrase that is not rare (a few
    milliseconds on 1,000,000 articles). Only when it finds fewer does the second pass ask the GIN
    index for every match, which for a rare term is a short list to sort. Left to itself the planner
    misjudges phrases: it estimated 289 rows for '"sci-tech exhibition"' where 99,001 articles
    match, and fetched and sorted all of them (2 s) instead of reading the newest 250.
    """
    walk = list(Article.objects.raw(WALK_SQL, [text, HEADLINE_OPTIONS, WALK_ROWS, text, limit]))
    if len(walk) >= limit:
        return walk
    return list(
        Article.objects.filter(_matches(ARTICLE_TSV, text))
        .annotate(
            snippet=RawSQL(f"ts_headline('english', \"ingest_article\".\"text\", {QUERY}, %s)", [text, HEADLINE_OPTIONS])
        )
        .only("pk", "title", "url", "source_name", "published_at", "status")
        .order_by("-published_at", "-pk")[:limit]
    )


def highlight(snippet: str | None) -> str:
    """Escape an article snippet, then turn ts_headline's markers into <mark> elements."""
    if not snippet:
        return ""
    return mark_safe(escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def search_all(text: str) -> SearchResults:
    """Every group for one query string. About eight queries, none per result row."""
    results = SearchResults()
    results.people = list(search_people(text))
    results.countries = list(
        Country.objects.filter(
            Q(name__icontains=text) | Q(press_names__contains=[text]) | Q(iso2__iexact=text)
        ).order_by("name")[:10]
    )
    # Places with contacts only; the latest contact per matching place is one index probe each
    # (a join and GROUP BY over the contacts read them all).
    at_place = Contact.objects.filter(place=OuterRef("pk"))
    results.places = list(
        Place.objects.filter(name__trigram_similar=text)
        .filter(Exists(at_place))
        .annotate(
            score=TrigramSimilarity("name", text),
            last=Subquery(at_place.order_by("-start_date").values("start_date")[:1]),
        )
        .select_related("country")
        .order_by("-score", "name")[:10]
    )
    results.organisations = list(
        Organization.objects.filter(Q(name__trigram_similar=text) | Q(name__icontains=text) | Q(short_name__iexact=text))
        .annotate(score=TrigramSimilarity("name", text))
        .select_related("country")
        .order_by("-score", "name")[:10]
    )
    results.delegations = list(
        Delegation.objects.exclude(review_status=ReviewStatus.REJECTED)
        .filter(_matches(DELEGATION_TSV, text))
        .select_related("leader", "sending_country")
        .order_by("-start_date", "-pk")[:RESULT_LIMIT]
    )
    results.contacts = list(
        Contact.objects.for_listing()
        .exclude(review_status=ReviewStatus.REJECTED)
        .filter(_matches(CONTACT_TSV, text))[:RESULT_LIMIT]
    )
    results.articles = list(search_articles(text))
    for article in results.articles:
        article.snippet = highlight(article.snippet)
    return results

"""The one filter definition behind the timeline, its HTMX partial, the map, the CSV, GeoJSON and JSON.

Every list in the analyst pages is `ContactFilterSet(request.GET).qs`, so a download always holds
exactly the rows the analyst sees. Facet counts are computed here too, each over the rows that the
other filters leave (so ticking a second country widens the list instead of emptying it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, BooleanField, Count, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from contacts.models import (
    Contact,
    Country,
    DelegationType,
    Direction,
    Organization,
    Participant,
    Person,
    Place,
)


class SummaryMatches(Func):
    """`to_tsvector('english', summary) @@ to_tsquery('english', <query>)`.

    The left side must stay the expression of the contact_summary_fts index (migration 0004) for
    the index to be used; as an expression (not raw SQL) it keeps working inside subqueries, where
    the ORM renames the contacts table.
    """

    template = "to_tsvector('english'::regconfig, %(expressions)s)"
    arg_joiner = ") @@ to_tsquery('english'::regconfig, "
    output_field = BooleanField()

    def __init__(self, query: str) -> None:
        super().__init__(F("summary"), Value(query))


class IdIn(Func):
    """`id = ANY(%s)` with the ids as one array parameter.

    Thousands of ids as `IN (%s, %s, ...)` cost more to build in Python than the query costs to run.
    """

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()

    def __init__(self, ids: list[int]) -> None:
        # One parameter, adapted by psycopg as a whole (a Value would prepare every element).
        super().__init__(F("pk"), RawSQL("%s::bigint[]", (ids,), output_field=ArrayField(BigIntegerField())))


class ContactFilterSet(django_filters.FilterSet):
    """Query-string filters shared by every contact list: page, partial, map, CSV, GeoJSON, JSON."""

    q = django_filters.CharFilter(method="filter_text", label="Text")
    date_from = django_filters.DateFilter(
        field_name="start_date", lookup_expr="gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        field_name="start_date", lookup_expr="lte", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    # These filters follow foreign keys only (no to-many joins), so they need no DISTINCT over every
    # column, which django-filter adds by default and which dominated the filtered timeline's SQL.
    # Countries are chosen by iso2 in the URL but filtered by id (filter_country), so the planner sees
    # `country_id IN (...)`, whose share of the table it knows, not a join on iso2 it guesses at.
    country = django_filters.ModelMultipleChoiceFilter(
        queryset=Country.objects.all(), to_field_name="iso2", label="Countries", method="filter_country"
    )
    kind = django_filters.MultipleChoiceFilter(choices=Contact.Kind.choices, distinct=False)
    direction = django_filters.MultipleChoiceFilter(choices=Direction.choices, distinct=False)
    delegation_type = django_filters.MultipleChoiceFilter(
        field_name="delegation__delegation_type", choices=DelegationType.choices, label="Delegation type",
        distinct=False,
    )
    place = django_filters.ModelMultipleChoiceFilter(queryset=Place.objects.all(), label="Places", distinct=False)
    official = django_filters.ModelMultipleChoiceFilter(
        queryset=Person.objects.all(), method="filter_official", label="Officials"
    )
    organisation = django_filters.ModelMultipleChoiceFilter(
        queryset=Organization.objects.all(), method="filter_organisation", label="Organisations"
    )

    class Meta:
        model = Contact
        fields = ["q", "date_from", "date_to", "country", "kind", "direction", "delegation_type", "place", "official"]

    def filter_text(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        """Every word must match the summary (full text, as a prefix), or the place, the country, the
        delegation or a participant's name.

        The small tables are searched first and their matches passed as id lists, so each word is
        an OR of indexed conditions (GIN on the summary, B-trees on the foreign keys) that
        PostgreSQL combines with a bitmap instead of scanning every contact.
        """
        for word in value.split()[:8]:
            queryset = queryset.filter(_word_condition(word))
        return queryset
    def filter_country(self, queryset: QuerySet[Contact], name: str, value: Iterable[Country]) -> QuerySet[Contact]:
        ids = [country.pk for country in value]
        return queryset.filter(country_id__in=ids) if ids else queryset

    def filter_official(self, queryset: QuerySet[Contact], name: str, value: Iterable[Person]) -> QuerySet[Contact]:
        """Contacts an official took part in, or any stop of a delegation the official led or joined."""
        ids = [person.pk for person in value]
        if not ids:
            return queryset
        return queryset.filter(contacts_with_people(ids))

    def filter_organisation(
        self, queryset: QuerySet[Contact], name: str, value: Iterable[Organization]
    ) -> QuerySet[Contact]:
        """Contacts of delegations an organisation sent, or where a participant held a post in it."""
        ids = [org.pk for org in value]
        if not ids:
            return queryset
        posts = Participant.objects.filter(contact=OuterRef("pk"), position__organization__in=ids)
        return queryset.filter(Q(delegation__organization__in=ids) | Exists(posts))


TEXT_ID_LIMIT = 5000


def _ids(queryset: QuerySet) -> list[int]:
    return list(queryset.values_list("pk", flat=True)[:TEXT_ID_LIMIT])


def _word_condition(word: str) -> Q:
    """One free-text word as an OR of index-friendly conditions (see ContactFilterSet.filter_text)."""
    from contacts.models import Delegation, Place

    # "O'Brien" is two tokens to the text parser: each must match as a prefix ("Pyong" finds Pyongyang).
    tokens = re.findall(r"\w+", word)
    condition = Q(pk__in=[])
    if tokens:
        condition |= Q(SummaryMatches(" & ".join(f"{token}:*" for token in tokens)))
    places = _ids(Place.objects.filter(name__icontains=word, contacts__isnull=False).distinct())
    countries = _ids(Country.objects.filter(name__icontains=word))
    delegations = _ids(Delegation.objects.filter(title__icontains=word))
    people = _ids(Person.objects.filter(Q(name__icontains=word) | Q(aliases__name__icontains=word)).distinct())
    if places:
        condition |= Q(place_id__in=places)
    if countries:
        condition |= Q(country_id__in=countries)
    if delegations:
        condition |= Q(delegation_id__in=delegations)
    if people:
        contacts = list(
            Participant.objects.filter(person_id__in=people).values_list("contact_id", flat=True)[:TEXT_ID_LIMIT]
        )
        condition |= Q(pk__in=contacts)
    return condition


def contact_ids_with_people(person_ids: list[int]) -> list[int]:
    """Ids of the contacts one of these people took part in, or of the delegations they led or joined.

    A UNION of three index lookups by person (participants, delegations led, delegation members).
    """
    from contacts.models import Contact, DelegationMember

    took_part = Participant.objects.filter(person__in=person_ids).order_by().values_list("contact_id", flat=True)
    led = Contact.objects.filter(delegation__leader__in=person_ids).order_by().values_list("pk", flat=True)
    member = (
        Contact.objects.filter(
            delegation__in=DelegationMember.objects.filter(person__in=person_ids).order_by().values("delegation_id")
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    return list(took_part.union(led, member))


def contacts_with_people(person_ids: list[int]) -> Q:
    """Condition: one of these people took part, led the contact's delegation or was a member of it.

    The ids are read first and the condition is `id = ANY(<ids>)`, which PostgreSQL checks with a
    hash table. The OR of EXISTS this replaces could use no index and read every contact; the same
    UNION left as a subquery was planned as a nested loop that rescanned it for every contact of
    the timeline.
    """
    return Q(IdIn(contact_ids_with_people(person_ids)))


# Facets ---------------------------------------------------------------------------------------------

FACET_LIMIT = 12


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: list[FacetValue]


def _without(data, name: str):
    """The query string minus one filter (and the pager), for that filter's own facet counts."""
    copy = data.copy()
    for key in (name, "before", "after"):
        copy.pop(key, None)
    return copy


def _choice_facet(filterset: ContactFilterSet, name: str, field: str, choices) -> Facet:
    base = ContactFilterSet(_without(filterset.data, name), queryset=filterset.queryset).qs
    # No filter joins a to-many relation, so each contact is one row: a plain count (COUNT DISTINCT
    # sorted every row and took three times as long).
    counts = dict(base.order_by().values_list(field).annotate(n=Count("pk")))
    selected = set(filterset.data.getlist(name))
    values = [
        # "Outbound (DPRK side abroad)" -> "Outbound": the explanation is in the page's legend.
        FacetValue(value, str(label).split(" (")[0], counts.get(value, 0), value in selected)
        for value, label in choices
        if counts.get(value) or value in selected
    ]
    return Facet(name, filterset.filters[name].label or name.title(), values)


def _model_facet(filterset: ContactFilterSet, name: str, rows: list[tuple[str, str, int]]) -> Facet:
    selected = set(filterset.data.getlist(name))
    values = [FacetValue(str(key), label, n, str(key) in selected) for key, label, n in rows]
    return Facet(name, filterset.filters[name].label, values)


def contact_facets(filterset: ContactFilterSet) -> list[Facet]:
    """Counts per filter value beside the filters: a handful of GROUP BY queries, none per row."""
    data = filterset.data
    facets = [
        _choice_facet(filterset, "kind", "kind", Contact.Kind.choices),
        _choice_facet(filterset, "direction", "direction", Direction.choices),
        _choice_facet(filterset, "delegation_type", "delegation__delegation_type", DelegationType.choices),
    ]

    # Countries: the most frequent, plus any already ticked.
    base = ContactFilterSet(_without(data, "country"), queryset=filterset.queryset).qs.order_by()
    selected_iso = set(data.getlist("country"))
    country_rows = list(
        base.values_list("country__iso2", "country__name").annotate(n=Count("pk")).order_by("-n", "country__name")
    )
    shown = country_rows[:FACET_LIMIT] + [row for row in country_rows[FACET_LIMIT:] if row[0] in selected_iso]
    facets.insert(0, _model_facet(filterset, "country", shown))

    # Officials: people taking part in the remaining contacts, most frequent first.
    base = ContactFilterSet(_without(data, "official"), queryset=filterset.queryset).qs
    selected_people = [value for value in data.getlist("official") if value.isdigit()]
    people_rows = list(
        Participant.objects.filter(contact__in=base.order_by().values("pk"))
        .values_list("person_id", "person__name")
        # A person takes part in a contact once (participant_unique_per_contact): no DISTINCT needed.
        .annotate(n=Count("contact_id"))
        .order_by("-n", "person__name")[:FACET_LIMIT]
    )
    missing = [int(pk) for pk in selected_people if int(pk) not in {row[0] for row in people_rows}]
    people_rows += [(p.pk, p.name, 0) for p in Person.objects.filter(pk__in=missing)]
    facets.append(_model_facet(filterset, "official", people_rows))

    # Organisations: the bodies that sent the remaining delegations.
    base = ContactFilterSet(_without(data, "organisation"), queryset=filterset.queryset).qs
    selected_orgs = [value for value in data.getlist("organisation") if value.isdigit()]
    org_rows = list(
        base.order_by()
        .filter(delegation__organization__isnull=False)
        .values_list("delegation__organization_id", "delegation__organization__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "delegation__organization__name")[:FACET_LIMIT]
    )
    missing = [int(pk) for pk in selected_orgs if int(pk) not in {row[0] for row in org_rows}]
    org_rows += [(o.pk, o.name, 0) for o in Organization.objects.filter(pk__in=missing)]
    facets.append(_model_facet(filterset, "organisation", org_rows))
    return facets


def describe_period(filterset: ContactFilterSet) -> str:
    """Human summary of the period filter ("since 2024-03-01"), empty when unbounded."""
    filterset.form.is_valid()  # cleans the form, which a cached count or list never did
    data = getattr(filterset.form, "cleaned_data", {}) or {}
    start: dt.date | None = data.get("date_from")
    end: dt.date | None = data.get("date_to")
    if start and end:
        return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}"
    if start:
        return f"since {start:%Y-%m-%d}"
    if end:
        return f"until {end:%Y-%m-%d}"
    return ""

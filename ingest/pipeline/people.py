"""Who a reported name refers to: a known Person (by alias, romanisation key or name match) or a proposed new one."""

from __future__ import annotations

from contacts.models import Country, Person, PersonAlias, ReviewStatus, normalize_name
from ingest.pipeline.names import is_korean_name, name_key, same_person

__all__ = ["person_resolve"]


class _AliasIndex:
    """Per-process map from a name's romanisation-insensitive key to the people known by it.

    Refreshed incrementally (only aliases added since the last look), so resolving a name costs one
    cheap query however many people are known. Entries are hints: each is checked against the
    database before use, so a merged or deleted person is never returned.
    """

    def __init__(self) -> None:
        self.last_id = 0
        self.by_key: dict[str, list[int]] = {}

    def people(self, key: str) -> list[int]:
        for alias_id, alias_name, person_id in PersonAlias.objects.filter(pk__gt=self.last_id).order_by(
            "pk"
        ).values_list("pk", "name", "person_id"):
            self.by_key.setdefault(name_key(alias_name), []).append(person_id)
            self.last_id = alias_id
        return list(dict.fromkeys(self.by_key.get(key, [])))


_ALIASES = _AliasIndex()


def person_resolve(name: str, *, country: Country | None = None) -> tuple[Person, bool]:
    """The Person a reported name refers to (alias, then romanisation-insensitive match), or a proposed new one.

    Returns (person, created). A new spelling of a known person is recorded as an alias.
    """
    name = " ".join((name or "").split())[:200]
    folded = normalize_name(name)
    exact = list(PersonAlias.objects.select_related("person").filter(normalized=folded))
    if country is not None:
        exact.sort(key=lambda a: a.person.country_id != country.pk)
    if exact:
        return exact[0].person, False
    usable = Person.objects.exclude(review_status=ReviewStatus.REJECTED)
    if country is not None:
        usable = usable.filter(country=country)
    found = None
    same_key = _ALIASES.people(name_key(name))
    if same_key:
        found = usable.filter(pk__in=same_key).order_by("pk").first()
    if found is None and not is_korean_name(name):
        # Other names also match on last name plus initial ("V. Putin"): compare with each candidate.
        candidates = PersonAlias.objects.filter(person__in=usable).values_list("name", "person_id")
        person_id = next((pid for alias, pid in candidates if same_person(name, alias)), None)
        found = usable.filter(pk=person_id).first() if person_id else None
    if found is not None:
        PersonAlias.objects.get_or_create(person=found, normalized=folded, defaults={"name": name})
        return found, False
    person = Person.objects.create(name=name, country=country, review_status=ReviewStatus.PROPOSED)
    PersonAlias.objects.create(person=person, name=name)
    return person, True

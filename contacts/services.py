"""Write functions editors' actions call: merging duplicate people and split trips.

Each runs in one transaction inside a `pghistory.context`, so every row it moves or deletes is
recorded in history under the action's name and the editor who ran it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pghistory
from django.db import models, transaction
from pghistory.models import Event

from contacts.models import (
    Contact,
    Delegation,
    DelegationMember,
    Evidence,
    Participant,
    Person,
    PersonAlias,
    Position,
    normalize_name,
)

__all__ = ["delegation_merge", "person_merge"]


def _others(target: models.Model, others: Iterable[models.Model]) -> list[models.Model]:
    result = [other for other in others if other.pk != target.pk]
    if not result:
        raise ValueError("Nothing to merge: pick at least two different records.")
    return result


def _move_remaining(source: models.Model, target: models.Model) -> None:
    """Point every other foreign key still aimed at `source` to `target` (history rows excepted).

    Covers references added by other apps (e.g. ingest proposals) without this module knowing them.
    """
    for rel in source._meta.related_objects:
        if rel.many_to_many or issubclass(rel.related_model, Event):
            continue
        rel.related_model._base_manager.filter(**{rel.field.name: source}).update(**{rel.field.name: target})


def _context(action: str, target: models.Model, others: list[models.Model], user: Any) -> pghistory.context:
    return pghistory.context(
        action=action,
        target=target.pk,
        merged=[other.pk for other in others],
        merged_names=[str(other) for other in others],
        **({"user": user.pk} if user is not None and user.pk else {}),
    )


def _alias_add(person: Person, name: str) -> None:
    if name and normalize_name(name) and not person.aliases.filter(normalized=normalize_name(name)).exists():
        PersonAlias.objects.create(person=person, name=name)


def person_merge(*, target: Person, others: Iterable[Person], user: Any = None) -> Person:
    """Merge `others` into `target`: every alias (their names become aliases too), post, participation,
    delegation membership and led delegation moves to `target`; the others are deleted.
    """
    others = _others(target, others)
    with transaction.atomic(), _context("person_merge", target, others, user):
        target = Person.objects.select_for_update().get(pk=target.pk)
        _alias_add(target, target.name)
        for other in Person.objects.select_for_update().filter(pk__in=[o.pk for o in others]):
            have = set(target.aliases.values_list("normalized", flat=True))
            for alias in other.aliases.all():
                if alias.normalized in have:
                    alias.delete()  # the same spelling, folded, is already on the target
                else:
                    alias.person = target
                    alias.save(update_fields=["person"])
                    have.add(alias.normalized)
            _alias_add(target, other.name)
            _alias_add(target, other.hangul)
            Position.objects.filter(person=other).update(person=target)
            for participant in Participant.objects.filter(person=other):
                if Participant.objects.filter(contact_id=participant.contact_id, person=target).exists():
                    participant.delete()  # the target already took part in that contact
                else:
                    participant.person = target
                    participant.save(update_fields=["person"])
            for member in DelegationMember.objects.filter(person=other):
                if DelegationMember.objects.filter(delegation_id=member.delegation_id, person=target).exists():
                    member.delete()
                else:
                    member.person = target
                    member.save(update_fields=["person"])
            Delegation.objects.filter(leader=other).update(leader=target)
            _move_remaining(other, target)
            changed = []
            if not target.hangul and other.hangul:
                target.hangul = other.hangul
                changed.append("hangul")
            if target.country_id is None and other.country_id is not None:
                target.country_id = other.country_id
                changed.append("country")
            if other.notes and other.notes not in target.notes:
                target.notes = "\n\n".join(filter(None, [target.notes, other.notes]))
                changed.append("notes")
            if changed:
                target.save(update_fields=changed)
            other.delete()
    return target


def _renumber_itinerary(delegation: Delegation) -> None:
    """Number the delegation's visits 1..n in date order (cleared first: orders are unique per delegation)."""
    visits = list(
        Contact.objects.filter(delegation=delegation, kind=Contact.Kind.VISIT).order_by(
            "start_date", models.F("itinerary_order").asc(nulls_last=True), "pk"
        )
    )
    Contact.objects.filter(pk__in=[v.pk for v in visits]).exclude(itinerary_order=None).update(itinerary_order=None)
    for order, visit in enumerate(visits, start=1):
        visit.itinerary_order = order
    Contact.objects.bulk_update(visits, ["itinerary_order"])


def delegation_merge(*, target: Delegation, others: Iterable[Delegation], user: Any = None) -> Delegation:
    """Merge `others` into `target`: their contacts (visits renumbered in date order), members and
    evidence move to `target`, the dates widen to cover them all; the others are deleted.
    """
    others = _others(target, others)
    with transaction.atomic(), _context("delegation_merge", target, others, user):
        target = Delegation.objects.select_for_update().get(pk=target.pk)
        merged_ids = list(target.grouping.get("merged", []))
        for other in Delegation.objects.select_for_update().filter(pk__in=[o.pk for o in others]):
            # Orders would clash with the target's visits until renumbered below.
            Contact.objects.filter(delegation=other).update(delegation=target, itinerary_order=None)
            for member in DelegationMember.objects.filter(delegation=other):
                if DelegationMember.objects.filter(delegation=target, person_id=member.person_id).exists():
                    member.delete()
                else:
                    member.delegation = target
                    member.save(update_fields=["delegation"])
            if other.leader_id and other.leader_id != target.leader_id:
                if target.leader_id is None:
                    target.leader_id = other.leader_id
                DelegationMember.objects.get_or_create(
                    delegation=target, person_id=other.leader_id, defaults={"role": "leader"}
                )
            for evidence in Evidence.objects.filter(delegation=other, contact__isnull=True):
                if Evidence.objects.filter(delegation=target, contact__isnull=True, url=evidence.url).exists():
                    evidence.delete()
                else:
                    evidence.delegation = target
                    evidence.save(update_fields=["delegation"])
            # Evidence on the moved contacts follows its contact; its delegation pointer is updated too.
            Evidence.objects.filter(delegation=other).update(delegation=target)
            _move_remaining(other, target)
            starts = [d for d in (target.start_date, other.start_date) if d]
            ends = [d for d in (target.end_date, other.end_date) if d]
            target.start_date = min(starts) if starts else None
            target.end_date = max(ends) if ends else None
            if other.summary and other.summary not in target.summary:
                target.summary = "\n\n".join(filter(None, [target.summary, other.summary]))
            merged_ids.append(other.pk)
            other.delete()
        # The pipeline reads this to keep adding articles of the merged trips to the target.
        target.grouping = {**target.grouping, "merged": merged_ids}
        target.locked = True
        target.save()
        _renumber_itinerary(target)
    return target

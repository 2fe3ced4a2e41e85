"""Who a reported name refers to: a known Person, or a proposed new one.

In order, the first step that finds someone decides:
1. a recorded alias, as written (case, accents, spaces and hyphens aside);
2. the same name under another romanisation ("Kim Song Nam", "Kim Sung-nam", 김성남: `names.name_key`);
3. for non-Korean names, an initial for a first name ("V. Putin");
4. a near spelling, scored with rapidfuzz above FUZZY_THRESHOLD: for a Korean name the surname must be
   the same and the given name may differ in one syllable, by a vowel romanised two ways ("Kim Yong
   Chol" and "Kim Yong-chul"); "Kim Song Nam" never matches "Kim Yong Nam", "Pak Jong Chon" never "Pak
   Jong Chol", and a shared surname alone (Kim, Ri, Pak) never matches anyone. Other names need a nearly
   equal last name and a close first name ("Sergei"/"Sergey Lavrov").
When a step finds several people (two officials share a name), the one whose Position fits the reported
title on the day of the event wins (`on`, `title`). A name nobody matches becomes a proposed Person for an
editor to review, never a silent duplicate of a known one.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import transaction
from rapidfuzz import fuzz, process

from contacts.models import Country, Person, PersonAlias, Position, ReviewStatus, normalize_name
from ingest.pipeline.names import is_korean_name, korean_parts, name_key, same_person

__all__ = ["FUZZY_THRESHOLD", "exact_forget", "person_resolve"]

# Similarity (0-100, rapidfuzz ratio of romanisation keys) a near spelling needs before the name-shape
# checks below. 85 lets one letter in ten differ: "kimyongjol"/"kimyongjul" (90) passes, unrelated names
# of the same surname ("kimsongnam"/"kimjongun", 67) do not.
FUZZY_THRESHOLD = 85
# Non-Korean names: the last name nearly equal, the first name close ("Sergei"/"Sergey").
_LAST_NAME_THRESHOLD = 85
_FIRST_NAME_THRESHOLD = 75


class _AliasIndex:
    """Per-process map from a name's romanisation-insensitive key to the people known by it.

    Refreshed incrementally (only aliases added since the last look), so resolving a name costs one
    cheap query however many people are known. Entries are hints: each is checked against the
    database before use, so a merged or deleted person is never returned.
    """

    def __init__(self) -> None:
        self.last_id = 0
        self.by_key: dict[str, list[int]] = {}
        self.names: dict[str, str] = {}  # key -> one spelling with that key (for the name-shape checks)
        self.keys: list[str] = []  # the keys of by_key, kept as a list for rapidfuzz

    def refresh(self) -> None:
        for alias_id, alias_name, person_id in PersonAlias.objects.filter(pk__gt=self.last_id).order_by(
            "pk"
        ).values_list("pk", "name", "person_id"):
            key = name_key(alias_name)
            if key not in self.by_key:
                self.keys.append(key)
            self.by_key.setdefault(key, []).append(person_id)
            self.names.setdefault(key, alias_name)
            self.last_id = alias_id

    def people(self, key: str) -> list[int]:
        self.refresh()
        return list(dict.fromkeys(self.by_key.get(key, [])))

    def near(self, name: str) -> list[tuple[float, int]]:
        """(similarity, person id) of every known spelling close to `name`, closest first."""
        self.refresh()
        key = name_key(name)
        if not key or not self.by_key:
            return []
        found: dict[int, float] = {}
        for other, score, _ in process.extract(key, self.keys, scorer=fuzz.ratio,
                                               score_cutoff=FUZZY_THRESHOLD, limit=50):
            if other == key or not _near_spelling(name, self.names[other]):
                continue
            for person_id in self.by_key[other]:
                found[person_id] = max(found.get(person_id, 0.0), score)
        return sorted(((score, pid) for pid, score in found.items()), key=lambda item: (-item[0], item[1]))


_ALIASES = _AliasIndex()

# Per batch (apply.caches_clear empties it): (folded name, country id) -> the one person whose recorded
# alias it is among the people that country's side may name. Resolving never records a second alias of
# that name for such a person (an alias is recorded only when none fits), so only an editor's merge or
# delete meanwhile could make an entry stale, as with apply's per-batch caches. An entry is added when
# its transaction commits, so a rolled-back alias is never remembered.
_EXACT: dict[tuple[str, int | None], Person] = {}


def exact_forget() -> None:
    """Forget the names resolved in the current batch (called when a batch starts)."""
    _EXACT.clear()


def _exact_remember(key: tuple[str, int | None], person: Person) -> None:
    transaction.on_commit(lambda: _EXACT.__setitem__(key, person))


_KEY_SYLLABLE = re.compile(r"^(ss|jj|kk|tt|pp|ts|[bcdghjklmnprstw]?)([wy]?[aeiou]+)(ng|ch|ll|[nlkpmtrgbs])?$")
# Vowels that romanisations write differently for the same Hangul: "Chul"/"Chol" and "Sung"/"Song" (ㅓ),
# "Rae"/"Re" (ㅐ/ㅔ), "Hoe"/"Hwe", "Hui"/"Hi".
_VOWEL_CLASS = {"u": "o", "o": "o", "ae": "e", "e": "e", "ai": "e", "oe": "oe", "we": "oe", "oi": "oe",
                "ui": "i", "i": "i", "ei": "i", "yu": "yo", "yo": "yo"}


def _vowel_variant(x: str, y: str) -> bool:
    """Two given-name syllables that differ only by a vowel romanised two ways: the consonants around it
    carry the name ("Chon" and "Chol" are two names; "Chol" and "Chul" one)."""
    mx, my = _KEY_SYLLABLE.match(x), _KEY_SYLLABLE.match(y)
    if not mx or not my or mx.group(1) != my.group(1) or (mx.group(3) or "") != (my.group(3) or ""):
        return False
    vx, vy = mx.group(2), my.group(2)
    return vx in _VOWEL_CLASS and _VOWEL_CLASS[vx] == _VOWEL_CLASS.get(vy)


def _near_spelling(a: str, b: str) -> bool:
    """Whether two spellings that rapidfuzz finds close can name one person (see the module docstring)."""
    ka, kb = korean_parts(a), korean_parts(b)
    if ka or kb:
        if not (ka and kb) or ka[0] != kb[0]:
            return False  # a Korean and a non-Korean name, or two surnames: never the same person
        given_a, given_b = ka[1], kb[1]
        if len(given_a) == len(given_b):
            differing = [(x, y) for x, y in zip(given_a, given_b, strict=True) if x != y]
            if len(differing) != 1:
                return not differing
            return _vowel_variant(*differing[0])
        joined_a, joined_b = "".join(given_a), "".join(given_b)  # "Yongho" against "Yong Ho"
        return joined_a[:1] == joined_b[:1] and fuzz.ratio(joined_a, joined_b) >= 90
    ta, tb = normalize_name(a.split()[-1]) if a.split() else "", normalize_name(b.split()[-1]) if b.split() else ""
    if not ta or not tb or fuzz.ratio(ta, tb) < _LAST_NAME_THRESHOLD:
        return False
    fa, fb = a.split()[:-1], b.split()[:-1]
    if fa and fb:
        first_a, first_b = normalize_name(fa[0]), normalize_name(fb[0])
        return first_a[:1] == first_b[:1] and fuzz.ratio(first_a, first_b) >= _FIRST_NAME_THRESHOLD
    return True


def _held_on(position: Position, on: date | None) -> bool:
    if on is None:
        return True
    return (position.start_date is None or position.start_date <= on) and (
        position.end_date is None or on <= position.end_date)


def _position_fit(person_ids: list[int], title: str, on: date | None) -> dict[int, float]:
    """How well each person's posts fit the reported title on the day: a post held that day counts most,
    a title like the reported one adds to it; people with no recorded post stay in between."""
    fit = dict.fromkeys(person_ids, 1.0)
    seen: set[int] = set()
    wanted = " ".join(title.lower().split())
    for position in Position.objects.filter(person_id__in=person_ids).select_related("organization"):
        if position.person_id not in seen:
            seen.add(position.person_id)
            fit[position.person_id] = 0.0
        org = position.organization
        described = " ".join([position.title, org.name if org else "", org.short_name if org else ""]).lower()
        likeness = fuzz.token_set_ratio(wanted, described) / 100 if wanted else 0.0
        score = 2.0 + 2.0 * likeness if _held_on(position, on) else 0.5 * likeness
        fit[position.person_id] = max(fit[position.person_id], score)
    return fit


def _best(people: list[Person], title: str, on: date | None, country: Country | None) -> Person:
    """Among people who all match the name: the right country first, then the best-fitting post, then the
    oldest record (so repeated runs pick the same person)."""
    if len(people) == 1:
        return people[0]
    fit = _position_fit([p.pk for p in people], title, on) if title or on else {}
    return min(people, key=lambda p: (
        p.review_status == ReviewStatus.REJECTED,
        country is not None and p.country_id != country.pk,
        -fit.get(p.pk, 1.0),
        p.pk,
    ))


def person_resolve(name: str, *, country: Country | None = None, title: str = "",
                   on: date | None = None) -> tuple[Person, bool]:
    """The Person a reported name refers to, or a proposed new one: (person, created).

    `country` is the person's side as reported; `title` the post the article gives ("director of the
    International Department of the WPK Central Committee") and `on` the day of the event: both only
    choose between people who share a name. A new spelling of a known person is recorded as an alias.
    """
    name = " ".join((name or "").split())[:200]
    folded = normalize_name(name)
    title = " ".join((title or "").split())[:300]

    # A recorded alias: the person of another country only when the reported side is unknown or theirs.
    key = (folded, country.pk if country is not None else None)
    if key in _EXACT:
        return _EXACT[key], False  # the only one, so neither the title nor the day has to choose
    exact = [a.person for a in PersonAlias.objects.select_related("person").filter(normalized=folded)]
    exact = list({p.pk: p for p in exact if country is None or p.country_id in (None, country.pk)}.values())
    if exact:
        if len(exact) == 1:
            _exact_remember(key, exact[0])
        return _best(exact, title, on, country), False

    usable = Person.objects.exclude(review_status=ReviewStatus.REJECTED)
    if country is not None:
        usable = usable.filter(country=country)
    found = None
    same_key = _ALIASES.people(name_key(name))
    if same_key:
        matches = list(usable.filter(pk__in=same_key))
        found = _best(matches, title, on, country) if matches else None
    if found is None and not is_korean_name(name):
        # Other names also match on last name plus initial ("V. Putin"): compare with each candidate.
        candidates = PersonAlias.objects.filter(person__in=usable).values_list("name", "person_id")
        ids = list(dict.fromkeys(pid for alias, pid in candidates if same_person(name, alias)))
        found = _best(list(usable.filter(pk__in=ids)), title, on, country) if ids else None
    if found is None:
        near = _ALIASES.near(name)
        if near:
            people = {p.pk: p for p in usable.filter(pk__in=[pid for _, pid in near])}
            top = max((score for score, pid in near if pid in people), default=None)
            closest = [people[pid] for score, pid in near if pid in people and score == top]
            found = _best(closest, title, on, country) if closest else None
    if found is not None:
        PersonAlias.objects.get_or_create(person=found, normalized=folded, defaults={"name": name})
        _exact_remember(key, found)  # no alias of this name fitted before: now this one does
        return found, False
    person = Person.objects.create(name=name, country=country, review_status=ReviewStatus.PROPOSED)
    PersonAlias.objects.create(person=person, name=name)
    _exact_remember(key, person)
    return person, True

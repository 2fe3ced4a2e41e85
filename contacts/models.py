"""The domain: who from the DPRK met whom, where and when, and which articles say so.

Modelled after Popolo (persons, organisations, posts) and event data (a dated contact between two
sides, with its sources). Constraints live in the database so that the ingest workers, the admin
and raw SQL all obey them.
"""

from __future__ import annotations

import unicodedata

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.urls import reverse


def normalize_name(value: str) -> str:
    """Fold a name for matching: accents, case, hyphens, apostrophes and spaces do not count.

    "Kim Song-nam", "Kim Song Nam" and "KIM SONG NAM" fold alike; romanisation variants such as
    Sung/Song are handled by the matcher, not here, so that the alias table keeps what was written.
    """
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in stripped.casefold() if ch.isalnum())


def track_history():
    """Record inserts, updates and deletes in the database (triggers), whoever writes: admin, workers, raw SQL.

    Deletes are tracked too, so that a merge or a removal can be seen and undone from the history.
    """
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Direction(models.TextChoices):
    OUTBOUND = "outbound", "Outbound (DPRK side abroad)"
    INBOUND = "inbound", "Inbound (foreign side in the DPRK)"
    REMOTE = "remote", "Remote (nobody travels)"


class ReviewStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class DelegationType(models.TextChoices):
    PARTY = "party", "Party"
    GOVERNMENT = "government", "Government"
    MILITARY = "military", "Military"
    PARLIAMENT = "parliament", "Parliament"
    FRIENDSHIP = "friendship", "Friendship"
    ECONOMIC = "economic", "Economic"
    CULTURE = "culture", "Culture"
    SPORTS = "sports", "Sports"
    MEDIA = "media", "Media"
    OTHER = "other", "Other"


@track_history()
class Country(models.Model):
    """A state (or the EU) as the press names it, keyed by its ISO 3166-1 alpha-2 code."""

    iso2 = models.CharField("ISO alpha-2", max_length=2, unique=True)
    iso3 = models.CharField("ISO alpha-3", max_length=3, blank=True)
    numeric = models.CharField("ISO numeric", max_length=3, blank=True)
    name = models.CharField(max_length=200)
    official_name = models.CharField(max_length=300, blank=True)
    press_names = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    demonyms = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    capital = models.ForeignKey("Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="capital_of")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            models.CheckConstraint(condition=Q(iso2__regex=r"^[A-Z]{2}$"), name="country_iso2_valid"),
            models.CheckConstraint(condition=Q(iso3="") | Q(iso3__regex=r"^[A-Z]{3}$"), name="country_iso3_valid"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="country_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="country_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contacts:country", args=[self.iso2])


@track_history()
class Place(models.Model):
    """A city or site with coordinates, and the spellings the press uses for it."""

    name = models.CharField(max_length=200)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="places")
    aliases = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geonameid = models.PositiveIntegerField(null=True, blank=True, unique=True)
    population = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="place_unique_name_per_country"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="place_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="place_longitude_range",
            ),
        ]
        indexes = [GinIndex(fields=["aliases"], name="place_aliases_gin")]

    def __str__(self) -> str:
        return f"{self.name}, {self.country.name}" if self.country_id else self.name


@track_history()
class Organization(models.Model):
    """A party, state body, army, legislature, friendship association, company or outlet."""

    class Kind(models.TextChoices):
        PARTY = "party", "Party"
        GOVERNMENT = "government", "Government"
        MILITARY = "military", "Military"
        LEGISLATURE = "legislature", "Legislature"
        FRIENDSHIP = "friendship", "Friendship association"
        COMPANY = "company", "Company"
        MEDIA = "media", "Media"
        OTHER = "other", "Other"

    name = models.CharField(max_length=300)
    short_name = models.CharField(max_length=100, blank=True)
    aliases = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="organizations")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["country", "name"], name="organization_unique_name_per_country"),
        ]

    def __str__(self) -> str:
        return self.name


@track_history()
class Person(models.Model):
    """An official, leader or envoy, under one canonical romanised name."""

    name = models.CharField("canonical name", max_length=200)
    hangul = models.CharField("Hangul", max_length=100, blank=True)
    country = models.ForeignKey(Country, null=True, blank=True, on_delete=models.PROTECT, related_name="people")
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ACCEPTED)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("contacts:person", args=[self.pk])


@track_history()
class PersonAlias(models.Model):
    """One spelling of a person's name seen in the press ("Kim Song-nam", "김성남")."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "person aliases"
        constraints = [
            models.UniqueConstraint(fields=["person", "normalized"], name="person_alias_unique_per_person"),
            models.CheckConstraint(condition=~Q(normalized=""), name="person_alias_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)


@track_history()
class Position(models.Model):
    """A post held by a person in an organisation over a period (open-ended while current)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="positions")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="positions"
    )
    title = models.CharField(max_length=300)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["person", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="position_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        org = f", {self.organization}" if self.organization_id else ""
        return f"{self.person}: {self.title}{org}"


@track_history()
class Delegation(models.Model):
    """One group on one journey: who sent it, who led it, and its itinerary (its visits)."""

    class Stage(models.TextChoices):
        ANNOUNCED = "announced", "Announced"
        DEPARTED = "departed", "Departed"
        CONCLUDED = "concluded", "Concluded"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=300)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    sending_country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="delegations_sent")
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="delegations"
    )
    delegation_type = models.CharField(max_length=12, choices=DelegationType.choices, default=DelegationType.OTHER)
    leader = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="led_delegations")
    members = models.ManyToManyField(Person, through="DelegationMember", related_name="delegations", blank=True)
    start_date = models.DateField(null=True, blank=True)
    start_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    end_date = models.DateField(null=True, blank=True)
    end_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.DEPARTED)
    summary = models.TextField(blank=True)
    confidence = models.FloatField(default=1.0)
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ACCEPTED)
    # Why the pipeline grouped articles into this trip, and editors' split/merge decisions it must respect.
    grouping = models.JSONField(default=dict, blank=True)
    locked = models.BooleanField(default=False, help_text="Edited by hand: later ingests add evidence only.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="delegation_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1), name="delegation_confidence_range"
            ),
            models.CheckConstraint(condition=~Q(direction=Direction.REMOTE), name="delegation_travels"),
        ]
        indexes = [
            models.Index(fields=["delegation_type", "start_date"], name="delegation_type_start"),
            models.Index(fields=["start_date", "id"], name="delegation_start_id"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("contacts:delegation", args=[self.pk])


@track_history()
class DelegationMember(models.Model):
    """A person in a delegation, with the role the report gives (leader, deputy, member)."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=100, blank=True, default="member")
    title = models.CharField("post as reported", max_length=300, blank=True)

    class Meta:
        ordering = ["delegation", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["delegation", "person"], name="delegation_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.role})"


class ContactQuerySet(models.QuerySet["Contact"]):
    def for_listing(self) -> ContactQuerySet:
        return self.select_related("country", "place", "delegation").order_by("-start_date", "-pk")

    def older_than(self, start_date, pk: int) -> ContactQuerySet:
        """Keyset page after (start_date, pk) in timeline order, as one row-value comparison.

        `(start_date, id) < (%s, %s)` walks the timeline index; the OR form Django writes for
        `Q(start_date__lt=d) | Q(start_date=d, id__lt=pk)` is some 50 times slower on large tables.
        """
        return self.filter(TupleLessThan(Tuple("start_date", "id"), (start_date, pk)))

    def newer_than(self, start_date, pk: int) -> ContactQuerySet:
        """Rows after (start_date, pk) the other way: for the "newer" link of a keyset pager."""
        return self.filter(TupleGreaterThan(Tuple("start_date", "id"), (start_date, pk)))


@track_history()
class Contact(models.Model):
    """One dated event between a DPRK side and a foreign side: the row behind timeline, map and CSV.

    A visit is one stop of a delegation's itinerary; a meeting, message or agreement may belong to a
    delegation (held during its trip) or stand alone.
    """

    class Kind(models.TextChoices):
        VISIT = "visit", "Visit"
        MEETING = "meeting", "Meeting"
        MESSAGE = "message", "Message"
        AGREEMENT = "agreement", "Agreement"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="contacts", help_text="The foreign counterpart's country."
    )
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    start_date = models.DateField()
    start_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    end_date = models.DateField(null=True, blank=True)
    end_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    delegation = models.ForeignKey(Delegation, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts")
    # Position of a visit in its delegation's itinerary (1 = first stop).
    itinerary_order = models.PositiveSmallIntegerField(null=True, blank=True)
    transit = models.BooleanField(default=False, help_text="A border or rail passage rather than a stop.")
    # For a meeting held during a trip: the visit (stop) it happened at.
    stop = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stop_events",
        limit_choices_to={"kind": "visit"},
    )
    summary = models.TextField(blank=True)
    confidence = models.FloatField(default=1.0)
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ACCEPTED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="contact_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(confidence__gte=0, confidence__lte=1), name="contact_confidence_range"),
            models.UniqueConstraint(
                fields=["delegation", "itinerary_order"],
                condition=Q(delegation__isnull=False, itinerary_order__isnull=False),
                name="contact_one_stop_per_itinerary_order",
            ),
            models.CheckConstraint(
                condition=Q(itinerary_order__isnull=True) | Q(delegation__isnull=False, kind="visit"),
                name="contact_itinerary_order_only_for_visits",
            ),
        ]
        indexes = [
            models.Index(fields=["-start_date", "-id"], name="contact_timeline"),
            models.Index(fields=["country", "-start_date"], name="contact_country_date"),
            models.Index(fields=["kind", "-start_date"], name="contact_kind_date"),
            models.Index(fields=["direction", "-start_date"], name="contact_direction_date"),
        ]

    def __str__(self) -> str:
        where = self.place.name if self.place_id else self.country.name
        return f"{self.get_kind_display()} · {where} · {self.start_date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        if self.delegation_id:
            return reverse("contacts:delegation", args=[self.delegation_id]) + f"#contact-{self.pk}"
        return reverse("contacts:contact", args=[self.pk])


@track_history()
class Participant(models.Model):
    """A person taking part in a contact, on the DPRK or the foreign side, with the post held that day."""

    class Side(models.TextChoices):
        DPRK = "dprk", "DPRK"
        FOREIGN = "foreign", "Foreign"

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        MEMBER = "member", "Member"
        PRESENT = "present", "Present"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="participations")
    side = models.CharField(max_length=7, choices=Side.choices)
    role = models.CharField(max_length=7, choices=Role.choices, default=Role.LEAD)
    position = models.ForeignKey(Position, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField("post as reported", max_length=300, blank=True)

    class Meta:
        ordering = ["contact", "side", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "person"], name="participant_unique_per_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_side_display()}, {self.get_role_display()})"


@track_history()
class Evidence(models.Model):
    """An article that supports a contact or a delegation, with the sentence that says so."""

    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    delegation = models.ForeignKey(Delegation, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence")
    article = models.ForeignKey(
        "ingest.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    url = models.URLField(max_length=2000)
    source_name = models.CharField("outlet", max_length=200, blank=True)
    title = models.CharField(max_length=500, blank=True)
    published = models.DateField(null=True, blank=True)
    quote = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["published", "pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(delegation__isnull=False), name="evidence_supports_a_record"
            ),
            models.UniqueConstraint(
                fields=["contact", "url"], condition=Q(contact__isnull=False), name="evidence_unique_per_contact"
            ),
            models.UniqueConstraint(
                fields=["delegation", "url"],
                condition=Q(delegation__isnull=False, contact__isnull=True),
                name="evidence_unique_per_delegation",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class ContactExportText(models.Model):
    """A contact's participant names and source URLs as the CSV writes them, kept by database triggers.

    The CSV export reads these instead of aggregating 1.7 million participants and a million evidence
    rows per download. Statement-level triggers on participants, evidence, person renames and contact
    deletes (migration 0007) refresh the rows they touch, so the admin, merges, the ingest workers and
    raw SQL all keep it right. A contact that never had participants or evidence has no row. Derived
    data, so not tracked by history; no foreign key, so that a TRUNCATE of the contacts need not name it.
    """

    contact = models.OneToOneField(
        Contact, on_delete=models.DO_NOTHING, primary_key=True, db_constraint=False, related_name="+"
    )
    # NULL where the contact has none, exactly as string_agg over no rows.
    dprk = models.TextField(null=True)
    foreign_side = models.TextField(null=True)
    sources = models.TextField(null=True)

    class Meta:
        # Written only by the triggers.
        default_permissions = ()

    def __str__(self) -> str:
        return f"CSV text of contact {self.contact_id}"

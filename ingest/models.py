"""How data arrives: sources, the articles fetched from them, and the proposals the pipeline makes."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q


@pghistory.track()
class Source(models.Model):
    """A feed or a single page that is polled, with its conditional-GET state and its health."""

    class Kind(models.TextChoices):
        FEED = "feed", "RSS/Atom feed"
        PAGE = "page", "Single page"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.FEED)
    url = models.URLField(max_length=2000, unique=True)
    active = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(default=30)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=Q(interval_minutes__gte=1), name="source_interval_positive")]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """One fetched (or uploaded) article, kept whatever became of it, with the reason when it failed."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        FETCHED = "fetched", "Fetched"
        IRRELEVANT = "irrelevant", "Irrelevant"
        PROPOSED = "proposed", "Proposed"
        LINKED = "linked", "Linked"
        DUPLICATE = "duplicate", "Duplicate"
        FAILED = "failed", "Failed"

    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="articles")
    url = models.URLField(max_length=2000)
    canonical_url = models.URLField(max_length=2000, unique=True)
    source_name = models.CharField("outlet", max_length=200, blank=True)
    title = models.CharField(max_length=1000, blank=True)
    text = models.TextField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # 64-bit SimHash of the text's shingles: near-duplicates differ in a few bits.
    fingerprint = models.BigIntegerField(null=True, blank=True, db_index=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    failure_reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The classifier's and extractor's output, kept for audit and to show editors why.
    classification = models.JSONField(default=dict, blank=True)
    extraction = models.JSONField(default=dict, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["-published_at", "-id"], name="article_published")]

    def __str__(self) -> str:
        return self.title or self.canonical_url


@pghistory.track()
class Proposal(models.Model):
    """A change the pipeline wants to make, applied automatically above the threshold or reviewed."""

    class Action(models.TextChoices):
        NEW_DELEGATION = "new_delegation", "New delegation"
        NEW_VISIT = "new_visit", "New visit stop"
        NEW_CONTACT = "new_contact", "New meeting, message or agreement"
        NEW_PERSON = "new_person", "New person"
        LINK_ARTICLE = "link_article", "Link article to an existing record"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        APPLIED = "applied", "Applied"
        REJECTED = "rejected", "Rejected"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="proposals")
    action = models.CharField(max_length=20, choices=Action.choices)
    payload = models.JSONField(default=dict)
    confidence = models.FloatField(default=0.0)
    evidence = models.TextField("evidence sentence", blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    delegation = models.ForeignKey(
        "contacts.Delegation", null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__gte=0, confidence__lte=1), name="proposal_confidence_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.confidence:.2f})"

"""The editors' side: review queue with the evidence highlighted (and escaped), accept/edit/reject, inputs."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from contacts.models import Delegation
from ingest import pipeline
from ingest.models import Article, Proposal, Source
from ingest.tests.conftest import make_analysis, tour_journey

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

HOSTILE = (
    'Pyongyang, March 25 (KCNA) -- <script>alert("x")</script><img src=x onerror=alert(1)> '
    "A delegation led by Kim Song Nam arrived in Hanoi on Monday. It was met at the airport."
)
EVIDENCE = "A delegation led by Kim Song Nam arrived in Hanoi on Monday."


@pytest.fixture
def pending(scripted, settings):
    settings.INGEST_AUTO_APPLY_THRESHOLD = 0.99
    scripted["arrived in Hanoi"] = make_analysis(
        evidence=EVIDENCE, journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))]
    )
    article = pipeline.ingest_text(text_body=HOSTILE, url="https://kcna.example/1", title="<b>Arrival</b>",
                                   published="2024-03-25")
    pipeline.article_process(article.pk)
    return Proposal.objects.get(article=article)


def test_review_queue_lists_pending_proposals(admin_client, pending):
    response = admin_client.get(reverse("admin:ingest_proposal_changelist"))
    assert response.status_code == 200
    assert EVIDENCE.encode() in response.content
    assert b"<b>Arrival</b>" not in response.content


def test_review_page_highlights_evidence_and_escapes_the_article(admin_client, pending):
    response = admin_client.get(reverse("admin:ingest_proposal_change", args=[pending.pk]))
    html = response.content.decode()
    assert f"<mark>{EVIDENCE}</mark>" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "scripted for the test" in html  # the reasons an editor sees


def test_edit_and_accept_applies_the_edited_payload(admin_client, pending):
    payload = pending.payload
    payload["journey"]["leader"] = "Kim Sung Nam"
    response = admin_client.post(
        reverse("admin:ingest_proposal_change", args=[pending.pk]),
        {"payload": json.dumps(payload), "confidence": "0.9", "evidence": EVIDENCE, "_accept": "Save and accept"},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Proposal.Status.APPLIED and pending.reviewed_by.username == "admin"
    assert Delegation.objects.get().leader.name == "Kim Sung Nam"
    assert pending.article.status == Article.Status.LINKED


def test_reject_from_the_list(admin_client, pending):
    admin_client.post(reverse("admin:ingest_proposal_changelist"),
                      {"action": "reject", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == Proposal.Status.REJECTED
    assert Delegation.objects.count() == 0


def test_article_page_shows_status_reasons_and_escaped_text(admin_client, pending):
    response = admin_client.get(reverse("admin:ingest_article_change", args=[pending.article_id]))
    html = response.content.decode()
    assert "scripted for the test" in html
    assert "<script>alert" not in html


def test_retry_action_runs_a_failed_article_again(admin_client, scripted):
    article = pipeline.ingest_text(text_body="Some text about the weather in Pyongyang.", url="https://x.example/1")
    pipeline.store.article_fail(article, "parse error: broken")
    admin_client.post(reverse("admin:ingest_article_changelist"), {"action": "retry", "_selected_action": [article.pk]})
    article.refresh_from_db()
    assert article.status == Article.Status.IRRELEVANT
    assert article.failure_reason == ""


def test_editor_uploads_a_jsonl_file(admin_client, scripted):
    lines = "\n".join(
        json.dumps({"id": f"x{i}", "url": f"https://wire.example/{i}", "source": "Wire", "published": "2024-03-25",
                    "title": f"Item {i}", "text": f"Text number {i} about something else entirely."})
        for i in range(3)
    )
    upload = SimpleUploadedFile("batch.jsonl", lines.encode(), content_type="application/json")
    response = admin_client.post(reverse("admin:ingest_article_add_input"), {"file": upload})
    assert response.status_code == 302
    assert set(Article.objects.values_list("url", flat=True)) == {f"https://wire.example/{i}" for i in range(3)}


def test_add_input_needs_a_url_or_a_file(admin_client):
    response = admin_client.post(reverse("admin:ingest_article_add_input"), {})
    assert b"Give either a URL or a file." in response.content


def test_source_list_shows_health(admin_client):
    source = Source.objects.create(name="Wire", url="https://wire.example/feed", last_error="HTTP 500 from x",
                                   consecutive_failures=2)
    Article.objects.create(url="https://wire.example/1", canonical_url="https://wire.example/1", source=source,
                           status=Article.Status.FAILED)
    response = admin_client.get(reverse("admin:ingest_source_changelist"))
    assert response.status_code == 200
    assert b"HTTP 500 from x" in response.content

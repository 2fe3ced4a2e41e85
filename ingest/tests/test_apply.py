"""Proposals and records: consolidation into trips, people, the review threshold, history."""

from __future__ import annotations

from datetime import date

import pghistory.models
import pytest

from contacts.models import Contact, Delegation, Evidence, Participant, Person, PersonAlias, ReviewStatus
from ingest import pipeline
from ingest.models import Article, Proposal
from ingest.pipeline.apply import proposal_apply, proposal_reject
from ingest.pipeline.classify import PersonMention
from ingest.tests.conftest import make_analysis, tour_journey

pytestmark = pytest.mark.django_db


def ingest(text_body: str, url: str, published: str = "2024-03-25") -> Article:
    article = pipeline.ingest_text(text_body=text_body, url=url, title=text_body[:40], published=published,
                                   source_name="KCNA")
    pipeline.article_process(article.pk)
    article.refresh_from_db()
    return article


def test_articles_about_one_tour_fold_into_one_delegation_in_itinerary_order(scripted):
    # Reported out of order and with two romanisations of the leader's name.
    scripted["in Hanoi"] = make_analysis(journeys=[tour_journey("Kim Sung-nam", ("VN", "Hanoi", date(2024, 3, 25)))])
    scripted["in Beijing"] = make_analysis(
        countries=["CN"], journeys=[tour_journey("Kim Song Nam", ("CN", "Beijing", date(2024, 3, 21)))]
    )
    scripted["in Vientiane"] = make_analysis(
        countries=["LA"], journeys=[tour_journey("Kim Song Nam", ("LA", "Vientiane", date(2024, 3, 29)))]
    )
    ingest("The delegation arrived in Hanoi.", "https://a.example/2")
    ingest("The delegation arrived in Vientiane.", "https://a.example/3", "2024-03-29")
    ingest("The delegation arrived in Beijing.", "https://a.example/1", "2024-03-21")
    delegation = Delegation.objects.get()
    assert delegation.start_date == date(2024, 3, 21)
    itinerary = delegation.contacts.filter(kind="visit").order_by("itinerary_order")
    assert [(v.itinerary_order, v.country.iso2, v.place.name) for v in itinerary] == [
        (1, "CN", "Beijing"), (2, "VN", "Hanoi"), (3, "LA", "Vientiane")
    ]
    assert Person.objects.count() == 1
    assert set(PersonAlias.objects.values_list("name", flat=True)) == {"Kim Sung-nam", "Kim Song Nam"}
    assert Evidence.objects.filter(delegation=delegation, contact=None).count() == 3
    grouped = delegation.grouping["articles"]
    assert any("same leader: Kim Song Nam" in reasons for reasons in grouped.values())


def test_another_leader_at_the_same_time_is_another_delegation(scripted):
    scripted["Kim Song Nam"] = make_analysis(journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))])
    scripted["Choe Son Hui"] = make_analysis(journeys=[tour_journey("Choe Son Hui", ("VN", "Hanoi", date(2024, 3, 25)))])
    ingest("Kim Song Nam arrived.", "https://a.example/1")
    ingest("Choe Son Hui arrived.", "https://a.example/2")
    assert Delegation.objects.count() == 2


def test_unknown_names_become_proposed_people_once_and_one_meeting_cites_both_reports(scripted, settings):
    mention = PersonMention(name="Le Hoai Trung", side="foreign", title="head of the Commission", role="lead",
                            country="VN")
    scripted["met"] = make_analysis(kind="meeting", people=[mention], foreign_lead="Le Hoai Trung")
    ingest("Kim Song Nam met Le Hoai Trung.", "https://a.example/1")
    ingest("Kim Song Nam met Le Hoai Trung again.", "https://a.example/2", "2024-03-26")
    person = Person.objects.get(name="Le Hoai Trung")
    assert person.review_status == ReviewStatus.PROPOSED
    new_person = Proposal.objects.get(action=Proposal.Action.NEW_PERSON)
    assert new_person.status == Proposal.Status.PENDING
    assert Participant.objects.filter(person=person).count() == 1
    assert Contact.objects.get(kind="meeting").evidence.count() == 2
    proposal_apply(new_person)
    person.refresh_from_db()
    assert person.review_status == ReviewStatus.ACCEPTED


def test_below_the_threshold_waits_for_review_then_applies(scripted, settings, django_user_model):
    settings.INGEST_AUTO_APPLY_THRESHOLD = 0.8
    scripted["floral basket"] = make_analysis(
        score=0.6, kind="message", direction="remote", countries=["LA"], cities=[], journeys=[],
        evidence="Kim Jong Un sent a floral basket to the President of Laos.",
    )
    article = ingest("Kim Jong Un sent a floral basket.", "https://a.example/basket")
    assert article.status == Article.Status.PROPOSED
    proposal = article.proposals.get(action=Proposal.Action.NEW_CONTACT)
    assert proposal.status == Proposal.Status.PENDING and proposal.confidence == 0.6
    assert Contact.objects.count() == 0
    editor = django_user_model.objects.create_user("editor")
    proposal_apply(proposal, user=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.LINKED
    contact = Contact.objects.get()
    assert (contact.kind, contact.direction, contact.country.iso2) == ("message", "remote", "LA")
    assert contact.evidence.get().quote == "Kim Jong Un sent a floral basket to the President of Laos."
    assert proposal.reviewed_by == editor


def test_rejected_proposal_creates_nothing(scripted, settings):
    settings.INGEST_AUTO_APPLY_THRESHOLD = 0.99
    scripted["Hanoi"] = make_analysis(journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))])
    article = ingest("Arrived in Hanoi.", "https://a.example/1")
    proposal = article.proposals.get()
    proposal_reject(proposal)
    assert proposal.status == Proposal.Status.REJECTED
    assert Delegation.objects.count() == 0


def test_meeting_during_a_trip_is_attached_to_the_stop(scripted):
    scripted["talks"] = make_analysis(
        kind="meeting", journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))]
    )
    ingest("Kim Song Nam held talks in Hanoi.", "https://a.example/1")
    meeting = Contact.objects.get(kind="meeting")
    visit = Contact.objects.get(kind="visit")
    assert meeting.delegation == visit.delegation
    assert meeting.stop == visit


def test_locked_delegation_only_gains_evidence(scripted):
    scripted["Hanoi"] = make_analysis(journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))])
    scripted["Vientiane"] = make_analysis(
        countries=["LA"], journeys=[tour_journey("Kim Song Nam", ("LA", "Vientiane", date(2024, 3, 29)))]
    )
    ingest("Arrived in Hanoi.", "https://a.example/1")
    Delegation.objects.update(locked=True)
    ingest("Arrived in Vientiane.", "https://a.example/2", "2024-03-29")
    delegation = Delegation.objects.get()
    assert delegation.contacts.count() == 1
    assert delegation.evidence.filter(url="https://a.example/2").exists()


def test_history_says_the_ingest_made_the_change(scripted):
    scripted["Hanoi"] = make_analysis(journeys=[tour_journey("Kim Song Nam", ("VN", "Hanoi", date(2024, 3, 25)))])
    article = ingest("Arrived in Hanoi.", "https://a.example/1")
    events = pghistory.models.Events.objects.references(Delegation.objects.get())
    assert any(
        (e.pgh_context or {}).get("source") == "ingest" and (e.pgh_context or {}).get("article") == article.pk
        for e in events
    )

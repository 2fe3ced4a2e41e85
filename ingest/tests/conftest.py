"""Fixtures for the ingest tests: loopback fetching allowed on demand, and scripted analyses.

Fetching is tested against a real local HTTP server (pytest-httpserver); since it listens on
127.0.0.1, tests that fetch from it turn INGEST_ALLOW_PRIVATE_NETWORKS on explicitly.
"""

from __future__ import annotations

from datetime import date

import pytest

from ingest.pipeline.classify import Analysis, Journey, PersonMention, StopMention


@pytest.fixture
def eager_celery():
    """Run queued tasks in-process, as a worker would, without leaving messages on the broker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def allow_private(settings):
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = True
    return settings


@pytest.fixture
def refuse_private(settings):
    settings.INGEST_ALLOW_PRIVATE_NETWORKS = False
    return settings


def make_analysis(**fields) -> Analysis:
    """An Analysis with sensible defaults for a relevant outbound visit; override any field."""
    values = {
        "relevant": True,
        "score": 0.95,
        "kind": "visit",
        "direction": "outbound",
        "countries": ["VN"],
        "dprk_lead": "Kim Song Nam",
        "foreign_lead": None,
        "delegation_type": "party",
        "event_date": date(2024, 3, 25),
        "event_date_precision": "day",
        "cities": ["Hanoi"],
        "people": [PersonMention(name="Kim Song Nam", side="dprk", title="director", role="lead", country="KP")],
        "journeys": [],
        "evidence": "A WPK delegation led by Kim Song Nam arrived in Hanoi on March 25.",
        "reasons": ["scripted for the test"],
    }
    values.update(fields)
    return Analysis(**values)


def tour_journey(leader: str, *stops: tuple[str, str, date], stage: str = "departed") -> Journey:
    return Journey(
        leader=leader,
        direction="outbound",
        delegation_type="party",
        sending_country="KP",
        countries=[s[0] for s in stops],
        stops=[StopMention(country=c, city=city, arrived=d, evidence=f"arrived in {city}") for c, city, d in stops],
        stage=stage,
        start=min(s[2] for s in stops),
        phrase="delegation of the Workers' Party of Korea",
    )


@pytest.fixture
def scripted(monkeypatch):
    """Replace the classifier with analyses chosen per article title, to test the plumbing alone."""
    script: dict[str, Analysis] = {}

    def analyze(article):
        for marker, analysis in script.items():
            if marker in article.title or marker in article.text:
                return analysis
        return make_analysis(relevant=False, score=0.1, kind=None, direction=None, countries=[], journeys=[],
                             people=[], reasons=["scripted: not relevant"])

    monkeypatch.setattr("ingest.pipeline._analyze", analyze)
    return script

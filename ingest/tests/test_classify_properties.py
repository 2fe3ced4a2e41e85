"""Property tests: any text, however odd, yields a valid prediction and never raises."""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.pipeline.classify import ArticleInput, analyze, prediction

KINDS = {None, "visit", "meeting", "message", "agreement"}
DIRECTIONS = {None, "outbound", "inbound", "remote"}
TYPES = {None, "party", "government", "military", "parliament", "friendship", "economic", "culture", "sports",
         "media", "other"}
WORDS = st.sampled_from([
    "Pyongyang,", "March", "21", "(KCNA)", "--", "delegation", "led", "by", "Kim", "Song", "Nam", "arrived", "here",
    "left", "for", "China", "Vietnam", "Laos", "met", "received", "message", "from", "on", "the", "17th", "Thursday",
    "DPRK", "North", "Korean", "signed", "agreement", ".", ",", "\n", "Ri", "Yong-ho", "President", "Xi", "Jinping",
    "in", "Beijing", "Hà", "Nội", "КНДР", "Corea", "del", "Nord", "missile", "spokesman", "would", "visit",
])


def check(result_prediction):
    p = result_prediction
    assert isinstance(p["relevant"], bool)
    assert 0.0 <= p["score"] <= 1.0
    assert p["kind"] in KINDS and p["direction"] in DIRECTIONS and p["delegation_type"] in TYPES
    assert all(isinstance(c, str) and len(c) == 2 for c in p["countries"])
    assert all(isinstance(c, str) for c in p["cities"])
    if p["event_date"] is not None:
        date.fromisoformat(p["event_date"])
    if not p["relevant"]:
        assert p["kind"] is None and p["countries"] == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=600), st.text(max_size=80), st.none() | st.dates())
def test_arbitrary_text_never_raises(text, title, published):
    check(prediction("x", analyze(ArticleInput("x", "u", "s", published, title, text))))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=120), st.none() | st.dates())
def test_newsy_word_salad_yields_valid_predictions(words, published):
    a = analyze(ArticleInput("x", "u", "KCNA", published, "", " ".join(words)))
    check(prediction("x", a))
    for journey in a.journeys:
        assert journey.direction in {"outbound", "inbound"}
        assert journey.stage in {None, "announced", "departed", "concluded"}

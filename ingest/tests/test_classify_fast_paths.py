"""The classifier's fast paths give the same answers as the slow ones.

Lowercase twins of case-insensitive patterns, the trie-built alternations and the early reject of
articles that cannot have a DPRK side must never change a decision; they only skip work.
"""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.pipeline import lexicon
from ingest.pipeline.classify import ArticleInput, analyze, mentions_dprk
from ingest.pipeline.gazetteer import fold

WORDS = st.sampled_from([
    "Arrived", "LEFT", "left", "for", "Visit", "visiting", "met", "MET", "talks", "received", "Received", "a",
    "message", "Greetings", "floral", "basket", "signed", "Signing", "the", "anniversary", "spokesman", "here",
    "Here", "missile", "LAUNCH", "would", "may", "May", "delegation", "Delegazione", "делегация", "прибыл",
    "partita", "llegó", "Korea", "ICBM", "in", "2019", "years", "ago", ".", ",", "'s", "’", "İ", "ß", "Ǆ",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=30))
def test_lowercase_twins_match_where_the_originals_match(words):
    text = " ".join(words)
    lower = text.lower()
    rules = [(p, lexicon.TWINS[p]) for p in lexicon.TWINS]
    for kind, triggers in lexicon.KIND_TRIGGERS.items():
        rules += [(p, twin) for (_, p, _), (_, twin, _) in zip(triggers, lexicon.KIND_TRIGGERS_LOWER[kind], strict=True)]
    for pattern, twin in rules:
        if len(lower) == len(text):
            assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in twin.finditer(lower)]
        assert bool(lexicon.search_lower(pattern, text, lower)) == bool(pattern.search(text))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["mar", "march", "marzo", "ma", "m", "may", "mayo", "x", "marc"]), min_size=1, max_size=4))
def test_trie_alternation_matches_like_a_longest_first_alternation(words):
    flat = re.compile("(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)) + ")")
    trie = re.compile(lexicon.trie_pattern(set(words)))
    text = " ".join(["marcha", "mayo", "march", "ma", "xmarzo"])
    assert [m.span() for m in flat.finditer(text)] == [m.span() for m in trie.finditer(text)]


def test_an_article_with_no_dprk_side_is_rejected_before_its_sentences_are_read():
    result = analyze(ArticleInput(
        "n1", "https://example.org/n1", "Wire", date(2024, 5, 2), "Leaders meet",
        "TOKYO (Wire) - Japan's prime minister met the visiting Chinese premier in Tokyo on Thursday and "
        "signed an agreement on trade.",
    ))
    assert not result.relevant
    assert result.reasons == ["no DPRK mention (early reject)"]


def test_a_dprk_figure_alone_is_enough_to_read_the_article():
    # No "DPRK", "North Korea" or "Pyongyang": the name of the foreign minister, in a southern spelling.
    text = "MOSCOW (Wire) - Russian Foreign Minister Sergei Lavrov met Choi Son-hui in Moscow on Tuesday."
    assert mentions_dprk(text)
    result = analyze(ArticleInput("n2", "https://example.org/n2", "Wire", date(2024, 11, 5), "", text))
    assert result.reasons != ["no DPRK mention (early reject)"]


def test_dprk_names_in_other_languages_are_mentions():
    for text in ("La delegazione della Corea del Nord", "Делегация КНДР прибыла", "Coreia do Norte",
                 "La Corée du Nord", "Nordkorea", "김정은"):
        assert mentions_dprk(fold(text)), text

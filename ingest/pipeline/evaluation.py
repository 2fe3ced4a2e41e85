"""Scoring predictions against hand labels, with the semantics of the corpus README.

Relevance: precision, recall and F1 over all articles. Over the articles labelled relevant: accuracy of
kind, direction, delegation type, event date (where labelled), DPRK lead and foreign lead (names compared
romanisation-insensitively with `names.same_person`), and micro-F1 of the country and city sets (cities
compared ignoring case and accents).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from ingest.pipeline.names import same_person

FIELDS = ("relevance", "kind", "direction", "countries", "dprk_lead", "foreign_lead", "event_date",
          "delegation_type", "cities")
TARGETS = {"relevance": 0.95, "direction": 0.95, "countries": 0.95, "kind": 0.90, "dprk_lead": 0.90,
           "foreign_lead": 0.85, "event_date": 0.85, "delegation_type": 0.85, "cities": 0.90}


def _city(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()


def _same_name(a: str | None, b: str | None) -> bool:
    if not a and not b:
        return True
    if not a or not b:
        return False
    return same_person(a, b)


@dataclass
class Score:
    """Counts for one field: accuracy (hits / total) or set F1 (tp, fp, fn)."""

    hits: int = 0
    total: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)

    def value(self, kind: str) -> float:
        if kind == "accuracy":
            return self.hits / self.total if self.total else 1.0
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(pairs) -> dict[str, Score]:
    """Score (label, prediction) pairs; each Score keeps the ids it missed, for the detail listing."""
    scores = {name: Score() for name in FIELDS}
    for article_id, label, pred in pairs:
        rel = scores["relevance"]
        if label.get("relevant") and pred.get("relevant"):
            rel.tp += 1
        elif pred.get("relevant"):
            rel.fp += 1
            rel.misses.append(f"{article_id}: predicted relevant")
        elif label.get("relevant"):
            rel.fn += 1
            rel.misses.append(f"{article_id}: missed")
        if not label.get("relevant"):
            continue
        for name in ("kind", "direction", "delegation_type"):
            _accuracy(scores[name], article_id, label.get(name), pred.get(name), label.get(name) == pred.get(name))
        if label.get("event_date"):
            _accuracy(scores["event_date"], article_id, label.get("event_date"), pred.get("event_date"),
                      label.get("event_date") == pred.get("event_date"))
        for name in ("dprk_lead", "foreign_lead"):
            _accuracy(scores[name], article_id, label.get(name), pred.get(name),
                      _same_name(label.get(name), pred.get(name)))
        _set_f1(scores["countries"], article_id, set(label.get("countries") or []), set(pred.get("countries") or []))
        _set_f1(scores["cities"], article_id, {_city(c) for c in label.get("cities") or []},
                {_city(c) for c in pred.get("cities") or []})
    return scores


def _accuracy(score: Score, article_id: str, expected, got, ok: bool) -> None:
    score.total += 1
    if ok:
        score.hits += 1
    else:
        score.misses.append(f"{article_id}: expected {expected!r}, got {got!r}")


def _set_f1(score: Score, article_id: str, expected: set, got: set) -> None:
    score.tp += len(expected & got)
    score.fp += len(got - expected)
    score.fn += len(expected - got)
    if expected != got:
        score.misses.append(f"{article_id}: expected {sorted(expected)}, got {sorted(got)}")


def kind_of(name: str) -> str:
    """Whether a field is scored by accuracy or by F1."""
    return "f1" if name in {"relevance", "countries", "cities"} else "accuracy"

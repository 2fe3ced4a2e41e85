"""`manage.py ingest`: every input kind, what it prints, and when it fails."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ingest.models import Article

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("ingest", *args, stdout=out)
    return out.getvalue()


def test_jsonl_keeps_each_lines_url(tmp_path, scripted):
    path = tmp_path / "batch.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"id": f"t-{i}", "url": f"https://wire.example/item/{i}?utm_source=rss", "source": "Wire",
                        "published": f"2024-03-2{i}", "title": f"Item {i}", "text": f"Report {i}: nothing here."})
            for i in range(1, 4)
        )
        + "\n",
        encoding="utf-8",
    )
    output = run(str(path))
    assert "3 articles: 3 irrelevant" in output
    assert "https://wire.example/item/1?utm_source=rss" in output
    article = Article.objects.get(canonical_url="https://wire.example/item/1")
    assert article.url == "https://wire.example/item/1?utm_source=rss"
    assert article.source_name == "Wire" and article.published_at.date().isoformat() == "2024-03-21"
    assert "3 articles: 3 irrelevant" in run(str(path))  # again: the same rows
    assert Article.objects.count() == 3


def test_text_and_html_files(tmp_path, scripted):
    (tmp_path / "note.txt").write_text("Floral basket\nKim Jong Un sent a floral basket.", encoding="utf-8")
    (tmp_path / "page.html").write_bytes(
        "<html><head><meta charset='euc-kr'><title>소식</title></head><body><p>{}</p></body></html>".format(
            "조선로동당 대표단이 하노이에 도착하였다. " * 5
        ).encode("euc-kr")
    )
    output = run(str(tmp_path / "note.txt"), str(tmp_path / "page.html"))
    assert "2 articles: 2 irrelevant" in output
    assert Article.objects.get(title="Floral basket").text.startswith("Floral basket")
    assert "대표단" in Article.objects.get(title="소식").text


def test_refused_url_is_handled_as_a_failed_article(refuse_private, capsys):
    output = run("http://127.0.0.1:9/feed.xml")
    assert "failed" in output and "non-public address" in output
    assert Article.objects.get().status == Article.Status.FAILED


def test_async_queues_on_the_workers(tmp_path, scripted, eager_celery):
    path = tmp_path / "one.txt"
    path.write_text("Title\nA short note.", encoding="utf-8")
    assert "queued 1 articles" in run("--async", str(path))
    assert Article.objects.get().status == Article.Status.IRRELEVANT  # the eager "worker" ran it


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "missing.jsonl"))


def test_broken_jsonl_is_an_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not JSON"):
        run(str(path))

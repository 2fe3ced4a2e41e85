"""Admin for editors and operators: sources and their health, articles and why, the review queue.

Article text, titles and evidence come from the outside world and are hostile: everything shown here
goes through Django's escaping (format_html, escape); the only markup added is ours (<mark>, <ul>).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import escape, format_html, format_html_join, linebreaks
from django.utils.safestring import mark_safe

from ingest import pipeline
from ingest.models import Article, Proposal, Source
from ingest.pipeline.apply import proposal_apply, proposal_reject


def _queue(article_ids: list[int]) -> str:
    """Queue articles on the workers; without a reachable broker, process them here instead."""
    from ingest.tasks import process_articles

    try:
        for batch in pipeline.batches(article_ids):
            process_articles.apply_async(args=[batch], retry=False)
    except Exception:  # broker down: the editor still gets a result, just slower
        pipeline.process_all(article_ids)
        return "processed"
    return "queued"


def _json_block(data: object) -> str:
    return format_html("<pre>{}</pre>", json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _reasons(classification: dict) -> str:
    reasons = (classification or {}).get("reasons") or []
    if not reasons:
        return "—"
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((r,) for r in reasons)))


def highlighted(text: str, sentence: str) -> str:
    """The article text, escaped, with the evidence sentence marked (first occurrence)."""
    text = text or ""
    at = text.find(sentence) if sentence else -1
    if at < 0:
        return mark_safe(linebreaks(escape(text)))  # escaped above
    before, after = text[:at], text[at + len(sentence) :]
    # Each part is escaped on its own; only the <mark> element is ours.
    body = escape(before) + mark_safe("<mark>") + escape(sentence) + mark_safe("</mark>") + escape(after)
    return mark_safe(linebreaks(body, autoescape=False))  # every part escaped above


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = [
        "name", "kind", "active", "interval_minutes", "last_polled_at", "last_success_at", "last_error_at",
        "consecutive_failures", "article_count", "failed_count", "short_error",
    ]
    list_filter = ["kind", "active"]
    search_fields = ["name", "url"]
    readonly_fields = [
        "etag", "last_modified", "last_polled_at", "last_success_at", "last_error_at", "last_error",
        "consecutive_failures",
    ]
    actions = ["poll_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_articles=Count("articles"),
            n_failed=Count("articles", filter=Q(articles__status=Article.Status.FAILED)),
        )

    @admin.display(description="articles", ordering="n_articles")
    def article_count(self, obj):
        return obj.n_articles

    @admin.display(description="failed", ordering="n_failed")
    def failed_count(self, obj):
        return obj.n_failed

    @admin.display(description="last error")
    def short_error(self, obj):
        return (obj.last_error or "")[:80]

    @admin.action(description="Poll the selected sources now")
    def poll_now(self, request, queryset):
        from ingest.tasks import poll_source

        for source in queryset:
            try:
                poll_source.apply_async(args=[source.pk], retry=False)
            except Exception:
                pipeline.process_all(pipeline.source_poll(source.pk))
        self.message_user(request, f"Polling {queryset.count()} sources.")


class IngestForm(forms.Form):
    """An editor's input: a URL (feed or page) or a file (.jsonl, .html, .txt)."""

    url = forms.URLField(required=False, assume_scheme="https", max_length=2000)
    file = forms.FileField(required=False, help_text=".jsonl (one article a line), .html or .txt")

    def clean(self):
        data = super().clean()
        if bool(data.get("url")) == bool(data.get("file")):
            raise forms.ValidationError("Give either a URL or a file.")
        return data


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title_or_url", "source_name", "status", "short_reason", "published_at", "duplicate_of_id"]
    list_filter = ["status", "source_name", "source"]
    search_fields = ["title", "url", "canonical_url"]
    date_hierarchy = "published_at"
    list_select_related = ["source"]
    raw_id_fields = ["duplicate_of", "source"]
    actions = ["retry"]
    exclude = ["classification", "extraction", "text"]
    readonly_fields = [
        "url", "canonical_url", "content_hash", "fingerprint", "status", "failure_reason", "attempts",
        "fetched_at", "processed_at", "why", "classification_view", "extraction_view", "text_view",
    ]
    change_list_template = "admin/ingest/article/change_list.html"

    @admin.display(description="article", ordering="title")
    def title_or_url(self, obj):
        return (obj.title or obj.url)[:120]

    @admin.display(description="reason")
    def short_reason(self, obj):
        return (obj.failure_reason or "")[:100]

    @admin.display(description="why (the rules that decided)")
    def why(self, obj):
        return _reasons(obj.classification)

    @admin.display(description="classification")
    def classification_view(self, obj):
        return _json_block({k: v for k, v in (obj.classification or {}).items() if k != "reasons"})

    @admin.display(description="extraction")
    def extraction_view(self, obj):
        return _json_block(obj.extraction or {})

    @admin.display(description="text")
    def text_view(self, obj):
        evidence = (obj.classification or {}).get("evidence") or ""
        return highlighted(obj.text, evidence)

    @admin.action(description="Retry the selected articles")
    def retry(self, request, queryset):
        ids = []
        for article in queryset:
            pipeline.article_retry(article)
            ids.append(article.pk)
        how = _queue(ids)
        self.message_user(request, f"{len(ids)} articles {how} again.")

    def get_urls(self):
        return [
            path("add-input/", self.admin_site.admin_view(self.add_input_view), name="ingest_article_add_input"),
            *super().get_urls(),
        ]

    def add_input_view(self, request):
        """Let an editor add a URL or upload a file; the articles go through the same pipeline."""
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:ingest_article_changelist"))
        form = IngestForm(request.POST, request.FILES) if request.method == "POST" else IngestForm()
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["url"]:
                url = form.cleaned_data["url"]
                article, _ = pipeline.store.article_get_or_create(url=url)
                if article.status == Article.Status.FAILED:
                    pipeline.article_retry(article)
                articles = [article]
            else:
                upload = form.cleaned_data["file"]
                suffix = Path(upload.name).suffix.lower()[:10]
                with tempfile.TemporaryDirectory() as folder:
                    target = Path(folder) / f"upload{suffix}"
                    with open(target, "wb") as handle:
                        for chunk in upload.chunks():
                            handle.write(chunk)
                    try:
                        articles = pipeline.ingest_file(target, name=upload.name)
                    except (pipeline.InputError, UnicodeDecodeError, ValueError) as exc:
                        form.add_error("file", str(exc))
                        articles = None
            if articles is not None:
                how = _queue([a.pk for a in articles])
                self.message_user(request, f"{len(articles)} articles {how}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:ingest_article_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Add a URL or a file",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/ingest/article/add_input.html", context)


class ProposalStatusFilter(admin.SimpleListFilter):
    """Waiting proposals first: the review queue is the default view."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*Proposal.Status.choices, ("all", "All")]

    def choices(self, changelist):
        value = self.value() or Proposal.Status.PENDING
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or Proposal.Status.PENDING
        return queryset if value == "all" else queryset.filter(status=value)


class ProposalForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["payload", "confidence", "evidence"]
        widgets = {"payload": forms.Textarea(attrs={"rows": 20, "cols": 100})}


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """The review queue: the article with its evidence highlighted, and accept / edit / reject."""

    form = ProposalForm
    list_display = ["action", "article_title", "confidence", "short_evidence", "status", "created_at"]
    list_filter = [ProposalStatusFilter, "action"]
    search_fields = ["evidence", "article__title", "article__url"]
    list_select_related = ["article"]
    actions = ["accept", "reject"]
    readonly_fields = ["status", "article_link", "why", "article_text", "delegation", "contact", "reviewed_by",
                       "reviewed_at"]
    fieldsets = [
        (None, {"fields": ["status", "article_link", "why", "confidence", "evidence", "payload"]}),
        ("Article", {"fields": ["article_text"]}),
        ("Result", {"fields": ["delegation", "contact", "reviewed_by", "reviewed_at"]}),
    ]
    change_form_template = "admin/ingest/proposal/change_form.html"

    def has_add_permission(self, request):
        return False  # proposals come from the pipeline

    @admin.display(description="article", ordering="article__title")
    def article_title(self, obj):
        return (obj.article.title or obj.article.url)[:100]

    @admin.display(description="evidence")
    def short_evidence(self, obj):
        return (obj.evidence or "")[:120]

    @admin.display(description="article")
    def article_link(self, obj):
        url = reverse("admin:ingest_article_change", args=[obj.article_id])
        return format_html('<a href="{}">{}</a> ({})', url, obj.article.title or obj.article.url, obj.article.url)

    @admin.display(description="why")
    def why(self, obj):
        return _reasons(obj.article.classification)

    @admin.display(description="text, with the evidence marked")
    def article_text(self, obj):
        return highlighted(obj.article.text, obj.evidence)

    def response_change(self, request, obj):
        if "_accept" in request.POST:
            proposal_apply(obj, user=request.user)
            self.message_user(request, "Proposal applied.", messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:ingest_proposal_changelist"))
        if "_reject" in request.POST:
            proposal_reject(obj, user=request.user)
            self.message_user(request, "Proposal rejected.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:ingest_proposal_changelist"))
        return super().response_change(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Proposal.Status.PENDING:
            fields += ["payload", "confidence", "evidence"]  # applied or rejected: history, not editable
        return fields

    @admin.action(description="Accept (apply) the selected proposals")
    def accept(self, request, queryset):
        done = 0
        for proposal in queryset.filter(status=Proposal.Status.PENDING).select_related("article"):
            proposal_apply(proposal, user=request.user)
            done += 1
        self.message_user(request, f"{done} proposals applied.")

    @admin.action(description="Reject the selected proposals")
    def reject(self, request, queryset):
        done = 0
        for proposal in queryset.filter(status=Proposal.Status.PENDING):
            proposal_reject(proposal, user=request.user)
            done += 1
        self.message_user(request, f"{done} proposals rejected.")

"""The editors' admin: every domain model, its history (who changed what, when) with revert, and merges.

History comes from django-pghistory's trigger-written event tables, so it also shows bulk writes by
the ingest workers; the HistoryMiddleware context says which user and URL made each change.
"""

from __future__ import annotations

import pghistory
from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F, Func, Q, Value
from django.db.models.fields import CharField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from pghistory.models import MiddlewareEvents

from contacts import services
from contacts.models import (
    Contact,
    Country,
    Delegation,
    DelegationMember,
    Evidence,
    Organization,
    Participant,
    Person,
    PersonAlias,
    Place,
    Position,
)

HISTORY_LIMIT = 200


class HistoryAdmin(admin.ModelAdmin):
    """Admin base: the History button shows the object's pghistory events and can revert to one of them."""

    array_search_fields: tuple[str, ...] = ()

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/revert/<int:event_id>/",
                self.admin_site.admin_view(self.history_revert_view),
                name="{}_{}_history_revert".format(*info),
            ),
            *super().get_urls(),
        ]

    def get_search_results(self, request, queryset, search_term):
        # ArrayFields (press names, GeoNames spellings) are searched as one space-joined string.
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term and self.array_search_fields:
            texts = {
                f"_{name}_text": Func(F(name), Value(" "), function="array_to_string", output_field=CharField())
                for name in self.array_search_fields
            }
            condition = Q()
            for alias in texts:
                condition |= Q(**{f"{alias}__icontains": search_term})
            results = results | queryset.filter(pk__in=queryset.annotate(**texts).filter(condition).values("pk"))
        return results, may_have_duplicates

    def history_events(self, obj):
        return (
            MiddlewareEvents.objects.tracks(obj)
            .select_related("user")
            .order_by("-pgh_created_at", "-pgh_id")[:HISTORY_LIMIT]
        )

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        rows = []
        for event in self.history_events(obj):
            context = event.pgh_context or {}
            rows.append(
                {
                    "event": event,
                    "changes": sorted((event.pgh_diff or {}).items())
                    if event.pgh_label == "update"
                    else sorted((event.pgh_data or {}).items()),
                    "action": context.get("action") or context.get("command") or "",
                    "url": context.get("url", ""),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "rows": rows,
            "can_revert": self.has_change_permission(request, obj),
            "revert_url_name": f"admin:{self.opts.app_label}_{self.opts.model_name}_history_revert",
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/contacts/history.html", context)

    def history_revert_view(self, request: HttpRequest, object_id: str, event_id: int) -> HttpResponse:
        return require_POST(self._history_revert)(request, object_id, event_id)

    def _history_revert(self, request: HttpRequest, object_id: str, event_id: int) -> HttpResponse:
        pk = unquote(object_id)
        obj = self.get_object(request, pk)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        event_model_label = request.POST.get("event_model", "")
        try:
            event_model = apps.get_model(event_model_label)
        except (LookupError, ValueError) as error:
            raise Http404("Unknown event model") from error
        if getattr(event_model, "pgh_tracked_model", None) is not self.model:
            raise Http404("Event of another model")
        event = get_object_or_404(event_model, pgh_id=event_id, pgh_obj_id=pk)
        with pghistory.context(action="revert", reverted_event=f"{event_model_label}:{event_id}"):
            restored = event.revert()
        self.message_user(
            request, f"Restored {restored} as of {event.pgh_created_at:%Y-%m-%d %H:%M}.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[pk]))


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=None, widget=forms.RadioSelect, empty_label=None, label="Keep")

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = queryset


def _merge_action(admin_obj: admin.ModelAdmin, request: HttpRequest, queryset, merge, noun: str):
    """Confirm which record to keep, then merge the others into it (Django's delete-confirmation pattern)."""
    if not admin_obj.has_change_permission(request):
        raise PermissionDenied
    if queryset.count() < 2:
        admin_obj.message_user(request, f"Select two or more {noun} to merge.", messages.WARNING)
        return None
    form = MergeForm(request.POST if "apply" in request.POST else None, queryset=queryset)
    if form.is_valid():
        target = form.cleaned_data["target"]
        others = [obj for obj in queryset if obj.pk != target.pk]
        merge(target=target, others=others, user=request.user)
        admin_obj.message_user(request, f"Merged {len(others)} {noun} into {target}.", messages.SUCCESS)
        return None
    context = {
        **admin_obj.admin_site.each_context(request),
        "title": f"Merge {noun}",
        "opts": admin_obj.model._meta,
        "form": form,
        "objects": queryset,
        "action": request.POST.get("action"),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "noun": noun,
    }
    return TemplateResponse(request, "admin/contacts/merge_confirm.html", context)


# Inlines
# ------------------------------------------------------------------------------
class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 1
    fields = ["name", "normalized"]
    readonly_fields = ["normalized"]


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    fields = ["title", "organization", "start_date", "end_date"]
    autocomplete_fields = ["organization"]


class DelegationContactInline(admin.TabularInline):
    """The itinerary (visits, numbered) and the meetings held during the trip."""

    model = Contact
    fk_name = "delegation"
    extra = 0
    verbose_name = "visit or event"
    verbose_name_plural = "itinerary: visits and events"
    fields = ["itinerary_order", "kind", "direction", "country", "place", "start_date", "end_date", "transit", "stop"]
    autocomplete_fields = ["country", "place", "stop"]
    show_change_link = True
    ordering = ["start_date", "itinerary_order", "pk"]


class DelegationMemberInline(admin.TabularInline):
    model = DelegationMember
    extra = 0
    fields = ["person", "role", "title"]
    autocomplete_fields = ["person"]


class DelegationEvidenceInline(admin.TabularInline):
    model = Evidence
    fk_name = "delegation"
    extra = 0
    fields = ["title", "source_name", "published", "url", "quote", "article"]
    autocomplete_fields = ["article"]
    verbose_name_plural = "evidence for the trip"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(contact__isnull=True)


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["person", "side", "role", "title", "position"]
    autocomplete_fields = ["person", "position"]


class ContactEvidenceInline(admin.TabularInline):
    model = Evidence
    fk_name = "contact"
    extra = 0
    fields = ["title", "source_name", "published", "url", "quote", "article"]
    autocomplete_fields = ["article"]


# Model admins
# ------------------------------------------------------------------------------
@admin.register(Country)
class CountryAdmin(HistoryAdmin):
    list_display = ["iso2", "name", "iso3", "capital", "latitude", "longitude"]
    search_fields = ["iso2", "iso3", "name", "official_name"]
    array_search_fields = ("press_names", "demonyms")
    autocomplete_fields = ["capital"]
    list_select_related = ["capital"]


@admin.register(Place)
class PlaceAdmin(HistoryAdmin):
    list_display = ["name", "country", "population", "latitude", "longitude", "geonameid"]
    search_fields = ["name", "country__name", "country__iso2"]
    array_search_fields = ("aliases",)
    autocomplete_fields = ["country"]
    list_select_related = ["country"]
    show_full_result_count = False


@admin.register(Organization)
class OrganizationAdmin(HistoryAdmin):
    list_display = ["name", "short_name", "kind", "country", "parent"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "country__name"]
    array_search_fields = ("aliases",)
    autocomplete_fields = ["country", "parent"]
    list_select_related = ["country", "parent"]


@admin.register(Person)
class PersonAdmin(HistoryAdmin):
    list_display = ["name", "hangul", "country", "alias_list", "review_status"]
    list_filter = ["review_status", "country"]
    search_fields = ["name", "hangul", "aliases__name", "aliases__normalized"]
    autocomplete_fields = ["country"]
    list_select_related = ["country"]
    inlines = [PersonAliasInline, PositionInline]
    actions = ["merge_people"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, obj: Person) -> str:
        return ", ".join(alias.name for alias in obj.aliases.all())

    @admin.action(description="Merge selected people into one", permissions=["change"])
    def merge_people(self, request, queryset):
        return _merge_action(self, request, queryset, services.person_merge, "people")


@admin.register(PersonAlias)
class PersonAliasAdmin(HistoryAdmin):
    list_display = ["name", "person", "normalized"]
    search_fields = ["name", "normalized", "person__name"]
    autocomplete_fields = ["person"]
    list_select_related = ["person"]


@admin.register(Position)
class PositionAdmin(HistoryAdmin):
    list_display = ["person", "title", "organization", "start_date", "end_date"]
    list_filter = ["organization__country"]
    search_fields = ["title", "person__name", "person__aliases__name", "organization__name"]
    autocomplete_fields = ["person", "organization"]
    list_select_related = ["person", "organization"]
    date_hierarchy = "start_date"


@admin.register(Delegation)
class DelegationAdmin(HistoryAdmin):
    list_display = [
        "title",
        "direction",
        "sending_country",
        "delegation_type",
        "leader",
        "start_date",
        "end_date",
        "stage",
        "review_status",
        "locked",
    ]
    list_filter = ["direction", "delegation_type", "stage", "review_status", "locked"]
    search_fields = ["title", "summary", "leader__name", "leader__aliases__name", "members__aliases__name"]
    autocomplete_fields = ["sending_country", "organization", "leader"]
    list_select_related = ["sending_country", "leader"]
    date_hierarchy = "start_date"
    inlines = [DelegationContactInline, DelegationMemberInline, DelegationEvidenceInline]
    readonly_fields = ["grouping_reasons", "created_at", "updated_at"]
    actions = ["merge_delegations"]

    @admin.display(description="why these articles were grouped")
    def grouping_reasons(self, obj: Delegation) -> str:
        articles = (obj.grouping or {}).get("articles") or {}
        if not articles:
            return "—"
        return format_html_join(
            "", "<p>Article {}: {}</p>", ((key, "; ".join(reasons)) for key, reasons in articles.items())
        )

    def save_model(self, request, obj, form, change):
        # A trip corrected by hand is not regrouped by later ingests (unless the editor unticks "locked").
        if change and form.changed_data and "locked" not in form.changed_data:
            obj.locked = True
        super().save_model(request, obj, form, change)

    @admin.action(description="Merge selected delegations into one", permissions=["change"])
    def merge_delegations(self, request, queryset):
        return _merge_action(self, request, queryset, services.delegation_merge, "delegations")


@admin.register(DelegationMember)
class DelegationMemberAdmin(HistoryAdmin):
    list_display = ["person", "delegation", "role", "title"]
    search_fields = ["person__name", "person__aliases__name", "delegation__title"]
    autocomplete_fields = ["delegation", "person"]
    list_select_related = ["person", "delegation"]


@admin.register(Contact)
class ContactAdmin(HistoryAdmin):
    list_display = [
        "start_date",
        "kind",
        "direction",
        "country",
        "place",
        "delegation_link",
        "itinerary_order",
        "review_status",
        "confidence",
    ]
    list_filter = ["kind", "direction", "review_status", "transit", "start_precision"]
    search_fields = [
        "summary",
        "country__name",
        "country__iso2",
        "place__name",
        "delegation__title",
        "participants__person__name",
        "participants__person__aliases__name",
    ]
    autocomplete_fields = ["country", "place", "delegation", "stop"]
    list_select_related = ["country", "place", "delegation"]
    date_hierarchy = "start_date"
    inlines = [ParticipantInline, ContactEvidenceInline]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["split_trip"]

    @admin.action(description="Split selected visits into a new trip", permissions=["change"])
    def split_trip(self, request, queryset):
        # Trip grouping rules live with consolidation in the ingest pipeline; imported here only.
        from ingest.pipeline.trips import delegation_split

        delegation_ids = set(queryset.values_list("delegation_id", flat=True))
        if len(delegation_ids) != 1 or None in delegation_ids:
            self.message_user(request, "Choose visits of one delegation to split off.", messages.ERROR)
            return None
        delegation = Delegation.objects.get(pk=delegation_ids.pop())
        try:
            new = delegation_split(delegation, list(queryset), user=request.user)
        except ValueError as error:
            self.message_user(request, f"Could not split: {error}.", messages.ERROR)
            return None
        self.message_user(request, f"Split into a new delegation: {new}. Both are locked against regrouping.")
        return None

    @admin.display(description="delegation", ordering="delegation__title")
    def delegation_link(self, obj: Contact) -> str:
        if not obj.delegation_id:
            return "—"
        url = reverse("admin:contacts_delegation_change", args=[obj.delegation_id])
        return format_html('<a href="{}">{}</a>', url, obj.delegation.title)


@admin.register(Participant)
class ParticipantAdmin(HistoryAdmin):
    list_display = ["person", "side", "role", "title", "contact"]
    list_filter = ["side", "role"]
    search_fields = ["person__name", "person__aliases__name", "title", "contact__summary"]
    autocomplete_fields = ["contact", "person", "position"]
    list_select_related = ["person", "contact__country", "contact__place"]


@admin.register(Evidence)
class EvidenceAdmin(HistoryAdmin):
    list_display = ["title_or_url", "source_name", "published", "contact", "delegation"]
    list_filter = ["source_name"]
    search_fields = ["title", "url", "quote", "source_name"]
    autocomplete_fields = ["contact", "delegation", "article"]
    list_select_related = ["contact__country", "contact__place", "delegation"]
    date_hierarchy = "published"

    @admin.display(description="article", ordering="title")
    def title_or_url(self, obj: Evidence) -> str:
        return obj.title or obj.url

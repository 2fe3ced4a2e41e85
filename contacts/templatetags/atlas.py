"""Template helpers for pages that show what came from articles.

The timeline renders hundreds of dates, names and links per page. Written as `{% include %}`s and
`get_absolute_url()` calls they were most of the page's CPU (an include pushes a context and renders
a template; `reverse()` resolves the URL pattern every time), so the small repeated fragments are
filters and tags here that return the same HTML, and record URLs are built from a prefix resolved
once per URL pattern.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django import template
from django.template.defaultfilters import stringfilter, truncatechars
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from contacts.links import record_url, url_with
from contacts.models import Contact, Participant

register = template.Library()

register.filter("record_url", record_url)


@register.filter
def web_url(value: object) -> str:
    """The value if it is an http(s) address, else an empty string, so a stored javascript: or data: URL
    never becomes a clickable link (article URLs come from hostile input)."""
    url = str(value or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


@register.filter(is_safe=True)
@stringfilter
def clip(value: str, length: int) -> str:
    """`truncatechars` with a fast path: a text no longer than `length` comes back as is (NFC, as
    truncatechars returns it), without truncatechars' walk over every character."""
    if len(value) <= int(length):
        return unicodedata.normalize("NFC", value)
    return truncatechars(value, length)


@register.filter
def fuzzy_date(day: dt.date | None, precision: str = "day") -> str:
    """A date written to its known precision: "2024", "Mar 2024" or "21 Mar 2024"."""
    if not day:
        return ""
    if precision == "year":
        return date_format(day, "Y")
    if precision == "month":
        return date_format(day, "M Y")
    return date_format(day, "j M Y")


@register.simple_tag
def date_range(start: dt.date | None, end: dt.date | None, precision: str = "day") -> str:
    """A span of days as "3–7 May 2024", "30 Apr – 2 May 2024" or across years; else the start date."""
    if not start:
        return ""
    if end and end != start and precision == "day":
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{date_format(end, 'j M Y')}"
        if start.year == end.year:
            return f"{date_format(start, 'j M')} – {date_format(end, 'j M Y')}"
        return f"{date_format(start, 'j M Y')} – {date_format(end, 'j M Y')}"
    return fuzzy_date(start, precision)


@register.simple_tag
def people(contact: Contact) -> SafeString:
    """The contact's participants as links, DPRK side first.

    Reads `participant_list` when the view attached it (views.attach_participants), else the
    participants prefetched with their person.
    """
    participants: list[Participant] = getattr(contact, "participant_list", None)
    if participants is None:
        participants = list(contact.participants.all())
    if not participants:
        return mark_safe("")
    links = []
    for p in participants:
        title = p.get_side_display()
        if p.title:
            title = f"{title} — {p.title}"
        links.append(
            f'<a href="{url_with("contacts:person", p.person_id)}" class="person side-{conditional_escape(p.side)}" '
            f'title="{conditional_escape(title)}">{conditional_escape(p.person.name)}</a>'
        )
    return mark_safe('<p class="people">' + '<span class="sep">·</span>'.join(links) + "</p>")

"""Template helpers for pages that show what came from articles."""

from django import template

register = template.Library()


@register.filter
def web_url(value: object) -> str:
    """The value if it is an http(s) address, else an empty string, so a stored javascript: or data: URL
    never becomes a clickable link (article URLs come from hostile input)."""
    url = str(value or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""

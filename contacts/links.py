"""Links to records without resolving the URL pattern for each one.

`reverse()` resolves the pattern on every call (some 20 microseconds); a timeline page or the map
data needs hundreds to tens of thousands of links. The text around the key is taken from one
reverse() per pattern and script prefix, and the key put in between.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, reverse

from contacts.models import Contact, Country, Delegation, Person

# A stand-in id that cannot occur in a real path segment, replaced by the record's key.
_PLACEHOLDER = "990099009900"


@lru_cache(maxsize=64)
def _url_parts(name: str, script_prefix: str) -> tuple[str, str]:
    """The text before and after the key in `name`'s URL, from one reverse() per pattern and prefix."""
    url = reverse(name, args=[_PLACEHOLDER])
    before, _, after = url.partition(_PLACEHOLDER)
    return before, after


def url_with(name: str, key: object) -> str:
    """reverse(name, args=[key]) for a one-argument pattern, without resolving the pattern again."""
    before, after = _url_parts(name, get_script_prefix())
    return f"{before}{key}{after}"


def record_url(obj: object) -> str:
    """The page of a contact, delegation, person or country: what `get_absolute_url()` returns."""
    if isinstance(obj, Contact):
        if obj.delegation_id:
            return f"{url_with('contacts:delegation', obj.delegation_id)}#contact-{obj.pk}"
        return url_with("contacts:contact", obj.pk)
    if isinstance(obj, Delegation):
        return url_with("contacts:delegation", obj.pk)
    if isinstance(obj, Person):
        return url_with("contacts:person", obj.pk)
    if isinstance(obj, Country):
        return url_with("contacts:country", obj.iso2)
    return obj.get_absolute_url()



"""Who may read the analyst pages and who sees edit links.

Reading needs a login unless `settings.PUBLIC_READ` opens it to anonymous readers (the demo does).
Editors are users allowed to change contacts; they see links into the admin. Checks live here and in
the views, never only in templates.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse


def can_read(user) -> bool:
    """Anyone may read when PUBLIC_READ is on; otherwise any active, logged-in user."""
    return bool(settings.PUBLIC_READ or (user.is_authenticated and user.is_active))


def is_editor(user) -> bool:
    """Editors are users who may change contacts in the admin."""
    return bool(user.is_authenticated and user.is_active and user.is_staff and user.has_perm("contacts.change_contact"))


def reader_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send anonymous visitors to the login page unless reading is public."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_read(request.user):
            response = redirect_to_login(request.get_full_path())
            if getattr(request, "htmx", False):
                # An HTMX swap would paste the login page into #results; ask for a full navigation instead.
                response["HX-Redirect"] = response["Location"]
            return response
        return view(request, *args, **kwargs)

    return wrapped


def admin_change_url(obj) -> str | None:
    """The admin page that edits `obj`, or None while its model is not registered in the admin."""
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None

"""Analyst pages. Placeholder list and detail views; the full pages are built on the same URLs."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from contacts.models import Contact, Country, Delegation, Person


@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    contacts = Contact.objects.for_listing()[:50]
    return render(request, "contacts/contact_list.html", {"contacts": contacts})


@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.for_listing(), pk=pk)
    return render(request, "contacts/contact_detail.html", {"contact": contact})


@require_GET
def delegation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation, pk=pk)
    return render(request, "contacts/delegation_detail.html", {"delegation": delegation})


@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    return render(request, "contacts/person_detail.html", {"person": person})


@require_GET
def country_detail(request: HttpRequest, iso2: str) -> HttpResponse:
    country = get_object_or_404(Country, iso2=iso2.upper())
    return render(request, "contacts/country_detail.html", {"country": country})

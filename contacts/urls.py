from django.urls import path

from contacts import views

app_name = "contacts"
urlpatterns = [
    path("", views.contact_list, name="list"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("delegations/<int:pk>/", views.delegation_detail, name="delegation"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("countries/<str:iso2>/", views.country_detail, name="country"),
]

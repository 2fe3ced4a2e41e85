from django.urls import path

from contacts import views

app_name = "contacts"
urlpatterns = [
    path("", views.contact_list, name="list"),
    path("map/", views.contact_map, name="map"),
    path("search/", views.search_page, name="search"),
    path("downloads/", views.downloads, name="downloads"),
    path("export.csv", views.contact_export_csv, name="export_csv"),
    path("map.geojson", views.contact_export_geojson, name="export_geojson"),
    path("api/contacts.json", views.contact_api, name="api_contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("delegations/<int:pk>/", views.delegation_detail, name="delegation"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("countries/<str:iso2>/", views.country_detail, name="country"),
]

from django.urls import path

from . import views

app_name = "suppliers"

urlpatterns = [
    path("", views.organisation_list, name="organisation_list"),
    path("export.csv", views.organisation_export, name="organisation_export"),
    path("new/", views.organisation_create, name="organisation_create"),
    path("<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("<int:pk>/edit/", views.organisation_update, name="organisation_update"),
    path("<int:pk>/facilities/new/", views.facility_create, name="facility_create"),
    path("facilities/<int:pk>/edit/", views.facility_update, name="facility_update"),
    path("<int:pk>/customers/new/", views.relationship_create, name="relationship_create"),
]

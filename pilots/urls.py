from django.urls import path

from . import views

app_name = "pilots"

urlpatterns = [
    path("", views.pilot_list, name="pilot_list"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.programme_update, name="programme_update"),
    path(
        "programmes/<int:pk>/export/<slug:table>.csv",
        views.programme_export,
        name="programme_export",
    ),
    path("programmes/<int:pk>/iati.xml", views.programme_iati, name="programme_iati"),
    path(
        "programmes/<int:pk>/export/<slug:table>.xlsx",
        views.programme_export,
        {"fmt": "xlsx"},
        name="programme_export_xlsx",
    ),
    path(
        "programmes/<int:pk>/export.xlsx",
        views.programme_export_workbook,
        name="programme_export_workbook",
    ),
    path(
        "programmes/<int:pk>/<slug:kind>/new/",
        views.programme_row_create,
        name="programme_row_create",
    ),
    path(
        "programmes/<slug:kind>/<int:row_pk>/edit/",
        views.programme_row_update,
        name="programme_row_update",
    ),
    path("new/", views.pilot_create, name="pilot_create"),
    path("<int:pk>/", views.pilot_detail, name="pilot_detail"),
    path("<int:pk>/edit/", views.pilot_update, name="pilot_update"),
    path("<int:pk>/status/", views.pilot_transition, name="pilot_transition"),
    path("<int:pk>/participants/new/", views.participant_invite, name="participant_invite"),
    path("participants/<int:pk>/respond/", views.participant_respond, name="participant_respond"),
    path("<int:pk>/phases/new/", views.phase_create, name="phase_create"),
    path("phases/<int:pk>/edit/", views.phase_update, name="phase_update"),
    path("phases/<int:pk>/<str:action>/", views.phase_action, name="phase_action"),
    path("<int:pk>/deliverables/new/", views.deliverable_create, name="deliverable_create"),
    path("deliverables/<int:pk>/edit/", views.deliverable_update, name="deliverable_update"),
    path("<int:pk>/activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/edit/", views.activity_update, name="activity_update"),
    path("<int:pk>/scope-changes/new/", views.scope_change_create, name="scope_change_create"),
    path("scope-changes/<int:pk>/edit/", views.scope_change_update, name="scope_change_update"),
    path("<int:pk>/sites/new/", views.site_create, name="site_create"),
    path("sites/<int:pk>/edit/", views.site_update, name="site_update"),
    path("<int:pk>/documents/new/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/reply/", views.assessment_reply, name="assessment_reply"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
]

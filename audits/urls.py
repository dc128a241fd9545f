from django.urls import path

from . import views, views_import, views_record

app_name = "audits"

urlpatterns = [
    path("", views.audit_list, name="audit_list"),
    path("export.csv", views.audit_export, name="audit_export"),
    path("import/", views_import.findings_import, name="findings_import"),
    path("import/template.<str:fmt>", views_import.findings_template, name="findings_template"),
    path("new/", views_record.audit_record, name="audit_record"),
    path("<int:pk>/", views.audit_detail, name="audit_detail"),
    path("<int:pk>/findings/new/", views_record.finding_add, name="finding_add"),
    path("<int:pk>/share/", views.audit_share, name="audit_share"),
    path("shares/<int:pk>/withdraw/", views.audit_share_withdraw, name="audit_share_withdraw"),
    path("<int:pk>/start-pilot/", views.pilot_from_findings, name="pilot_from_findings"),
    path("actions/", views.action_board, name="action_board"),
    path("actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("actions/<int:pk>/<str:move>/", views.action_move, name="action_move"),
]

"""Serializers of report jobs: the request (input) and the report as the API shows it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from csrplatform.api import HidesUnseenRelated

from ..models import SUBJECT_FIELDS, Report, ReportKind, ReportLanguage, ReportStatus


class NewReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    subject = serializers.IntegerField(
        min_value=1,
        help_text=_(
            "The id of the pilot (pilot_summary), the programme (programme_summary) or the "
            "customer organisation (supplier_progress) the report is about."
        ),
    )
    language = serializers.ChoiceField(
        choices=ReportLanguage.choices, default=ReportLanguage.ENGLISH
    )


class ReportSerializer(HidesUnseenRelated, serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Where this report's status is read."))
    file_url = serializers.SerializerMethodField(
        help_text=_("Where the PDF is downloaded, once the report is ready; null before.")
    )
    subject_name = serializers.SerializerMethodField(
        help_text=_("The name of the pilot, programme or customer the report is about.")
    )
    status = serializers.ChoiceField(choices=ReportStatus.choices, read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "url",
            "kind",
            "pilot",
            "programme",
            "customer",
            "subject_name",
            "language",
            "status",
            "progress",
            "error",
            "file_url",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def _request(self):
        return self.context["request"]

    def named_rows(self, report):
        # The requester saw the subject when asking; should that change, the report keeps
        # its row but no longer names the subject.
        if report.subject_id is not None:
            field = SUBJECT_FIELDS[ReportKind(report.kind)]
            model = Report._meta.get_field(field).related_model
            yield model, report.subject_id, (field, "subject_name")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, report) -> str:
        return self._request().build_absolute_uri(reverse("api:report-detail", args=[report.pk]))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_file_url(self, report):
        if report.status != ReportStatus.READY or not report.file:
            return None
        return self._request().build_absolute_uri(reverse("api:report-file", args=[report.pk]))

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_subject_name(self, report):
        subject = report.subject
        return None if subject is None else str(getattr(subject, "title", None) or subject.name)

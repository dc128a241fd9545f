"""The reports API: ask for a PDF (202 and the report's URL), follow its status and progress,
download it when ready, retry it when it failed.

A report is its requester's alone (`reports.rules`): another user's report answers 404, as
does a subject the caller may not see, exactly as a missing one. Read-only tokens may ask for
reports, since asking changes no data; they still may not write anything else.
"""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer

from csrplatform.accounts.permissions import IsAuthenticatedWithinToken
from csrplatform.api import ScopedModelViewSet

from .. import services
from ..models import Report, ReportStatus
from .serializers import NewReportSerializer, ReportSerializer

#: The only writes a read-only token may make: asking for a report and asking again.
READ_ONLY_TOKEN_ACTIONS = frozenset({"create", "retry"})


class MayRequestReports(IsAuthenticatedWithinToken):
    """Signed in; a read-only token may also ask for reports (a request is not an edit)."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) in READ_ONLY_TOKEN_ACTIONS:
            return permissions.IsAuthenticated().has_permission(request, view)
        return super().has_permission(request, view)


class FileNegotiation(BaseContentNegotiation):
    """The download answers the PDF whatever the client accepts; its errors answer JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def pdf_download(report: Report, content_type="application/pdf") -> FileResponse:
    """The stored PDF of a ready report, as a download that never runs as a page of this site
    (used by the API and the browser page)."""
    if report.status != ReportStatus.READY or not report.file:
        raise Http404(_("This report has no file yet."))
    response = FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=report.download_name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class ReportViewSet(ScopedModelViewSet):
    """PDF reports you asked for: a pilot summary, a programme summary or a customer's
    suppliers' progress, rendered in the background with what you may see."""

    queryset = Report.objects.all()
    serializer_class = ReportSerializer
    permission_classes = [MayRequestReports]
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["kind", "status", "language"]

    error_statuses_by_action = {
        "create": {
            "404": "No such subject, or not one the caller may see (the same answer).",
        }
    }

    def get_queryset(self):
        return Report.objects.of(self.request.user).with_list_related()

    def _accepted(self, report):
        report.refresh_from_db()  # run eagerly (embedded mode), the render is done already
        response = self.as_response(report, status_code=status.HTTP_202_ACCEPTED)
        response["Location"] = response.data["url"]
        return response

    @extend_schema(
        request=NewReportSerializer,
        responses={202: ReportSerializer},
        description="Ask for a report; it is rendered in the background. The answer (202) is "
        "the report, pending, and its URL (also in `Location`) to follow its status.",
    )
    def create(self, request, *args, **kwargs):
        data = self.action_input(NewReportSerializer)
        report = self.run_service(
            services.report_request,
            kind=data["kind"],
            subject_id=data["subject"],
            language=data["language"],
        )
        return self._accepted(report)

    @extend_schema(
        request=None,
        responses={202: ReportSerializer},
        description="Render a failed report again (409 unless it failed).",
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        report = self.run_service(services.report_retry, report=self.get_object())
        return self._accepted(report)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The report's PDF."
            ),
            # For clients that take only generic bytes (asked with that Accept header).
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The report's PDF."
            ),
        },
        filters=False,
        description="The PDF of a ready report (404 until it is ready).",
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        renderer_classes=[JSONRenderer],
        content_negotiation_class=FileNegotiation,
    )
    def file(self, request, pk=None):
        accept = request.headers.get("Accept", "")
        generic = "application/octet-stream" in accept and "application/pdf" not in accept
        return pdf_download(
            self.get_object(),
            content_type="application/octet-stream" if generic else "application/pdf",
        )

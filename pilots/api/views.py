"""API of programmes and pilots: scoped viewsets whose writes and actions call the services.

Every row comes through the access policy (outside it: 404). A workflow move the record's state
does not allow, or an edit from an old version, is a 409; invalid input a 400; a refusal by a
service on something the user can see a 403 (one mapping: `csrplatform.api.run_service`).
"""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from csrplatform.api import READ_AND_ADD, ScopedModelViewSet, ServiceDecidesCreateMixin
from csrplatform.filters import ObjectIdFilter, ScopedFilterSet
from csrplatform.reviews.models import Review, ReviewKind, ReviewStatus
from csrplatform.schema import ErrorSerializer
from csrplatform.uploads import RawNameDRFMultiPartParser

from .. import iati, services
from ..filters import DocumentFilterSet, PilotFilterSet, PilotPartFilterSet, ProgrammeFilterSet
from ..models import (
    Activity,
    BudgetLine,
    Comment,
    Deliverable,
    Document,
    PeopleReached,
    Phase,
    Pilot,
    PilotParticipant,
    PilotSite,
    Programme,
    ProgrammeFunding,
    ReachKind,
    ScopeChange,
    Spending,
)
from . import serializers
from .renderers import IatiTextXmlRenderer, IatiXmlRenderer, XmlFileNegotiation

READ_ONLY = ["get", "head", "options"]
IATI_FILE = OpenApiResponse(
    OpenApiTypes.STR,
    description="An IATI activity file (IATI Standard 2.03, UTF-8 XML) of the programme, as "
    "an attachment.",
)


# --- filters of a pilot's parts: by pilot and a field or two ------------------------------------


class ParticipantFilterSet(PilotPartFilterSet):
    class Meta:
        model = PilotParticipant
        fields = ["pilot", "organisation", "role", "invitation_status"]


class PhaseFilterSet(PilotPartFilterSet):
    search_fields = ("title", "objectives")

    class Meta:
        model = Phase
        fields = ["q", "pilot", "status"]


class DeliverableFilterSet(PilotPartFilterSet):
    search_fields = ("title", "notes")

    class Meta:
        model = Deliverable
        fields = ["q", "pilot", "phase", "kind", "responsible"]


class ActivityFilterSet(PilotPartFilterSet):
    search_fields = ("title", "description")

    class Meta:
        model = Activity
        fields = ["q", "pilot", "phase", "kind"]


class ScopeChangeFilterSet(PilotPartFilterSet):
    search_fields = ("description", "reason")

    class Meta:
        model = ScopeChange
        fields = ["q", "pilot", "status", "proposed_by"]


class PilotSiteFilterSet(PilotPartFilterSet):
    class Meta:
        model = PilotSite
        fields = ["pilot", "supplier", "facility", "role"]


class CommentFilterSet(PilotPartFilterSet):
    search_fields = ("body",)

    class Meta:
        model = Comment
        fields = ["q", "pilot", "organisation"]


class ProgrammeRowFilterSet(ScopedFilterSet):
    """Filter a programme's funding, budget, spending and counts by programme."""

    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.all(), label=_("Programme")
    )


class ProgrammeFundingFilterSet(ProgrammeRowFilterSet):
    search_fields = ("note", "donor__name")

    class Meta:
        model = ProgrammeFunding
        fields = ["q", "programme", "donor", "currency"]


class BudgetLineFilterSet(ProgrammeRowFilterSet):
    search_fields = ("category", "note")

    class Meta:
        model = BudgetLine
        fields = ["q", "programme", "category", "country", "currency"]


class SpendingFilterSet(ProgrammeRowFilterSet):
    search_fields = ("note", "budget_line__category")
    on_date_from = django_filters.DateFilter(
        field_name="on_date", lookup_expr="gte", label=_("From")
    )
    on_date_to = django_filters.DateFilter(field_name="on_date", lookup_expr="lte", label=_("To"))

    class Meta:
        model = Spending
        fields = ["q", "programme", "budget_line", "currency", "on_date_from", "on_date_to"]


class PeopleReachedFilterSet(ProgrammeRowFilterSet):
    search_fields = ("note",)
    pilot = django_filters.ModelChoiceFilter(queryset=Pilot.objects.all(), label=_("Pilot"))
    what = django_filters.ChoiceFilter(choices=ReachKind.choices, label=_("What"))

    class Meta:
        model = PeopleReached
        fields = ["q", "programme", "pilot", "activity", "what"]


class SubjectFilter(ObjectIdFilter):
    """A review's subject (by id), chosen among the objects the user may see."""

    def filter(self, qs, value):
        return qs.filter(object_id=value.pk) if value else qs


class AgreementFilterSet(ScopedFilterSet):
    """Agreements are reviews whose subject is a phase."""

    phase = SubjectFilter(queryset=Phase.objects.all(), label=_("Phase"))
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, label=_("Status"))

    class Meta:
        model = Review
        fields = ["phase", "status", "reviewer"]


# --- the shared base -------------------------------------------------------------------------


# --- programmes and pilots -------------------------------------------------------------------


class ProgrammeViewSet(ScopedModelViewSet):
    """Programmes the caller may see; their facilitators set them up and change them."""

    queryset = Programme.objects.all()
    serializer_class = serializers.ProgrammeSerializer
    filterset_class = ProgrammeFilterSet

    def _listed_queryset(self):
        # The pilot count depends on who asks: only the pilots they may see.
        return super()._listed_queryset().with_pilot_counts(self.request.user)

    @extend_schema(
        responses={
            (200, IatiXmlRenderer.media_type): IATI_FILE,
            (200, IatiTextXmlRenderer.media_type): IATI_FILE,
            (409, "application/json"): OpenApiResponse(
                ErrorSerializer,
                description="The programme has neither a start nor an end date, and an IATI "
                "activity needs one.",
            ),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        renderer_classes=[IatiXmlRenderer, IatiTextXmlRenderer],
        content_negotiation_class=XmlFileNegotiation,
    )
    def iati(self, request, pk=None):
        """The programme as an IATI 2.03 activity file, holding only what the caller may see."""
        programme = self.get_object()
        content = self.run_service(iati.programme_iati_file, programme=programme)
        disposition = f'attachment; filename="{iati.filename(programme)}"'
        return Response(content, headers={"Content-Disposition": disposition})


class PilotViewSet(ScopedModelViewSet):
    """Pilots the caller takes part in (all of a facilitator's programmes' pilots).

    Changing a pilot needs the `version` it was read at; the status moves only through
    `transition/`.
    """

    queryset = Pilot.objects.prefetch_related(
        Prefetch("participants", queryset=PilotParticipant.objects.select_related("organisation"))
    )
    serializer_class = serializers.PilotSerializer
    filterset_class = PilotFilterSet

    @extend_schema(
        request=serializers.PilotTransitionSerializer, responses=serializers.PilotSerializer
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the pilot along its workflow (409 when the workflow does not allow the move)."""
        pilot = self.get_object()
        data = self.action_input(serializers.PilotTransitionSerializer)
        pilot = self.run_service(
            services.pilot_transition,
            pilot=pilot,
            to_status=data["status"],
            reason=data["reason"],
            effective_on=data["effective_on"],
        )
        return self.as_response(self.as_listed(pilot))

    @extend_schema(responses=serializers.PilotStatusChangeSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """The pilot's status changes: who, when, why."""
        pilot = self.get_object()
        changes = pilot.status_changes.select_related("actor")
        return Response(serializers.PilotStatusChangeSerializer(changes, many=True).data)


class ParticipantViewSet(ScopedModelViewSet):
    """Organisations invited to pilots; the facilitator invites, the invitee responds."""

    queryset = PilotParticipant.objects.select_related("organisation")
    serializer_class = serializers.ParticipantSerializer
    filterset_class = ParticipantFilterSet
    http_method_names = READ_AND_ADD
    participant_actions = frozenset({"respond"})

    @extend_schema(
        request=serializers.ParticipantResponseSerializer,
        responses=serializers.ParticipantSerializer,
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        """Accept or decline the invitation (declining needs a reason)."""
        participant = self.get_object()
        data = self.action_input(serializers.ParticipantResponseSerializer)
        participant = self.run_service(
            services.participant_respond, participant=participant, **data
        )
        # Not re-read: after declining, the organisation may no longer see the pilot.
        return self.as_response(participant)


# --- phases and their agreements ---------------------------------------------------------------


class PhaseViewSet(ScopedModelViewSet):
    """A pilot's phases. They start only after every required participant agreed."""

    queryset = Phase.objects.all()
    serializer_class = serializers.PhaseSerializer
    filterset_class = PhaseFilterSet
    participant_actions = frozenset({"agree", "decline"})

    @extend_schema(request=None, responses=serializers.AgreementSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="request-agreement", pagination_class=None)
    def request_agreement(self, request, pk=None):
        """Ask every required participant to agree (again, where one declined)."""
        requested = self.run_service(services.phase_request_agreement, phase=self.get_object())
        return Response(serializers.AgreementSerializer(requested, many=True).data)

    @extend_schema(request=serializers.AgreeSerializer, responses=serializers.AgreementSerializer)
    @action(detail=True, methods=["post"])
    def agree(self, request, pk=None):
        """Agree to the phase, for your organisation or (facilitators) on a participant's behalf."""
        phase = self.get_object()
        data = self.action_input(serializers.AgreeSerializer)
        review = self.run_service(
            services.phase_agree, phase=phase, organisation=data.get("reviewer"), note=data["note"]
        )
        return self.as_response(review, serializers.AgreementSerializer)

    @extend_schema(request=serializers.DeclineSerializer, responses=serializers.AgreementSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        """Decline the phase as it stands, saying why."""
        phase = self.get_object()
        data = self.action_input(serializers.DeclineSerializer)
        review = self.run_service(
            services.phase_decline,
            phase=phase,
            organisation=data.get("reviewer"),
            reason=data["reason"],
        )
        return self.as_response(review, serializers.AgreementSerializer)

    @extend_schema(request=serializers.PhaseStartSerializer, responses=serializers.PhaseSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Start the phase (409 until every required participant agreed)."""
        phase = self.get_object()
        data = self.action_input(serializers.PhaseStartSerializer)
        phase = self.run_service(services.phase_start, phase=phase, **data)
        return self.as_response(self.as_listed(phase))

    @extend_schema(
        request=serializers.PhaseCompleteSerializer, responses=serializers.PhaseSerializer
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark a phase in progress as done."""
        phase = self.get_object()
        data = self.action_input(serializers.PhaseCompleteSerializer)
        phase = self.run_service(services.phase_complete, phase=phase, **data)
        return self.as_response(self.as_listed(phase))


class AgreementViewSet(ScopedModelViewSet):
    """Agreements to phases (asked, given, declined), as far as the caller may see them."""

    queryset = Review.objects.filter(kind=ReviewKind.PHASE_AGREEMENT).select_related(
        "reviewer", "requested_by", "decided_by"
    )
    serializer_class = serializers.AgreementSerializer
    filterset_class = AgreementFilterSet
    http_method_names = READ_ONLY


# --- the rest of the story ---------------------------------------------------------------------


class DeliverableViewSet(ScopedModelViewSet):
    queryset = Deliverable.objects.select_related("pilot")  # is_late reads the pilot's status
    serializer_class = serializers.DeliverableSerializer
    filterset_class = DeliverableFilterSet


class ActivityViewSet(ScopedModelViewSet):
    queryset = Activity.objects.all()
    serializer_class = serializers.ActivitySerializer
    filterset_class = ActivityFilterSet

    def _listed_queryset(self):
        # An activity names only the participants the caller may see.
        return super()._listed_queryset().with_visible_participants(self.request.user)


class ScopeChangeViewSet(ScopedModelViewSet):
    queryset = ScopeChange.objects.all()
    serializer_class = serializers.ScopeChangeSerializer
    filterset_class = ScopeChangeFilterSet


class PilotSiteViewSet(ScopedModelViewSet):
    queryset = PilotSite.objects.select_related("supplier__organisation", "facility")
    serializer_class = serializers.PilotSiteSerializer
    filterset_class = PilotSiteFilterSet


class DocumentViewSet(ServiceDecidesCreateMixin, ScopedModelViewSet):
    """Documents' metadata (the file: `download_url`); participants upload new ones or new
    versions (multipart). Nothing is changed or deleted once stored."""

    queryset = Document.objects.select_related("uploaded_by", "uploaded_for")
    serializer_class = serializers.DocumentSerializer
    filterset_class = DocumentFilterSet
    http_method_names = READ_AND_ADD
    participant_actions = frozenset({"reply"})
    # An upload is the one body here that is not JSON. The parser keeps upload names as sent,
    # so hostile names are refused rather than quietly cut.
    parser_classes = [RawNameDRFMultiPartParser]

    def _listed_queryset(self):
        # Versions are counted as the caller sees them.
        return super()._listed_queryset().with_shown_versions(self.request.user)

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.DocumentUploadSerializer
        return super().get_serializer_class()

    @extend_schema(
        request={"multipart/form-data": serializers.DocumentUploadSerializer},
        responses={201: serializers.DocumentSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Upload a file to a pilot, or to a phase or deliverable of it (multipart)."""
        return super().create(request, *args, **kwargs)

    @extend_schema(
        request=serializers.AssessmentReplySerializer, responses=serializers.ReviewSerializer
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def reply(self, request, pk=None):
        """The supplier answers an assessment report: accepts it, or disputes it with reasons."""
        document = self.get_object()
        data = self.action_input(serializers.AssessmentReplySerializer)
        review = self.run_service(services.assessment_reply, document=document, **data)
        return self.as_response(review, serializers.ReviewSerializer)


class CommentViewSet(ServiceDecidesCreateMixin, ScopedModelViewSet):
    """Participants' comments on pilots' progress."""

    queryset = Comment.objects.select_related("author", "organisation")
    serializer_class = serializers.CommentSerializer
    filterset_class = CommentFilterSet
    http_method_names = READ_AND_ADD


# --- funding, budget, spending and people reached ----------------------------------------------


class ProgrammeFundingViewSet(ScopedModelViewSet):
    """Donors' funding of programmes (amount, currency and USD), seen by whoever sees the
    programme; its facilitator records it."""

    queryset = ProgrammeFunding.objects.select_related("donor")
    serializer_class = serializers.ProgrammeFundingSerializer
    filterset_class = ProgrammeFundingFilterSet


class BudgetLineViewSet(ScopedModelViewSet):
    """Programme budgets by category and country (amount, currency and USD)."""

    queryset = BudgetLine.objects.all()
    serializer_class = serializers.BudgetLineSerializer
    filterset_class = BudgetLineFilterSet


class SpendingViewSet(ScopedModelViewSet):
    """Spending against budget lines; one in a currency without a rate for its date is
    refused (400 naming `currency`)."""

    queryset = Spending.objects.all()
    serializer_class = serializers.SpendingSerializer
    filterset_class = SpendingFilterSet


class PeopleReachedViewSet(ScopedModelViewSet):
    """People trained, interviewed or reached, with computed shares by sex. Counts of a pilot
    are seen by whoever sees the pilot."""

    queryset = PeopleReached.objects.all()
    serializer_class = serializers.PeopleReachedSerializer
    filterset_class = PeopleReachedFilterSet

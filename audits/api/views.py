"""API of standards, audits, findings and corrective actions: scoped viewsets whose writes and
actions call `audits.services`.

Every row comes through the access policy (outside it: 404). The actions suppliers and
customers take (share, progress, submit, verify, reject) read their object from the view scope
and let the service decide: its refusal is a 403 with its reason; a move the action's state
does not allow a 409; invalid input a 400 (one mapping: `csrplatform.api.run_service`). Nothing is
deleted through the API.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from csrplatform import access
from csrplatform.api import READ_AND_ADD, ScopedModelViewSet, ServiceDecidesCreateMixin
from csrplatform.uploads import RawNameDRFMultiPartParser
from pilots.models import Document

from .. import services
from ..filters import AuditFilterSet, CorrectiveActionFilterSet, FindingFilterSet
from ..models import Audit, AuditShare, Clause, CorrectiveAction, Finding, Standard
from . import serializers


class AuditsViewSet(ScopedModelViewSet):
    """The shared scoped viewset, plus the view-scope read for others' actions and the
    history answer of findings and corrective actions."""

    def visible_object(self):
        """The object of an action that suppliers and customers take: from the view scope
        (404 outside it), whatever the method; the service decides whether this user may act."""
        return access.get_object_or_404(
            self.request.user, self._listed_queryset(), pk=self.kwargs["pk"]
        )

    def history_response(self, instance):
        """The object's django-simple-history records, newest first, with what each changed."""
        history = instance.history.select_related("history_user").prefetch_related(
            *serializers.history_prefetches(instance.history.model)
        )
        records = serializers.hide_unseen_people(
            serializers.with_changes(history), self.request.user, type(instance)
        )
        return Response(serializers.HistoryRecordSerializer(records, many=True).data)


# --- reference data ----------------------------------------------------------------------------


class StandardViewSet(AuditsViewSet):
    """Standards audits measure against; everyone reads them, facilitators maintain them."""

    queryset = Standard.objects.all()
    serializer_class = serializers.StandardSerializer
    filterset_fields = ["code"]


class ClauseViewSet(AuditsViewSet):
    """The clauses of the standards; everyone reads them, facilitators maintain them."""

    queryset = Clause.objects.select_related("standard")
    serializer_class = serializers.ClauseSerializer
    filterset_fields = ["standard", "topic"]


# --- audits ------------------------------------------------------------------------------------


class AuditViewSet(AuditsViewSet):
    """Audits the caller may see; facilitators record them, the audited supplier shares them
    with its customers (and withdraws the share)."""

    queryset = Audit.objects.all()
    serializer_class = serializers.AuditSerializer
    filterset_class = AuditFilterSet

    @extend_schema(
        request=serializers.ShareInputSerializer, responses=serializers.AuditShareSerializer
    )
    @action(detail=True, methods=["post"])
    def share(self, request, pk=None):
        """Let one of your customers see this audit (the audited supplier only)."""
        audit = self.visible_object()
        data = self.action_input(serializers.ShareInputSerializer)
        share = self.run_service(services.audit_share, audit=audit, customer=data["customer"])
        return self.as_response(share, serializers.AuditShareSerializer)

    @extend_schema(
        request=serializers.ShareInputSerializer, responses=serializers.AuditShareSerializer
    )
    @action(detail=True, methods=["post"], url_path="withdraw-share")
    def withdraw_share(self, request, pk=None):
        """Withdraw the share with a customer: it no longer sees the audit."""
        audit = self.visible_object()
        data = self.action_input(serializers.ShareInputSerializer)
        share = access.get_object_or_404(
            request.user,
            audit.shares.filter(withdrawn_at__isnull=True).select_related("customer"),
            customer=data["customer"],
        )
        share = self.run_service(services.audit_share_withdraw, share=share)
        return self.as_response(share, serializers.AuditShareSerializer)

    @extend_schema(responses=serializers.AuditShareSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def shares(self, request, pk=None):
        """Whom the audit is (or was) shared with, as far as the caller may see."""
        audit = self.get_object()
        shares = access.scope(
            request.user,
            AuditShare.objects.filter(audit=audit).select_related(
                "customer", "shared_by", "withdrawn_by"
            ),
        )
        return Response(serializers.AuditShareSerializer(shares, many=True).data)


# --- findings ----------------------------------------------------------------------------------


class FindingViewSet(AuditsViewSet):
    """Findings of the audits the caller may see, with the clauses (of any standard) they
    break; facilitators record them."""

    queryset = Finding.objects.all()
    serializer_class = serializers.FindingSerializer
    filterset_class = FindingFilterSet

    @extend_schema(responses=serializers.HistoryRecordSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Every change of the finding and its clauses: when, by whom, what."""
        return self.history_response(self.get_object())


# --- corrective actions ------------------------------------------------------------------------


class CorrectiveActionViewSet(ServiceDecidesCreateMixin, AuditsViewSet):
    """Corrective actions of the findings the caller may see.

    Facilitators or the audited supplier plan them; the supplier reports progress and submits
    (with evidence, multipart); the customer that commissioned the audit, or the facilitator,
    verifies or rejects. Each move is its own endpoint; nothing else changes an action.
    """

    queryset = CorrectiveAction.objects.all()
    serializer_class = serializers.CorrectiveActionSerializer
    filterset_class = CorrectiveActionFilterSet
    http_method_names = READ_AND_ADD

    def _listed_queryset(self):
        # The evidence with its uploaders (named only to those who may see them), its versions
        # counted as the caller sees them. Not scoped again: evidence is seen by whoever sees
        # the action (`pilots.rules.document_rule`), and the actions are the view scope's;
        # scoping it again built the document rule's subqueries for every page (issue 13).
        evidence = Document.objects.select_related(
            "uploaded_by", "uploaded_for"
        ).with_shown_versions(self.request.user)
        return super()._listed_queryset().prefetch_related(Prefetch("evidence", queryset=evidence))

    def move(self, service, input_serializer):
        """One workflow move: the action from the view scope, the validated body as the
        service's arguments, the answer as the list shows the action."""
        corrective_action = self.visible_object()
        data = self.action_input(input_serializer)
        corrective_action = self.run_service(service, action=corrective_action, **data)
        return self.as_response(self.as_listed(corrective_action))

    @extend_schema(
        request=serializers.ProgressSerializer, responses=serializers.CorrectiveActionSerializer
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Report progress (an open action becomes in progress); optionally a new owner or due
        date."""
        return self.move(services.action_progress, serializers.ProgressSerializer)

    @extend_schema(
        request={"multipart/form-data": serializers.SubmitSerializer},
        responses=serializers.CorrectiveActionSerializer,
    )
    # Multipart, for the evidence file. The parser keeps upload names as sent, so hostile names
    # are refused rather than quietly cut; a JSON body without evidence is accepted too.
    @action(detail=True, methods=["post"], parser_classes=[RawNameDRFMultiPartParser, JSONParser])
    def submit(self, request, pk=None):
        """Say what was done and ask for verification; attach evidence with a multipart body."""
        return self.move(services.action_submit, serializers.SubmitSerializer)

    @extend_schema(
        request=serializers.VerifySerializer, responses=serializers.CorrectiveActionSerializer
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Confirm the fix (the verifier: the commissioning customer, or the facilitator)."""
        return self.move(services.action_verify, serializers.VerifySerializer)

    @extend_schema(
        request=serializers.RejectSerializer, responses=serializers.CorrectiveActionSerializer
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Send a submitted action back to the supplier, saying why."""
        return self.move(services.action_reject, serializers.RejectSerializer)

    @extend_schema(responses=serializers.HistoryRecordSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Every change of the action: when, by whom, what."""
        return self.history_response(self.get_object())

"""Serializers of programmes and pilots. They validate input and call `pilots.services`; they
hold no business rules. Related-object fields are scoped to what the requesting user may see."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from csrplatform import access
from csrplatform.accounts.models import User
from csrplatform.api import (
    HidesUnseenRelated,
    Named,
    ScopedModelSerializer,
    ServiceSerializerMixin,
)
from csrplatform.reviews.models import Review
from metrics.api.serializers import MONEY_FIELDS, DecimalText, MoneyFieldsSerializer
from suppliers.models import Facility, Organisation

from .. import budget, services
from ..choices import PilotStatus
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
    PilotStatusChange,
    Programme,
    ProgrammeFunding,
    ScopeChange,
    Spending,
)
from ..selectors import shown_version


class PilotPartSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    """A row that belongs to one pilot (phase, deliverable...), saved by one service that takes
    `pilot` and the existing row under `instance_argument`."""

    save_service = None  # staticmethod(services.<part>_save)
    instance_argument = ""

    def validate_pilot(self, pilot):
        if self.instance is not None and pilot.pk != self.instance.pilot_id:
            raise serializers.ValidationError(_("This cannot move to another pilot."))
        return pilot

    def create(self, validated_data):
        return self.run_service(self.save_service, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("pilot", None)
        return self.run_service(
            self.save_service,
            pilot=instance.pilot,
            **{self.instance_argument: instance},
            **validated_data,
        )


# --- reviews (phase agreements, assessment replies) ----------------------------------------------


class ReviewSerializer(serializers.ModelSerializer):
    reviewer_name = serializers.CharField(source="reviewer.name", read_only=True)
    requested_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = Review
        fields = (
            "id",
            "kind",
            "object_id",
            "reviewer",
            "reviewer_name",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "note",
        )
        read_only_fields = fields


class AgreementSerializer(ReviewSerializer):
    """One organisation's agreement to a phase: a Review of kind phase_agreement."""

    phase = serializers.IntegerField(source="object_id", read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = (
            "id",
            "phase",
            "reviewer",
            "reviewer_name",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "note",
        )
        read_only_fields = fields


class AgreementAnswerSerializer(ScopedModelSerializer):
    """What an agreer sends: on whose behalf (optional) and a note or reason."""

    organisation = serializers.PrimaryKeyRelatedField(
        source="reviewer",
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The organisation you answer for; needed when you may answer for several."),
    )

    class Meta:
        model = Review
        fields = ("organisation",)
        validators = []


class AgreeSerializer(AgreementAnswerSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta(AgreementAnswerSerializer.Meta):
        fields = ("organisation", "note")


class DeclineSerializer(AgreementAnswerSerializer):
    # Blank is let through so the service says what a missing reason means.
    reason = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta(AgreementAnswerSerializer.Meta):
        fields = ("organisation", "reason")


# --- programmes ------------------------------------------------------------------------------


class ProgrammeSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:programme-detail")
    facilitator_name = serializers.CharField(source="facilitator.name", read_only=True)
    pilot_count = serializers.IntegerField(read_only=True)
    countries = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Programme
        fields = (
            "id",
            "url",
            "title",
            "sector",
            "region",
            "countries",
            "start_date",
            "end_date",
            "facilitator",
            "facilitator_name",
            "sponsors",
            "objectives",
            "expected_participation",
            "stated_budget_use_pct",
            "stated_budget_source",
            "pilot_count",
        )
        # Uniqueness (a title per facilitator) is checked by the service.
        extra_kwargs = {"title": {"validators": []}}
        validators = []

    def create(self, validated_data):
        return self.run_service(services.programme_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.programme_save, programme=instance, **validated_data)


# --- pilots ----------------------------------------------------------------------------------


class PilotInvitationSerializer(ScopedModelSerializer):
    """A participant as a pilot shows it; on creation, {organisation, role} to invite."""

    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = PilotParticipant
        fields = ("id", "organisation", "organisation_name", "role", "invitation_status")
        read_only_fields = ("id", "invitation_status")
        validators = []


class PilotSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:pilot-detail")
    programme_title = serializers.CharField(source="programme.title", read_only=True)
    supplier_name = serializers.CharField(source="supplier.organisation.name", read_only=True)
    participants = PilotInvitationSerializer(many=True, required=False)
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_(
            "The version your edit starts from; required when changing a pilot. A change based "
            "on an older version is refused with 409."
        ),
    )
    phase_count = serializers.IntegerField(read_only=True)
    late_deliverable_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Pilot
        fields = (
            "id",
            "url",
            "programme",
            "programme_title",
            "supplier",
            "supplier_name",
            "status",
            *services.PILOT_FIELDS,
            "participants",
            "version",
            "phase_count",
            "late_deliverable_count",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("status",)
        # The title's uniqueness in its programme is checked in the service's full_clean().
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # Nested serializers are built before they know the request, so
            # ScopedModelSerializer cannot scope the invitations' organisations itself.
            invitation = self.fields["participants"].child
            access.scope_choice_fields(request.user, [invitation.fields["organisation"]])

    def validate(self, attrs):
        if self.instance is None:
            return attrs
        errors = {}
        if "version" not in attrs:
            errors["version"] = _(
                "Send the version of the pilot your change starts from (it is in the pilot's "
                "data), so that nobody's edit is silently overwritten."
            )
        for name in ("programme", "supplier"):
            if name in attrs and attrs[name].pk != getattr(self.instance, f"{name}_id"):
                errors[name] = _("A pilot's %(name)s does not change after it is created.") % {
                    "name": name
                }
        if "participants" in attrs:
            errors["participants"] = _(
                "Invite further participants through the participants endpoint."
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data):
        validated_data.pop("version", None)
        invitations = [
            (row["organisation"], row["role"]) for row in validated_data.pop("participants", [])
        ]
        return self.run_service(services.pilot_create, participants=invitations, **validated_data)

    def update(self, instance, validated_data):
        expected_version = validated_data.pop("version")
        validated_data.pop("programme", None)
        validated_data.pop("supplier", None)
        return self.run_service(
            services.pilot_update,
            pilot=instance,
            expected_version=expected_version,
            **validated_data,
        )


class PilotTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PilotStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)


class PilotStatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = PilotStatusChange
        fields = (
            "id",
            "from_status",
            "to_status",
            "actor",
            "reason",
            "effective_on",
            "recorded_at",
        )
        read_only_fields = fields


# --- participants ----------------------------------------------------------------------------


class ParticipantSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = PilotParticipant
        fields = (
            "id",
            "pilot",
            "organisation",
            "organisation_name",
            "role",
            "agreement_required",
            "invitation_status",
            "invited_on",
            "responded_on",
            "decline_reason",
        )
        read_only_fields = ("invitation_status", "responded_on", "decline_reason")
        # "Already a participant" comes from the service's full_clean().
        validators = []

    def create(self, validated_data):
        return self.run_service(services.participant_invite, **validated_data)


class ParticipantResponseSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    responded_on = serializers.DateField(required=False, allow_null=True, default=None)


# --- phases, deliverables, activities, scope changes ---------------------------------------------


class PhaseSerializer(PilotPartSerializer):
    save_service = staticmethod(services.phase_save)
    instance_argument = "phase"

    class Meta:
        model = Phase
        fields = (
            "id",
            "pilot",
            "number",
            "title",
            "objectives",
            "status",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
        )
        read_only_fields = ("status",)
        extra_kwargs = {"number": {"required": False}}
        validators = []


class PhaseStartSerializer(serializers.Serializer):
    started_on = serializers.DateField(required=False, allow_null=True, default=None)


class PhaseCompleteSerializer(serializers.Serializer):
    completed_on = serializers.DateField(required=False, allow_null=True, default=None)


class DeliverableSerializer(PilotPartSerializer):
    save_service = staticmethod(services.deliverable_save)
    instance_argument = "deliverable"
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Deliverable
        fields = (
            "id",
            "pilot",
            "phase",
            "title",
            "kind",
            "responsible",
            "due_date",
            "delivered_on",
            "is_late",
            "notes",
        )


class ActivitySerializer(PilotPartSerializer):
    save_service = staticmethod(services.activity_save)
    instance_argument = "activity"

    class Meta:
        model = Activity
        fields = (
            "id",
            "pilot",
            "phase",
            "kind",
            "date",
            "title",
            "description",
            "participants",
            "person_days",
        )


class ScopeChangeSerializer(PilotPartSerializer):
    save_service = staticmethod(services.scope_change_save)
    instance_argument = "scope_change"

    class Meta:
        model = ScopeChange
        fields = (
            "id",
            "pilot",
            "proposed_on",
            "proposed_by",
            "description",
            "status",
            "decided_on",
            "reason",
        )


class PilotSiteSerializer(HidesUnseenRelated, PilotPartSerializer):
    """A supplier or facility the pilot covers (from joining to leaving), or compares its
    participants with. A facility the caller may not see in the directory is not named."""

    named = (Named(Facility, "facility_id", ("facility", "facility_name")),)
    save_service = staticmethod(services.site_save)
    instance_argument = "site"
    supplier_name = serializers.CharField(source="supplier.organisation.name", read_only=True)
    facility_name = serializers.CharField(
        source="facility.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = PilotSite
        fields = (
            "id",
            "pilot",
            "supplier",
            "supplier_name",
            "facility",
            "facility_name",
            "role",
            "joined_on",
            "left_on",
            "headcount",
            "note",
        )


# --- documents -------------------------------------------------------------------------------


class DocumentSerializer(HidesUnseenRelated, ScopedModelSerializer):
    """A document's metadata; the file itself comes from `download_url` (access-checked).
    Whoever sees a document need not see who uploaded it (a customer an audit is shared
    with sees the evidence, not the other customer's people)."""

    named = (
        Named(User, "uploaded_by_id", ("uploaded_by",)),
        Named(Organisation, "uploaded_for_id", ("uploaded_for", "uploaded_for_name")),
    )

    uploaded_by = serializers.StringRelatedField()
    uploaded_for_name = serializers.CharField(source="uploaded_for.name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = (
            "id",
            "pilot",
            "phase",
            "deliverable",
            "title",
            "kind",
            "visibility",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "root",
            "version",
            "uploaded_by",
            "uploaded_for",
            "uploaded_for_name",
            "uploaded_at",
            "download_url",
        )
        read_only_fields = fields

    def to_representation(self, document):
        data = super().to_representation(document)
        request = self.context.get("request")
        if request is not None:
            # Versions are counted among those the caller may see: an earlier version it may
            # not see is neither named (root) nor counted (version).
            data["version"], data["root"] = shown_version(document, request.user)
        return data

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document):
        url = reverse("pilots:document_download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class DocumentUploadSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    """A multipart upload; the answer is the stored document's metadata."""

    file = serializers.FileField(write_only=True)
    replaces = serializers.PrimaryKeyRelatedField(
        queryset=Document.objects.all(),
        required=False,
        allow_null=True,
        write_only=True,
        help_text=_("The document this file is a new version of."),
    )

    class Meta:
        model = Document
        fields = (
            "pilot",
            "phase",
            "deliverable",
            "title",
            "kind",
            "visibility",
            "replaces",
            "uploaded_for",
            "file",
        )
        extra_kwargs = {
            "pilot": {"required": True, "allow_null": False},
            "title": {"required": False},
            "uploaded_for": {"required": False, "allow_null": True},
        }

    def create(self, validated_data):
        return self.run_service(
            services.document_upload,
            upload=validated_data.pop("file"),
            organisation=validated_data.pop("uploaded_for", None),
            **validated_data,
        )

    def to_representation(self, instance):
        return DocumentSerializer(instance, context=self.context).data


class AssessmentReplySerializer(serializers.Serializer):
    reply = serializers.CharField(allow_blank=True)
    accept = serializers.BooleanField(default=True)


# --- comments --------------------------------------------------------------------------------


class CommentSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    author = serializers.StringRelatedField()
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Comment
        fields = (
            "id",
            "pilot",
            "author",
            "organisation",
            "organisation_name",
            "body",
            "created_at",
        )
        extra_kwargs = {"organisation": {"required": False, "allow_null": True}}

    def create(self, validated_data):
        return self.run_service(services.comment_add, **validated_data)


# --- funding, budget, spending and people reached --------------------------------------------


class ProgrammeRowSerializerMixin:
    """A row of one programme (funding, budget line, spending, people reached), saved by its
    service (`save_service`; `instance_argument` names the row changed); it stays in its
    programme."""

    save_service = None  # staticmethod(services.<row>_save)
    instance_argument = ""

    def validate_programme(self, programme):
        if self.instance is not None and programme.pk != self.instance.programme_id:
            raise serializers.ValidationError(_("This cannot move to another programme."))
        return programme

    def create(self, validated_data):
        return self.run_service(self.save_service, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("programme", None)
        return self.run_service(
            self.save_service,
            programme=instance.programme,
            **{self.instance_argument: instance},
            **validated_data,
        )


class ProgrammeFundingSerializer(ProgrammeRowSerializerMixin, MoneyFieldsSerializer):
    """What a donor gives to a programme: the original amount and currency, and its USD."""

    save_service = staticmethod(services.funding_save)
    instance_argument = "funding"
    donor_name = serializers.CharField(source="donor.name", read_only=True)

    class Meta:
        model = ProgrammeFunding
        fields = ("id", "programme", "donor", "donor_name", "note", *MONEY_FIELDS)


class BudgetLineSerializer(ProgrammeRowSerializerMixin, MoneyFieldsSerializer):
    """A line of a programme's budget (category, optional country), with its USD."""

    save_service = staticmethod(services.budget_line_save)
    instance_argument = "line"
    country = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = BudgetLine
        fields = ("id", "programme", "category", "country", "note", *MONEY_FIELDS)


class SpendingSerializer(ProgrammeRowSerializerMixin, MoneyFieldsSerializer):
    """Money spent against a budget line on `on_date`; refused (400, naming `currency`) when
    the currency has no rate for that date."""

    save_service = staticmethod(services.spending_save)
    instance_argument = "spending"

    class Meta:
        model = Spending
        fields = ("id", "programme", "budget_line", "note", *MONEY_FIELDS)


class PeopleReachedSerializer(
    ProgrammeRowSerializerMixin, ServiceSerializerMixin, ScopedModelSerializer
):
    """People trained, interviewed or reached, by sex where known; the shares are computed
    from the counts (percent of the total, one decimal)."""

    save_service = staticmethod(services.people_reached_save)
    instance_argument = "row"
    women_pct = DecimalText(source="shares.women_pct", allow_null=True)
    men_pct = DecimalText(source="shares.men_pct", allow_null=True)
    other_pct = DecimalText(source="shares.other_pct", allow_null=True)
    unrecorded = serializers.IntegerField(
        source="shares.unrecorded",
        read_only=True,
        help_text=_("The part of the total not broken down by sex."),
    )
    unrecorded_pct = DecimalText(source="shares.unrecorded_pct", allow_null=True)

    class Meta:
        model = PeopleReached
        fields = (
            "id",
            "programme",
            "pilot",
            "activity",
            "what",
            "on_date",
            "total",
            "women",
            "men",
            "other",
            "note",
            "women_pct",
            "men_pct",
            "other_pct",
            "unrecorded",
            "unrecorded_pct",
        )

    def to_representation(self, instance):
        instance.shares = budget.sex_shares(instance)
        return super().to_representation(instance)

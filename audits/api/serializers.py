"""Serializers of standards, audits, findings and corrective actions. They validate input and
call `audits.services`; they hold no business rules. Related-object fields are scoped to what
the requesting user may see."""

from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from csrplatform import access
from csrplatform.accounts.models import User
from csrplatform.api import HidesUnseenRelated, Named, ScopedModelSerializer, ServiceSerializerMixin
from pilots.api.serializers import DocumentSerializer
from suppliers.models import Organisation

from .. import services
from ..models import Audit, AuditShare, Clause, CorrectiveAction, Finding, Standard


@extend_schema_field(OpenApiTypes.INT)
class OwnerField(serializers.PrimaryKeyRelatedField):
    """A user named as an action's owner, among the people the requesting user may see."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return User.objects.none()
        return access.scope(request.user, User.objects.all())


# --- standards and clauses ---------------------------------------------------------------------


class StandardSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    class Meta:
        model = Standard
        fields = ("id", "code", "name", "issuer", "version")
        # The code's uniqueness is checked by the model in the service's full_clean().
        extra_kwargs = {"code": {"validators": []}}

    def create(self, validated_data):
        return self.run_service(services.standard_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.standard_save, standard=instance, **validated_data)


class ClauseSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    standard_code = serializers.CharField(source="standard.code", read_only=True)

    class Meta:
        model = Clause
        fields = ("id", "standard", "standard_code", "reference", "title", "topic")
        # One reference per standard: checked in the service's full_clean().
        validators = []

    def create(self, validated_data):
        return self.run_service(services.clause_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.clause_save, clause=instance, **validated_data)


class ClauseSummarySerializer(serializers.ModelSerializer):
    """A clause as a finding shows it: with the code of its standard."""

    standard_code = serializers.CharField(source="standard.code", read_only=True)

    class Meta:
        model = Clause
        fields = ("id", "standard", "standard_code", "reference", "title")
        read_only_fields = fields


# --- audits and sharing ------------------------------------------------------------------------


# A shared audit does not tell the customer it was shared with who else commissioned it: the
# commissioning customer shows only to those who may see that organisation.
COMMISSIONER_FIELDS = ("commissioned_by", "commissioned_by_name")


class AuditSerializer(HidesUnseenRelated, ServiceSerializerMixin, ScopedModelSerializer):
    named = (
        Named(Organisation, "commissioned_by_id", COMMISSIONER_FIELDS),
        Named(Organisation, "conducted_by_id", ("conducted_by", "conducted_by_name")),
    )
    url = serializers.HyperlinkedIdentityField(view_name="api:audit-detail")
    supplier = serializers.IntegerField(source="facility.supplier_id", read_only=True)
    supplier_name = serializers.CharField(
        source="facility.supplier.organisation.name", read_only=True
    )
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    commissioned_by_name = serializers.CharField(
        source="commissioned_by.name", read_only=True, default=None, allow_null=True
    )
    conducted_by_name = serializers.CharField(
        source="conducted_by.name", read_only=True, default=None, allow_null=True
    )
    standard_code = serializers.CharField(source="standard.code", read_only=True)
    finding_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Audit
        fields = (
            "id",
            "url",
            "supplier",
            "supplier_name",
            "facility",
            "facility_name",
            "commissioned_by",
            "commissioned_by_name",
            "conducted_by",
            "conducted_by_name",
            "audit_firm",
            "kind",
            "standard",
            "standard_code",
            "start_date",
            "end_date",
            "person_days",
            "status",
            "summary",
            "finding_count",
        )

    def create(self, validated_data):
        return self.run_service(services.audit_save, **validated_data)

    def update(self, instance, validated_data):
        return self.run_service(services.audit_save, audit=instance, **validated_data)


class AuditShareSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    shared_by = serializers.StringRelatedField()
    withdrawn_by = serializers.StringRelatedField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = AuditShare
        fields = (
            "id",
            "audit",
            "customer",
            "customer_name",
            "shared_by",
            "shared_at",
            "withdrawn_by",
            "withdrawn_at",
            "is_active",
        )
        read_only_fields = fields


class ShareInputSerializer(serializers.Serializer):
    """The customer to share an audit with, or to withdraw it from."""

    customer = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.customers())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            # The policy's choice: a supplier sees its own customers, and sharing never
            # reveals whom else it supplies (as on the audit page).
            access.scope_choice_fields(request.user, [self.fields["customer"]])


# --- findings ----------------------------------------------------------------------------------


class FindingSerializer(ServiceSerializerMixin, ScopedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:finding-detail")
    supplier = serializers.IntegerField(source="audit.facility.supplier_id", read_only=True)
    supplier_name = serializers.CharField(
        source="audit.facility.supplier.organisation.name", read_only=True
    )
    clause_details = ClauseSummarySerializer(source="clauses", many=True, read_only=True)

    class Meta:
        model = Finding
        fields = (
            "id",
            "url",
            "audit",
            "supplier",
            "supplier_name",
            "severity",
            "description",
            "evidence",
            "root_cause",
            "clauses",
            "clause_details",
        )
        # "At least one clause" is the service's to say.
        extra_kwargs = {"clauses": {"allow_empty": True}}

    def validate_audit(self, audit):
        if self.instance is not None and audit.pk != self.instance.audit_id:
            raise serializers.ValidationError(_("A finding does not move to another audit."))
        return audit

    def create(self, validated_data):
        return self.run_service(services.finding_save, **validated_data)

    def update(self, instance, validated_data):
        validated_data.pop("audit", None)
        return self.run_service(
            services.finding_save, audit=instance.audit, finding=instance, **validated_data
        )


# --- corrective actions ------------------------------------------------------------------------


class CorrectiveActionSerializer(HidesUnseenRelated, ServiceSerializerMixin, ScopedModelSerializer):
    """A corrective action; created here, then moved only by its action endpoints."""

    named = (
        Named(Organisation, "finding.audit.commissioned_by_id", COMMISSIONER_FIELDS),
        # The customer an audit is shared with is not told who verified it for the
        # commissioning customer: people show only to those who may see them.
        Named(User, "owner_id", ("owner", "owner_email")),
        Named(User, "verified_by_id", ("verified_by",)),
    )

    url = serializers.HyperlinkedIdentityField(view_name="api:correctiveaction-detail")
    audit = serializers.IntegerField(source="finding.audit_id", read_only=True)
    severity = serializers.CharField(source="finding.severity", read_only=True)
    supplier = serializers.IntegerField(source="finding.audit.facility.supplier_id", read_only=True)
    supplier_name = serializers.CharField(
        source="finding.audit.facility.supplier.organisation.name", read_only=True
    )
    commissioned_by_name = serializers.CharField(
        source="finding.audit.commissioned_by.name", read_only=True, default=None, allow_null=True
    )
    owner = OwnerField(required=False, allow_null=True)
    owner_email = serializers.EmailField(
        source="owner.email", read_only=True, default=None, allow_null=True
    )
    overdue = serializers.BooleanField(
        read_only=True, help_text=_("Past its due date and not verified.")
    )
    evidence = DocumentSerializer(many=True, read_only=True)

    class Meta:
        model = CorrectiveAction
        fields = (
            "id",
            "url",
            "finding",
            "audit",
            "severity",
            "supplier",
            "supplier_name",
            "commissioned_by_name",
            "action",
            "preventive_action",
            "owner",
            "owner_email",
            "due_date",
            "status",
            "overdue",
            "progress_note",
            "submission_note",
            "submitted_at",
            "verification_note",
            "verified_by",
            "verified_at",
            "evidence",
            "version",
        )
        read_only_fields = (
            "status",
            "progress_note",
            "submission_note",
            "submitted_at",
            "verification_note",
            "verified_by",
            "verified_at",
        )

    def create(self, validated_data):
        return self.run_service(services.action_create, **validated_data)


class ActionVersionField(serializers.IntegerField):
    """The version of the action a move starts from: optional, but sent, a move based on a
    version someone has changed since is refused with 409 instead of overwriting theirs."""

    def __init__(self, **kwargs):
        super().__init__(
            source="expected_version",
            min_value=1,
            required=False,
            help_text=_(
                "The action's `version` your move starts from. Send it so that nobody's "
                "change is silently overwritten: a move based on an older version is refused "
                "with 409."
            ),
            **kwargs,
        )


class ProgressSerializer(serializers.Serializer):
    version = ActionVersionField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    owner = OwnerField(required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class SubmitSerializer(serializers.Serializer):
    version = ActionVersionField()
    # Blank is let through so the service says what a missing note means.
    note = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("A file showing the fix (multipart): PDF, Word, Excel, PNG or JPEG."),
    )


class VerifySerializer(serializers.Serializer):
    version = ActionVersionField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    version = ActionVersionField()
    # Blank is let through so the service says what a missing reason means.
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- history -----------------------------------------------------------------------------------

CHANGE_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
EMPTY = (None, "", [])


def _m2m_history_accessors(history_model) -> dict[str, tuple[str, str]]:
    """{m2m field: (accessor of its historical rows, their column of the related object)}."""
    accessors = {}
    for field in history_model._history_m2m_fields:
        through = field.remote_field.through
        target = next(
            f.attname
            for f in through._meta.fields
            if f.is_relation and f.related_model is field.related_model
        )
        for relation in history_model._meta.related_objects:
            if getattr(relation.related_model, "instance_type", None) is through:
                accessors[field.name] = (relation.get_accessor_name(), target)
    return accessors


def history_prefetches(history_model) -> list[str]:
    """What to prefetch so that `with_changes` reads the m2m snapshots without queries."""
    return [accessor for accessor, _column in _m2m_history_accessors(history_model).values()]


def with_changes(records) -> list:
    """The historical records, newest first, each with `changes`: what it changed, field by
    field ({field, old, new}), against the record before it (a creation lists what it set)."""
    records = sorted(records, key=lambda record: (record.history_date, record.history_id))
    if not records:
        return []
    history_model = type(records[0])
    m2m = _m2m_history_accessors(history_model)
    fields = [
        f.name
        for f in history_model.tracked_fields
        if f.editable and not f.primary_key and f.name not in m2m
    ]
    previous = None
    for record in records:
        stored = model_to_dict(record, fields=fields)
        values = {name: stored[name] for name in fields}  # in the model's order
        for name, (accessor, column) in m2m.items():
            values[name] = sorted(getattr(row, column) for row in getattr(record, accessor).all())
        if previous is None:
            changed = {name: None for name, value in values.items() if value not in EMPTY}
        else:
            changed = {name: previous[name] for name in values if values[name] != previous[name]}
        record.changes = [
            {"field": name, "old": old, "new": values[name]} for name, old in changed.items()
        ]
        previous = values
    return records[::-1]


def hide_unseen_people(records, user, model) -> list:
    """The records without the people `user` may not see: who made a change, and the users a
    change named (an action's owner, its verifier) become None."""
    user_fields = {f.name for f in model._meta.fields if f.is_relation and f.related_model is User}
    named = {record.history_user_id for record in records}
    for record in records:
        for change in record.changes:
            if change["field"] in user_fields:
                named.update((change["old"], change["new"]))
    people = access.visible_among(user, User, named)
    for record in records:
        if record.history_user_id is not None and record.history_user_id not in people:
            record.history_user = None
        for change in record.changes:
            if change["field"] in user_fields:
                for side in ("old", "new"):
                    if change[side] is not None and change[side] not in people:
                        change[side] = None
    return records


class HistoryRecordSerializer(serializers.Serializer):
    """One change of a finding or corrective action, as django-simple-history kept it."""

    id = serializers.IntegerField(source="history_id")
    date = serializers.DateTimeField(source="history_date")
    user = serializers.EmailField(source="history_user.email", default=None, allow_null=True)
    change_type = serializers.SerializerMethodField()
    reason = serializers.CharField(source="history_change_reason", default=None, allow_null=True)
    changes = serializers.ListField(child=serializers.DictField(), read_only=True)

    def get_change_type(self, record) -> str:
        return CHANGE_TYPES[record.history_type]

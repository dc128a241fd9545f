"""Forms of the audit pages; they validate input and hand it to audits.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from csrplatform import access
from csrplatform.widgets import Lookup, SearchSelect, register_lookup
from pilots.choices import Approach, PilotType
from pilots.models import Pilot, Programme
from suppliers.models import Facility, Organisation

from .choices import AuditKind
from .models import Audit, Clause, Finding, Standard


class ProgressForm(forms.Form):
    # The version the page showed: a report based on an older one is refused, not applied.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("Progress"), required=False
    )


class SubmitForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("What was done"))
    evidence = forms.FileField(
        required=False, label=_("Evidence"), help_text=_("PDF, Word, Excel, PNG or JPEG.")
    )


class VerifyForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Verification note")
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), label=_("Why it is not fixed yet")
    )


class ShareForm(forms.Form):
    customer = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Share with customer")
    )

    def __init__(self, *args, audit, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the supplier's own customers; sharing never reveals who else it supplies.
        self.fields["customer"].queryset = Organisation.objects.filter(
            supplier_relationships__supplier=audit.facility.supplier
        ).exclude(pk=audit.commissioned_by_id)


class PilotFromFindingsForm(forms.Form):
    findings = forms.ModelMultipleChoiceField(
        queryset=Finding.objects.none(), widget=forms.CheckboxSelectMultiple, label=_("Findings")
    )
    programme = forms.ModelChoiceField(queryset=Programme.objects.none(), label=_("Programme"))
    title = forms.CharField(max_length=200, label=_("Pilot title"))
    pilot_type = forms.ChoiceField(choices=PilotType.choices, label=_("Type"))
    approach = forms.ChoiceField(
        choices=Approach.choices, initial=Approach.INTEGRATE_AUDITING, label=_("Approach")
    )

    def __init__(self, *args, audit, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = audit.findings.all()
        self.fields["programme"].queryset = Programme.objects.editable_by(user)


# --- recording audits, assessments and findings in the browser ---------------------------------

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _facility_label(facility):
    return f"{facility.supplier.organisation.name} — {facility.name}"


# The choices of the "Record an audit" form. Each is given to the form field (what it
# validates against) and to the search-as-you-type box's lookup (what it offers), so both are
# the one queryset: the box never offers what the form would refuse, nor hides what it allows.


def record_pilots(user):
    """The pilots an audit or assessment recorded by `user` may belong to."""
    from .selectors import assessable_pilots

    if access.actor_for(user).is_facilitator_editor:
        return Pilot.objects.visible_to(user)
    # An NGO or consultant: its own assessment, of a pilot it takes part in.
    return assessable_pilots(user)


def record_pilot(user, pilot_id):
    """The pilot the page was opened from (?pilot=): one of `record_pilots`, else 404; None
    when none is named."""
    if not pilot_id:
        return None
    return access.get_or_404(record_pilots(user), pk=pilot_id)


def record_facilities(user, pilot=None):
    """The facilities `user` may record an audit of (of the pilot's supplier, given one)."""
    if access.actor_for(user).is_facilitator_editor:
        facilities = Facility.objects.visible_to(user)
    else:
        facilities = Facility.objects.filter(
            supplier__in=record_pilots(user).order_by().values("supplier_id")
        )
    if pilot is not None:
        facilities = facilities.filter(supplier_id=pilot.supplier_id)
    return facilities


def record_customers(user):
    """The customers a facilitator may name as having commissioned an audit."""
    return Organisation.objects.visible_to(user).filter(kind="customer")


register_lookup(
    "record-pilots",
    Lookup(
        queryset=Pilot.objects.all,
        choices=lambda request: record_pilots(request.user),
        search_fields=("title", "supplier__organisation__name"),
        label=lambda pilot: pilot.title,
        order_by=("title", "pk"),
    ),
)
register_lookup(
    "record-facilities",
    Lookup(
        queryset=Facility.objects.all,
        choices=lambda request: record_facilities(
            request.user, record_pilot(request.user, request.GET.get("pilot"))
        ),
        search_fields=("name", "city", "supplier__organisation__name"),
        label=_facility_label,
        select_related=("supplier__organisation",),
        order_by=("supplier__organisation__name", "name", "pk"),
    ),
)
register_lookup(
    "record-customers",
    Lookup(
        queryset=Organisation.objects.customers,
        choices=lambda request: record_customers(request.user),
        search_fields=("name", "local_name", "city"),
        label=lambda organisation: organisation.name,
        order_by=("name", "pk"),
    ),
)


class AuditRecordForm(forms.ModelForm):
    """An audit, or an NGO's assessment, as recorded in the browser. Every choice comes from
    what the user may choose (pilot, facility and customer searched as the user types, never
    all listed); audits.services.audit_save holds the rules."""

    pilot = forms.ModelChoiceField(
        queryset=Pilot.objects.none(),
        required=False,
        label=_("Pilot"),
        help_text=_("The pilot this audit or assessment belongs to."),
        widget=SearchSelect("record-pilots"),
    )

    class Meta:
        model = Audit
        fields = (
            "pilot",
            "facility",
            "kind",
            "standard",
            "commissioned_by",
            "conducted_by",
            "audit_firm",
            "start_date",
            "end_date",
            "person_days",
            "status",
            "summary",
        )
        widgets = {
            "facility": SearchSelect("record-facilities"),
            "commissioned_by": SearchSelect("record-customers"),
            "start_date": DATE,
            "end_date": DATE,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, pilot=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        actor = access.actor_for(user)
        fields = self.fields
        fields["standard"].queryset = Standard.objects.visible_to(user)
        fields["pilot"].queryset = record_pilots(user)
        if actor.is_facilitator_editor:
            fields["commissioned_by"].queryset = record_customers(user)
            fields["conducted_by"].queryset = Organisation.objects.visible_to(user).filter(
                kind="civil_society"
            )
        else:
            # An NGO or consultant: its own assessment, of a pilot it takes part in.
            fields["pilot"].required = True
            fields["kind"].choices = [
                (AuditKind.NGO_ASSESSMENT.value, AuditKind.NGO_ASSESSMENT.label)
            ]
            self.initial.setdefault("kind", AuditKind.NGO_ASSESSMENT)
            del fields["commissioned_by"]
            fields["conducted_by"].queryset = Organisation.objects.filter(
                pk__in=actor.orgs_of_kind("civil_society", writable=True)
            )
            fields["conducted_by"].required = True
            fields["conducted_by"].empty_label = None
        facility = fields["facility"]
        if pilot is not None:
            self.initial.setdefault("pilot", pilot.pk)
            # The box searches the facilities of the page's pilot, as the field validates.
            facility.widget.params = {"pilot": pilot.pk}
        facility.queryset = record_facilities(user, pilot)
        facility.label_from_instance = _facility_label

    def audit_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("pilot", None)
        return data


def clause_choices(clauses) -> list:
    """Clauses grouped by standard, for a <select multiple> with one group per standard."""
    groups: dict[str, list] = {}
    for clause in clauses:
        standard = clause.standard
        name = f"{standard.name} {standard.version}".strip() if standard.version else standard.name
        groups.setdefault(name, []).append((clause.pk, f"{clause.reference} {clause.title}"))
    return list(groups.items())


class FindingForm(forms.ModelForm):
    """A finding mapped to the clauses (of one or more standards) it breaks."""

    class Meta:
        model = Finding
        fields = ("severity", "clauses", "description", "evidence", "root_cause")
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.Textarea(attrs={"rows": 2}),
            "root_cause": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "clauses": _("Hold Ctrl (⌘ on a Mac) to choose several, from one or more standards."),
        }

    def __init__(self, *args, user, clauses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        queryset = Clause.objects.visible_to(user).select_related("standard")
        field = self.fields["clauses"]
        field.queryset = queryset
        field.widget.attrs["size"] = 12
        # The grouped choices are read once per page and shared by every finding form.
        field.widget.choices = (
            clauses
            if clauses is not None
            else clause_choices(queryset.order_by("standard__name", "reference"))
        )

    def finding_fields(self) -> dict:
        return dict(self.cleaned_data)

"""Forms of the audit pages; they validate input and hand it to audits.services."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from csrplatform import access
from pilots.choices import Approach, PilotType
from pilots.models import Pilot, Programme
from suppliers.models import Facility, Organisation

from .choices import AuditKind
from .models import Audit, Clause, Finding, Standard


class ProgressForm(forms.Form):
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

#: facilities listed in the dropdown at most; beyond, the user narrows with the search box
#: (swap the widget for csrplatform.widgets.SearchSelect once its lookup is routed)
FACILITY_SHOWN = 200


def _facility_label(facility):
    return f"{facility.supplier.organisation.name} — {facility.name}"


class AuditRecordForm(forms.ModelForm):
    """An audit, or an NGO's assessment, as recorded in the browser. Every dropdown comes
    from what the user may choose; audits.services.audit_save holds the rules."""

    pilot = forms.ModelChoiceField(
        queryset=Pilot.objects.none(),
        required=False,
        label=_("Pilot"),
        help_text=_("The pilot this audit or assessment belongs to."),
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
            "start_date": DATE,
            "end_date": DATE,
            "summary": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, pilot=None, facility_search="", **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors import assessable_pilots

        self.user = user
        actor = access.actor_for(user)
        fields = self.fields
        fields["standard"].queryset = Standard.objects.visible_to(user)
        if actor.is_facilitator_editor:
            fields["pilot"].queryset = Pilot.objects.visible_to(user)
            facilities = Facility.objects.visible_to(user)
            fields["commissioned_by"].queryset = Organisation.objects.visible_to(user).filter(
                kind="customer"
            )
            fields["conducted_by"].queryset = Organisation.objects.visible_to(user).filter(
                kind="civil_society"
            )
        else:
            # An NGO or consultant: its own assessment, of a pilot it takes part in.
            pilots = assessable_pilots(user)
            fields["pilot"].queryset = pilots
            fields["pilot"].required = True
            facilities = Facility.objects.filter(
                supplier__in=pilots.order_by().values("supplier_id")
            )
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
        if pilot is not None:
            self.initial.setdefault("pilot", pilot.pk)
            facilities = facilities.filter(supplier_id=pilot.supplier_id)
        fields["facility"].queryset = facilities
        fields["facility"].label_from_instance = _facility_label
        shown = facilities.select_related("supplier__organisation").order_by(
            "supplier__organisation__name", "name", "pk"
        )
        if facility_search:
            shown = shown.filter(
                Q(name__icontains=facility_search)
                | Q(supplier__organisation__name__icontains=facility_search)
            )
        self.facilities_shown = list(shown[: FACILITY_SHOWN + 1])
        self.facilities_more = len(self.facilities_shown) > FACILITY_SHOWN
        self.facilities_shown = self.facilities_shown[:FACILITY_SHOWN]
        chosen = self.data.get(self.add_prefix("facility")) or self.initial.get("facility")
        if (
            chosen
            and str(chosen).isdigit()
            and all(str(row.pk) != str(chosen) for row in self.facilities_shown)
        ):
            self.facilities_shown += list(
                facilities.select_related("supplier__organisation").filter(pk=chosen)
            )
        fields["facility"].widget.choices = [("", "---------")] + [
            (row.pk, _facility_label(row)) for row in self.facilities_shown
        ]

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

"""Forms of the audit pages; they validate input and hand it to audits.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pilots.choices import Approach, PilotType
from pilots.models import Programme
from suppliers.models import Organisation

from .models import Finding


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

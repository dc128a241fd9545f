"""Forms of the pilot pages; they validate input and hand it to pilots.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from csrplatform import access
from csrplatform.forms import ScopedModelForm
from csrplatform.widgets import SearchSelect
from suppliers.models import Organisation

from .choices import ParticipantRole, PilotStatus
from .models import (
    Activity,
    BudgetLine,
    Deliverable,
    Document,
    PeopleReached,
    Phase,
    Pilot,
    PilotSite,
    Programme,
    ProgrammeFunding,
    ScopeChange,
    Spending,
)
from .services import PILOT_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _dates(*names):
    return dict.fromkeys(names, DATE)


class ProgrammeForm(ScopedModelForm):
    class Meta:
        model = Programme
        fields = (
            "title",
            "sector",
            "region",
            "countries",
            "start_date",
            "end_date",
            "facilitator",
            "sponsors",
            "objectives",
            "stated_budget_use_pct",
            "stated_budget_source",
        )
        widgets = {
            **_dates("start_date", "end_date"),
            "sponsors": forms.CheckboxSelectMultiple,
            "objectives": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        writable = access.actor_for(self.user).orgs_of_kind("facilitator", writable=True)
        self.fields["facilitator"].queryset = Organisation.objects.filter(pk__in=writable)


class PilotCreateForm(ScopedModelForm):
    inviting_customers = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.customers(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Inviting customers"),
    )
    partners = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.filter(kind="civil_society"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Civil-society partners"),
    )

    class Meta:
        model = Pilot
        fields = (
            "programme",
            "title",
            "pilot_type",
            "approach",
            "supplier",
            "planned_start",
            "planned_end",
            "context",
            "objectives",
        )
        widgets = {
            **_dates("planned_start", "planned_end"),
            # Thousands of suppliers: searched as the user types, never all listed.
            "supplier": SearchSelect("suppliers"),
            "context": forms.Textarea(attrs={"rows": 3}),
            "objectives": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.editable_by(self.user)

    def participants(self):
        return [
            *(
                (org, ParticipantRole.INVITING_CUSTOMER)
                for org in self.cleaned_data["inviting_customers"]
            ),
            *(
                (org, ParticipantRole.CIVIL_SOCIETY_PARTNER)
                for org in self.cleaned_data["partners"]
            ),
        ]


class PilotForm(ScopedModelForm):
    """The pilot's story and metrics; `version` detects a concurrent save."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Pilot
        fields = PILOT_FIELDS
        widgets = {
            **_dates("planned_start", "planned_end", "actual_start", "actual_end"),
            **{
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "context",
                    "objectives",
                    "success_factors",
                    "challenges",
                    "outcomes",
                    "capability_improvements",
                    "participation_outcomes",
                    "implications",
                    "objectives_achievement_why",
                    "long_term_change",
                    "continuation",
                )
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=PilotStatus.choices)
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason")
    )
    effective_on = forms.DateField(required=False, widget=DATE, label=_("Effective on"))


class ParticipantInviteForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(), label=_("Organisation")
    )
    role = forms.ChoiceField(choices=ParticipantRole.choices, label=_("Role"))
    agreement_required = forms.BooleanField(
        required=False, initial=True, label=_("Must agree to each phase")
    )
    invited_on = forms.DateField(required=False, widget=DATE, label=_("Invited on"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        access.scope_choice_fields(user, self.fields.values())


class RespondForm(forms.Form):
    accept = forms.TypedChoiceField(
        choices=[("1", _("Accept")), ("0", _("Decline"))],
        coerce=lambda value: value == "1",
        label=_("Answer"),
    )
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason (required to decline)"),
    )


class _PilotPartForm(ScopedModelForm):
    """A form for something that belongs to one pilot: its dropdowns list only that pilot's
    phases and participants."""

    def __init__(self, *args, pilot, **kwargs):
        self.pilot = pilot
        super().__init__(*args, **kwargs)
        participant_orgs = Organisation.objects.filter(pilot_participations__pilot=pilot)
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            if queryset.model is Phase:
                field.queryset = pilot.phases.all()
            elif queryset.model is Deliverable:
                field.queryset = pilot.deliverables.all()
            elif queryset.model is Document:
                field.queryset = field.queryset.filter(pilot=pilot)
            elif queryset.model is Organisation and name != "organisation":
                field.queryset = participant_orgs


class PhaseForm(_PilotPartForm):
    class Meta:
        model = Phase
        fields = ("number", "title", "objectives", "planned_start", "planned_end")
        widgets = {
            **_dates("planned_start", "planned_end"),
            "objectives": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = _("Left empty: the next number.")


class DeliverableForm(_PilotPartForm):
    class Meta:
        model = Deliverable
        fields = ("title", "kind", "phase", "responsible", "due_date", "delivered_on", "notes")
        widgets = {**_dates("due_date", "delivered_on"), "notes": forms.Textarea(attrs={"rows": 2})}


class ActivityForm(_PilotPartForm):
    class Meta:
        model = Activity
        fields = ("kind", "date", "title", "phase", "participants", "person_days", "description")
        widgets = {
            **_dates("date"),
            "participants": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 2}),
        }


class ScopeChangeForm(_PilotPartForm):
    class Meta:
        model = ScopeChange
        fields = ("proposed_on", "proposed_by", "description", "status", "decided_on", "reason")
        widgets = {
            **_dates("proposed_on", "decided_on"),
            "description": forms.Textarea(attrs={"rows": 2}),
            "reason": forms.Textarea(attrs={"rows": 2}),
        }


class PilotSiteForm(_PilotPartForm):
    class Meta:
        model = PilotSite
        fields = ("supplier", "facility", "role", "joined_on", "left_on", "headcount", "note")
        widgets = {
            **_dates("joined_on", "left_on"),
            "supplier": SearchSelect("suppliers"),
            "facility": SearchSelect("facilities"),
        }


class VersionChoiceField(forms.ModelChoiceField):
    """A document to replace, its version counted as the user sees them."""

    def label_from_instance(self, obj):
        return f"{obj.title} (v{getattr(obj, 'shown_version', obj.version)})"


class DocumentUploadForm(_PilotPartForm):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, Excel, PNG or JPEG; the type is checked from the file's content."),
    )
    replaces = VersionChoiceField(
        queryset=Document.objects.all(), required=False, label=_("New version of")
    )

    class Meta:
        model = Document
        fields = ("title", "kind", "visibility", "phase", "deliverable")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Left empty: the file's name.")
        replaces = self.fields["replaces"]
        replaces.queryset = replaces.queryset.with_shown_versions(self.user)
        # The file is checked by the service (name, size, type from the bytes); no model
        # validation of a half-built Document here.

    def _post_clean(self):
        pass


class AssessmentReplyForm(forms.Form):
    reply = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Your reply"))
    accept = forms.TypedChoiceField(
        choices=[("1", _("Accept the assessment")), ("0", _("Dispute it"))],
        coerce=lambda value: value == "1",
        label=_("Answer"),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment"), max_length=5000
    )


class ReasonForm(forms.Form):
    """The optional inputs of the phase buttons (agree, decline, start, complete)."""

    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(required=False)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("That organisation is not part of this pilot.")},
    )
    on = forms.DateField(required=False)

    def __init__(self, *args, pilot, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the pilot's participants: any other id gets the same answer, whoever it names.
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pilot_participations__pilot=pilot
        )


# --- funding, budget, spending and people reached ------------------------------------------------

MONEY_FORM_FIELDS = ("amount", "currency", "pinned_rate", "on_date")


class ProgrammeRowForm(ScopedModelForm):
    """A row of one programme; its choices (budget lines, pilots...) are the programme's."""

    def __init__(self, *args, programme, **kwargs):
        self.programme = programme
        super().__init__(*args, **kwargs)
        if "on_date" in self.fields:
            self.fields["on_date"].widget = DATE


class FundingForm(ProgrammeRowForm):
    class Meta:
        model = ProgrammeFunding
        fields = ("donor", *MONEY_FORM_FIELDS, "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        donor = self.fields["donor"]
        donor.queryset = donor.queryset.exclude(kind="supplier").order_by("name")


class BudgetLineForm(ProgrammeRowForm):
    class Meta:
        model = BudgetLine
        fields = ("category", "country", *MONEY_FORM_FIELDS, "note")


class SpendingForm(ProgrammeRowForm):
    class Meta:
        model = Spending
        fields = ("budget_line", *MONEY_FORM_FIELDS, "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        line = self.fields["budget_line"]
        line.queryset = line.queryset.filter(programme=self.programme)
        self.fields["on_date"].label = _("date spent")


class PeopleReachedForm(ProgrammeRowForm):
    class Meta:
        model = PeopleReached
        fields = ("what", "pilot", "activity", "on_date", "total", "women", "men", "other", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pilot, activity = self.fields["pilot"], self.fields["activity"]
        pilot.queryset = pilot.queryset.filter(programme=self.programme)
        activity.queryset = activity.queryset.filter(pilot__programme=self.programme)

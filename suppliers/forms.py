"""Forms of the directory pages; they validate and hand over to services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from csrplatform import access
from csrplatform.forms import ScopedModelForm

from .models import Certification, Facility, Organisation, Supplier, SupplyRelationship
from .services import ORGANISATION_FIELDS, SUPPLIER_FIELDS


class OrganisationForm(ScopedModelForm):
    class Meta:
        model = Organisation
        fields = ORGANISATION_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not access.actor_for(self.user).is_facilitator_editor:
            # The kind decides what the organisation's members see; name and country make it
            # unique, checked against the whole directory: facilitators set them.
            for name in ("kind", "name", "country"):
                self.fields[name].disabled = True


class SupplierProfileForm(ScopedModelForm):
    certifications = forms.ModelMultipleChoiceField(
        queryset=Certification.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Certifications"),
    )

    class Meta:
        model = Supplier
        fields = (*SUPPLIER_FIELDS, "certifications")
        labels = {"workers_headcount": _("Workers (headcount)")}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "profile")
        super().__init__(*args, **kwargs)


class FacilityForm(ScopedModelForm):
    choice_action = access.EDIT

    class Meta:
        model = Facility
        fields = ("supplier", "name", "address", "city", "country", "workers", "products")
        widgets = {"products": forms.Textarea(attrs={"rows": 2})}


class SupplyRelationshipForm(ScopedModelForm):
    class Meta:
        model = SupplyRelationship
        fields = ("customer", "supplier", "tier", "since", "products")
        widgets = {
            "since": forms.DateInput(attrs={"type": "date"}),
            "products": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = self.fields["customer"].queryset.customers()

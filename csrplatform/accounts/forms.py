from django import forms
from django.utils.translation import gettext_lazy as _


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the partner system using it."),
    )
    read_only = forms.BooleanField(label=_("Read-only"), required=False, initial=True)

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Role


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the partner system using it."),
    )
    read_only = forms.BooleanField(label=_("Read-only"), required=False, initial=True)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Used for your pages and for the e-mails we send you."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser asks")), *settings.LANGUAGES]


class InviteMemberForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class UserPasswordResetForm(PasswordResetForm):
    """Django's reset form, writing each e-mail in the recipient's language."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(context["user"].email_language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class AcceptInvitationForm(SetPasswordForm):
    """Sets an invited person's first password and activates their account."""

    def save(self, commit=True):
        self.user.is_active = True
        return super().save(commit=commit)

"""The user's profile page (memberships, language, API tokens), an organisation's members
page where its admins invite members, set their roles and remove them, and the page where an
invited person sets their first password."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from csrplatform import access

from .forms import AcceptInvitationForm, ApiTokenForm, InviteMemberForm, LanguageForm
from .models import ApiToken, Membership, Role
from .services import (
    api_token_create,
    api_token_revoke,
    member_invite,
    membership_remove,
    membership_set_role,
    user_set_language,
)


def _organisation_model():
    # The accounts layer names organisations without importing the suppliers app.
    return Membership._meta.get_field("organisation").related_model


def _profile_context(request, form=None, new_key=None):
    return {
        "memberships": request.user.memberships.select_related("organisation"),
        "tokens": request.user.api_tokens.all(),
        "form": form or ApiTokenForm(),
        "language_form": LanguageForm(initial={"language": request.user.language}),
        "new_key": new_key,
    }


@login_required
def profile(request):
    return render(request, "accounts/profile.html", _profile_context(request))


@login_required
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/profile.html", _profile_context(request, form), status=400)
    _token, raw_key = api_token_create(user=request.user, **form.cleaned_data)
    # The key is shown on this response only; only its hash is kept.
    response = render(request, "accounts/profile.html", _profile_context(request, new_key=raw_key))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:profile")


@login_required
@require_POST
def language_update(request):
    form = LanguageForm(request.POST)
    if form.is_valid():
        user_set_language(user=request.user, language=form.cleaned_data["language"])
        messages.success(request, _("Language preference saved."))
    response = redirect("accounts:profile")
    language = form.cleaned_data.get("language") if form.is_valid() else ""
    if language:
        # Signed out, the browser keeps the chosen language too.
        response.set_cookie("django_language", language, samesite="Lax", max_age=365 * 24 * 60 * 60)
    return response


def set_language(request):
    """The language switcher: Django's view, and for a signed-in user also their preference
    (otherwise the preference would win over the switcher on the next page)."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        user_set_language(user=request.user, language=language)
    return response


# --- an organisation's members -------------------------------------------------------------------


def _members_context(request, organisation, invite_form=None):
    memberships = (
        access.scope(request.user, Membership.objects.filter(organisation=organisation))
        .select_related("user")
        .order_by("user__email")
    )
    is_admin = access.scope(
        request.user, Membership.objects.filter(organisation=organisation), access.EDIT
    ).exists()
    return {
        "organisation": organisation,
        "memberships": memberships,
        "is_admin": is_admin,
        "roles": Role.choices,
        "invite_form": invite_form or InviteMemberForm(),
    }


def _organisation_or_404(request, pk):
    # Members are seen through the organisations the user sees by their own rule (as the
    # membership rule does): an organisation merely named on a shared pilot is a 404 here.
    scoped = access.scope(request.user, _organisation_model().objects.all(), grants=False)
    return access.get_or_404(scoped, pk=pk)


@login_required
def members(request, organisation_pk):
    organisation = _organisation_or_404(request, organisation_pk)
    return render(request, "accounts/members.html", _members_context(request, organisation))


@login_required
@require_POST
def member_invite_view(request, organisation_pk):
    organisation = _organisation_or_404(request, organisation_pk)
    form = InviteMemberForm(request.POST)
    if form.is_valid():
        try:
            # A non-admin who can see the organisation is refused with 403 by the service.
            membership = member_invite(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("%(email)s was invited as %(role)s; we sent them an e-mail.")
                % {"email": membership.user.email, "role": membership.get_role_display()},
            )
            return redirect("accounts:members", organisation_pk=organisation.pk)
    context = _members_context(request, organisation, invite_form=form)
    return render(request, "accounts/members.html", context, status=400)


def _managed_membership(request, pk):
    # Only memberships of organisations the user administers; any other is a 404.
    return access.get_object_or_404(
        request.user,
        Membership.objects.select_related("organisation", "user"),
        access.EDIT,
        pk=pk,
    )


def _refusal(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def member_role(request, pk):
    membership = _managed_membership(request, pk)
    role = request.POST.get("role", "")
    try:
        membership_set_role(actor=request.user, membership=membership, role=role)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request,
            _("%(member)s is now %(role)s.")
            % {"member": membership.user.email, "role": membership.get_role_display()},
        )
    return redirect("accounts:members", organisation_pk=membership.organisation_id)


@login_required
@require_POST
def member_remove(request, pk):
    membership = _managed_membership(request, pk)
    try:
        membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request,
            _("%(member)s was removed from %(organisation)s.")
            % {"member": membership.user.email, "organisation": membership.organisation},
        )
    if membership.user_id == request.user.pk and membership.pk is None:
        # Having left, the user may no longer see the members page.
        return redirect("accounts:profile")
    return redirect("accounts:members", organisation_pk=membership.organisation_id)


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """An invited person sets their first password; their account becomes active."""

    form_class = AcceptInvitationForm
    template_name = "registration/invitation_accept.html"
    success_url = reverse_lazy("password_reset_complete")

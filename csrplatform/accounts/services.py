"""Writes for accounts: API tokens, memberships (invite, role, remove) and language
preferences are changed here only."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import ApiToken, Membership, Role, User, hash_token


@transaction.atomic
def api_token_create(*, user, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the raw key, which is never stored."""
    raw_key = ApiToken.generate_key()
    token = ApiToken(
        user=user,
        name=name.strip() or "API token",
        read_only=read_only,
        key_hash=hash_token(raw_key),
        key_prefix=raw_key[:10],
    )
    token.full_clean()
    token.save()
    return token, raw_key


def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; revoking twice keeps the first time."""
    if token.user_id != actor.pk:
        raise ApiToken.DoesNotExist
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw_key: str) -> ApiToken | None:
    """The active token with this key, or None."""
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(key_hash=hash_token(raw_key))
        .first()
    )
    if token is not None:
        now = timezone.now()
        # Write at most once a minute so a busy consumer does not write on every request.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


# --- language ------------------------------------------------------------------------------------


def user_set_language(*, user: User, language: str) -> User:
    """Set the language of the user's pages and e-mails; empty follows the browser."""
    user.language = language
    user.full_clean(validate_unique=False)
    user.save(update_fields=["language"])
    return user


# --- memberships ---------------------------------------------------------------------------------


def _require_admin(actor, organisation) -> None:
    """Only an admin of the organisation (or a superuser) manages its members. The caller has
    already found the organisation in the actor's scope, so refusing says so plainly (403)."""
    if actor.is_superuser:
        return
    if not Membership.objects.filter(
        user=actor, organisation=organisation, role=Role.ADMIN
    ).exists():
        raise PermissionDenied(
            _("Only an admin of %(organisation)s manages its members.")
            % {"organisation": organisation}
        )


def _admins_left_without(membership: Membership) -> int:
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, role=Role.ADMIN)
        .exclude(pk=membership.pk)
        .count()
    )


def _lock_memberships(organisation) -> None:
    # Two admins demoting each other at once must not leave the organisation without one:
    # lock the organisation's memberships before counting its admins.
    list(
        Membership.objects.select_for_update()
        .filter(organisation_id=organisation.pk)
        .values_list("pk", flat=True)
    )


def _invitation_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:invitation_accept", kwargs={"uidb64": uid, "token": token})
    return settings.SITE_URL.rstrip("/") + path


def _send_invitation(*, user_id: int, organisation_name: str, inviter: str, role: str) -> None:
    """E-mail the invitation in the invitee's language; someone who has never set a password
    gets a link to set one."""
    user = User.objects.get(pk=user_id)
    needs_password = not user.has_usable_password()
    with translation.override(user.email_language):
        context = {
            "user": user,
            "organisation": organisation_name,
            "inviter": inviter,
            "role": Role(role).label,
            "link": _invitation_link(user) if needs_password else None,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = _("You have been added to %(organisation)s on the CSR Platform") % {
            "organisation": organisation_name
        }
        body = render_to_string("accounts/emails/invitation.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@transaction.atomic
def member_invite(*, actor, organisation, email: str, role: str, language: str = "") -> Membership:
    """Add the person with this e-mail to `organisation` with `role`. Someone without an
    account gets an inactive one and a link to set their password; either way they are told
    by e-mail, after the transaction commits."""
    _require_admin(actor, organisation)
    email = User.objects.normalize_email((email or "").strip()).lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Choose admin, editor or viewer.")})
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(email=email, is_active=False, language=language)
        user.set_unusable_password()
        user.full_clean()
        user.save()
    elif Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is already a member of %(organisation)s.")
                % {"email": email, "organisation": organisation}
            }
        )
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean()
    membership.save()
    transaction.on_commit(
        lambda: _send_invitation(
            user_id=user.pk,
            organisation_name=str(organisation),
            inviter=actor.get_full_name(),
            role=role,
        )
    )
    return membership


@transaction.atomic
def membership_set_role(*, actor, membership: Membership, role: str) -> Membership:
    """Change a member's role; the organisation always keeps at least one admin."""
    _require_admin(actor, membership.organisation)
    _lock_memberships(membership.organisation)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose admin, editor or viewer.")})
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and _admins_left_without(membership) == 0
    ):
        raise ValidationError(
            _("%(organisation)s must keep at least one admin: make someone else admin first.")
            % {"organisation": membership.organisation}
        )
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership) -> None:
    """Remove a member from the organisation; the last admin cannot be removed."""
    _require_admin(actor, membership.organisation)
    _lock_memberships(membership.organisation)
    if membership.role == Role.ADMIN and _admins_left_without(membership) == 0:
        raise ValidationError(
            _("%(organisation)s must keep at least one admin: make someone else admin first.")
            % {"organisation": membership.organisation}
        )
    membership.delete()

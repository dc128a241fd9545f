"""Writes for accounts: API tokens are created and revoked here only."""

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, hash_token


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

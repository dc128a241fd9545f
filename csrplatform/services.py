"""Helpers every app's services share."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def require(allowed: bool, message=None):
    """Refuse the change unless `allowed` (views turn this into a 404/403 or a message)."""
    if not allowed:
        raise PermissionDenied(message or _("You may not make this change."))


def apply_fields(instance, values: dict, allowed_fields):
    """Set `values` on `instance`; a name outside `allowed_fields` is a programming error."""
    unknown = set(values) - set(allowed_fields)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    for name, value in values.items():
        setattr(instance, name, value)

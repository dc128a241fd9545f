"""API permission: signed in, and a read-only token never writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .models import ApiToken


class IsAuthenticatedWithinToken(permissions.IsAuthenticated):
    message = _("This API token is read-only.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            self.message = None
            return False
        if isinstance(request.auth, ApiToken) and request.auth.read_only:
            self.message = _("This API token is read-only.")
            return request.method in permissions.SAFE_METHODS
        return True

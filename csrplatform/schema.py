"""The API's OpenAPI contract: the token scheme, and the errors every operation documents.

Every error the API answers has one shape, `Error` (see `csrplatform.api.api_exception_handler`,
which produces it); each operation lists the statuses it can answer with it.
"""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from csrplatform.accounts.authentication import ApiTokenAuthentication


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence a person understands.")
    code = serializers.CharField(
        help_text="A stable machine-readable code: invalid, not_found, permission_denied, "
        "conflict, not_authenticated, authentication_failed, throttled, method_not_allowed, "
        "unsupported_media_type, parse_error, bad_request."
    )
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="For invalid input: the messages per field (`non_field_errors` for the "
        "request as a whole). Empty otherwise.",
    )

    class Meta:
        ref_name = "Error"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from your profile page or `manage.py create_api_token`, "
            "sent as `Authorization: Bearer <token>` (`Token <token>` is accepted too).",
        }


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _model_field_of(field):
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


class ContractSchema(AutoSchema):
    """Adds the error answers each operation can give, all in the `Error` shape."""

    def error_statuses(self) -> dict[str, str]:
        statuses = {
            "401": "No valid credentials were given.",
            "429": "Too many requests; try again later.",
        }
        has_input = self.method in WRITE_METHODS or self._get_filter_parameters()
        if has_input:
            statuses["400"] = "The input is not valid; `errors` says what, field by field."
        if "{" in self.path:
            statuses["404"] = "No such object, or not one the caller may see (the same answer)."
        elif self.method == "GET" and self._is_list_view() and self._get_paginator():
            statuses["404"] = "The cursor is not valid (`Invalid cursor`)."
        if self.method in WRITE_METHODS:
            statuses["403"] = "The caller may see the object but not do this; `detail` says why."
            statuses["409"] = (
                "The record's state does not allow this now, or it changed since it was read."
            )
            statuses["415"] = "The request body is not in the format this operation takes."
        # A view names what else an action of its answers, e.g. a 404 for a subject named in
        # the body (`error_statuses_by_action = {"create": {"404": "..."}}`).
        extra = getattr(self.view, "error_statuses_by_action", {})
        statuses.update(extra.get(getattr(self.view, "action", None), {}))
        return statuses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # DRF drops `allow_blank` from read-only model fields, but a blank choice is still
        # answered (a pilot's first status change comes from ""): declare it as it is.
        if isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank:
            model_field = _model_field_of(field)
            if model_field is not None and model_field.blank:
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for status_code, description in self.error_statuses().items():
            operation["responses"].setdefault(
                status_code,
                {"content": {"application/json": {"schema": error}}, "description": description},
            )
        return operation

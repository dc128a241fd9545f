"""Errors that services raise and every interface answers the same way."""

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The request is fine in itself but the record's state refuses it: a workflow move that
    is not allowed now, or an edit based on an old version. Pages show the message; the API
    answers 409."""

"""One way for a page to validate forms, validate inline (htmx) and save through a service."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

VALIDATE_FLAG = "_validate"


def _touched_fields(request):
    return {name for name, value in request.POST.items() if value.strip()}


def edit_page(
    request, *, forms: list, save: Callable, template: str, context: dict, success_message: str
):
    """GET shows the forms; POST validates them and calls `save()` (a service call).

    An htmx POST carrying `_validate` only validates and answers the errors of the fields the
    user has filled in, swapped out-of-band beside each field, so nothing is saved and the
    user's focus stays where it is. Errors a service raises are shown on the forms; nothing is
    saved then either.
    """
    if request.method == "POST":
        # Validate every form (not all() on a generator) so each one shows its errors.
        valid = all([form.is_valid() for form in forms])  # noqa: C419
        if request.htmx and VALIDATE_FLAG in request.POST:
            return render(
                request,
                "includes/form_errors_oob.html",
                {"forms": forms, "touched": _touched_fields(request)},
            )
        if valid:
            try:
                with transaction.atomic():
                    saved = save()
            except ValidationError as exc:
                _attach_errors(forms, exc)
            else:
                messages.success(request, success_message)
                return redirect(saved.get_absolute_url())
        return render(request, template, {**context, "forms": forms}, status=400)
    return render(request, template, {**context, "forms": forms})


def _attach_errors(forms, exc: ValidationError):
    main = forms[0]
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = next((form for form in forms if field in form.fields), main)
            target.add_error(field if field in target.fields else None, errors)
    else:
        main.add_error(None, exc)


def error_text(exc) -> str:
    """A refusal from a service, as a sentence for a message."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


def run_action(request, redirect_to: str, action: Callable, success_message: str):
    """Run a service for a POSTed button; its refusal becomes an error message and nothing
    changes (one transaction)."""
    try:
        with transaction.atomic():
            action()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, success_message)
    return redirect(redirect_to)


def run_move(request, moves: dict, move: str, subject, redirect_to: str):
    """A POSTed form that moves `subject` on (confirm, return, verify…): `moves[move]` is
    (form class, service(actor, subject, cleaned_data), success message). An invalid form
    becomes an error message; the service runs through run_action."""
    form_class, service, message = moves[move]
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(redirect_to)
    return run_action(
        request,
        redirect_to,
        lambda: service(request.user, subject, form.cleaned_data),
        message,
    )


def form_errors_text(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)

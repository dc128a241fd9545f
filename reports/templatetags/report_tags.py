"""Template tags of the report pages: the "PDF" request button other pages include."""

from django import template

from reports import services
from reports.models import ReportLanguage

register = template.Library()


@register.inclusion_tag("reports/_request.html", takes_context=True)
def report_request_button(context, kind, subject):
    """The form that asks for a `kind` report about `subject`, with a choice of language;
    nothing for a user who may not ask for it."""
    user = context["request"].user
    allowed = (
        subject is not None
        and user.is_authenticated
        and services.subject_queryset(user, kind).filter(pk=subject.pk).exists()
    )
    return {
        "allowed": allowed,
        "kind": kind,
        "subject": subject,
        "languages": ReportLanguage.choices,
        "default_language": services.default_language(),
        "csrf_token": context.get("csrf_token"),
    }

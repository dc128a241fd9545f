"""Rendering a report's PDF: the one entry point the report pipeline calls (issue 12).

`render_report_pdf` reads the content as the requester may see it (reports.content), renders
`templates/reports/pdf/<kind>.html` in the requested language and lays it out with WeasyPrint
through the static-only URL fetcher (reports.pdf). It holds no state between calls: two
requesters get two renders, never a copy made for the other.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from metrics import money

from . import content, pdf

REPORT_KINDS = ("pilot_summary", "programme_summary", "supplier_progress")
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


class RenderError(Exception):
    """A data or template error while rendering a report, with a readable message."""


def subject_queryset(kind):
    """The unscoped queryset of the model whose pk is the subject id of `kind`."""
    from pilots.models import Pilot, Programme
    from suppliers.models import Organisation

    querysets = {
        "pilot_summary": Pilot.objects.all,
        "programme_summary": Programme.objects.all,
        "supplier_progress": lambda: Organisation.objects.filter(kind="customer"),
    }
    if kind not in querysets:
        raise ValueError(f"Unknown report kind {kind!r}")
    return querysets[kind]()


def visible_subjects(kind, user):
    """The subjects of `kind` that `user` may ask a report about (the rest answer 404)."""
    from csrplatform import access

    if kind == "supplier_progress":
        return content.customers_for(user)
    return access.scope(user, subject_queryset(kind))


def render_report_html(*, kind: str, subject_id: int, user, language: str, on_progress=None):
    """The report's HTML (what `render_report_pdf` lays out), in `language`."""
    if kind not in REPORT_KINDS:
        raise ValueError(f"Unknown report kind {kind!r}")
    if language not in LANGUAGES:
        raise ValueError(f"Unknown language {language!r}")

    def progress(percent):
        if on_progress is not None:
            on_progress(percent)

    with override(language):
        try:
            context = content.BUILDERS[kind](user, subject_id, progress)
            html = render_to_string(
                f"reports/pdf/{kind}.html",
                {
                    **context,
                    "kind": kind,
                    "language": language,
                    "requested_by": user,
                    "generated_at": timezone.now(),
                    "report_static": pdf.REPORT_STATIC_URL,
                    "usd_rule": _(
                        "USD figures are rounded half up to whole dollars; original amounts "
                        "keep their cents."
                    ),
                },
            )
        except Http404:
            raise
        except (TemplateDoesNotExist, TemplateSyntaxError, ImproperlyConfigured) as exc:
            raise RenderError(
                _("The report template could not be rendered: %(error)s") % {"error": exc}
            ) from exc
        except money.MissingRate as exc:
            raise RenderError(" ".join(exc.messages)) from exc
    progress(75)
    return html


def render_report_pdf(*, kind: str, subject_id: int, user, language: str, on_progress=None):
    """The PDF of `kind` about subject `subject_id` as `user` may see it, in `language`
    ("en" or "zh-hans"). Raises Http404 when the user may not see the subject (the same as a
    missing one); RenderError for a data or template error; calls `on_progress(percent)` as
    sections are done."""
    html = render_report_html(
        kind=kind, subject_id=subject_id, user=user, language=language, on_progress=on_progress
    )
    try:
        data = pdf.render_pdf(html, on_progress=on_progress)
    except (ValueError, TypeError, AssertionError) as exc:
        raise RenderError(_("The PDF could not be laid out: %(error)s") % {"error": exc}) from exc
    if on_progress is not None:
        on_progress(100)
    return data

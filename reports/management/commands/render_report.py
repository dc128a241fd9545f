"""Render a report to a file, now, as a given user may see it (for scripts)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import translation

from reports import render, services
from reports.models import ReportKind, ReportLanguage


class Command(BaseCommand):
    help = (
        "Render a PDF report synchronously to a file, with what the given user may see: "
        "render_report --kind pilot_summary --subject 3 --user facilitator@example.org "
        "--language en --output pilot.pdf"
    )

    def add_arguments(self, parser):
        parser.add_argument("--kind", required=True, choices=ReportKind.values)
        parser.add_argument(
            "--subject", required=True, type=int, help="The pilot, programme or customer id."
        )
        parser.add_argument("--user", required=True, help="The e-mail of whom it is for.")
        parser.add_argument(
            "--language", default=ReportLanguage.ENGLISH, choices=ReportLanguage.values
        )
        parser.add_argument("--output", required=True, help="The PDF file to write.")

    def handle(self, *args, kind, subject, user, language, output, **options):
        account = get_user_model().objects.filter(email__iexact=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user has the e-mail {user}.")
        try:
            # The same check as a request in the browser or the API.
            services.report_subject(account, kind, subject)
            with translation.override(language):
                pdf = render.render_report_pdf(
                    kind=kind, subject_id=subject, user=account, language=language
                )
        except Http404 as exc:
            raise CommandError(
                f"{user} may not see a {kind} subject with the id {subject}."
            ) from exc
        except render.RenderError as exc:
            raise CommandError(f"The report could not be rendered: {exc}") from exc
        Path(output).write_bytes(pdf)
        self.stdout.write(f"Wrote {len(pdf)} bytes to {output}.")

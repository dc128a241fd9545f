"""The report PDFs read back (issue 12, points 2 to 6): the demo's mentorship pilot, the
programme summary and customer A's supplier-progress report, each as the requester may see it.

The demo is loaded once for this module, inside a transaction rolled back at the end, and
every PDF is rendered once; the tests read the PDFs' text back (pypdf) and compare it with the
figures the platform computes (metrics.figures), never with hand-copied numbers.
"""

import re
from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.http import Http404

from audits.models import CorrectiveAction
from audits.selectors import BOARD_COLUMNS, board_column_conditions
from csrplatform.accounts.models import Membership, User
from metrics import figures
from metrics.charts import number_text
from metrics.exports import difference, usd
from metrics.views import _resource_table
from pilots import demo
from pilots import services as pilot_services
from pilots.choices import DocumentKind, Visibility
from pilots.models import Pilot, Programme
from reports.render import RenderError, render_report_pdf
from tests.reports.pdf_helpers import page_texts, pdf_text

FACILITATOR_ONLY_TITLE = "Facilitator-only note on the supplier's commitment"
SECTION_HEADINGS = (
    "Context and objectives",
    "Process and phases",
    "Success factors",
    "Challenges",
    "Measurement of outcomes, costs and benefits",
    "Outcomes",
    "Key performance indicators",
    "Capability improvements",
    "Participation outcomes",
    "Cost-benefit analysis",
    "Audit findings and corrective actions",
    "Implications for future activities",
    "Pilot metrics",
    "Achievement of objectives",
    "Capabilities to initiate long-term change",
    "Continuation",
)


@dataclass
class Rendered:
    """The PDFs of the demo and the figures the platform computes for them."""

    texts: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    progress: list = field(default_factory=list)
    refused: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)


def _render(kind, subject_id, user, language="en", on_progress=None) -> bytes:
    return render_report_pdf(
        kind=kind, subject_id=subject_id, user=user, language=language, on_progress=on_progress
    )


def _refusal(kind, subject_id, user) -> str | None:
    """The 404's message, or None when the report renders."""
    try:
        _render(kind, subject_id, user)
    except Http404 as exc:
        return str(exc)
    return None


def _facilitator_only_document(facilitator, pilot):
    return pilot_services.document_upload(
        actor=facilitator,
        pilot=pilot,
        upload=SimpleUploadedFile(
            "facilitator-note.pdf", demo._pdf("Facilitator note"), content_type="application/pdf"
        ),
        title=FACILITATOR_ONLY_TITLE,
        kind=DocumentKind.OTHER,
        visibility=Visibility.FACILITATOR_ONLY,
    )


def _board_counts(user, customer, supplier_org_name):
    """Customer A's corrective actions at one supplier per board column, as `user` sees them."""
    from django.db.models import Q
    from django.utils import timezone

    actions = (
        CorrectiveAction.objects.visible_to(user)
        .filter(
            Q(finding__audit__commissioned_by=customer)
            | Q(
                finding__audit__shares__customer=customer,
                finding__audit__shares__withdrawn_at__isnull=True,
            ),
            finding__audit__facility__supplier__organisation__name=supplier_org_name,
        )
        .distinct()
    )
    conditions = board_column_conditions(timezone.localdate())
    return {
        str(label): list(actions.filter(conditions[key]).values_list("action", flat=True))
        for key, label in BOARD_COLUMNS
    }


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker):
    result = Rendered()
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=StringIO())
        users = {
            key: User.objects.get(email=email)
            for key, email in {
                "facilitator": demo.FACILITATOR_EMAIL,
                "customer_a": "customer-a@example.org",
                "customer_b": "customer-b@example.org",
                "supplier": "supplier@example.org",
                "ngo": "ngo@example.org",
            }.items()
        }
        facilitator = users["facilitator"]
        mentorship = Pilot.objects.get(title=demo.MENTORSHIP)
        programme = Programme.objects.get(title=demo.PROGRAMME["title"])
        customer_a = Membership.objects.get(user=users["customer_a"]).organisation
        _facilitator_only_document(facilitator, mentorship)

        for name, kind, subject, user, language in (
            ("pilot", "pilot_summary", mentorship.pk, facilitator, "en"),
            ("pilot_customer_a", "pilot_summary", mentorship.pk, users["customer_a"], "en"),
            ("pilot_zh", "pilot_summary", mentorship.pk, facilitator, "zh-hans"),
            ("programme", "programme_summary", programme.pk, facilitator, "en"),
            ("programme_customer_a", "programme_summary", programme.pk, users["customer_a"], "en"),
            ("progress", "supplier_progress", customer_a.pk, users["customer_a"], "en"),
            ("progress_facilitator", "supplier_progress", customer_a.pk, facilitator, "en"),
        ):
            calls = []
            data = _render(kind, subject, user, language, on_progress=calls.append)
            assert data.startswith(b"%PDF")
            result.texts[name] = pdf_text(data)
            result.pages[name] = page_texts(data)
            result.progress.append(calls)

        for name, kind, subject, user in (
            ("pilot_ngo", "pilot_summary", mentorship.pk, users["ngo"]),
            ("pilot_missing", "pilot_summary", 10**9, facilitator),
            ("progress_customer_b", "supplier_progress", customer_a.pk, users["customer_b"]),
            ("progress_supplier", "supplier_progress", customer_a.pk, users["supplier"]),
            ("progress_ngo", "supplier_progress", customer_a.pk, users["ngo"]),
        ):
            result.refused[name] = _refusal(kind, subject, user)

        # What the platform computes, for the tests to compare with.
        expected = result.expected
        expected["kpis"] = [
            (
                row.indicator.name,
                number_text(row.baseline.value),
                number_text(row.latest.value),
                number_text(row.pct_change, 1),
            )
            for row in figures.pilot_kpis(facilitator, mentorship)
        ]
        cost = figures.pilot_cost_benefit(facilitator, mentorship)
        expected["pilot_total_usd"] = usd(cost.total.usd_exact).display
        expected["pilot_lines"] = [
            (line.item.description, usd(line.converted.usd_exact).display)
            for line in cost.hard + cost.soft
            if line.converted is not None
        ]
        expected["pilot_received"] = [benefit.description for benefit, _c in cost.received]
        training = figures.pilot_cost_benefit(facilitator, Pilot.objects.get(title=demo.TRAINING))
        expected["training_total"] = (
            sorted(training.total.by_currency.items()),
            usd(training.total.usd_exact).display,
        )
        expected["training_rates"] = [rate.describe(c) for c, rate in training.rates]
        hotline = figures.pilot_cost_benefit(facilitator, Pilot.objects.get(title=demo.HOTLINE))
        expected["hotline_rates"] = [rate.describe(c) for c, rate in hotline.rates]
        expected["hotline_lines"] = [
            (line.item.currency_id, line.item.amount, usd(line.converted.usd_exact).display)
            for line in hotline.hard
        ]
        analysis = figures.resource_analysis(facilitator, programme)
        # The rows as the programme dashboard's table writes them (pilot, borne by, FTE,
        # person-days, USD, USD as stated, difference).
        expected["resource_rows"] = [
            " ".join(cell.display for cell in row) for row in _resource_table(analysis).rows
        ]
        expected["resource_usd"] = [usd(row.usd.computed).display for row in analysis.rows]
        expected["resource_total"] = (
            usd(analysis.total.computed).display,
            usd(analysis.total.stated).display,
            difference(analysis.total.difference).display,
        )
        expected["participation"] = [
            (
                row.label,
                "—" if row.expected is None else str(row.expected),
                number_text(row.actual.computed, 0),
                row.actual.stated_text,
            )
            for row in figures.stakeholder_participation(facilitator, programme)
        ]
        expected["pilot_suppliers"] = {
            pilot.title: pilot.supplier.organisation.name
            for pilot in programme.pilots.select_related("supplier__organisation")
        }
        expected["pilot_titles"] = list(
            programme.pilots.order_by("id").values_list("title", flat=True)
        )
        expected["customer_a_pilots"] = list(
            Pilot.objects.visible_to(users["customer_a"])
            .filter(programme=programme)
            .values_list("title", flat=True)
        )
        expected["board"] = _board_counts(
            users["customer_a"], customer_a, "Mentorship pilot supplier"
        )
        expected["customer_a"] = customer_a.name
        transaction.set_rollback(True)
    return result


# --- the pilot summary ----------------------------------------------------------------------------


def test_the_pilot_summary_follows_the_shape_of_the_report(rendered):
    text = rendered.texts["pilot"]
    positions = [text.find(heading) for heading in SECTION_HEADINGS]
    assert -1 not in positions, [
        h for h, p in zip(SECTION_HEADINGS, positions, strict=True) if p < 0
    ]
    assert positions == sorted(positions)  # in the order of seeds/000's pilot sections
    assert "Pilot summary" in text  # the cover
    assert "agreed on" in text  # the phase's agreement, with its date
    assert "Phase 1: Set up the CSR management system (PDCA)" in text


def test_the_pilot_summary_has_the_kpi_table_and_its_charts(rendered):
    text = rendered.texts["pilot"]
    for name, baseline, latest, pct in rendered.expected["kpis"]:
        assert re.search(
            rf"{re.escape(name)} .*?{re.escape(baseline)} .*?{re.escape(latest)}", text
        )
        assert pct in text
    # The chart is SVG with its text kept as text: its axis labels are in the PDF.
    assert "Baseline" in text
    assert "Actual" in text


def test_the_pilot_summary_has_its_costs_in_usd_and_its_benefits(rendered):
    text = rendered.texts["pilot"]
    assert f"Total actual costs: USD {rendered.expected['pilot_total_usd']}" in text
    for description, usd_text in rendered.expected["pilot_lines"]:
        assert re.search(
            rf"{re.escape(description)} .*?USD {re.escape(usd_text)} {re.escape(usd_text)}", text
        )
    for description in rendered.expected["pilot_received"]:
        assert description in text
    assert "All amounts are in US dollars" in text


def test_the_pilot_summary_names_the_findings_that_led_to_it(rendered):
    text = rendered.texts["pilot"]
    assert "The pilot started from this finding." in text
    assert "Overtime wages are paid late" in text


def test_facilitator_only_documents_are_only_in_the_facilitators_pdf(rendered):
    assert FACILITATOR_ONLY_TITLE in rendered.texts["pilot"]
    assert "Facilitator only" in rendered.texts["pilot"]
    assert FACILITATOR_ONLY_TITLE not in rendered.texts["pilot_customer_a"]
    # Same pilot, same sections otherwise.
    assert "Cost-benefit analysis" in rendered.texts["pilot_customer_a"]
    assert "Customer A buyer" in rendered.texts["pilot_customer_a"]  # prepared for


def test_the_pilot_summary_renders_in_chinese(rendered):
    text = rendered.texts["pilot_zh"]
    assert "2008年3月1日" in text  # the phase's start, in the Chinese date format
    assert "进行中" in text  # the pilot's status, translated
    assert "2008年" not in rendered.texts["pilot"]


def test_progress_is_reported_up_to_100(rendered):
    for calls in rendered.progress:
        assert calls == sorted(calls)
        assert calls[-1] == 100
        assert len(calls) >= 3


def test_a_pilot_the_user_may_not_see_is_a_404_like_a_missing_one(rendered):
    assert rendered.refused["pilot_ngo"] is not None
    assert rendered.refused["pilot_ngo"] == rendered.refused["pilot_missing"]


# --- the programme summary ------------------------------------------------------------------------


def test_the_programme_summary_has_a_table_of_contents_with_page_numbers(rendered):
    pages = rendered.pages["programme"]
    contents = next(page for page in pages if page.startswith("Contents"))
    # Each heading with the words that follow it on its page (the running header repeats a
    # section's title on the pages after it: the heading alone would not tell).
    openings = {
        "Stakeholder participation": "Stakeholder participation Organisations expected",
        "Resource analysis": "Resource analysis Pilot Borne by",
        **{
            title: f"{title} {supplier}"
            for title, supplier in rendered.expected["pilot_suppliers"].items()
        },
    }
    for title, opening in openings.items():
        match = re.search(rf"{re.escape(title)} \.+ (\d+)", contents)
        assert match, title
        assert opening in pages[int(match.group(1)) - 1], title


def test_the_programme_summary_has_the_participation_table(rendered):
    text = rendered.texts["programme"]
    assert "Stakeholder participation" in text
    for label, expected, computed, stated_text in rendered.expected["participation"]:
        assert f"{label} {expected} {computed}" in text
        if stated_text:
            assert stated_text in text


def test_the_programme_summary_has_the_resource_analysis(rendered):
    text = rendered.texts["programme"]
    assert rendered.expected["resource_usd"][:2] == ["74,949", "860"]  # seeds/000 §V.3
    for row in rendered.expected["resource_rows"]:
        assert row in text
    computed, stated, diff = rendered.expected["resource_total"]
    assert f"Total — — — {computed} {stated} {diff}" in text
    assert f"The rows add up to USD {computed}, while the source states USD {stated}" in text


def test_the_programme_summary_has_original_currencies_and_the_rate_note(rendered):
    text = rendered.texts["programme"]
    by_currency, total_usd = rendered.expected["training_total"]
    originals = " + ".join(f"{currency} {number_text(amount)}" for currency, amount in by_currency)
    assert f"Total actual costs: {originals} = USD {total_usd}" in text
    for currency, amount, usd_text in rendered.expected["hotline_lines"]:
        assert f"{currency} {number_text(amount)} {usd_text}" in text
    for rate in rendered.expected["training_rates"] + rendered.expected["hotline_rates"]:
        assert f"Exchange rates used: {rate}" in text
    assert "1 HKD = 0.128295 USD" in text


def test_the_programme_summary_holds_every_pilot_for_the_facilitator_only_its_own_for_a_customer(
    rendered,
):
    facilitator, customer = rendered.texts["programme"], rendered.texts["programme_customer_a"]
    for title in rendered.expected["pilot_titles"]:
        assert title in facilitator
    assert rendered.expected["customer_a_pilots"] == [demo.MENTORSHIP]
    assert demo.MENTORSHIP in customer
    for title in set(rendered.expected["pilot_titles"]) - {demo.MENTORSHIP}:
        assert title not in customer


# --- the supplier-progress report -----------------------------------------------------------------


def test_customer_a_gets_its_suppliers_progress(rendered):
    text = rendered.texts["progress"]
    assert rendered.expected["customer_a"] in text
    assert "Mentorship pilot supplier" in text
    board = rendered.expected["board"]
    assert any(board.values())
    counts = " ".join(str(len(actions)) for actions in board.values())
    assert f"Mentorship pilot supplier 1 {counts} 1" in text  # tier, each column, pilots
    for label, actions in board.items():
        if actions:
            assert f"{label} ({len(actions)})" in text
        for action in actions:
            assert action[:60] in text
    assert demo.MENTORSHIP in text
    for name, baseline, latest, _pct in rendered.expected["kpis"]:
        assert f"{name}" in text
        assert f"{baseline} {latest}" in text


def test_the_facilitator_gets_the_same_customers_view(rendered):
    # The facilitator sees every audit, but the report is of customer A's audits and pilots.
    facilitator = rendered.texts["progress_facilitator"]
    assert facilitator.split("Summary", 1)[1] == rendered.texts["progress"].split("Summary", 1)[1]


def test_anyone_else_gets_a_404_for_customer_as_report(rendered):
    for name in ("progress_customer_b", "progress_supplier", "progress_ngo"):
        assert rendered.refused[name] is not None, name


# --- faults ---------------------------------------------------------------------------------------


def test_a_template_error_is_a_render_error_with_a_readable_message(
    settings, tmp_path, pilots, world
):
    broken = tmp_path / "reports" / "pdf"
    broken.mkdir(parents=True)
    (broken / "pilot_summary.html").write_text("{% if %}broken{% endif %}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    with pytest.raises(RenderError, match="could not be rendered"):
        _render("pilot_summary", pilots.pilot_x.pk, world.users["facilitator"])


def test_an_unknown_kind_or_language_is_refused(pilots, world):
    with pytest.raises(ValueError, match="kind"):
        _render("everything", pilots.pilot_x.pk, world.users["facilitator"])
    with pytest.raises(ValueError, match="language"):
        _render("pilot_summary", pilots.pilot_x.pk, world.users["facilitator"], language="fr")


# --- building blocks -----------------------------------------------------------------------------


def test_narrative_text_becomes_paragraphs_and_bullets():
    from reports.content import Block, narrative

    text = "First paragraph\ngoes on.\n\n- one\n- two\n  wrapped\nAfter the list.\n\n\n- last"
    assert narrative(text) == [
        Block(text="First paragraph goes on."),
        Block(items=("one", "two wrapped")),
        Block(text="After the list."),
        Block(items=("last",)),
    ]
    assert narrative("") == []


def test_the_supplier_progress_report_details_the_most_pressing_suppliers_first(
    monkeypatch, audits, pilots, world
):
    from reports import content
    from tests.factories import RelationshipFactory, SupplierFactory

    quiet = SupplierFactory(organisation__name="Aardvark quiet supplier")
    RelationshipFactory(customer=world.customer_a, supplier=quiet, tier=1)
    monkeypatch.setattr(content, "SUPPLIERS_DETAILED", 1)

    text = pdf_text(_render("supplier_progress", world.customer_a.pk, world.users["customer_a"]))

    summary, details = text.split("The next pages detail the first 1 of them.", 1)
    # Supplier X has an open action, so it comes before the alphabetically first supplier.
    assert summary.index("Supplier X 1 1 0 0 0 1") < summary.index("Aardvark quiet supplier")
    assert "Delegate overtime approval to the factory" in details
    assert "Aardvark quiet supplier" not in details
    assert "Set up an EHS committee" not in text  # customer B's audit at supplier Y

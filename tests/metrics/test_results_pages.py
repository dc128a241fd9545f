"""The results framework in the browser: a facilitator adds and changes outcomes, outputs and
their indicators from the results page (bad input refused naming the field, nothing saved);
nobody else reaches those pages; the results page and the programme page chart the latest
progress report's judgements; the results tables read back from XLSX."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from csrplatform.accounts.models import Role
from metrics import services
from metrics.models import ResultIndicator, ResultItem
from pilots import services as pilot_services
from tests.factories import OrganisationFactory, member
from tests.metrics.test_results import RATINGS_14, build_framework


@pytest.fixture
def results(world, pilots):
    """The 14-indicator framework of test_results on the `pilots` programme, the stated
    share, a second programme (facilitator only) with one outcome and indicator, and an
    outsider and a viewer of the facilitator organisation."""
    facilitator = world.users["facilitator"]
    world.users["outsider"] = member(
        OrganisationFactory(name="Outsider", kind="customer"), email="outsider@example.org"
    )
    world.users["viewer"] = member(
        world.facilitator_org, Role.VIEWER, email="facilitator-viewer@example.org"
    )
    outcome, outputs, indicators, _early, late = build_framework(
        facilitator, pilots.programme, ratings=RATINGS_14
    )
    services.stated_figure_save(
        actor=facilitator,
        programme=pilots.programme,
        kind="share_indicators_met",
        value=Decimal("86"),
        text="12 out of 14 (86%)",
        source="seeds/004 evaluation",
    )
    other = pilot_services.programme_save(
        actor=facilitator, title="Value chains programme", facilitator=world.facilitator_org
    )
    other_item = services.result_item_save(
        actor=facilitator, programme=other, level="outcome", code="9", title="Other outcome"
    )
    other_indicator = services.result_indicator_save(
        actor=facilitator, result_item=other_item, name="Other indicator"
    )
    return type(
        "Results",
        (),
        {
            "programme": pilots.programme,
            "outcome": outcome,
            "outputs": outputs,
            "indicators": indicators,
            "latest": late,
            "other": other,
            "other_item": other_item,
            "other_indicator": other_indicator,
        },
    )


def url(name, *args):
    return reverse(f"metrics:{name}", args=args)


def errors_of(response, field) -> str:
    """The text of the errors shown beside `field` (the form's error slot for it)."""
    body = response.content.decode()
    match = re.search(rf'<div id="errors-{field}">(.*?)</div>', body, re.DOTALL)
    assert match, f"no error slot for {field}"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def svg_texts(html: str, chart_id: str) -> list[str]:
    match = re.search(rf'<svg\b[^>]*aria-labelledby="{chart_id}-title.*?</svg>', html, re.DOTALL)
    assert match, f"no chart {chart_id}"
    return re.findall(r"<text[^>]*>([^<]*)</text>", match.group(0))


# --- adding and changing outcomes, outputs and indicators ---------------------------------------


def test_the_facilitator_adds_an_outcome_an_output_and_an_indicator(results, page_client):
    client = page_client("facilitator")
    programme = results.programme
    page = client.get(url("programme-results", programme.pk)).content.decode()
    assert url("result-item-add", programme.pk) in page
    assert url("result-indicator-add", programme.pk) in page

    response = client.post(
        url("result-item-add", programme.pk),
        {"level": "outcome", "code": "2", "title": "Social dialogue", "parent": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == url("programme-results", programme.pk)
    outcome = ResultItem.objects.get(programme=programme, code="2")
    assert (outcome.level, outcome.title, outcome.parent) == ("outcome", "Social dialogue", None)

    # the link from an outcome preselects it as the parent of a new output
    form = client.get(url("result-item-add", programme.pk), {"parent": outcome.pk}).content
    assert f'<option value="{outcome.pk}" selected>' in form.decode()
    client.post(
        url("result-item-add", programme.pk),
        {"level": "output", "code": "2.1", "title": "Committees set up", "parent": outcome.pk},
    )
    output = ResultItem.objects.get(programme=programme, code="2.1")
    assert output.parent == outcome

    response = client.post(
        url("result-indicator-add", programme.pk),
        {
            "result_item": output.pk,
            "name": "Committees meeting monthly",
            "unit": "committees",
            "baseline": "0",
            "target": "12",
            "actual": "7.5",
            "order": "1",
        },
    )
    assert response.status_code == 302
    indicator = ResultIndicator.objects.get(name="Committees meeting monthly")
    assert (indicator.result_item, indicator.baseline, indicator.target, indicator.actual) == (
        output,
        Decimal("0"),
        Decimal("12"),
        Decimal("7.5"),
    )

    page = client.get(url("programme-results", programme.pk)).content.decode()
    assert "— Committees set up" in page
    assert f'href="{url("result-item-edit", output.pk)}"' in page
    assert f'href="{url("result-indicator-edit", indicator.pk)}"' in page


def test_the_facilitator_changes_an_indicator_and_an_output(results, page_client):
    client = page_client("facilitator")
    indicator = results.indicators[0]
    edit = url("result-indicator-edit", indicator.pk)
    form = client.get(edit)
    assert form.status_code == 200
    assert 'value="Indicator 1"' in form.content.decode()

    response = client.post(
        edit,
        {
            "result_item": results.outputs[1].pk,
            "name": "Indicator 1",
            "unit": "enterprises",
            "baseline": "0",
            "target": "10",
            "actual": "9",
            "order": "0",
        },
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert (indicator.actual, indicator.result_item) == (Decimal("9"), results.outputs[1])

    output = results.outputs[0]
    response = client.post(
        url("result-item-edit", output.pk),
        {"level": "output", "code": "1.1", "title": "Enterprises trained", "parent": ""},
    )
    assert response.status_code == 302
    output.refresh_from_db()
    assert (output.title, output.parent) == ("Enterprises trained", None)


def test_a_number_used_twice_is_refused_beside_the_number(results, page_client):
    client = page_client("facilitator")
    response = client.post(
        url("result-item-add", results.programme.pk),
        {"level": "output", "code": "1.1", "title": "Twice", "parent": results.outcome.pk},
    )

    assert response.status_code == 400
    assert "This number is already used in the programme." in errors_of(response, "code")
    assert not ResultItem.objects.filter(title="Twice").exists()
    # the other programme's number 9 is no obstacle here
    ok = client.post(
        url("result-item-add", results.programme.pk),
        {"level": "outcome", "code": "9", "title": "Nine", "parent": ""},
    )
    assert ok.status_code == 302


def test_an_item_under_itself_or_its_own_output_is_refused_naming_the_parent(results, page_client):
    client = page_client("facilitator")
    outcome = results.outcome
    response = client.post(
        url("result-item-edit", outcome.pk),
        {"level": "outcome", "code": "1", "title": "Decent work", "parent": results.outputs[0].pk},
    )

    assert response.status_code == 400
    assert "An item cannot sit under itself." in errors_of(response, "parent")
    outcome.refresh_from_db()
    assert outcome.parent is None


def test_bad_numbers_and_missing_fields_are_refused_naming_the_field(results, page_client):
    client = page_client("facilitator")
    add = url("result-indicator-add", results.programme.pk)
    response = client.post(
        add,
        {
            "result_item": results.outputs[0].pk,
            "name": "",
            "baseline": "about ten",
            "target": "12",
            "actual": "",
            "order": "0",
        },
    )

    assert response.status_code == 400
    assert "Baseline: enter a number." in errors_of(response, "baseline")
    assert "required" in errors_of(response, "name")
    assert errors_of(response, "target").strip() == ""
    assert ResultIndicator.objects.count() == 15  # 14 and the other programme's, no more


def test_an_outcome_of_another_programme_is_not_offered_and_is_refused(results, page_client):
    client = page_client("facilitator")
    add = url("result-indicator-add", results.programme.pk)
    form = client.get(add).content.decode()
    assert "Other outcome" not in form

    response = client.post(
        add, {"result_item": results.other_item.pk, "name": "Smuggled", "order": "0"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in errors_of(response, "result_item")
    assert not ResultIndicator.objects.filter(name="Smuggled").exists()

    parent = client.post(
        url("result-item-add", results.programme.pk),
        {"level": "output", "code": "3", "title": "Smuggled", "parent": results.other_item.pk},
    )
    assert parent.status_code == 400
    assert "Select a valid choice" in errors_of(parent, "parent")
    assert not ResultItem.objects.filter(title="Smuggled").exists()


def test_the_indicator_page_of_another_programme_s_row_edits_it_there(results, page_client):
    """The programme of an edit page is the row's own: its outcomes are the ones offered."""
    form = page_client("facilitator").get(url("result-indicator-edit", results.other_indicator.pk))
    body = form.content.decode()

    assert form.status_code == 200
    assert "Other outcome" in body
    assert "Decent work" not in body


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo", "outsider", "viewer"])
def test_no_one_but_the_facilitator_s_editors_reaches_the_entry_pages(results, page_client, role):
    client = page_client(role)
    pk = results.programme.pk
    pages = [
        url("result-item-add", pk),
        url("result-indicator-add", pk),
        url("result-item-edit", results.outcome.pk),
        url("result-indicator-edit", results.indicators[0].pk),
    ]
    missing = [
        url("result-item-add", 999_999),
        url("result-item-edit", 999_999),
        url("result-indicator-edit", 999_999),
    ]
    for page in pages + missing:
        assert client.get(page).status_code == 404, page
    before = (ResultItem.objects.count(), ResultIndicator.objects.count())
    assert (
        client.post(
            url("result-item-add", pk), {"level": "outcome", "code": "7", "title": "Mine"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            url("result-indicator-edit", results.indicators[0].pk),
            {"result_item": results.outputs[0].pk, "name": "Renamed", "order": "0"},
        ).status_code
        == 404
    )
    assert (ResultItem.objects.count(), ResultIndicator.objects.count()) == before
    results.indicators[0].refresh_from_db()
    assert results.indicators[0].name == "Indicator 1"


@pytest.mark.parametrize("role", ["customer_a", "ngo", "viewer"])
def test_those_who_only_see_the_framework_get_no_entry_links(results, page_client, role):
    page = page_client(role).get(url("programme-results", results.programme.pk))
    body = page.content.decode()

    assert page.status_code == 200
    assert "Decent work" in body
    assert "/edit/" not in body
    assert url("result-item-add", results.programme.pk) not in body
    assert url("result-indicator-add", results.programme.pk) not in body


# --- charts --------------------------------------------------------------------------------------


def test_the_results_page_charts_the_latest_report_s_judgements(results, page_client):
    body = page_client("customer_b").get(url("programme-results", results.programme.pk))
    drawn = svg_texts(body.content.decode(), "chart-judgements")

    assert [text for text in drawn if text in ("Met", "Mostly met", "Partly met", "Not met")] == [
        "Met",
        "Mostly met",
        "Partly met",
        "Not met",
    ]
    assert {"8", "4", "1"} <= set(drawn)
    assert any(text.startswith("12 of 14 judged met or mostly met: 85.7%") for text in drawn)


def test_the_programme_page_shows_the_results_section_with_its_chart(results, page_client):
    page = page_client("ngo").get(results.programme.get_absolute_url())
    body = page.content.decode()

    assert page.status_code == 200
    assert 'id="results-framework-section"' in body
    assert "12 of 14 indicators judged met or mostly met" in body
    assert "As stated: 86%" in body
    assert url("programme-results", results.programme.pk) in body
    drawn = svg_texts(body, "chart-judgements")
    assert {"Met", "8", "Not met", "1"} <= set(drawn)


def test_the_programme_page_without_reports_says_so_in_the_chart(world, pilots, page_client):
    services.stated_figure_save(
        actor=world.users["facilitator"],
        programme=pilots.programme,
        kind="share_indicators_met",
        value=Decimal("86"),
        text="12 out of 14 (86%)",
        source="Evaluation",
    )
    body = page_client("customer_a").get(pilots.programme.get_absolute_url()).content.decode()

    assert svg_texts(body, "chart-judgements") == [
        "No progress report recorded yet.",
        "As stated: 86% (12 out of 14 (86%); Evaluation)",
    ]
    assert "No progress report backs this figure." in body
    # the budget chart, with no budget lines, says so too
    assert svg_texts(body, "chart-budget-use") == ["No budget lines recorded."]


def test_a_report_judging_nothing_is_charted_as_such(results, world, page_client):
    services.progress_report_save(
        actor=world.users["facilitator"],
        programme=results.programme,
        date=date(2013, 6, 30),
        title="Progress 2013",
    )
    body = page_client("facilitator").get(url("programme-results", results.programme.pk))

    drawn = svg_texts(body.content.decode(), "chart-judgements")
    assert drawn[0] == "The latest progress report judges no indicator."


# --- exports -------------------------------------------------------------------------------------


def test_the_results_tables_read_back_from_xlsx(results, page_client):
    client = page_client("customer_a")
    response = client.get(
        url("programme-results", results.programme.pk), {"export": "xlsx", "table": "framework"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]

    assert rows[0] == [
        "Number",
        "Level",
        "Outcome, output or indicator",
        "Unit",
        "Baseline",
        "Target",
        "Actual",
        "Latest judgement",
    ]
    assert rows[1][:3] == ["1", "Outcome", "Decent work"]
    first_indicator = next(row for row in rows if row[2] == "Indicator 1")
    assert first_indicator == ["1.1", "Indicator", "Indicator 1", "enterprises", 0, 10, 0, "Met"]
    # one row per outcome or output and per indicator, as the CSV and the page have them
    assert len(rows) == 1 + 3 + 14

    everything = client.get(url("programme-results", results.programme.pk), {"export": "xlsx"})
    names = load_workbook(io.BytesIO(everything.content)).sheetnames
    assert names[:2] == ["framework", "shares"]
    assert f"report_{results.latest.pk}" in names


def test_an_outsider_gets_404_for_the_results_exports(results, page_client):
    client = page_client("outsider")
    for export in ({"export": "xlsx"}, {"export": "csv", "table": "framework"}):
        assert client.get(url("programme-results", results.programme.pk), export).status_code == 404

"""A programme's results framework: outcomes, outputs and their indicators, progress reports
with their judgements, the share of indicators met computed from the rows beside the stated
share; who sees and edits it (pages and API); bad input refused naming the field; the results
page in a constant number of queries."""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import figures as computed
from metrics import services
from metrics.models import Judgement, ProgressReport, ResultIndicator, ResultItem
from pilots import services as pilot_services
from tests.factories import OrganisationFactory, member

ROLES = ("facilitator", "customer_a", "customer_b", "supplier", "ngo", "outsider")
# Everyone in the `pilots` fixture sees its programme; only the facilitator sees the second
# programme (no pilots); the outsider sees neither.
SEES_MAIN = {"facilitator", "customer_a", "customer_b", "supplier", "ngo"}
# seeds/004: "12 out of 14 indicators fully/mostly met (86%)"
RATINGS_14 = ["met"] * 8 + ["mostly_met"] * 4 + ["partly_met", "not_met"]


@dataclass
class Framework:
    programme: object
    outcome: object
    outputs: list
    indicators: list
    report_2011: object
    report_2012: object
    other_programme: object
    other_indicator: object
    other_report: object
    other_judgement: object


def build_framework(actor, programme, *, indicators=14, ratings=None, prefix=""):
    """An outcome with two outputs and `indicators` indicators; a 2011 report judging the
    first two and a 2012 report judging all with `ratings`."""
    outcome = services.result_item_save(
        actor=actor, programme=programme, level="outcome", code=f"{prefix}1", title="Decent work"
    )
    outputs = [
        services.result_item_save(
            actor=actor,
            programme=programme,
            parent=outcome,
            level="output",
            code=f"{prefix}1.{number}",
            title=f"Output {number}",
        )
        for number in (1, 2)
    ]
    rows = [
        services.result_indicator_save(
            actor=actor,
            result_item=outputs[i % 2],
            name=f"{prefix}Indicator {i + 1}",
            unit="enterprises",
            baseline=Decimal(0),
            target=Decimal(10),
            actual=Decimal(i),
            order=i,
        )
        for i in range(indicators)
    ]
    early = services.progress_report_save(
        actor=actor, programme=programme, date=date(2011, 6, 30), title=f"{prefix}Progress 2011"
    )
    late = services.progress_report_save(
        actor=actor, programme=programme, date=date(2012, 6, 30), title=f"{prefix}Progress 2012"
    )
    for row in rows[:2]:
        services.judgement_save(
            actor=actor,
            progress_report=early,
            indicator=row,
            rating="partly_met",
            reasoning="Started",
            judged_on=date(2011, 6, 1),
        )
    ratings = ratings or ["met"] * indicators
    for row, rating in zip(rows, ratings, strict=True):
        services.judgement_save(
            actor=actor,
            progress_report=late,
            indicator=row,
            rating=rating,
            reasoning=f"As reported: {rating}",
            judged_on=date(2012, 6, 1),
        )
    return outcome, outputs, rows, early, late


@pytest.fixture
def framework(world, pilots):
    facilitator = world.users["facilitator"]
    world.users["outsider"] = member(
        OrganisationFactory(name="Outsider", kind="customer"), email="outsider@example.org"
    )
    outcome, outputs, rows, early, late = build_framework(
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
        actor=facilitator,
        title="Value chains programme",
        facilitator=world.facilitator_org,
        sector="Garments",
        region="Asia",
    )
    other_item = services.result_item_save(
        actor=facilitator, programme=other, level="outcome", code="1", title="Other outcome"
    )
    other_indicator = services.result_indicator_save(
        actor=facilitator, result_item=other_item, name="Other indicator"
    )
    other_report = services.progress_report_save(
        actor=facilitator, programme=other, date=date(2012, 1, 1), title="Other report"
    )
    other_judgement = services.judgement_save(
        actor=facilitator,
        progress_report=other_report,
        indicator=other_indicator,
        rating="met",
        judged_on=date(2012, 1, 1),
    )
    return Framework(
        pilots.programme,
        outcome,
        outputs,
        rows,
        early,
        late,
        other,
        other_indicator,
        other_report,
        other_judgement,
    )


def text_of(response) -> str:
    html = re.sub(r"<svg\b.*?</svg>", " ", response.content.decode(), flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def results_url(pk):
    return reverse("metrics:programme-results", args=[pk])


# --- computed share ------------------------------------------------------------------------------


def test_the_share_met_is_computed_from_the_judgements_per_report(world, framework):
    result = computed.results_framework(world.users["facilitator"], framework.programme)

    early, late = result.reports
    assert (early.judged, early.met, early.share) == (2, 0, Decimal("0.0"))
    assert late.counts == {"met": 8, "mostly_met": 4, "partly_met": 1, "not_met": 1}
    assert (late.judged, late.met, late.share) == (14, 12, Decimal("85.7"))
    # the latest report's share beside the stated one, and the difference shown
    assert result.latest_share.computed == Decimal("85.7")
    assert result.latest_share.stated == Decimal("86")
    assert result.latest_share.stated_text == "12 out of 14 (86%)"
    assert result.latest_share.difference == Decimal("-0.3")
    assert result.latest_share.differs


def test_the_tree_lists_outcomes_before_their_outputs_by_number(world, framework):
    facilitator = world.users["facilitator"]
    ten = services.result_item_save(
        actor=facilitator,
        programme=framework.programme,
        parent=framework.outcome,
        level="output",
        code="1.10",
        title="Output 10",
    )
    result = computed.results_framework(facilitator, framework.programme)
    assert [(item.code, depth) for item, depth in result.items] == [
        ("1", 0),
        ("1.1", 1),
        ("1.2", 1),
        (ten.code, 1),
    ]
    assert len(result.all_indicators) == 14


def test_a_report_that_judges_nothing_has_no_share(world, framework):
    facilitator = world.users["facilitator"]
    services.progress_report_save(
        actor=facilitator, programme=framework.programme, date=date(2013, 1, 1), title="Empty"
    )
    result = computed.results_framework(facilitator, framework.programme)
    assert result.latest.share is None
    assert result.latest_share.computed is None
    assert result.latest_share.difference is None


# --- bad input -----------------------------------------------------------------------------------


def _refused(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_a_judgement_without_a_date_is_refused_naming_the_field(world, framework):
    report = services.progress_report_save(
        actor=world.users["facilitator"],
        programme=framework.programme,
        date=date(2013, 1, 1),
        title="2013",
    )
    errors = _refused(
        lambda: services.judgement_save(
            actor=world.users["facilitator"],
            progress_report=report,
            indicator=framework.indicators[0],
            rating="met",
            judged_on=None,
        )
    )
    assert errors["judged_on"] == ["Give the date of the judgement."]
    assert not report.judgements.exists()


def test_a_rating_outside_the_list_is_refused_naming_the_field(world, framework):
    errors = _refused(
        lambda: services.judgement_save(
            actor=world.users["facilitator"],
            progress_report=framework.report_2011,
            indicator=framework.indicators[5],
            rating="brilliant",
            judged_on=date(2011, 6, 1),
        )
    )
    assert list(errors) == ["rating"]


def test_an_indicator_of_another_programme_is_refused_naming_the_field(world, framework):
    errors = _refused(
        lambda: services.judgement_save(
            actor=world.users["facilitator"],
            progress_report=framework.report_2011,
            indicator=framework.other_indicator,
            rating="met",
            judged_on=date(2011, 6, 1),
        )
    )
    assert errors["indicator"] == ["Choose an indicator of the report's programme."]


def test_a_report_judges_an_indicator_once(world, framework):
    errors = _refused(
        lambda: services.judgement_save(
            actor=world.users["facilitator"],
            progress_report=framework.report_2011,
            indicator=framework.indicators[0],
            rating="met",
            judged_on=date(2011, 6, 1),
        )
    )
    assert errors["__all__"] == ["This report already judges this indicator."]


def test_an_item_under_another_programme_s_item_is_refused(world, framework):
    errors = _refused(
        lambda: services.result_item_save(
            actor=world.users["facilitator"],
            programme=framework.other_programme,
            parent=framework.outcome,
            level="output",
            code="9",
            title="Misplaced",
        )
    )
    assert list(errors) == ["parent"]


def test_an_indicator_does_not_move_to_another_programme(world, framework):
    other_item = ResultItem.objects.get(programme=framework.other_programme)
    errors = _refused(
        lambda: services.result_indicator_save(
            actor=world.users["facilitator"],
            indicator=framework.indicators[0],
            result_item=other_item,
        )
    )
    assert list(errors) == ["result_item"]


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo", "outsider"])
def test_only_the_facilitator_records_the_framework(world, framework, role):
    user = world.users[role]
    with pytest.raises(PermissionDenied):
        services.result_item_save(
            actor=user, programme=framework.programme, level="outcome", code="7", title="No"
        )
    with pytest.raises(PermissionDenied):
        services.result_indicator_save(
            actor=user, result_item=framework.outcome, name="No", order=1
        )
    with pytest.raises(PermissionDenied):
        services.progress_report_save(
            actor=user, programme=framework.programme, date=date(2013, 1, 1), title="No"
        )
    with pytest.raises(PermissionDenied):
        services.judgement_save(
            actor=user,
            progress_report=framework.report_2011,
            indicator=framework.indicators[3],
            rating="met",
            judged_on=date(2011, 6, 1),
        )


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_results_page_answers_those_who_see_the_programme(world, framework, page_client, role):
    client = page_client(role)
    missing = client.get(results_url(framework.other_programme.pk + 999))
    main = client.get(results_url(framework.programme.pk))
    other = client.get(results_url(framework.other_programme.pk))

    assert missing.status_code == 404
    assert main.status_code == (200 if role in SEES_MAIN else 404)
    assert other.status_code == (200 if role == "facilitator" else 404)
    for hidden in [r for r in (main, other) if r.status_code == 404]:
        # the same page, but for the per-request token
        assert re.sub(r'value="[^"]{20,}"', "", text_of(hidden)) == re.sub(
            r'value="[^"]{20,}"', "", text_of(missing)
        )
        assert "Value chains programme" not in hidden.content.decode()


def test_the_results_page_shows_the_tree_the_judgements_and_the_shares(
    world, framework, page_client
):
    response = page_client("customer_b").get(results_url(framework.programme.pk))
    text = text_of(response)

    assert "Decent work" in text
    assert "— Output 1" in text
    assert "Indicator 14" in text
    assert "Progress 2011 (2011-06-30): judgements" in text
    assert "Progress 2012 (2012-06-30): judgements" in text
    assert "12 of 14 indicators judged met or mostly met: 85.7%" in text
    assert "As stated: 86% (12 out of 14 (86%); seeds/004 evaluation)." in text
    assert "Difference (computed minus stated): -0.3 points" in text
    # the shares table: the stated share and the difference on the latest report's row
    assert "−0.3" in text
    # only the facilitator may record a report
    assert "Record a progress report" not in text
    facilitator_page = text_of(page_client("facilitator").get(results_url(framework.programme.pk)))
    assert "Record a progress report" in facilitator_page


def test_the_results_tables_export_as_csv_and_xlsx(world, framework, page_client):
    client = page_client("facilitator")
    response = client.get(results_url(framework.programme.pk), {"export": "csv", "table": "shares"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["Progress report", "Date", "Indicators judged"]
    latest = rows[-1]
    assert latest[0] == "Progress 2012"
    # a cell starting with "-" is quoted against CSV injection (csrplatform.lists)
    assert latest[2:] == ["14", "8", "4", "1", "1", "85.7", "86", "'-0.3"]

    workbook = client.get(results_url(framework.programme.pk), {"export": "xlsx"})
    assert workbook.status_code == 200
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_dashboard_links_to_the_results_framework(world, framework, page_client):
    page = page_client("ngo").get(
        reverse("metrics:programme-dashboard", args=[framework.programme.pk])
    )
    assert results_url(framework.programme.pk) in page.content.decode()


def _post_rows(report_fields, rows):
    data = dict(report_fields)
    for indicator, values in rows.items():
        for name, value in values.items():
            data[f"indicator-{indicator.pk}-{name}"] = value
    return data


def test_the_facilitator_records_a_report_s_judgements_in_one_form(world, framework, page_client):
    client = page_client("facilitator")
    add = reverse("metrics:progress-report-add", args=[framework.programme.pk])
    page = client.get(add)
    assert page.status_code == 200
    assert page.content.decode().count('class="card judgement-row"') == 14

    rows = {
        indicator: {"rating": "met", "reasoning": "Done", "judged_on": "2013-05-01"}
        for indicator in framework.indicators[:3]
    }
    rows[framework.indicators[3]] = {
        "rating": "not_met",
        "reasoning": "",
        "judged_on": "2013-05-02",
    }
    response = client.post(
        add, _post_rows({"date": "2013-06-30", "title": "Progress 2013", "notes": ""}, rows)
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(title="Progress 2013")
    assert report.judgements.count() == 4
    result = computed.results_framework(world.users["facilitator"], framework.programme)
    assert result.latest.share == Decimal("75.0")

    # changing it: one judgement dropped, one changed
    edit = reverse("metrics:progress-report-edit", args=[report.pk])
    rows[framework.indicators[0]] = {"rating": "", "reasoning": "", "judged_on": ""}
    rows[framework.indicators[3]] = {
        "rating": "mostly_met",
        "reasoning": "",
        "judged_on": "2013-05-02",
    }
    response = client.post(
        edit, _post_rows({"date": "2013-06-30", "title": "Progress 2013", "notes": "x"}, rows)
    )
    assert response.status_code == 302
    assert report.judgements.count() == 3
    assert computed.results_framework(
        world.users["facilitator"], framework.programme
    ).latest.share == Decimal("100.0")


def test_a_judgement_row_without_a_date_is_refused_naming_the_field(world, framework, page_client):
    client = page_client("facilitator")
    add = reverse("metrics:progress-report-add", args=[framework.programme.pk])
    first = framework.indicators[0]
    response = client.post(
        add,
        _post_rows(
            {"date": "2013-06-30", "title": "Progress 2013"},
            {first: {"rating": "met", "reasoning": "", "judged_on": ""}},
        ),
    )
    assert response.status_code == 400
    assert "Give the date of the judgement." in response.content.decode()
    assert f'id="errors-indicator-{first.pk}-judged_on"' in response.content.decode()
    assert not ProgressReport.objects.filter(title="Progress 2013").exists()

    bad = client.post(
        add,
        _post_rows(
            {"date": "2013-06-30", "title": "Progress 2013"},
            {first: {"rating": "great", "judged_on": "2013-01-01"}},
        ),
    )
    assert bad.status_code == 400
    assert not ProgressReport.objects.filter(title="Progress 2013").exists()


@pytest.mark.parametrize("role", ["customer_a", "ngo", "outsider"])
def test_others_get_404_on_the_entry_pages(world, framework, page_client, role):
    client = page_client(role)
    assert (
        client.get(
            reverse("metrics:progress-report-add", args=[framework.programme.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("metrics:progress-report-edit", args=[framework.report_2011.pk])
        ).status_code
        == 404
    )


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["facilitator", "customer_a"])
def test_results_page_query_counts_do_not_grow_with_the_rows(world, framework, page_client, role):
    client = page_client(role)
    path = results_url(framework.programme.pk)
    few = _queries(client, path)

    build_framework(world.users["facilitator"], framework.programme, indicators=30, prefix="B")
    many = _queries(client, path)
    assert many == few


# --- API -----------------------------------------------------------------------------------------

ENDPOINTS = ("result-items", "result-indicators", "progress-reports", "judgements")


def _main_and_other(framework, endpoint):
    if endpoint == "result-items":
        main = ResultItem.objects.filter(programme=framework.programme)
        other = ResultItem.objects.filter(programme=framework.other_programme)
    elif endpoint == "result-indicators":
        main = ResultIndicator.objects.filter(result_item__programme=framework.programme)
        other = ResultIndicator.objects.filter(result_item__programme=framework.other_programme)
    elif endpoint == "progress-reports":
        main = ProgressReport.objects.filter(programme=framework.programme)
        other = ProgressReport.objects.filter(programme=framework.other_programme)
    else:
        main = Judgement.objects.filter(progress_report__programme=framework.programme)
        other = Judgement.objects.filter(progress_report__programme=framework.other_programme)
    return set(main.values_list("pk", flat=True)), set(other.values_list("pk", flat=True))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_api_lists_the_framework_of_programmes_the_caller_sees(
    world, framework, api_client, role, endpoint
):
    api = api_client(role)
    main, other = _main_and_other(framework, endpoint)
    listed = api.get(f"/api/v1/{endpoint}/", {"page_size": 200})
    assert listed.status_code == 200
    expected = (main if role in SEES_MAIN else set()) | (other if role == "facilitator" else set())
    assert {row["id"] for row in listed.json()["results"]} == expected

    missing = api.get(f"/api/v1/{endpoint}/{max(main | other) + 999}/")
    hidden = api.get(f"/api/v1/{endpoint}/{min(other)}/")
    assert missing.status_code == 404
    if role != "facilitator":
        assert (hidden.status_code, hidden.json()) == (404, missing.json())


def test_the_facilitator_writes_through_the_api(world, framework, api_client):
    api = api_client("facilitator")
    item = api.post(
        "/api/v1/result-items/",
        {
            "programme": framework.programme.pk,
            "parent": framework.outcome.pk,
            "level": "output",
            "code": "1.3",
            "title": "Output 3",
        },
        format="json",
    )
    assert item.status_code == 201, item.content
    indicator = api.post(
        "/api/v1/result-indicators/",
        {"result_item": item.json()["id"], "name": "New", "target": "5", "order": 1},
        format="json",
    )
    assert indicator.status_code == 201, indicator.content
    report = api.post(
        "/api/v1/progress-reports/",
        {"programme": framework.programme.pk, "date": "2013-01-01", "title": "2013"},
        format="json",
    )
    assert report.status_code == 201, report.content
    judgement = api.post(
        "/api/v1/judgements/",
        {
            "progress_report": report.json()["id"],
            "result_indicator": indicator.json()["id"],
            "rating": "mostly_met",
            "reasoning": "Nearly",
            "judged_on": "2013-01-01",
        },
        format="json",
    )
    assert judgement.status_code == 201, judgement.content
    assert judgement.json()["result_indicator"] == indicator.json()["id"]
    changed = api.patch(
        f"/api/v1/judgements/{judgement.json()['id']}/", {"rating": "met"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert Judgement.objects.get(pk=judgement.json()["id"]).rating == "met"
    filtered = api.get("/api/v1/judgements/", {"result_indicator": indicator.json()["id"]})
    assert [row["id"] for row in filtered.json()["results"]] == [judgement.json()["id"]]


def test_bad_judgements_are_refused_through_the_api_naming_the_field(world, framework, api_client):
    api = api_client("facilitator")
    base = {
        "progress_report": framework.report_2011.pk,
        "result_indicator": framework.indicators[6].pk,
        "rating": "met",
    }
    no_date = api.post("/api/v1/judgements/", base, format="json")
    assert no_date.status_code == 400
    assert no_date.json()["errors"]["judged_on"] == ["Give the date of the judgement."]

    bad_rating = api.post(
        "/api/v1/judgements/", {**base, "rating": "great", "judged_on": "2011-06-01"}, format="json"
    )
    assert bad_rating.status_code == 400
    assert "rating" in bad_rating.json()["errors"]

    elsewhere = api.post(
        "/api/v1/judgements/",
        {**base, "result_indicator": framework.other_indicator.pk, "judged_on": "2011-06-01"},
        format="json",
    )
    assert elsewhere.status_code == 400
    assert "indicator" in elsewhere.json()["errors"]


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo"])
def test_others_may_not_write_through_the_api(world, framework, api_client, role):
    api = api_client(role)
    created = api.post(
        "/api/v1/progress-reports/",
        {"programme": framework.programme.pk, "date": "2013-01-01", "title": "No"},
        format="json",
    )
    assert created.status_code in (400, 403)
    changed = api.patch(
        f"/api/v1/judgements/{framework.other_judgement.pk - 1}/", {"rating": "met"}, format="json"
    )
    assert changed.status_code == 404
    assert not ProgressReport.objects.filter(title="No").exists()


@pytest.mark.parametrize("role", ["facilitator", "customer_b"])
def test_programme_figures_answer_the_share_met_beside_the_stated(
    world, framework, api_client, role
):
    answer = api_client(role).get(f"/api/v1/programme-figures/{framework.programme.pk}/")
    assert answer.status_code == 200
    results = answer.json()["results"]
    early, late = results["reports"]
    assert early["id"] == framework.report_2011.pk
    assert (late["indicators_judged"], late["indicators_met"], late["share_met"]) == (
        14,
        12,
        "85.7",
    )
    assert {"rating": "mostly_met", "count": 4} in late["ratings"]
    assert results["latest_share_met"]["stated"] == "86"
    assert results["latest_share_met"]["difference"] == "-0.3"

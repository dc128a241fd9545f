"""A programme's funding, budget and spending: budget use and shares per category computed from
the rows in their currencies (the money rules of metrics.money), the stated use beside the
computed one, refusals, who sees what, the page, its exports and the API."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from csrplatform import access
from metrics import services as metric_services
from metrics.currencies import ensure_currencies
from metrics.models import Currency, ResultIndicator, ResultItem
from pilots import budget, services
from pilots.models import BudgetLine, Programme, ProgrammeFunding, Spending
from tests.factories import OrganisationFactory, member


@pytest.fixture
def money(world, pilots):
    """Rates of CNY and HKD from 2008 on, a donor (with a user), and a budget in three
    currencies with spending in two of them."""
    facilitator = world.users["facilitator"]
    ensure_currencies()
    cur = {code: Currency.objects.get(code=code) for code in ("USD", "CNY", "HKD", "EUR")}
    for code, usd in (("CNY", "0.142741"), ("HKD", "0.128295")):
        metric_services.exchange_rate_save(
            actor=facilitator,
            organisation=world.facilitator_org,
            currency=cur[code],
            valid_from=date(2008, 1, 1),
            usd=Decimal(usd),
        )
    programme = pilots.programme
    donor = OrganisationFactory(name="Donor agency", kind="donor")
    funding = services.funding_save(
        actor=facilitator,
        programme=programme,
        donor=donor,
        amount=Decimal("250000"),
        currency=cur["USD"],
        on_date=date(2008, 1, 1),
        note="Grant",
    )

    def line(category, amount, currency, **fields):
        return services.budget_line_save(
            actor=facilitator,
            programme=programme,
            category=category,
            amount=Decimal(amount),
            currency=cur[currency],
            on_date=date(2008, 1, 1),
            **fields,
        )

    training = line("Training", "700000", "CNY", country="CN")
    personnel = line("Personnel", "100000", "USD", country="VN")
    evaluation = line("Evaluation", "100000", "HKD", pinned_rate=Decimal("0.13"))

    def spend(budget_line, amount, currency, on):
        return services.spending_save(
            actor=facilitator,
            programme=programme,
            budget_line=budget_line,
            amount=Decimal(amount),
            currency=cur[currency],
            on_date=on,
        )

    spend(training, "200000", "HKD", date(2008, 3, 1))
    spend(training, "28400", "CNY", date(2008, 2, 1))
    spend(training, "28400", "CNY", date(2008, 2, 1))
    spend(personnel, "50000", "USD", date(2008, 4, 1))
    return type(
        "Money",
        (),
        {
            "programme": programme,
            "cur": cur,
            "donor": donor,
            "donor_user": member(donor, email="donor@example.org"),
            "funding": funding,
            "training": training,
            "personnel": personnel,
            "evaluation": evaluation,
        },
    )


def use_of(programme):
    return budget.budget_use(
        programme,
        lines=programme.budget_lines.all(),
        spendings=programme.spendings.select_related("budget_line"),
        fundings=programme.fundings.all(),
    )


def test_budget_use_and_shares_per_category_come_from_the_rows(money):
    use = use_of(money.programme)
    # CNY 700,000 at 0.142741 + USD 100,000 + HKD 100,000 at the pinned 0.13.
    assert use.budget.usd_exact == Decimal("212918.7")
    assert use.budget.usd == Decimal("212919")
    # HKD 200,000 at 0.128295 + CNY 56,800 (two lines summed, then converted) + USD 50,000.
    assert use.spent.usd == Decimal("83767")
    assert use.spent.by_currency == {
        "HKD": Decimal("200000"),
        "CNY": Decimal("56800"),
        "USD": Decimal("50000"),
    }
    assert use.use_pct == Decimal("39.3")
    assert use.funding.usd == Decimal("250000")
    groups = {group.label: group for group in use.by_category}
    assert list(groups) == ["Evaluation", "Personnel", "Training"]
    assert groups["Training"].use_pct == Decimal("33.8")
    assert groups["Training"].share_pct == Decimal("46.9")
    assert groups["Personnel"].use_pct == Decimal("50.0")
    assert groups["Personnel"].share_pct == Decimal("47.0")
    assert groups["Evaluation"].use_pct == Decimal("0.0")
    assert groups["Evaluation"].share_pct == Decimal("6.1")
    assert groups["Training"].spent_share_pct == Decimal("40.3")
    countries = {group.key: group for group in use.by_country}
    assert set(countries) == {"CN", "VN", ""}
    assert countries["CN"].use_pct == Decimal("33.8")
    assert use.errors == []


def test_the_stated_budget_use_is_shown_beside_the_computed_one(money, world):
    assert use_of(money.programme).difference is None  # nothing stated
    services.programme_save(
        actor=world.users["facilitator"],
        programme=money.programme,
        stated_budget_use_pct=Decimal("88"),
        stated_budget_source="Final evaluation, p. 12",
    )
    programme = Programme.objects.get(pk=money.programme.pk)
    use = use_of(programme)
    assert use.stated_pct == Decimal("88.0")
    assert use.difference == Decimal("-48.7")  # computed 39.3 − stated 88.0


def test_a_stated_use_without_rows_is_shown_as_not_backed(world, pilots, page_client):
    services.programme_save(
        actor=world.users["facilitator"],
        programme=pilots.programme,
        stated_budget_use_pct=Decimal("88"),
        stated_budget_source="Evaluation",
    )
    page = page_client("facilitator").get(pilots.programme.get_absolute_url())
    assert "No spending rows back this figure." in page.content.decode()


def test_spending_in_a_currency_without_a_rate_is_refused_naming_the_currency(money, world):
    with pytest.raises(ValidationError) as refused:
        services.spending_save(
            actor=world.users["facilitator"],
            programme=money.programme,
            budget_line=money.training,
            amount=Decimal("100"),
            currency=money.cur["EUR"],
            on_date=date(2008, 5, 1),
        )
    assert "currency" in refused.value.message_dict
    assert "EUR" in refused.value.message_dict["currency"][0]
    # Before the rate's first day, too.
    with pytest.raises(ValidationError) as refused:
        services.spending_save(
            actor=world.users["facilitator"],
            programme=money.programme,
            budget_line=money.training,
            amount=Decimal("100"),
            currency=money.cur["CNY"],
            on_date=date(2007, 12, 31),
        )
    assert "CNY" in refused.value.message_dict["currency"][0]
    assert Spending.objects.count() == 4


def test_spending_against_another_programmes_line_is_refused(money, world):
    other = services.programme_save(
        actor=world.users["facilitator"], title="Other", facilitator=world.facilitator_org
    )
    with pytest.raises(ValidationError) as refused:
        services.spending_save(
            actor=world.users["facilitator"],
            programme=other,
            budget_line=money.training,
            amount=Decimal("1"),
            currency=money.cur["USD"],
            on_date=date(2008, 5, 1),
        )
    assert "budget_line" in refused.value.message_dict


@pytest.mark.parametrize("role", ["customer_a", "customer_b", "supplier", "ngo"])
def test_only_the_facilitator_records_budgets(money, world, role):
    with pytest.raises(PermissionDenied):
        services.budget_line_save(
            actor=world.users[role],
            programme=money.programme,
            category="Travel",
            amount=Decimal("1"),
            currency=money.cur["USD"],
        )


# --- who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("facilitator", True),
        ("customer_a", True),  # takes part in pilot X
        ("customer_b", True),  # takes part in pilot Y
        ("supplier", True),
        ("ngo", True),
        ("donor", True),  # funds the programme
        ("outsider", False),
    ],
)
def test_access_matrix_of_funding_budget_and_spending(money, world, role, sees):
    users = {
        **world.users,
        "donor": money.donor_user,
        "outsider": member(OrganisationFactory(kind="customer"), email="out@example.org"),
    }
    user = users[role]
    for model in (ProgrammeFunding, BudgetLine, Spending, Programme):
        visible = access.scope(user, model.objects.all()).exists()
        assert visible == sees, (role, model.__name__)
        editable = access.scope(user, model.objects.all(), access.EDIT).exists()
        assert editable == (role == "facilitator"), (role, model.__name__)


def test_a_donor_sees_the_programme_page_and_its_funding(money, client):
    client.force_login(money.donor_user)
    page = client.get(money.programme.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "Donor agency" in body
    assert "Add budget line" not in body  # no entry forms for a donor
    assert client.get(
        reverse("pilots:programme_row_create", args=[money.programme.pk, "budget-lines"])
    ).status_code in (403, 404)


def test_an_outsider_gets_404_for_the_page_and_the_export(money, client):
    client.force_login(member(OrganisationFactory(kind="customer"), email="out@example.org"))
    assert client.get(money.programme.get_absolute_url()).status_code == 404
    url = reverse("pilots:programme_export", args=[money.programme.pk, "spending"])
    assert client.get(url).status_code == 404


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_budget_use_stated_and_computed(money, world, page_client):
    services.programme_save(
        actor=world.users["facilitator"],
        programme=money.programme,
        stated_budget_use_pct=Decimal("88"),
        stated_budget_source="Final evaluation",
        countries=["CN", "VN"],
    )
    body = page_client("facilitator").get(money.programme.get_absolute_url()).content.decode()
    assert "Funding and budget" in body
    assert "39.3%" in body
    assert "88.0%" in body
    assert "-48.7" in body
    assert "46.9%" in body  # Training's share of the budget
    assert "Viet Nam" in body or "Vietnam" in body
    assert "Add budget line" in body


def test_the_facilitator_records_a_budget_line_and_spending_in_the_browser(
    money, world, page_client
):
    client = page_client("facilitator")
    url = reverse("pilots:programme_row_create", args=[money.programme.pk, "budget-lines"])
    response = client.post(
        url,
        {"category": "Travel", "country": "KH", "amount": "1000", "currency": "USD",
         "on_date": "2008-01-01", "note": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    line = BudgetLine.objects.get(category="Travel")
    url = reverse("pilots:programme_row_create", args=[money.programme.pk, "spending"])
    refused = client.post(
        url,
        {"budget_line": line.pk, "amount": "10", "currency": "EUR", "on_date": "2008-05-01"},
    )
    assert refused.status_code == 400
    assert "EUR" in refused.content.decode()
    saved = client.post(
        url,
        {"budget_line": line.pk, "amount": "10", "currency": "USD", "on_date": "2008-05-01"},
    )
    assert saved.status_code == 302
    edit = reverse("pilots:programme_row_update", args=["spending", Spending.objects.last().pk])
    assert client.get(edit).status_code == 200


def test_csv_exports(money, page_client):
    client = page_client("customer_a")
    url = reverse("pilots:programme_export", args=[money.programme.pk, "budget-use"])
    text = b"".join(client.get(url).streaming_content).decode()
    assert "Training" in text
    assert "33.8" in text
    assert "212919" in text
    url = reverse("pilots:programme_export", args=[money.programme.pk, "spending"])
    text = b"".join(client.get(url).streaming_content).decode()
    assert text.count("\n") == 5  # header and four rows
    for table in ("funding", "budget-lines", "people-reached"):
        url = reverse("pilots:programme_export", args=[money.programme.pk, table])
        assert client.get(url).status_code == 200
    url = reverse("pilots:programme_export", args=[money.programme.pk, "nothing"])
    assert client.get(url).status_code == 404


EXPORTED = (
    "funding",
    "budget-lines",
    "spending",
    "budget-use",
    "budget-use-by-country",
    "people-reached",
)


def _csv_rows(client, table, pk) -> list[list[str]]:
    response = client.get(reverse("pilots:programme_export", args=[pk, table]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(content, sheet=None) -> list[list]:
    workbook = load_workbook(io.BytesIO(content))
    rows = (workbook[sheet] if sheet else workbook.active).iter_rows(values_only=True)
    return [list(row) for row in rows]


def _same_cell(csv_cell: str, xlsx_cell) -> bool:
    """A CSV cell and the XLSX cell of the same value: numbers as numbers, the rest as text."""
    if xlsx_cell is None:
        return csv_cell == ""
    if isinstance(xlsx_cell, int | float):
        return Decimal(csv_cell) == Decimal(str(xlsx_cell))
    return csv_cell == xlsx_cell


def test_xlsx_exports_hold_the_rows_of_the_csv_exports(money, world, page_client):
    services.people_reached_save(
        actor=world.users["facilitator"],
        programme=money.programme,
        what="interviewed",
        total=151,
        women=69,
    )
    client = page_client("customer_a")
    pk = money.programme.pk
    for table in EXPORTED:
        response = client.get(reverse("pilots:programme_export_xlsx", args=[pk, table]))
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith(f'programme-{pk}-{table}.xlsx"')
        csv_rows, xlsx_rows = _csv_rows(client, table, pk), _xlsx_rows(response.content)
        assert len(xlsx_rows) == len(csv_rows) > 1, table
        for csv_row, xlsx_row in zip(csv_rows, xlsx_rows, strict=True):
            assert all(map(_same_cell, csv_row, xlsx_row)), (table, csv_row, xlsx_row)

    use = _xlsx_rows(
        client.get(reverse("pilots:programme_export_xlsx", args=[pk, "budget-use"])).content
    )
    training = next(row for row in use if row[0] == "Training")
    # CNY 700,000 budgeted; HKD 200,000 and CNY 56,800 spent: numbers a spreadsheet adds up
    assert training == [
        "Training",
        99919,
        33767,
        pytest.approx(33.8),
        pytest.approx(46.9),
    ]
    assert use[-1][:3] == ["Total", 212919, 83767]
    by_country = _xlsx_rows(
        client.get(
            reverse("pilots:programme_export_xlsx", args=[pk, "budget-use-by-country"])
        ).content
    )
    assert by_country[0][0] == "Country"
    assert {row[0] for row in by_country[1:]} >= {"China", "Total"}
    reached = _xlsx_rows(
        client.get(reverse("pilots:programme_export_xlsx", args=[pk, "people-reached"])).content
    )
    interviewed = next(row for row in reached if row[0] == "Interviewed")
    assert interviewed[4:9] == [151, 69, None, None, pytest.approx(45.7)]

    workbook = client.get(reverse("pilots:programme_export_workbook", args=[pk]))
    assert workbook.status_code == 200
    assert load_workbook(io.BytesIO(workbook.content)).sheetnames == list(EXPORTED)
    assert _xlsx_rows(workbook.content, "spending") == _xlsx_rows(
        client.get(reverse("pilots:programme_export_xlsx", args=[pk, "spending"])).content
    )
    nothing = reverse("pilots:programme_export_xlsx", args=[pk, "nothing"])
    assert client.get(nothing).status_code == 404


def test_an_outsider_gets_404_for_the_xlsx_exports(money, client):
    client.force_login(member(OrganisationFactory(kind="customer"), email="out@example.org"))
    pk = money.programme.pk
    assert (
        client.get(reverse("pilots:programme_export_xlsx", args=[pk, "funding"])).status_code == 404
    )
    assert client.get(reverse("pilots:programme_export_workbook", args=[pk])).status_code == 404


def test_the_page_charts_budget_use_and_people_reached(money, world, page_client):
    services.programme_save(
        actor=world.users["facilitator"],
        programme=money.programme,
        stated_budget_use_pct=Decimal("88"),
        stated_budget_source="Final evaluation",
    )
    services.people_reached_save(
        actor=world.users["facilitator"],
        programme=money.programme,
        what="interviewed",
        total=151,
        women=69,
    )
    body = page_client("customer_b").get(money.programme.get_absolute_url()).content.decode()

    budget_chart = re.search(r'<figure class="chart" id="budget-chart">(.*?)</figure>', body, re.S)
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", budget_chart.group(1))
    assert {"Training", "Personnel", "Evaluation", "Budget", "Spent"} <= set(drawn)
    assert "33,767 (33.8%)" in drawn
    assert "Budget use (computed): 39.3%; Budget use (stated): 88% (Final evaluation)" in drawn
    reach_chart = re.search(r'<figure class="chart" id="reach-chart">(.*?)</figure>', body, re.S)
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", reach_chart.group(1))
    assert {"Interviewed", "Women", "69 (45.7%)", "82 (54.3%)"} <= set(drawn)
    assert reverse("pilots:programme_export_xlsx", args=[money.programme.pk, "budget-use"]) in body


def _grow(money, world, count):
    facilitator = world.users["facilitator"]
    for number in range(count):
        line = services.budget_line_save(
            actor=facilitator,
            programme=money.programme,
            category=f"Category {number}",
            amount=Decimal("1000"),
            currency=money.cur["CNY"],
            on_date=date(2008, 1, 1),
        )
        services.spending_save(
            actor=facilitator,
            programme=money.programme,
            budget_line=line,
            amount=Decimal("10"),
            currency=money.cur["HKD"],
            on_date=date(2008, 2, 1),
        )
        services.funding_save(
            actor=facilitator,
            programme=money.programme,
            donor=money.donor,
            amount=Decimal("5"),
            currency=money.cur["CNY"],
            on_date=date(2008, 1, 1),
        )
        services.people_reached_save(
            actor=facilitator,
            programme=money.programme,
            pilot=money.programme.pilots.first(),
            what="trained",
            total=10,
            women=4,
        )
        _grow_results(money.programme, facilitator)


def _grow_results(programme, facilitator):
    """One more outcome with an indicator, and a later progress report judging every
    indicator so far: the results section's latest report grows with the framework."""
    number = ResultItem.objects.filter(programme=programme).count()
    item = metric_services.result_item_save(
        actor=facilitator,
        programme=programme,
        level="outcome",
        code=f"{number + 1}",
        title=f"Outcome {number + 1}",
    )
    metric_services.result_indicator_save(
        actor=facilitator, result_item=item, name=f"Indicator {number + 1}", target=Decimal(5)
    )
    report = metric_services.progress_report_save(
        actor=facilitator,
        programme=programme,
        date=date(2009, 1, 1) + timedelta(days=number),
        title=f"Report {number + 1}",
    )
    for indicator in ResultIndicator.objects.filter(result_item__programme=programme):
        metric_services.judgement_save(
            actor=facilitator,
            progress_report=report,
            indicator=indicator,
            rating="partly_met" if indicator.name == "Indicator 1" else "met",
            judged_on=report.date,
        )


@pytest.mark.parametrize("role", ["facilitator", "customer_a"])
def test_the_programme_page_costs_the_same_queries_at_two_sizes(money, world, page_client, role):
    client = page_client(role)
    url = money.programme.get_absolute_url()
    _grow(money, world, 1)
    client.get(url)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(money, world, 8)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
        assert response.status_code == 200
    # Session, user, memberships, the programme and its sponsors, pilots, funding, budget
    # lines, spending, rates, people reached, can_edit; the results section: the latest
    # progress report, its judgements, the stated share. None of them per row.
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # the large page shows the grown framework: the latest report judges all 9 indicators
    assert "8 of 9 indicators judged met or mostly met" in response.content.decode()


# --- the API --------------------------------------------------------------------------------


def test_api_money_rows_show_amount_currency_and_usd(money, api_client):
    api = api_client("customer_b")
    lines = api.get("/api/v1/budget-lines/", {"programme": money.programme.pk}).json()
    training = next(row for row in lines["results"] if row["category"] == "Training")
    assert training["amount"] == "700000.00"
    assert training["currency"] == "CNY"
    assert training["usd"] == "99919"
    assert training["country"] == "CN"
    spending = api.get("/api/v1/spending/", {"budget_line": money.training.pk}).json()
    assert len(spending["results"]) == 3
    assert {row["usd"] for row in spending["results"]} == {"25659", "4054"}
    funding = api.get(f"/api/v1/programme-funding/{money.funding.pk}/").json()
    assert funding["donor_name"] == "Donor agency"
    assert funding["usd"] == "250000"
    programme = api.get(f"/api/v1/programmes/{money.programme.pk}/").json()
    assert "stated_budget_use_pct" in programme
    assert programme["countries"] == []


def test_api_writes_go_through_the_services(money, api_client):
    api = api_client("facilitator")
    created = api.post(
        "/api/v1/budget-lines/",
        {
            "programme": money.programme.pk,
            "category": "Travel",
            "amount": "300",
            "currency": "HKD",
            "on_date": "2008-06-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["usd"] == "38"  # 300 × 0.128295 = 38.4885
    refused = api.post(
        "/api/v1/spending/",
        {
            "programme": money.programme.pk,
            "budget_line": created.json()["id"],
            "amount": "10",
            "currency": "EUR",
            "on_date": "2008-06-01",
        },
        format="json",
    )
    assert refused.status_code == 400
    assert "EUR" in str(refused.json()["errors"]["currency"])
    changed = api.patch(
        f"/api/v1/budget-lines/{created.json()['id']}/", {"amount": "600"}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["usd"] == "77"
    moved = api.patch(
        f"/api/v1/programmes/{money.programme.pk}/",
        {"countries": ["CN", "VN", "KH", "LA"], "stated_budget_use_pct": "88.0"},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["countries"] == ["CN", "KH", "LA", "VN"]


def test_api_refuses_writes_of_others(money, api_client):
    api = api_client("customer_a")
    refused = api.post(
        "/api/v1/budget-lines/",
        {"programme": money.programme.pk, "category": "X", "amount": "1", "currency": "USD"},
        format="json",
    )
    assert refused.status_code == 403
    changed = api.patch(f"/api/v1/budget-lines/{money.training.pk}/", {"amount": "1"})
    assert changed.status_code == 404

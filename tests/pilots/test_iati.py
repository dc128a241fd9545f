"""A programme as an IATI 2.03 activity file: valid against the IATI activities schema
(tests/iati_schema/2.03), built from the rows the requesting user may see, inventing nothing."""

import datetime
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from csrplatform.accounts.models import User
from metrics.models import Currency
from pilots import demo as bsr_demo
from pilots import demo_value_chains, iati
from pilots import services as pilot_services
from pilots.models import Programme
from tests.metrics.conftest import figures  # noqa: F401 -- the fixture: rates for the spending
from tests.metrics.test_results import build_framework

SCHEMA = Path(__file__).resolve().parent.parent / "iati_schema" / "2.03"


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA / "iati-activities-schema.xsd")))


def valid(schema, content: bytes):
    """The parsed file, after checking it against the IATI 2.03 activities schema."""
    doc = etree.fromstring(content)
    assert schema.validate(doc), "\n".join(str(error) for error in schema.error_log)
    return doc


def texts(doc, path) -> list[str]:
    return [element.text for element in doc.xpath(path)]


def parties(doc) -> set[tuple[str, str]]:
    """(role, name) of every participating organisation."""
    return {
        (org.get("role"), org.findtext("narrative"))
        for org in doc.xpath("//iati-activity/participating-org")
    }


# --- the demo's programmes ------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=StringIO())


def test_the_seeds_004_programme_as_an_iati_file(demo, schema, settings):
    settings.IATI_ORGANISATION_REFS = {}
    programme = Programme.objects.get(title=demo_value_chains.TITLE)
    user = User.objects.get(email=demo_value_chains.EMAIL)
    doc = valid(schema, iati.programme_iati_file(actor=user, programme=programme))

    ilo = programme.facilitator
    ref = f"XI-CSRPLATFORM-{ilo.pk}"
    assert doc.findtext("iati-activity/iati-identifier") == f"{ref}-{programme.pk}"
    reporting = doc.find("iati-activity/reporting-org")
    assert (reporting.get("ref"), reporting.findtext("narrative")) == (ref, ilo.name)
    meti = programme.fundings.get().donor
    assert parties(doc) == {("1", meti.name), ("2", ilo.name), ("4", ilo.name)}
    assert {
        (country.get("code"), country.get("percentage"))
        for country in doc.xpath("//recipient-country")
    } == {("BD", "25.00"), ("KH", "25.00"), ("VN", "25.00"), ("JP", "25.00")}
    assert [(d.get("type"), d.get("iso-date")) for d in doc.xpath("//activity-date")] == [
        ("2", "2022-04-01"),
        ("4", "2024-06-30"),
    ]
    assert doc.find("iati-activity/activity-status").get("code") == "3"  # completion
    # METI's USD 6.8 million is the one transaction: an incoming commitment. The stated budget
    # use (almost 88%) has no spending rows behind it, so no expenditure is made up, and the
    # programme has no budget lines, so no budget.
    (transaction,) = doc.xpath("//transaction")
    assert transaction.find("transaction-type").get("code") == "11"
    value = transaction.find("value")
    assert (value.text, value.get("currency"), value.get("value-date")) == (
        "6800000.00",
        "USD",
        "2022-04-01",
    )
    assert transaction.findtext("provider-org/narrative") == meti.name
    assert doc.xpath("//budget") == []
    # The stated 12 of 14 indicators met has no results framework behind it: the only result
    # is the people the evaluation interviewed, 69 of them women (the men are not counted).
    (result,) = doc.xpath("//result")
    assert result.get("type") == "1"
    (indicator,) = result.findall("indicator")
    assert indicator.findtext("title/narrative") == "Number of people interviewed"
    actuals = [
        (
            actual.get("value"),
            [(d.get("name"), d.get("value")) for d in actual.findall("dimension")],
        )
        for actual in indicator.findall("period/actual")
    ]
    assert actuals == [("151", []), ("69", [("sex", "female")])]


def test_the_seed_programme_of_bsr_as_an_iati_file(demo, schema):
    programme = Programme.objects.get(title=bsr_demo.PROGRAMME["title"])
    user = User.objects.get(email=bsr_demo.FACILITATOR_EMAIL)
    doc = valid(schema, iati.programme_iati_file(actor=user, programme=programme))

    named = parties(doc)
    assert {role for role, _name in named} == {"1", "2", "4"}
    funders = {name for role, name in named if role == "1"}
    assert funders == set(programme.sponsors.values_list("name", flat=True))
    implementers = {name for role, name in named if role == "4"}
    assert {pilot.supplier.organisation.name for pilot in programme.pilots.all()} <= implementers
    # The report names no country (only Shenzhen): no recipient country is made up.
    assert doc.xpath("//recipient-country") == []
    assert doc.findtext("iati-activity/description[@type='2']/narrative") == programme.objectives


# --- what the file holds, from a programme with every kind of row ---------------------------------


@pytest.fixture
def programme(world, pilots, figures):  # noqa: F811
    facilitator = world.users["facilitator"]
    programme = pilots.programme
    programme.start_date = datetime.date(2008, 1, 1)
    programme.end_date = datetime.date(2009, 12, 31)
    programme.countries = ["CN", "VN", "KH"]
    programme.objectives = "Decent work\x0b in the supply chain"  # pasted: a vertical tab
    programme.save()
    usd, cny, hkd = (Currency.objects.get(code=code) for code in ("USD", "CNY", "HKD"))
    pilot_services.funding_save(
        actor=facilitator,
        programme=programme,
        donor=world.customer_a,
        amount=Decimal("100000"),
        currency=usd,
        on_date=datetime.date(2008, 1, 15),
        note="Grant",
    )
    training = pilot_services.budget_line_save(
        actor=facilitator,
        programme=programme,
        category="Training",
        country="CN",
        amount=Decimal("500000"),
        currency=cny,
        on_date=datetime.date(2008, 1, 1),
    )
    pilot_services.budget_line_save(
        actor=facilitator,
        programme=programme,
        category="Evaluation",
        amount=Decimal("20000.50"),
        currency=cny,
        on_date=datetime.date(2008, 2, 1),
    )
    pilot_services.budget_line_save(
        actor=facilitator,
        programme=programme,
        category="Hotline",
        amount=Decimal("38000"),
        currency=hkd,
        on_date=datetime.date(2008, 1, 1),
    )
    pilot_services.spending_save(
        actor=facilitator,
        programme=programme,
        budget_line=training,
        amount=Decimal("20000"),
        currency=hkd,
        on_date=datetime.date(2008, 3, 1),
        note="Trainers",
    )
    pilot_services.people_reached_save(
        actor=facilitator,
        programme=programme,
        pilot=pilots.pilot_x,
        what="trained",
        total=20,
        women=12,
        men=8,
    )
    pilot_services.people_reached_save(
        actor=facilitator, programme=programme, what="interviewed", total=151, women=69
    )
    build_framework(facilitator, programme, indicators=3)
    return programme


def file_of(schema, user, programme):
    return valid(schema, iati.programme_iati_file(actor=user, programme=programme))


def test_budget_transactions_and_results(schema, world, programme):
    doc = file_of(schema, world.users["facilitator"], programme)

    # Two years: IATI allows no budget period over a year, and the lines have no years of
    # their own, so no budget is given rather than an invented phasing.
    assert doc.xpath("//budget") == []
    programme.end_date = datetime.date(2008, 12, 31)
    programme.save()
    one_year = file_of(schema, world.users["facilitator"], programme)
    # The budget lines summed per currency, over the programme's year.
    budgets = {
        budget.find("value").get("currency"): (
            budget.find("value").text,
            budget.find("period-start").get("iso-date"),
            budget.find("period-end").get("iso-date"),
        )
        for budget in one_year.xpath("//budget")
    }
    assert budgets == {
        "CNY": ("520000.50", "2008-01-01", "2008-12-31"),
        "HKD": ("38000.00", "2008-01-01", "2008-12-31"),
    }
    transactions = [
        (
            t.find("transaction-type").get("code"),
            t.find("value").text,
            t.find("value").get("currency"),
            t.find("transaction-date").get("iso-date"),
        )
        for t in doc.xpath("//transaction")
    ]
    assert transactions == [
        ("11", "100000.00", "USD", "2008-01-15"),
        ("4", "20000.00", "HKD", "2008-03-01"),
    ]
    assert texts(doc, "//transaction[transaction-type/@code='4']/description/narrative") == [
        "Training (China) – Trainers"
    ]
    # XML 1.0 has no vertical tab: it is dropped, not written into an unreadable file.
    assert texts(doc, "//iati-activity/description[@type='2']/narrative") == [
        "Decent work in the supply chain"
    ]
    # Three countries share 100% evenly, to the cent.
    shares = [Decimal(c.get("percentage")) for c in doc.xpath("//recipient-country")]
    assert sum(shares) == 100
    assert sorted(shares) == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert ("1", "Customer A") in parties(doc)  # the donor funds

    results = {r.findtext("title/narrative"): r for r in doc.xpath("//result")}
    assert "1 Decent work" not in results  # an outcome without indicators cannot be a result
    output = results["1.1 Output 1"]
    assert output.get("type") == "1"
    first = output.find("indicator")
    assert first.findtext("title/narrative") == "Indicator 1"
    assert first.get("measure") == "1"
    baseline = first.find("baseline")
    assert (baseline.get("year"), baseline.get("value")) == ("2008", "0")
    period = first.find("period")
    assert (
        period.find("period-start").get("iso-date"),
        period.find("period-end").get("iso-date"),
    ) == (
        "2008-01-01",
        "2009-12-31",
    )
    assert (period.find("target").get("value"), period.find("actual").get("value")) == ("10", "0")
    assert [
        i.findtext("title/narrative") for i in results["1.2 Output 2"].findall("indicator")
    ] == ["Indicator 2"]

    reached = results["People reached"]
    by_indicator = {
        indicator.findtext("title/narrative"): [
            (a.get("value"), tuple((d.get("name"), d.get("value")) for d in a.findall("dimension")))
            for a in indicator.findall("period/actual")
        ]
        for indicator in reached.findall("indicator")
    }
    assert by_indicator == {
        "Number of people trained": [
            ("20", ()),
            ("12", (("sex", "female"),)),
            ("8", (("sex", "male"),)),
        ],
        "Number of people interviewed": [("151", ()), ("69", (("sex", "female"),))],
    }


def test_known_organisation_refs_are_used(schema, world, programme, settings):
    settings.IATI_ORGANISATION_REFS = {
        world.facilitator_org.pk: "XM-DAC-41302",
        world.customer_a.pk: "US-EIN-123456789",
    }
    doc = file_of(schema, world.users["facilitator"], programme)
    assert doc.findtext("iati-activity/iati-identifier") == f"XM-DAC-41302-{programme.pk}"
    refs = {org.findtext("narrative"): org.get("ref") for org in doc.xpath("//participating-org")}
    assert refs["Customer A"] == "US-EIN-123456789"
    assert refs["Supplier X"] is None  # no ref known: named by its narrative only
    assert texts(doc, "//transaction/provider-org[@ref='US-EIN-123456789']/narrative") == [
        "Customer A"
    ]


def test_a_customers_file_holds_only_what_it_may_see(schema, world, programme):
    everything = file_of(schema, world.users["facilitator"], programme)
    assert {"Supplier X", "Supplier Y", "Customer B", "Training NGO"} <= {
        name for _role, name in parties(everything)
    }
    doc = file_of(schema, world.users["customer_b"], programme)

    names = {name for _role, name in parties(doc)}
    assert {"Supplier Y", "Customer B", "Facilitator Org"} <= names
    assert not names & {"Supplier X", "Training NGO"}  # pilot X is not customer B's
    # Pilot X's training is not customer B's to see; the programme's interviews are.
    indicators = texts(doc, "//result/indicator/title/narrative")
    assert "Number of people trained" not in indicators
    assert "Number of people interviewed" in indicators
    assert b"Supplier X" not in etree.tostring(doc)


def test_a_programme_without_dates_cannot_be_published(world, pilots, page_client, api_client):
    programme = pilots.programme
    api = api_client("facilitator").get(f"/api/v1/programmes/{programme.pk}/iati/")
    assert api.status_code == 409
    assert api.json()["code"] == "conflict"
    assert "start or end date" in api.json()["detail"]
    page = page_client("facilitator").get(
        reverse("pilots:programme_iati", args=[programme.pk]), follow=True
    )
    assert page.redirect_chain[-1][0] == programme.get_absolute_url()
    assert "start or end date" in page.content.decode()


# --- the page's download and the API -------------------------------------------------------------


def test_the_page_link_and_the_download(schema, world, programme, page_client):
    client = page_client("customer_a")
    url = reverse("pilots:programme_iati", args=[programme.pk])
    assert url == f"/pilots/programmes/{programme.pk}/iati.xml"
    assert url in client.get(programme.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == (
        f'attachment; filename="programme-{programme.pk}-iati.xml"'
    )
    valid(schema, response.content)


def test_the_api_answers_the_file_as_xml(schema, world, programme, api_client):
    api = api_client("ngo")
    url = f"/api/v1/programmes/{programme.pk}/iati/"
    response = api.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert "attachment" in response["Content-Disposition"]
    doc = valid(schema, response.content)
    assert "Supplier Y" not in {name for _role, name in parties(doc)}  # the NGO is in pilot X
    assert api.get(url, HTTP_ACCEPT="text/xml")["Content-Type"] == "text/xml"
    # A client that asks for JSON still gets the file, not a 406.
    assert api.get(url, HTTP_ACCEPT="application/json")["Content-Type"] == "application/xml"


def same_page(response, pk) -> str:
    """The page without what differs on every request (CSRF tokens) or names the URL asked."""
    text = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())
    return text.replace(f"/programmes/{pk}/", "/programmes/ID/")


@pytest.fixture
def hidden_programme(world):
    return pilot_services.programme_save(
        actor=world.users["facilitator"],
        title="Facilitator-only programme",
        facilitator=world.facilitator_org,
        start_date=datetime.date(2008, 1, 1),
    )


@pytest.mark.parametrize("role", ["customer_a", "customer_b", "supplier", "ngo"])
def test_a_hidden_programme_answers_as_a_missing_one(
    world, pilots, hidden_programme, page_client, api_client, role
):
    missing = hidden_programme.pk + 999
    api = api_client(role)
    hidden = api.get(f"/api/v1/programmes/{hidden_programme.pk}/iati/")
    absent = api.get(f"/api/v1/programmes/{missing}/iati/")
    assert hidden.status_code == absent.status_code == 404
    assert hidden["Content-Type"] == absent["Content-Type"] == "application/json"
    assert hidden.json() == absent.json()
    client = page_client(role)
    hidden = client.get(reverse("pilots:programme_iati", args=[hidden_programme.pk]))
    absent = client.get(reverse("pilots:programme_iati", args=[missing]))
    assert hidden.status_code == absent.status_code == 404
    assert same_page(hidden, hidden_programme.pk) == same_page(absent, missing)


def test_the_facilitator_gets_the_programme_only_it_sees(
    schema, world, hidden_programme, api_client
):
    response = api_client("facilitator").get(f"/api/v1/programmes/{hidden_programme.pk}/iati/")
    assert response.status_code == 200
    doc = valid(schema, response.content)
    assert doc.findtext("iati-activity/title/narrative") == "Facilitator-only programme"


# --- the mapping rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "shares"),
    [
        (0, []),
        (1, ["100"]),
        (3, ["33.33", "33.33", "33.34"]),
        (4, ["25.00"] * 4),
        (7, ["14.28"] * 6 + ["14.32"]),
    ],
)
def test_even_shares_add_up_to_100(count, shares):
    assert iati.even_shares(count) == [Decimal(share) for share in shares]


@pytest.mark.parametrize(
    ("start", "end", "status", "dates"),
    [
        (datetime.date(2030, 1, 1), None, "1", [("1", datetime.date(2030, 1, 1))]),
        (
            datetime.date(2020, 1, 1),
            datetime.date(2030, 1, 1),
            "2",
            [("2", datetime.date(2020, 1, 1)), ("3", datetime.date(2030, 1, 1))],
        ),
        (None, datetime.date(2020, 1, 1), "3", [("4", datetime.date(2020, 1, 1))]),
    ],
)
def test_status_and_dates_follow_today(start, end, status, dates):
    today = datetime.date(2026, 1, 1)
    assert iati.activity_status(start, end, today) == status
    assert iati.activity_dates(start, end, today) == dates


def test_organisation_types_follow_the_kind(world):
    recipients = {"VN"}
    assert iati.organisation_type(world.supplier_x.organisation, recipients) == "70"
    assert iati.organisation_type(world.customer_a, recipients) == "70"
    assert iati.organisation_type(world.facilitator_org, recipients) == "90"
    world.ngo_org.country = "VN"
    assert iati.organisation_type(world.ngo_org, recipients) == "24"  # partner-country NGO
    world.ngo_org.country = "GB"
    assert iati.organisation_type(world.ngo_org, recipients) == "21"
    world.ngo_org.country = ""
    assert iati.organisation_type(world.ngo_org, recipients) == ""  # cannot tell: no type
    donor = type(world.customer_a)(name="Donor", kind="donor")
    assert iati.organisation_type(donor, recipients) == ""

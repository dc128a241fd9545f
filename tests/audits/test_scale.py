"""Pages that hold at scale: the data generator, list pages whose query counts do not grow with
the network, filters that search as you type instead of listing thousands of options, the
board paged per column and the import page that does not list every audit."""

import datetime
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits import selectors
from audits.models import Audit, Clause, CorrectiveAction, Finding
from csrplatform.accounts.models import User
from csrplatform.widgets import LOOKUP_LIMIT
from pilots.models import Pilot, Programme
from suppliers.models import Facility, Organisation, Supplier, SupplyRelationship

MAX_OPTIONS = 300


def generate(prefix="Scale", *, n=1, seed=1, **sizes):
    """A network of 10n suppliers, 5n audits, 20n findings and 10n actions."""
    options = {
        "suppliers": 10 * n,
        "audits": 5 * n,
        "findings": 20 * n,
        "actions": 10 * n,
        "pilots": 2 * n,
        "customers": 3,
    }
    options.update(sizes)
    call_command("generate_scale_data", prefix=prefix, seed=seed, stdout=StringIO(), **options)


def fingerprint():
    return (
        sorted(Organisation.objects.values_list("name", "kind", "country", "city")),
        sorted(
            SupplyRelationship.objects.values_list(
                "customer__name", "supplier__organisation__name", "tier", "since"
            )
        ),
        sorted(
            Audit.objects.values_list(
                "facility__supplier__organisation__name", "facility__name", "kind", "start_date"
            )
        ),
        sorted(Finding.objects.values_list("description", "severity", "audit__start_date")),
        sorted(CorrectiveAction.objects.values_list("action", "status", "due_date")),
    )


@pytest.mark.django_db
def test_the_generator_makes_what_is_asked_the_same_for_the_same_seed():
    class Rollback(Exception):
        pass

    prints = []
    for _ in range(2):
        try:
            with transaction.atomic():
                generate(n=2, seed=7)
                prints.append(fingerprint())
                raise Rollback
        except Rollback:
            pass
    assert prints[0] == prints[1]

    generate(n=2, seed=7)
    assert Supplier.objects.count() == 20
    assert Audit.objects.count() == 10
    assert Finding.objects.count() == 40
    assert CorrectiveAction.objects.count() == 20
    assert Facility.objects.count() >= 20
    assert Programme.objects.count() == 1
    assert Pilot.objects.count() == 4
    assert Clause.objects.count() == 200
    # Every finding answers one or two of its audit's standard's clauses.
    assert not Finding.objects.filter(clauses=None).exists()
    roles = set(
        User.objects.filter(email__startswith="scale-").values_list(
            "memberships__organisation__kind", flat=True
        )
    )
    assert roles == {"facilitator", "customer", "supplier", "civil_society"}
    with pytest.raises(CommandError):
        generate(n=1)


@pytest.mark.django_db
def test_the_generator_makes_as_many_facilities_as_asked_at_least_one_each():
    generate(n=2, seed=3, facilities=60)
    assert Facility.objects.count() == 60
    assert not Supplier.objects.filter(facilities=None).exists()
    with pytest.raises(CommandError, match="fewer than --suppliers"):
        generate("Other", n=1, facilities=5)


def queries(client, url):
    client.get(url)  # warm-up of per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


LIST_PAGES = (
    "/directory/",
    "/directory/?kind=supplier",
    "/pilots/",
    "/pilots/programmes/",
    "/audits/",
    "/audits/?kind=follow_up",
    "/audits/actions/",
    "/audits/actions/?severity=major",
    "/audits/import/",
)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["facilitator", "customer-0", "supplier-0"])
def test_list_pages_cost_the_same_for_n_and_3n(client, who):
    generate("Scale", n=3)
    client.force_login(User.objects.get(email=f"scale-{who}@example.org"))
    pages = [url for url in LIST_PAGES if who == "facilitator" or "import" not in url]
    few = {url: queries(client, url) for url in pages}

    # Twice as much again; the customer buys from every new supplier and commissioned every
    # new audit, so what it sees grows threefold too.
    generate("More", n=6)
    customer = Organisation.objects.get(name="Scale customer 0000")
    SupplyRelationship.objects.bulk_create(
        [
            SupplyRelationship(customer=customer, supplier=supplier, tier=1)
            for supplier in Supplier.objects.filter(organisation__name__startswith="More ")
        ]
    )
    Audit.objects.filter(facility__supplier__organisation__name__startswith="More ").update(
        commissioned_by=customer
    )
    many = {url: queries(client, url) for url in pages}
    # Each page: session, user, memberships, the list's count and page (the board: one
    # aggregate for the counts, one query of ids per column and one for the cards), the
    # chosen filter values and the menu's inbox count: a fixed set at any size.
    assert many == few


def options_per_select(html):
    return [
        len(re.findall(r"<option\b", body))
        for body in re.findall(r"<select\b.*?</select>", html, re.S)
    ]


@pytest.mark.django_db
def test_filters_do_not_list_thousands_of_options(client):
    generate("Scale", n=1, suppliers=400, customers=320, audits=40)
    client.force_login(User.objects.get(email="scale-facilitator@example.org"))
    for url in ("/directory/", "/pilots/", "/audits/", "/audits/actions/", "/audits/import/"):
        html = client.get(url).content.decode()
        assert max(options_per_select(html), default=0) <= MAX_OPTIONS, url
        assert "Scale supplier 000399" not in html, url
        assert "Scale customer 0319" not in html, url


@pytest.mark.django_db
def test_lookup_answers_a_few_matches_within_the_users_scope(world, audits, page_client):
    url = reverse("lookup", args=["suppliers"])
    customer = page_client("customer_a")
    html = customer.get(url, {"term": "supplier"}).content.decode()
    assert "Supplier X" in html
    assert "Supplier Y" not in html  # customer B's supplier
    assert f'data-value="{world.supplier_y.pk}"' not in html
    assert "No match" in customer.get(url, {"term": "Supplier Y"}).content.decode()
    assert customer.get(reverse("lookup", args=["nothing-here"])).status_code == 404
    # Only facilitators add findings to any audit: a customer's import choices are empty.
    editable = customer.get(reverse("lookup", args=["audits-editable"]), {"term": ""})
    assert "data-value" not in editable.content.decode()

    for number in range(LOOKUP_LIMIT + 5):
        Supplier.objects.create(
            organisation=Organisation.objects.create(name=f"Bulk {number}", kind="supplier")
        )
    html = page_client("facilitator").get(url, {"term": "bulk"}).content.decode()
    assert html.count("data-value") == LOOKUP_LIMIT
    assert "type more" in html


def test_lookup_needs_a_login(world, client):
    response = client.get(reverse("lookup", args=["suppliers"]))
    assert response.status_code == 302


def test_the_chosen_filter_shows_its_name_and_the_api_filters_by_id(
    world, audits, page_client, api_client
):
    html = (
        page_client("facilitator")
        .get(reverse("audits:audit_list"), {"supplier": world.supplier_x.pk})
        .content.decode()
    )
    assert f'name="supplier" id="id_supplier" value="{world.supplier_x.pk}"' in html
    assert 'value="Supplier X"' in html
    api = api_client("facilitator")
    answer = api.get("/api/v1/audits/", {"supplier": world.supplier_x.pk}).json()
    assert [row["id"] for row in answer["results"]] == [audits.audit_x.pk]
    answer = api.get("/api/v1/corrective-actions/", {"clause": audits.clause_hours.pk}).json()
    assert {row["id"] for row in answer["results"]} >= {audits.action_x.pk}
    # A supplier the customer does not see is refused, as before.
    assert (
        api_client("customer_a")
        .get("/api/v1/audits/", {"supplier": world.supplier_y.pk})
        .status_code
        == 400
    )


def test_the_board_pages_each_column(world, audits, page_client):
    due = timezone.localdate() + datetime.timedelta(days=60)
    CorrectiveAction.objects.bulk_create(
        [
            CorrectiveAction(finding=audits.finding_x, action=f"Extra {n}", due_date=due)
            for n in range(30)
        ]
    )
    client = page_client("facilitator")
    response = client.get(reverse("audits:action_board"))
    open_column = next(c for c in response.context["columns"] if c.key == "open")
    assert open_column.count == 32  # the fixtures' two and thirty more
    assert len(open_column.actions) == 25
    html = response.content.decode()
    assert 'data-more="open"' in html
    assert "page_open=2" in html

    more = client.get(
        reverse("audits:action_board"),
        {"page_open": 2, "column": "open"},
        headers={"HX-Request": "true"},
    )
    html = more.content.decode()
    assert html.count('class="board-card"') == 7
    assert "data-more" not in html
    assert "<html" not in html  # a partial, appended under the column


def test_the_import_page_does_not_list_audits(world, audits, page_client):
    client = page_client("facilitator")
    html = client.get(reverse("audits:findings_import")).content.decode()
    assert "X plant" not in html  # no audit is listed, only a box to search them
    assert 'name="audit"' in html
    html = client.get(reverse("audits:findings_import"), {"audit": audits.audit_x.pk}).content
    assert "Supplier X · X plant" in html.decode()


def test_the_board_counts_a_long_column_up_to_its_limit(world, audits, page_client, monkeypatch):
    # No count over every visible action: past the limit the column says "30+" and "More".
    monkeypatch.setattr(selectors, "BOARD_COUNT_LIMIT", 30)
    due = timezone.localdate() + datetime.timedelta(days=60)
    CorrectiveAction.objects.bulk_create(
        [
            CorrectiveAction(finding=audits.finding_x, action=f"Extra {n}", due_date=due)
            for n in range(30)
        ]
    )
    client = page_client("facilitator")
    response = client.get(reverse("audits:action_board"))
    open_column = next(c for c in response.context["columns"] if c.key == "open")
    assert (open_column.count, open_column.capped) == (30, True)
    html = response.content.decode()
    assert '<span class="count" data-count="open">30+</span>' in html
    assert 'data-more="open"' in html

    # The last page: everything it holds is counted again, and nothing follows.
    last = client.get(
        reverse("audits:action_board"),
        {"page_open": 2, "column": "open"},
        headers={"HX-Request": "true"},
    )
    assert last.content.decode().count('class="board-card"') == 7
    assert "data-more" not in last.content.decode()

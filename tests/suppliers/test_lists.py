"""Filters, pagination and CSV export: the same FilterSet through pages and the API."""

import pytest
from django.urls import reverse

from tests.factories import OrganisationFactory, RelationshipFactory, SupplierFactory

LIST = reverse("suppliers:organisation_list")
EXPORT = reverse("suppliers:organisation_export")
API = "/api/v1/organisations/"


def page_names(response):
    return [row.name for row in response.context["object_list"]]


def api_names(response):
    return [row["name"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "supplier"}, ["Supplier X", "Supplier Y"]),
        ({"kind": "customer", "country": "JP"}, ["Customer B"]),
        ({"country": "VN"}, ["Supplier Y"]),
        ({"tier": "2"}, ["Supplier Y"]),
        ({"tier": "1"}, ["Supplier X"]),
        ({"maturity_stage": "basic_awareness"}, ["Supplier X"]),
        ({"commitment_level": "lacking"}, ["Supplier Y"]),
        ({"q": "supplier y"}, ["Supplier Y"]),
        ({"q": "training"}, ["Training NGO"]),
    ],
)
def test_filters_agree_between_page_and_api(world, page_client, api_client, params, expected):
    page = page_client("facilitator").get(LIST, params)
    api = api_client("facilitator").get(API, params)
    assert page.status_code == 200
    assert api.status_code == 200
    assert page_names(page) == expected
    assert api_names(api) == expected


def test_cluster_filter(world, page_client, api_client):
    params = {"cluster": world.cluster_y.pk}
    assert page_names(page_client("facilitator").get(LIST, params)) == ["Supplier Y"]
    assert api_names(api_client("facilitator").get(API, params)) == ["Supplier Y"]


def test_page_query_string_is_a_valid_api_query(world, page_client, api_client):
    query = "kind=supplier&country=VN"
    page = page_client("facilitator").get(f"{LIST}?{query}")
    api = api_client("facilitator").get(f"{API}?{query}")
    assert page_names(page) == api_names(api) == ["Supplier Y"]


def test_tier_filter_only_counts_the_customers_own_relationships(world, api_client):
    # Supplier Y is tier 2 for customer B; customer A sees no tier-2 supplier at all.
    RelationshipFactory(customer=world.customer_a, supplier=world.supplier_y, tier=1)
    assert api_names(api_client("customer_a").get(API, {"tier": 2})) == []
    assert api_names(api_client("customer_b").get(API, {"tier": 2})) == ["Supplier Y"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "planet"}, "kind"),
        ({"tier": "first"}, "tier"),
        ({"tier": "0"}, "tier"),
        ({"country": "XX"}, "country"),
        ({"cluster": "999999"}, "cluster"),
        ({"maturity_stage": "enlightened"}, "maturity_stage"),
    ],
)
def test_invalid_filter_values(world, page_client, api_client, params, field):
    api = api_client("facilitator").get(API, params)
    assert api.status_code == 400
    assert field in api.json()["errors"]

    page = page_client("facilitator").get(LIST, params)
    assert page.status_code == 400
    assert field in page.context["filterset"].errors
    assert page_names(page) == []
    assert "Some filters are not valid" in page.content.decode()

    assert page_client("facilitator").get(EXPORT, params).status_code == 400


def test_pagination_page_and_api(world, page_client, api_client):
    for number in range(30):
        OrganisationFactory(name=f"Bulk customer {number:02d}", kind="customer")
    first = page_client("facilitator").get(LIST, {"kind": "customer"})
    second = page_client("facilitator").get(LIST, {"kind": "customer", "page": 2})
    # Previous and Next, without counting every organisation.
    assert first.context["page_obj"].has_next()
    assert not second.context["page_obj"].has_next()
    assert len(page_names(first)) == 25
    assert len(page_names(second)) == 7
    assert set(page_names(first)).isdisjoint(page_names(second))
    # Page links keep the filters.
    assert "kind=customer&amp;page=2" in first.content.decode()
    assert "kind=customer&amp;page=1" in second.content.decode()
    assert "Page 2" in second.content.decode()

    # The API pages by cursor, in id order, without a count; the links keep the filters.
    api = api_client("facilitator")
    pages, url = [], API + "?kind=customer&page_size=10"
    while url:
        body = api.get(url).json()
        assert "count" not in body
        pages.append(body)
        url = body["next"]
    assert [len(body["results"]) for body in pages] == [10, 10, 10, 2]
    ids = [row["id"] for body in pages for row in body["results"]]
    assert ids == sorted(ids)
    assert pages[0]["previous"] is None
    assert "kind=customer" in pages[-1]["previous"]
    back = api.get(pages[-1]["previous"]).json()
    assert back["results"] == pages[2]["results"]


def test_htmx_request_gets_only_the_results(world, page_client):
    response = page_client("facilitator").get(LIST, {"kind": "supplier"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "Supplier X" in html


def test_csv_export_follows_the_filters(world, page_client):
    world.supplier_x.certifications.create(code="iso-14001", name="ISO 14001")
    response = page_client("facilitator").get(EXPORT, {"kind": "supplier"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.streaming
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("id,name,local_name,kind")
    assert len(lines) == 3
    row_x = next(line for line in lines if "Supplier X" in line)
    assert "ISO 14001" in row_x
    assert "Shenzhen cluster" in row_x


def test_csv_export_neutralises_formulas(world, page_client):
    OrganisationFactory(name='=HYPERLINK("http://evil")', kind="customer")
    body = b"".join(
        page_client("facilitator").get(EXPORT, {"kind": "customer"}).streaming_content
    ).decode("utf-8-sig")
    assert "'=HYPERLINK" in body


def test_supplier_detail_tells_profile_facilities_customers_and_clusters(world, page_client):
    response = page_client("facilitator").get(world.supplier_x.get_absolute_url())
    html = response.content.decode()
    assert "X plant" in html
    assert "Customer A" in html
    assert "Shenzhen cluster" in html
    assert "Basic awareness" in html


def test_supplier_detail_lists_only_the_viewers_relationships(world, page_client):
    # A supplier shared by both customers: each customer sees only its own relationship.
    shared = SupplierFactory(organisation__name="Shared supplier")
    RelationshipFactory(customer=world.customer_a, supplier=shared)
    RelationshipFactory(customer=world.customer_b, supplier=shared)
    html = page_client("customer_a").get(shared.get_absolute_url()).content.decode()
    assert "Customer A" in html
    assert "Customer B" not in html

"""Create and edit through pages, API and services; bad input saves nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from suppliers import services
from suppliers.models import Facility, Organisation, Supplier, SupplyRelationship

CREATE = reverse("suppliers:organisation_create")


def supplier_form(**overrides):
    data = {
        "name": "Dongguan Precision Ltd",
        "local_name": "东莞精密有限公司",
        "kind": "supplier",
        "country": "CN",
        "city": "Dongguan",
        "civil_society_type": "",
        "website": "",
        "notes": "",
        "profile-sector": "Electronics",
        "profile-workers_headcount": "2500",
        "profile-headquarters_city": "",
        "profile-headquarters_country": "",
        "profile-maturity_stage": "management_systems",
        "profile-commitment_level": "committed",
    }
    data.update(overrides)
    return data


def test_facilitator_creates_a_supplier_with_its_profile(world, page_client):
    response = page_client("facilitator").post(CREATE, supplier_form())
    organisation = Organisation.objects.get(name="Dongguan Precision Ltd")
    assert response.status_code == 302
    assert response.url == organisation.get_absolute_url()
    assert organisation.local_name == "东莞精密有限公司"
    assert organisation.supplier_profile.workers_headcount == 2500


def test_duplicate_organisation_is_refused_and_nothing_saved(world, page_client, api_client):
    before = Organisation.objects.count()
    response = page_client("facilitator").post(CREATE, supplier_form(name="supplier x"))
    assert response.status_code == 400
    assert "already exists in this country" in response.content.decode()

    api = api_client("facilitator").post(
        "/api/v1/organisations/",
        {"name": "SUPPLIER X", "kind": "supplier", "country": "CN"},
        format="json",
    )
    assert api.status_code == 400
    assert "already exists in this country" in str(api.json())
    assert Organisation.objects.count() == before
    assert Supplier.objects.count() == 2


def test_same_name_in_another_country_is_a_different_organisation(world, page_client):
    response = page_client("facilitator").post(
        CREATE, supplier_form(name="Supplier X", country="VN")
    )
    assert response.status_code == 302
    assert Organisation.objects.filter(name="Supplier X").count() == 2


def test_bad_profile_value_saves_neither_organisation_nor_profile(world, page_client):
    response = page_client("facilitator").post(
        CREATE, supplier_form(**{"profile-workers_headcount": "-5"})
    )
    assert response.status_code == 400
    assert response.context["forms"][1].errors["workers_headcount"]
    assert not Organisation.objects.filter(name="Dongguan Precision Ltd").exists()


def test_civil_society_needs_its_type(world, page_client):
    response = page_client("facilitator").post(
        CREATE, supplier_form(kind="civil_society", name="Some NGO")
    )
    assert response.status_code == 400
    assert "civil_society_type" in response.context["forms"][0].errors


def test_inline_validation_answers_errors_without_saving(world, page_client):
    response = page_client("facilitator").post(
        CREATE,
        supplier_form(name="Supplier X", _validate="1", website="not a url"),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="errors-website" hx-swap-oob="true"' in html
    assert "Enter a valid URL" in html
    assert "already exists in this country" in html
    assert "<html" not in html
    assert Organisation.objects.filter(name="Supplier X").count() == 1


def test_supplier_edits_its_own_profile_on_the_page(world, page_client):
    organisation = world.supplier_x.organisation
    url = reverse("suppliers:organisation_update", args=[organisation.pk])
    form = page_client("supplier").get(url).context["forms"]
    data = {
        **{k: v or "" for k, v in form[0].initial.items() if k in services.ORGANISATION_FIELDS},
        **{
            f"profile-{k}": v or ""
            for k, v in form[1].initial.items()
            if k in services.SUPPLIER_FIELDS
        },
    }
    data.update(
        {"country": "CN", "profile-workers_headcount": "1234", "profile-headquarters_country": "TW"}
    )
    response = page_client("supplier").post(url, data)
    assert response.status_code == 302, response.context["forms"][0].errors
    world.supplier_x.refresh_from_db()
    assert world.supplier_x.workers_headcount == 1234
    assert world.supplier_x.headquarters_country.code == "TW"


def test_services_refuse_actors_without_rights(world):
    with pytest.raises(PermissionDenied):
        services.organisation_create(
            actor=world.users["customer_a"], name="Z", kind="customer", country="CN"
        )
    with pytest.raises(PermissionDenied):
        services.organisation_update(
            actor=world.users["customer_a"], organisation=world.supplier_x.organisation, notes="x"
        )
    with pytest.raises(PermissionDenied):
        services.relationship_save(
            actor=world.users["supplier"],
            customer=world.customer_b,
            supplier=world.supplier_x,
            tier=1,
        )


def test_supplier_with_customers_cannot_change_kind(world):
    with pytest.raises(ValidationError) as caught:
        services.organisation_update(
            actor=world.users["facilitator"],
            organisation=world.supplier_x.organisation,
            kind="customer",
        )
    assert "kind" in caught.value.message_dict


def test_facility_and_relationship_pages(world, page_client):
    client = page_client("facilitator")
    org = world.supplier_y.organisation
    response = client.post(
        reverse("suppliers:facility_create", args=[org.pk]),
        {
            "supplier": world.supplier_y.pk,
            "name": "Second plant",
            "country": "VN",
            "city": "Hanoi",
            "address": "",
            "workers": "300",
            "products": "Cables",
        },
    )
    assert response.status_code == 302
    assert Facility.objects.filter(supplier=world.supplier_y, name="Second plant").exists()

    response = client.post(
        reverse("suppliers:relationship_create", args=[org.pk]),
        {
            "customer": world.customer_a.pk,
            "supplier": world.supplier_y.pk,
            "tier": "2",
            "since": "2008-01-15",
            "products": "Model 3 chargers",
        },
    )
    assert response.status_code == 302
    assert (
        SupplyRelationship.objects.get(customer=world.customer_a, supplier=world.supplier_y).tier
        == 2
    )
    duplicate = client.post(
        reverse("suppliers:relationship_create", args=[org.pk]),
        {
            "customer": world.customer_a.pk,
            "supplier": world.supplier_y.pk,
            "tier": "1",
        },
    )
    assert duplicate.status_code == 400
    assert (
        SupplyRelationship.objects.filter(
            customer=world.customer_a, supplier=world.supplier_y
        ).count()
        == 1
    )


def test_relationship_customer_must_be_a_customer(world, api_client):
    response = api_client("facilitator").post(
        "/api/v1/relationships/",
        {
            "customer": world.ngo_org.pk,
            "supplier": world.supplier_x.pk,
            "tier": 1,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "customer" in response.json()["errors"]


def test_unknown_ids_are_404(world, page_client, api_client):
    assert (
        page_client("facilitator")
        .get(reverse("suppliers:organisation_detail", args=[999999]))
        .status_code
        == 404
    )
    assert api_client("facilitator").get("/api/v1/organisations/999999/").status_code == 404
    assert api_client("facilitator").get("/api/v1/facilities/999999/").status_code == 404


def test_a_supplier_cannot_change_its_own_kind(world, api_client, page_client):
    from tests.factories import SupplierFactory, member

    loner = SupplierFactory(organisation__name="Supplier without customers")
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(member(loner.organisation))
    response = api.patch(
        f"/api/v1/organisations/{loner.organisation_id}/", {"kind": "facilitator"}, format="json"
    )
    assert response.status_code == 400
    assert "Only a facilitator" in str(response.json())
    loner.organisation.refresh_from_db()
    assert loner.organisation.kind == "supplier"
    form = (
        page_client("supplier")
        .get(reverse("suppliers:organisation_update", args=[world.supplier_x.organisation_id]))
        .context["forms"][0]
    )
    assert form.fields["kind"].disabled


def test_a_refused_rename_reads_the_same_for_a_hidden_organisation_as_for_none(
    world, api_client, page_client
):
    """Renaming to the name of an organisation the supplier may not see must not answer
    "already exists": name and country, which make an organisation unique, are changed by
    facilitators only (who see the whole directory), so the refusal never depends on others."""
    api = api_client("supplier")
    url = f"/api/v1/organisations/{world.supplier_x.organisation_id}/"
    for hidden, missing in (
        ({"name": "Customer B", "country": "JP"}, {"name": "Nobody Ltd", "country": "JP"}),
        ({"name": "Supplier Y", "country": "VN"}, {"name": "Nobody Ltd", "country": "VN"}),
        ({"name": "customer b", "country": "JP"}, {"name": "nobody ltd", "country": "JP"}),
    ):
        refused = api.patch(url, hidden, format="json")
        unknown = api.patch(url, missing, format="json")
        assert refused.status_code == unknown.status_code == 400
        assert refused.json() == unknown.json()
        assert "already exists" not in str(refused.json())
    world.supplier_x.organisation.refresh_from_db()
    assert (world.supplier_x.organisation.name, world.supplier_x.organisation.country.code) == (
        "Supplier X",
        "CN",
    )
    # The rest of its record, and its name's letter case, stay the supplier's to change.
    assert (
        api.patch(url, {"name": "SUPPLIER X", "notes": "Moved"}, format="json").status_code == 200
    )
    # On the page the name and country cannot be changed by the supplier at all.
    form = page_client("supplier").get(
        reverse("suppliers:organisation_update", args=[world.supplier_x.organisation_id])
    )
    fields = form.context["forms"][0].fields
    assert fields["name"].disabled
    assert fields["country"].disabled
    # A facilitator, who sees every organisation, is told of the one that exists.
    taken = api_client("facilitator").patch(
        url, {"name": "Customer B", "country": "JP"}, format="json"
    )
    assert taken.status_code == 400
    assert "already exists in this country" in str(taken.json())

"""The access matrix of the directory: role × object × action, through pages and the API.

A denied object is a 404 everywhere, so guessing ids teaches nothing.
"""

import pytest
from django.urls import reverse

from csrplatform import access
from suppliers.models import Facility, Organisation, Supplier, SupplyRelationship

# Which organisations each role may see, by the `world` fixture's attribute names.
VISIBLE = {
    "facilitator": {
        "supplier_x",
        "supplier_y",
        "customer_a",
        "customer_b",
        "facilitator_org",
        "ngo_org",
    },
    "customer_a": {"supplier_x", "customer_a", "facilitator_org", "ngo_org"},
    "customer_b": {"supplier_y", "customer_b", "facilitator_org", "ngo_org"},
    "supplier": {"supplier_x", "customer_a", "facilitator_org", "ngo_org"},
    "ngo": {"facilitator_org", "ngo_org"},
    "anonymous": set(),
}
EDITABLE = {
    "facilitator": {
        "supplier_x",
        "supplier_y",
        "customer_a",
        "customer_b",
        "facilitator_org",
        "ngo_org",
    },
    "customer_a": set(),
    "customer_b": set(),
    "supplier": {"supplier_x"},
    "ngo": set(),
    "anonymous": set(),
}
OBJECTS = sorted(VISIBLE["facilitator"])
ROLES = list(VISIBLE)


def organisation(world, name):
    obj = getattr(world, name)
    return obj.organisation if isinstance(obj, Supplier) else obj


@pytest.mark.parametrize("role", ROLES)
def test_scope_matches_the_matrix(world, role):
    user = world.users[role]
    visible = set(access.scope(user, Organisation.objects.all()).values_list("pk", flat=True))
    editable = set(
        access.scope(user, Organisation.objects.all(), access.EDIT).values_list("pk", flat=True)
    )
    assert visible == {organisation(world, name).pk for name in VISIBLE[role]}
    assert editable == {organisation(world, name).pk for name in EDITABLE[role]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", OBJECTS)
def test_detail_page(world, page_client, role, name):
    response = page_client(role).get(
        reverse("suppliers:organisation_detail", args=[organisation(world, name).pk])
    )
    if role == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == (200 if name in VISIBLE[role] else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", OBJECTS)
def test_detail_api(world, api_client, role, name):
    response = api_client(role).get(f"/api/v1/organisations/{organisation(world, name).pk}/")
    if role == "anonymous":
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == (200 if name in VISIBLE[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_list_page_and_api_and_export_show_only_visible(world, page_client, api_client, role):
    expected = {organisation(world, name).name for name in VISIBLE[role]}

    page = page_client(role).get(reverse("suppliers:organisation_list"))
    api = api_client(role).get("/api/v1/organisations/", {"page_size": 100})
    export = page_client(role).get(reverse("suppliers:organisation_export"))

    if role == "anonymous":
        assert page.status_code == 302
        assert api.status_code in (401, 403)
        assert export.status_code == 302
        return
    assert {row.name for row in page.context["object_list"]} == expected
    assert {row["name"] for row in api.json()["results"]} == expected
    csv_names = {
        line.split(",")[1]
        for line in b"".join(export.streaming_content).decode("utf-8-sig").splitlines()[1:]
    }
    assert csv_names == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", OBJECTS)
def test_edit_page(world, page_client, role, name):
    url = reverse("suppliers:organisation_update", args=[organisation(world, name).pk])
    response = page_client(role).get(url)
    if role == "anonymous":
        assert response.status_code == 302
    else:
        assert response.status_code == (200 if name in EDITABLE[role] else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", OBJECTS)
def test_edit_api(world, api_client, role, name):
    target = organisation(world, name)
    response = api_client(role).patch(
        f"/api/v1/organisations/{target.pk}/", {"notes": "changed"}, format="json"
    )
    target.refresh_from_db()
    if role == "anonymous":
        assert response.status_code in (401, 403)
    elif name in EDITABLE[role]:
        assert response.status_code == 200, response.content
        assert target.notes == "changed"
        return
    else:
        assert response.status_code == 404
    assert target.notes != "changed"


def test_customer_b_cannot_reach_supplier_of_a_by_any_path(world, page_client, api_client):
    """Customer B never sees a supplier that only supplies customer A, not even by its id."""
    supplier_x = world.supplier_x
    pages = page_client("customer_b")
    api = api_client("customer_b")
    assert (
        pages.get(
            reverse("suppliers:organisation_detail", args=[supplier_x.organisation_id])
        ).status_code
        == 404
    )
    assert (
        pages.get(
            reverse("suppliers:facility_create", args=[supplier_x.organisation_id])
        ).status_code
        == 404
    )
    assert (
        pages.get(reverse("suppliers:facility_update", args=[world.facility_x.pk])).status_code
        == 404
    )
    for url in (
        f"/api/v1/suppliers/{supplier_x.pk}/",
        f"/api/v1/facilities/{world.facility_x.pk}/",
    ):
        assert api.get(url).status_code == 404
    relationship = SupplyRelationship.objects.get(supplier=supplier_x)
    assert api.get(f"/api/v1/relationships/{relationship.pk}/").status_code == 404
    assert api.get(f"/api/v1/clusters/{world.cluster_x.pk}/").status_code == 404
    # Filtering by its cluster, its customer or tier does not reveal it either.
    assert api.get("/api/v1/suppliers/", {"cluster": world.cluster_x.pk}).status_code == 400
    assert api.get("/api/v1/suppliers/", {"customer": world.customer_a.pk}).status_code == 400
    names = {row["name"] for row in api.get("/api/v1/suppliers/", {"tier": 1}).json()["results"]}
    assert names == set()
    assert (
        "Supplier X"
        not in pages.get(reverse("suppliers:organisation_list"), {"q": "Supplier"}).content.decode()
    )


@pytest.mark.parametrize("role", ["customer_a", "customer_b", "supplier", "ngo"])
def test_filter_choices_and_dropdowns_list_only_visible_objects(world, page_client, role):
    client = page_client(role)
    cluster_choices = {
        str(label)
        for _value, label in client.get(reverse("suppliers:organisation_list"))
        .context["filterset"]
        .form.fields["cluster"]
        .choices
    }
    visible_clusters = {
        cluster.name
        for cluster, supplier in ((world.cluster_x, "supplier_x"), (world.cluster_y, "supplier_y"))
        if supplier in VISIBLE[role]
    }
    assert cluster_choices - {"---------"} == visible_clusters


def test_browsable_api_form_lists_only_visible_suppliers(world, api_client):
    from suppliers.api.serializers import FacilitySerializer

    request = api_client("supplier").get("/api/v1/facilities/").wsgi_request
    request.user = world.users["supplier"]
    field = FacilitySerializer(context={"request": request}).fields["supplier"]
    assert set(field.queryset) == {world.supplier_x}


def test_facility_edit_scope_for_supplier(world, api_client):
    api = api_client("supplier")
    ok = api.patch(f"/api/v1/facilities/{world.facility_x.pk}/", {"workers": 1200}, format="json")
    assert ok.status_code == 200
    assert Facility.objects.get(pk=world.facility_x.pk).workers == 1200
    denied = api.patch(f"/api/v1/facilities/{world.facility_y.pk}/", {"workers": 1}, format="json")
    assert denied.status_code == 404
    # Nor can it move its facility to another supplier it cannot edit.
    moved = api.patch(
        f"/api/v1/facilities/{world.facility_x.pk}/",
        {"supplier": world.supplier_y.pk},
        format="json",
    )
    assert moved.status_code == 400
    assert Facility.objects.get(pk=world.facility_x.pk).supplier == world.supplier_x


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo"])
def test_only_facilitators_create_organisations(world, page_client, api_client, role):
    assert page_client(role).get(reverse("suppliers:organisation_create")).status_code == 403
    response = api_client(role).post(
        "/api/v1/organisations/",
        {"name": "New", "kind": "customer", "country": "CN"},
        format="json",
    )
    assert response.status_code == 403
    assert not Organisation.objects.filter(name="New").exists()


def test_viewer_member_of_facilitator_reads_but_does_not_edit(world, api_client):
    from csrplatform.accounts.models import Role
    from tests.factories import member

    viewer = member(world.facilitator_org, Role.VIEWER)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(viewer)
    assert api.get(f"/api/v1/organisations/{world.customer_b.pk}/").status_code == 200
    response = api.patch(
        f"/api/v1/organisations/{world.customer_b.pk}/", {"notes": "x"}, format="json"
    )
    assert response.status_code == 404


def test_a_cluster_lists_only_the_members_the_caller_may_see(world, api_client):
    world.cluster_x.suppliers.add(world.supplier_y)
    body = api_client("customer_a").get(f"/api/v1/clusters/{world.cluster_x.pk}/").json()
    assert body["suppliers"] == [world.supplier_x.pk]
    everyone = api_client("facilitator").get(f"/api/v1/clusters/{world.cluster_x.pk}/").json()
    assert set(everyone["suppliers"]) == {world.supplier_x.pk, world.supplier_y.pk}


# With the `pilots` fixture, fellow participants of a pilot see each other's organisation record
# (one rule, `pilots.rules.pilot_named_organisation_ids`): the NGO, on pilot X, sees supplier X
# and customer A. Supplier profiles' private data, facilities and customers stay with the
# directory's own rule.
VISIBLE_WITH_PILOTS = {**VISIBLE, "ngo": VISIBLE["ngo"] | {"supplier_x", "customer_a"}}
PROFILE_READERS = {
    "facilitator": {"supplier_x", "supplier_y"},
    "customer_a": {"supplier_x"},
    "customer_b": {"supplier_y"},
    "supplier": {"supplier_x"},
    "ngo": set(),
}


@pytest.mark.parametrize("role", list(PROFILE_READERS))
def test_fellow_participants_see_each_others_record_and_nothing_private(
    world, pilots, page_client, api_client, role
):
    pages, api = page_client(role), api_client(role)
    for name in OBJECTS:
        target = organisation(world, name)
        page = pages.get(reverse("suppliers:organisation_detail", args=[target.pk]))
        record = api.get(f"/api/v1/organisations/{target.pk}/")
        expected = 200 if name in VISIBLE_WITH_PILOTS[role] else 404
        assert (page.status_code, record.status_code) == (expected, expected), name
        supplier = getattr(world, name)
        if not isinstance(supplier, Supplier) or expected == 404:
            continue
        readable = name in PROFILE_READERS[role]
        assert (page.context.get("supplier") is not None) == readable, name
        assert (record.json()["supplier_profile"] is not None) == readable, name
        profile = api.get(f"/api/v1/suppliers/{supplier.pk}/").json()
        assert profile["name"] == supplier.organisation.name
        assert (profile["commitment_level"] != "") == readable, name
        facility = world.facility_x if name == "supplier_x" else world.facility_y
        assert api.get(f"/api/v1/facilities/{facility.pk}/").status_code == (
            200 if readable else 404
        )
    listed = {row["name"] for row in api.get("/api/v1/organisations/").json()["results"]}
    assert listed == {organisation(world, name).name for name in VISIBLE_WITH_PILOTS[role]}
    rows = pages.get(reverse("suppliers:organisation_list")).context["object_list"]
    assert {row.name: row.profile_readable for row in rows if row.kind == "supplier"} == {
        organisation(world, name).name: name in PROFILE_READERS[role]
        for name in VISIBLE_WITH_PILOTS[role]
        if name.startswith("supplier_")
    }


def test_a_declined_invitation_shows_nothing_of_the_pilot(world, pilots, api_client):
    """An organisation that declined does not see the pilot, nor, through it, the others."""
    from pilots import services as pilot_services
    from tests.factories import SupplierFactory, member

    peer = SupplierFactory(organisation__name="Peer supplier").organisation
    participant = pilot_services.participant_invite(
        actor=world.users["facilitator"], pilot=pilots.pilot_x, organisation=peer, role="consultant"
    )
    peer_user = member(peer, email="peer@example.org")
    assert access.can_view(peer_user, world.customer_a)
    pilot_services.participant_respond(
        actor=world.users["facilitator"], participant=participant, accept=False, reason="No"
    )
    peer_user = type(peer_user).objects.get(pk=peer_user.pk)  # a new request
    assert not access.can_view(peer_user, world.customer_a)
    assert not access.can_view(peer_user, pilots.pilot_x)
    # The others still see it named among the pilot's participants.
    assert access.can_view(world.users["ngo"], peer)


def test_filters_on_private_profile_data_do_not_find_a_fellow_participant(
    world, pilots, page_client, api_client
):
    """The NGO sees supplier X's record through pilot X, but filtering by its maturity, its
    commitment, its customer or its sector must not tell what the profile hides."""
    supplier_x = world.supplier_x
    probes = [
        ("/api/v1/organisations/", {"maturity_stage": supplier_x.maturity_stage}),
        ("/api/v1/organisations/", {"commitment_level": supplier_x.commitment_level}),
        ("/api/v1/suppliers/", {"maturity_stage": supplier_x.maturity_stage}),
        ("/api/v1/suppliers/", {"customer": world.customer_a.pk}),
        ("/api/v1/suppliers/", {"q": supplier_x.sector.split()[0]}),
    ]
    for url, params in probes:
        names = {row["name"] for row in api_client("ngo").get(url, params).json()["results"]}
        assert "Supplier X" not in names, (url, params)
        seen = {row["name"] for row in api_client("customer_a").get(url, params).json()["results"]}
        assert "Supplier X" in seen, (url, params)
    # Its name and place still find it.
    names = {
        row["name"]
        for row in api_client("ngo")
        .get("/api/v1/suppliers/", {"q": "Supplier X"})
        .json()["results"]
    }
    assert names == {"Supplier X"}
    page = page_client("ngo").get(
        reverse("suppliers:organisation_list"), {"maturity_stage": supplier_x.maturity_stage}
    )
    assert "Supplier X" not in {row.name for row in page.context["object_list"]}

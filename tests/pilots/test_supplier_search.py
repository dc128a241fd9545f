"""The pilot form's supplier is searched as the user types (csrplatform.widgets.SearchSelect):
the page lists no supplier but the chosen one, however many the directory holds, and the
form still validates the posted id against the user's scope."""

import re

import factory
from django.urls import reverse
from django.utils.html import escape

from pilots.forms import PilotCreateForm
from tests.factories import SupplierFactory


def supplier_options(html):
    """The <option>s of the page that name a supplier (none, with the search box)."""
    return re.findall(r"<option[^>]*>\s*Bulk supplier", html)


def create_data(pilots, **overrides):
    return {
        "programme": pilots.programme.pk,
        "title": "EHS committee",
        "pilot_type": "ehs_committee",
        "approach": "customised_project",
        "planned_start": "2008-02-01",
        "planned_end": "2008-07-31",
        "objectives": "Worker EHS committee",
        **overrides,
    }


def test_the_pilot_form_does_not_grow_with_the_directory(world, pilots, page_client):
    client = page_client("facilitator")
    url = reverse("pilots:pilot_create")
    few = client.get(url).content.decode()
    SupplierFactory.create_batch(
        30, organisation__name=factory.Sequence(lambda n: f"Bulk supplier {n}")
    )
    many = client.get(url).content.decode()
    assert supplier_options(many) == []
    assert 'name="supplier" id="id_supplier" value=""' in many
    assert '<select name="supplier"' not in many
    # The same page, whatever the number of suppliers (the CSRF token aside).
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|"X-CSRFToken": "[^"]*"')
    assert strip.sub("", many) == strip.sub("", few)
    # Re-rendered with an error, it names the supplier chosen, and only that one.
    response = client.post(url, create_data(pilots, title="", supplier=world.supplier_y.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'name="supplier" id="id_supplier" value="{world.supplier_y.pk}"' in html
    assert f'value="{escape(world.supplier_y.organisation.name)}"' in html
    assert supplier_options(html) == []


def test_the_supplier_box_searches_what_the_form_accepts(world, pilots, page_client):
    client = page_client("facilitator")
    form = PilotCreateForm(user=world.users["facilitator"])
    response = client.get(reverse("lookup", args=["suppliers"]), {"term": "Supplier"})
    offered = set(map(int, re.findall(r'data-value="(\d+)"', response.content.decode())))
    accepted = set(
        form.fields["supplier"]
        .queryset.filter(organisation__name__icontains="Supplier")
        .values_list("pk", flat=True)
    )
    assert offered == accepted
    assert world.supplier_y.pk in offered


def test_a_supplier_id_sent_by_hand_is_refused_as_usual(world, pilots, page_client):
    client = page_client("facilitator")
    response = client.post(reverse("pilots:pilot_create"), create_data(pilots, supplier=999999))
    assert response.status_code == 400
    errors = response.context["forms"][0].errors
    assert "Select a valid choice" in str(errors["supplier"])
    # The refused id is not echoed back as a choice.
    assert 'name="supplier" id="id_supplier" value=""' in response.content.decode()

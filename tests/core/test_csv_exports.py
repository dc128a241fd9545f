"""The one CSV writer every export uses (`csrplatform.lists`): chunks of rows, formulas
neutralised except in columns that cannot hold one, names of unseen objects hidden."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import DecimalField, Value
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from csrplatform import access
from csrplatform.lists import (
    VisibleAmong,
    _safe_cell,
    copies_csv,
    copy_csv_response,
    csv_response,
    values_in_chunks,
)
from suppliers.models import Organisation
from tests.factories import ClusterFactory, OrganisationFactory, RelationshipFactory


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_chunks_write_what_a_row_at_a_time_writer_wrote():
    rows = [
        [1, "=cmd", datetime.date(2026, 1, 2), Decimal("-5.50"), None, "plain text"],
        [2, "+sum", None, Decimal("3"), "@x", ""],
        [3, "-x", datetime.date(2026, 3, 4), None, "\tTab", "中文"],
    ]
    response = csv_response("x.csv", ["id", "a", "on", "value", "b", "c"], [rows[:2], rows[2:]])
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(["id", "a", "on", "value", "b", "c"])
    writer.writerows([[_safe_cell(cell) for cell in row] for row in rows])
    assert _body(response) == "\ufeff" + expected.getvalue()
    assert "'-5.50" in expected.getvalue()  # a negative figure is guarded too


def test_plain_columns_are_written_as_they_are():
    response = csv_response("x.csv", ["id", "note"], [[[-1, "-1"]]], plain=[0])
    assert _body(response).splitlines()[1] == "-1,'-1"


def test_unseen_ids_are_hidden_and_each_asked_about_once(world):
    user = world.users["customer_a"]
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    seen = set(access.scope(user, Organisation.objects.all()).values_list("pk", flat=True))
    assert seen
    assert set(ids) - seen

    visible = VisibleAmong(user, Organisation)
    # Values read a chunk at a time; the second chunk repeats the first's ids.
    chunks = list(values_in_chunks(Organisation.objects.order_by("pk"), ["pk", "name"], 100))
    assert [row[0] for row in chunks[0]] == ids
    with CaptureQueriesContext(connection) as first:
        visible.hide(chunks[0], 0)
    again = [[pk, "name"] for pk in ids]
    with CaptureQueriesContext(connection) as second:
        visible.hide(again, 0)
    assert len(second) == 0
    assert len(first) >= 1
    for chunk in (chunks[0], again):
        assert [row[0] for row in chunk] == [pk if pk in seen else None for pk in ids]


def test_values_come_in_chunks_of_the_size_asked(world):
    total = Organisation.objects.count()
    chunks = list(values_in_chunks(Organisation.objects.order_by("pk"), ["pk"], 2))
    assert [len(chunk) for chunk in chunks[:-1]] == [2] * (len(chunks) - 1)
    assert sum(len(chunk) for chunk in chunks) == total


def test_copy_writes_what_python_writes(world):
    if not copies_csv(Organisation.objects.all()):
        pytest.skip("COPY is PostgreSQL's; on SQLite copy_csv_response is csv_response")
    names = ["=1+1", "-1", "@me", "\tTab", "a,b", 'say "hi"', "two\nlines", "a\rb", "中文", "\\."]
    for name in names:
        OrganisationFactory(name=name, city="", notes=name)
    queryset = Organisation.objects.order_by("pk").annotate(
        minus=Value(-1), share=Value(Decimal("-0.50"), output_field=DecimalField())
    )
    columns = ["pk", "name", "city", "notes", "created_at__date", "minus", "share"]
    header = ["id", "名称", "city", "notes", "created", "minus", "share"]
    plain = (0, 4, 5)

    copied = _body(copy_csv_response("x.csv", header, queryset, columns, plain=plain))
    written = _body(csv_response("x.csv", header, values_in_chunks(queryset, columns), plain=plain))

    assert copied == written
    assert copied.count("\r\n") == queryset.count() + 1  # "\n" in a quoted cell stays
    assert '"two\nlines"' in copied
    assert ",-1,'-0.50\r\n" in copied  # plain columns are not guarded


# The audits and directory exports: COPY on PostgreSQL, Python elsewhere; the same bytes for
# every role, with what a role may not see (a commissioning customer, a private profile) blank.
ROLES = ["facilitator", "customer_a", "customer_b", "supplier", "ngo"]
AWKWARD = ["=1+1", "+sum", "-minus", "@me", 'say "hi"', "two\nlines", "中文名称", "a,b"]


def _both_ways(client, url, monkeypatch, module) -> tuple[str, str]:
    """The export as the view writes it on this database, and as Python writes it."""
    copied = _body(client.get(url))
    with monkeypatch.context() as patched:
        patched.setattr(module, "copies_csv", lambda queryset: False)
        written = _body(client.get(url))
    return copied, written


def _rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))[1:]


@pytest.fixture
def awkward_audits(world, pilots, audits):
    """The audits with awkward text, a second commissioner's audit shared with customer B,
    one audit with no findings and one with three."""
    from audits import services
    from audits.models import Audit, Finding

    world.customer_a.name = "=Customer A"
    world.customer_a.save()
    world.supplier_x.organisation.name = "Supplier X 中文"
    world.supplier_x.organisation.save()
    world.facility_x.name = 'Plant "one"\nsecond line'
    world.facility_x.save()
    Audit.objects.filter(pk=audits.audit_x.pk).update(
        audit_firm="@firm", conducted_by=world.ngo_org
    )
    Audit.objects.filter(pk=audits.audit_y.pk).update(audit_firm="-firm, 中文")
    for text in AWKWARD[:2]:
        Finding.objects.create(audit=audits.audit_y, severity="minor", description=text)
    bare = services.audit_save(
        actor=world.users["facilitator"],
        facility=world.facility_y,
        commissioned_by=None,
        audit_firm="+1",
        kind="initial",
        standard=audits.standard,
        start_date=audits.audit_x.start_date,
    )
    RelationshipFactory(customer=world.customer_b, supplier=world.supplier_x)
    services.audit_share(
        actor=world.users["supplier"], audit=audits.audit_x, customer=world.customer_b
    )
    return bare


@pytest.mark.parametrize("role", ROLES)
def test_audit_export_copy_writes_what_python_writes(
    world, audits, awkward_audits, page_client, monkeypatch, role
):
    if not copies_csv(Organisation.objects.all()):
        pytest.skip("COPY is PostgreSQL's; on SQLite the export is written in Python")
    from audits import views

    copied, written = _both_ways(
        page_client(role), reverse("audits:audit_export"), monkeypatch, views
    )
    assert copied == written
    rows = {int(row[0]): row for row in _rows(copied)}
    if role == "facilitator":
        assert rows[audits.audit_x.pk][5:8] == ["'=Customer A", "Training NGO", "'@firm"]
        assert rows[audits.audit_y.pk][10] == "3"
        assert rows[awkward_audits.pk][5] == ""
        assert rows[awkward_audits.pk][10] == "0"
        assert '"Plant ""one""\nsecond line"' in copied
    if role == "customer_b":
        # Shared with customer B, who may not see who else commissioned it.
        assert rows[audits.audit_x.pk][5] == ""
        assert "Customer A" not in copied


def test_an_audit_export_filtered_by_customer_lists_each_audit_once(
    world, audits, awkward_audits, page_client, monkeypatch
):
    """The customer filter joins the shares (DISTINCT): an audit the customer commissioned and
    shared twice is one row, written by COPY as by Python."""
    if not copies_csv(Organisation.objects.all()):
        pytest.skip("COPY is PostgreSQL's; on SQLite the export is written in Python")
    from audits import views
    from audits.models import AuditShare

    for customer in (world.customer_b, OrganisationFactory(kind="customer")):
        AuditShare.objects.get_or_create(
            audit=audits.audit_x, customer=customer, shared_by=world.users["supplier"]
        )
    url = reverse("audits:audit_export") + f"?customer={world.customer_a.pk}"
    copied, written = _both_ways(page_client("facilitator"), url, monkeypatch, views)
    assert copied == written
    ids = [int(row[0]) for row in _rows(copied)]
    assert audits.audit_x.pk in ids
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("role", ROLES)
def test_directory_export_copy_writes_what_python_writes(
    world, pilots, page_client, monkeypatch, role
):
    if not copies_csv(Organisation.objects.all()):
        pytest.skip("COPY is PostgreSQL's; on SQLite the export is written in Python")
    from suppliers import views
    from suppliers.models import Certification

    x, y = world.supplier_x, world.supplier_y
    x.organisation.name = "=1+1"
    x.organisation.local_name = "供应商 X"
    x.organisation.website = "@site"
    x.organisation.save()
    x.sector, x.workers_headcount = "-sector", 1200
    x.headquarters_city, x.headquarters_country = "深圳", "CN"
    x.save()
    y.headquarters_city, y.headquarters_country = "", "VN"
    y.save()
    for code, name in enumerate(["Zeta", "+Alpha", "中文认证", 'ISO "14001"', "Alpha"]):
        certification = Certification.objects.create(code=f"c{code}", name=name)
        x.certifications.add(certification)
        if code % 2:
            y.certifications.add(certification)
    ClusterFactory(name="@cluster, two\nlines").suppliers.add(x, y)
    OrganisationFactory(name="two\nlines", city="-city", kind="customer")

    url = reverse("suppliers:organisation_export")
    copied, written = _both_ways(page_client(role), url, monkeypatch, views)
    assert copied == written
    rows = {row[1]: row for row in _rows(copied)}
    if role == "facilitator":
        assert rows["'=1+1"][8:] == [
            "'-sector",
            "1200",
            "深圳, CN",
            "basic_awareness",
            x.commitment_level,
            '\'+Alpha; Alpha; ISO "14001"; Zeta; 中文认证',
            "'@cluster, two\nlines; Shenzhen cluster",
        ]
        assert rows["Supplier Y"][10] == "VN"
    if role == "ngo":
        # A fellow participant of pilot X: supplier X's record, none of its profile.
        assert rows["'=1+1"][8:] == [""] * 7

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
from tests.factories import OrganisationFactory


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

"""The floor of `make bench`: a bare WSGI app that answers each measured API list by running the
very SQL the app runs for it (captured by benchmarks/django_steps.py) with psycopg 3, and
serialising the rows with orjson. No framework, no ORM, no serializers: what the app could do
at best with the same statements. Not part of the product.

    BENCH_FLOOR_SPEC=spec.json BENCH_DATABASE_URL=postgres://... \
        gunicorn benchmarks.floor:application

The spec maps "<Authorization header> <path>?<query>" to the list of SELECT statements (values
inlined, as Django sends them with client-side binding): each user's token runs that user's
statements. Any other URL answers 404.
"""

import json
import os
from decimal import Decimal

import orjson
import psycopg
from psycopg.rows import dict_row

with open(os.environ["BENCH_FLOOR_SPEC"], encoding="utf-8") as spec_file:
    SPEC: dict[str, list[str]] = json.load(spec_file)

_connection = None


def _cursor():
    # One connection per worker process, kept open (as the app's CONN_MAX_AGE does).
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["BENCH_DATABASE_URL"], autocommit=True)
    return _connection.cursor(row_factory=dict_row)


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def application(environ, start_response):
    key = f"{environ.get('HTTP_AUTHORIZATION', '')} {environ.get('PATH_INFO', '')}"
    if environ.get("QUERY_STRING"):
        key += "?" + environ["QUERY_STRING"]
    statements = SPEC.get(key)
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not measured\n"]
    answer = {}
    with _cursor() as cursor:
        for number, sql in enumerate(statements):
            cursor.execute(sql)
            answer[str(number)] = cursor.fetchall()
    body = orjson.dumps(answer, default=_default)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]

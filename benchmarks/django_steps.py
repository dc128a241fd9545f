"""The steps of `make bench` that need Django, run by benchmarks/run.py in a subprocess with the
bench's production environment (DATABASE_URL, SECRET_KEY...). Not a test.

    python benchmarks/django_steps.py prepare OUT.json USER_EMAIL...

For each user it makes an API token and a signed-in session (for wrk's headers), picks the
pages to load (a pilot and a programme the user may see), and for each API list and page:

- counts the queries it runs at page_size 10 and 100 (pages have a fixed page size);
- keeps the SQL each API list runs at page_size 100 (first page and last page), for the floor
  (benchmarks/floor.py) to run the same statements;
- notes whether a statement counts a whole table (`SELECT COUNT(`), which the issue forbids on
  large tables, or only rows of one page (`COUNT(` in a subquery).
"""

import json
import math
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csrplatform.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import resolve  # noqa: E402

from csrplatform import access  # noqa: E402
from csrplatform.accounts.models import ApiToken, User  # noqa: E402
from csrplatform.accounts.services import api_token_create  # noqa: E402
from pilots.models import Pilot, Programme  # noqa: E402

HOST = "127.0.0.1"
TOKEN_NAME = "make bench"  # noqa: S105 -- the name of the token, not a key
# The API lists the issue measures: (label, path). Each at page_size 100, first and last page.
API_LISTS = (
    ("suppliers", "/api/v1/suppliers/"),
    ("audits", "/api/v1/audits/"),
    ("findings", "/api/v1/findings/"),
    ("corrective actions", "/api/v1/corrective-actions/"),
    ("observations", "/api/v1/observations/"),
)
PAGE_SIZE = 100
TOKEN_TOUCH = 'UPDATE "accounts_apitoken" SET "last_used_at"'  # noqa: S105 -- SQL, no key


def _token(user) -> str:
    # The raw key is never stored: a new token each run, the previous bench tokens revoked.
    ApiToken.objects.filter(user=user, name=TOKEN_NAME, revoked_at__isnull=True).delete()
    _row, raw_key = api_token_create(user=user, name=TOKEN_NAME, read_only=True)
    return raw_key


def _session(user) -> str:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _captured(client, url, **headers):
    """(status, body, SELECT statements) of one GET."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # The token's last_used_at is written at most once a minute (api_token_authenticate): left
    # out, or the first request of each minute would count one query more.
    statements = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TOKEN_TOUCH)
    ]
    return response.status_code, body, statements


def _selects(statements):
    return [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def _counts(statements) -> str:
    """Whether the statements count: "total" where one counts a whole (filtered) table, as
    Paginator.count does; "per row" where COUNT( appears only inside a statement that reads
    rows (a correlated subquery counting one audit's findings, bounded by the page); "" where
    none does."""
    upper = [s.lstrip().upper() for s in statements]
    if any(s.startswith("SELECT COUNT(") for s in upper):
        return "total"
    return "per row" if any("COUNT(" in s for s in upper) else ""


def _last_page(path: str, user, first: dict, size: int) -> tuple[str, int, int]:
    """(URL of the last page at `size` rows, rows before it, rows in the list). Page-number
    lists say their count; for a cursor list the cursor is built from the row just before the
    last page, found with an OFFSET here, once, and not by the request measured."""
    url = f"{path}?page_size={size}"
    if "count" in first:
        total = first["count"] or 0
        last = max(1, math.ceil(total / size))
        return (f"{url}&page={last}" if last > 1 else url), (last - 1) * size, total
    view = resolve(path).func.cls
    paginator = view.pagination_class()
    paginator.model = model = view.queryset.model
    paginator.ordering = paginator.get_ordering(None, None, view)
    paginator.base_url = f"http://{HOST}{url}"
    rows = access.scope(user, model._default_manager.all()).order_by(*paginator.ordering)
    total = rows.count()
    skipped = max(0, total - size)
    if not skipped:
        return url, 0, total
    link = urlsplit(paginator._encode(paginator._values_of(rows[skipped - 1]), reverse=False))
    return f"{link.path}?{link.query}", skipped, total


def _api(client, token, user):
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    lists = []
    for label, path in API_LISTS:
        first_url = f"{path}?page_size={PAGE_SIZE}"
        status, body, first = _captured(client, first_url, **auth)
        if status != 200:
            lists.append({"label": label, "error": f"HTTP {status} for {path}"})
            continue
        deep_url, skipped, total = _last_page(path, user, json.loads(body), PAGE_SIZE)
        deep_status, deep_body, deep = _captured(client, deep_url, **auth)
        _s, small_body, small = _captured(client, f"{path}?page_size=10", **auth)
        small_last_url, _skipped, _total = _last_page(path, user, json.loads(small_body), 10)
        _s, _b, small_last = _captured(client, small_last_url, **auth)
        lists.append(
            {
                "label": label,
                "rows": total,
                "pagination": "page number" if "count" in json.loads(body) else "cursor",
                "urls": {"first": first_url, "deep": deep_url},
                "deep_rows_skipped": skipped,
                "deep_status": deep_status,
                "deep_rows_returned": len(json.loads(deep_body).get("results", [])),
                "queries": {
                    "10": len(small),
                    "100": len(first),
                    "10_last": len(small_last),
                    "100_last": len(deep),
                },
                "counts_rows": _counts(first) or _counts(deep),
                "sql": {"first": _selects(first), "deep": _selects(deep)},
            }
        )
    return lists


def _pages(client, user):
    pilot = access.scope(user, Pilot.objects.filter(title__startswith="Scale ")).order_by("pk")
    programme = access.scope(user, Programme.objects.filter(title__startswith="Scale "))
    pilot, programme = pilot.first(), programme.order_by("pk").first()
    pages = [
        ("supplier list", "/directory/?kind=supplier"),
        ("pilot page", f"/pilots/{pilot.pk}/" if pilot else None),
        ("corrective-action board", "/audits/actions/"),
        ("programme dashboard", f"/metrics/programmes/{programme.pk}/" if programme else None),
    ]
    found = []
    for label, url in pages:
        if url is None:
            found.append({"label": label, "error": "nothing of the kind visible to this user"})
            continue
        status, _body, statements = _captured(client, url)
        found.append(
            {
                "label": label,
                "url": url,
                "status": status,
                "queries": {"page": len(statements)},
                "counts_rows": _counts(statements),
            }
        )
    return found


def _exports():
    """The CSV exports: the API's with the token, the pages' with the session."""
    return [
        {"label": "observations CSV (API)", "url": "/api/v1/observations/export/", "auth": "token"},
        {"label": "cost items CSV (API)", "url": "/api/v1/cost-items/export/", "auth": "token"},
        {"label": "directory CSV", "url": "/directory/export.csv", "auth": "session"},
        {"label": "audits CSV", "url": "/audits/export.csv", "auth": "session"},
    ]


def prepare(out: Path, emails: list[str]) -> None:
    result = {"users": []}
    for email in emails:
        user = User.objects.get(email=email)
        token = _token(user)
        session = _session(user)
        client = Client(HTTP_HOST=HOST)
        api = _api(client, token, user)
        client.force_login(user)
        result["users"].append(
            {
                "email": email,
                "token": token,
                "session_cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
                "api": api,
                "pages": _pages(client, user),
                "exports": _exports(),
            }
        )
    out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "prepare":
        sys.exit(__doc__)
    prepare(Path(sys.argv[2]), sys.argv[3:])

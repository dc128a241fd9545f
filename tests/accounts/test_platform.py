"""Login, settings, health, API docs, throttling, i18n and the demo data."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from csrplatform import access
from csrplatform.accounts.models import Membership, User
from suppliers.models import Organisation, SupplyRelationship
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def test_login_by_email_and_logout(world, client):
    response = client.post(
        reverse("login"), {"username": "Customer-A@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_shows_an_error(world, client):
    response = client.post(
        reverse("login"), {"username": "customer-a@example.org", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "correct" in response.content.decode()


def manage_check(**environment):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL")
    }
    env.update(DJANGO_SETTINGS_MODULE="csrplatform.settings", **environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "environment",
    [{"DEBUG": "0"}, {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/nowhere"}],
)
def test_production_mode_refuses_to_start_without_secret_key(environment):
    result = manage_check(**environment)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_embedded_mode_starts_with_nothing_set():
    result = manage_check()
    assert result.returncode == 0, result.stderr


def test_healthz_embedded(db, client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


def test_openapi_schema_and_offline_docs(world, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/organisations/" in schema.content
    client.force_login(world.users["facilitator"])
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower()
    assert "/static/drf_spectacular_sidecar/" in docs


def test_api_requests_are_throttled(world, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "3/minute"}
    )
    cache.clear()
    client = APIClient()
    client.force_authenticate(world.users["customer_a"])
    statuses = [client.get("/api/v1/organisations/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    anonymous = [APIClient().get("/api/schema/").status_code for _ in range(3)]
    assert anonymous == [200, 200, 429]
    cache.clear()


def test_pages_speak_simplified_chinese(world, client):
    client.force_login(world.users["facilitator"])
    response = client.get(reverse("suppliers:organisation_list"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "供应链名录" in html


def test_load_demo_is_idempotent_and_tells_the_seed_story(db):
    out = StringIO()
    call_command("load_demo", stdout=out)
    counts = (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        SupplyRelationship.objects.count(),
    )
    call_command("load_demo", stdout=StringIO())
    assert (
        Organisation.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        SupplyRelationship.objects.count(),
    ) == counts
    printed = out.getvalue()
    assert settings.DEMO_PASSWORD in printed
    for email in ("facilitator@", "customer-a@", "customer-b@", "supplier@", "ngo@"):
        assert f"{email}example.org" in printed
    kinds = dict(Organisation.objects.values_list("name", "kind"))
    assert kinds["BSR (Business for Social Responsibility)"] == "facilitator"
    assert sum(kind == "customer" for kind in kinds.values()) == 4
    # seeds/000: 4 + strategy + declined; seeds/001's five illustrative factories
    assert sum(kind == "supplier" for kind in kinds.values()) == 6 + 5
    hotline = Organisation.objects.get(name="Worker hotline pilot supplier").supplier_profile
    assert hotline.workers_headcount == 7000
    ehs = Organisation.objects.get(name="EHS committee pilot supplier").supplier_profile
    assert {c.name for c in ehs.certifications.all()} == {"ISO 14001", "OHSAS 18001"}
    mentorship = Organisation.objects.get(name="Mentorship pilot supplier").supplier_profile
    assert mentorship.headquarters_country.code == "TW"

    customer_a = User.objects.get(email="customer-a@example.org")
    customer_b = User.objects.get(email="customer-b@example.org")
    suppliers_of = {
        user: set(
            access.scope(user, Organisation.objects.suppliers()).values_list("name", flat=True)
        )
        for user in (customer_a, customer_b)
    }
    assert suppliers_of[customer_a]
    assert suppliers_of[customer_b]
    assert suppliers_of[customer_a].isdisjoint(suppliers_of[customer_b])


@pytest.mark.parametrize("path", ["/nowhere/", "/directory/999999/"])
def test_404_page_is_the_products(world, client, path):
    client.force_login(world.users["customer_a"])
    response = client.get(path)
    assert response.status_code == 404
    assert "Not found" in response.content.decode()

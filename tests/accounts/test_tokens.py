"""API tokens: shown once, stored hashed, optionally read-only, revocable."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from csrplatform.accounts.models import ApiToken, hash_token
from csrplatform.accounts.services import api_token_create


def token_client(raw_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    return client


def test_command_prints_the_token_alone_on_its_last_line_and_keeps_only_its_hash(world):
    out = StringIO()
    call_command("create_api_token", "customer-a@example.org", "--read-only", stdout=out)
    raw_key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert raw_key.startswith("csr_")
    assert " " not in raw_key
    assert token.key_hash == hash_token(raw_key)
    assert raw_key not in {token.key_hash, token.key_prefix, token.name}
    assert token.read_only


def test_command_refuses_unknown_users(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody@example.org")


def test_read_only_token_reads_but_never_writes(world):
    out = StringIO()
    call_command("create_api_token", "facilitator@example.org", "--read-only", stdout=out)
    client = token_client(out.getvalue().strip().splitlines()[-1])
    assert client.get("/api/v1/organisations/").status_code == 200
    response = client.patch(
        f"/api/v1/organisations/{world.customer_a.pk}/", {"notes": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    world.customer_a.refresh_from_db()
    assert world.customer_a.notes != "x"


def test_token_acts_as_its_user(world):
    out = StringIO()
    call_command("create_api_token", "customer-b@example.org", stdout=out)
    client = token_client(out.getvalue().strip().splitlines()[-1])
    names = {row["name"] for row in client.get("/api/v1/suppliers/").json()["results"]}
    assert names == {"Supplier Y"}
    assert client.get(f"/api/v1/suppliers/{world.supplier_x.pk}/").status_code == 404


def test_profile_page_creates_shows_once_and_revokes(world, page_client):
    client = page_client("customer_a")
    response = client.post(
        reverse("accounts:token_create"), {"name": "ERP sync", "read_only": "on"}
    )
    raw_key = response.context["new_key"]
    assert raw_key in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.users["customer_a"])
    assert token.key_hash == hash_token(raw_key)
    # Shown once: the profile page never shows it again.
    assert raw_key not in client.get(reverse("accounts:profile")).content.decode()
    assert token_client(raw_key).get("/api/v1/organisations/").status_code == 200

    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = token_client(raw_key).get("/api/v1/organisations/")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_users_cannot_revoke_other_users_tokens(world, page_client):
    token, _ = api_token_create(user=world.users["customer_b"], name="B's token")
    response = page_client("customer_a").post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("header", ["Token nope", "Bearer csr_wrong", "Token a b"])
def test_bad_tokens_are_401(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/v1/organisations/").status_code == 401

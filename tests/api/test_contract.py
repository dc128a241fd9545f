"""The API as a contract: one root that lists everything, a schema that validates without a
warning, errors in one shape, and bad ids answered as missing ones."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from csrplatform.urls import api_router

ERROR_KEYS = {"detail", "code", "errors"}


def test_the_api_root_lists_every_endpoint_of_every_app(world, api_client):
    root = api_client("ngo").get("/api/v1/")
    assert root.status_code == 200
    listed = root.json()
    registered = {prefix for prefix, _viewset, _basename in api_router.registry}
    assert set(listed) == registered
    # From each app: the directory, pilots and audits.
    assert {"organisations", "pilots", "phases", "audits", "corrective-actions"} <= set(listed)
    for prefix, url in listed.items():
        assert url.endswith(f"/api/v1/{prefix}/")
        assert api_client("ngo").get(url).status_code == 200, prefix


def test_the_schema_validates_without_a_single_warning(db):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out)


def test_the_schema_names_the_token_scheme_and_the_error_answers(world, client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == ERROR_KEYS
    operations = [
        (path, method, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) > 80
    for path, method, operation in operations:
        assert {"tokenAuth": []} in operation["security"], (path, method)
        responses = operation["responses"]
        assert "401" in responses, (path, method)
        if "{id}" in path:
            assert "404" in responses, (path, method)
        if method in ("post", "put", "patch"):
            assert {"400", "403", "409"} <= set(responses), (path, method)
        if "requestBody" in operation:
            # JSON bodies; multipart only where a file goes up.
            body_types = set(operation["requestBody"]["content"])
            assert body_types in ({"application/json"}, {"multipart/form-data"}), (path, method)
        assert operation["tags"] == [path.split("/")[3]], (path, method)
    multipart = {
        (path, method)
        for path, method, operation in operations
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {})
    }
    assert multipart == {
        ("/api/v1/documents/", "post"),
        ("/api/v1/corrective-actions/{id}/submit/", "post"),
    }
    enums = [name for name in schema["components"]["schemas"] if name.endswith("Enum")]
    assert not [name for name in enums if any(char.isdigit() for char in name)], enums


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/pilots/{id}/history/",
        "/api/v1/audits/{id}/shares/",
        "/api/v1/findings/{id}/history/",
        "/api/v1/corrective-actions/{id}/history/",
    ],
)
def test_bare_list_answers_are_documented_as_lists(world, client, path):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    answer = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"]["type"] == "array"


def test_request_agreement_is_documented_as_the_list_it_answers(world, client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/phases/{id}/request-agreement/"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == (
        "array"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/corrective-actions/abc/progress/",
        "/api/v1/corrective-actions/abc/submit/",
        "/api/v1/corrective-actions/abc/verify/",
        "/api/v1/corrective-actions/abc/reject/",
        "/api/v1/audits/abc/share/",
        "/api/v1/audits/abc/withdraw-share/",
        "/api/v1/pilots/abc/transition/",
        "/api/v1/phases/abc/agree/",
    ],
)
def test_a_malformed_id_is_a_404_like_a_missing_one(world, api_client, path):
    api = api_client("supplier")
    malformed = api.post(path, {}, format="json")
    missing = api.post(path.replace("abc", "999999"), {}, format="json")
    assert malformed.status_code == missing.status_code == 404
    assert malformed.json() == missing.json()
    assert set(malformed.json()) == ERROR_KEYS


def test_every_error_answer_has_the_one_shape(world, pilots, api_client):
    facilitator = api_client("facilitator")
    answers = {
        "invalid": facilitator.post(
            f"/api/v1/pilots/{pilots.pilot_x.pk}/transition/", {"status": "stalled"}
        ),
        "not_found": facilitator.get("/api/v1/pilots/999999/"),
        "conflict": facilitator.post(
            f"/api/v1/pilots/{pilots.pilot_x.pk}/transition/",
            {"status": "completed", "reason": "x"},
        ),
        "not_authenticated": api_client("anonymous").get("/api/v1/pilots/"),
        "unsupported_media_type": facilitator.post(
            "/api/v1/programmes/", "title=x", content_type="application/x-www-form-urlencoded"
        ),
        "parse_error": facilitator.post(
            "/api/v1/programmes/", "{not json", content_type="application/json"
        ),
        "permission_denied": api_client("customer_a").post(
            "/api/v1/programmes/", {"title": "Mine"}
        ),
    }
    for code, answer in answers.items():
        body = answer.json()
        assert set(body) == ERROR_KEYS, (code, body)
        assert body["code"] == code, (code, body)
        assert body["detail"], (code, body)
    invalid = answers["invalid"].json()
    assert invalid["errors"] == {"reason": [invalid["errors"]["reason"][0]]}
    assert invalid["detail"].startswith("reason: ")


def test_a_patch_answers_with_the_names_the_list_shows(world, audits, api_client):
    api = api_client("facilitator")
    url = f"/api/v1/audits/{audits.audit_x.pk}/"
    listed = api.get(url).json()
    patched = api.patch(url, {"summary": "Working hours and wages"})
    assert patched.status_code == 200, patched.content
    assert set(patched.json()) == set(listed)
    assert patched.json()["commissioned_by_name"] == listed["commissioned_by_name"]

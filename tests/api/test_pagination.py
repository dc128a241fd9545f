"""Every API list pages by keyset cursor (csrplatform.pagination): no count, links that hold
the position, a stable order in which new rows come last."""

from base64 import b64encode

from audits import services as audit_services
from tests.audits.test_api import add_audits

FINDINGS = "/api/v1/findings/"


def walk(api, url):
    pages = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = pages[-1]["next"]
    return pages


def test_lists_page_by_cursor_in_id_order_without_a_count(world, audits, api_client):
    add_audits(world, audits, 4)
    api = api_client("facilitator")
    pages = walk(api, FINDINGS + "?page_size=2")
    assert len(pages) > 2
    assert all(set(page) == {"next", "previous", "results"} for page in pages)
    ids = [row["id"] for page in pages for row in page["results"]]
    assert ids == sorted(set(ids))
    assert pages[0]["previous"] is None
    assert pages[-1]["next"] is None
    # `previous` leads back to the same rows.
    back = api.get(pages[2]["previous"]).json()
    assert back["results"] == pages[1]["results"]


def test_a_sync_resumes_from_a_kept_cursor_and_gets_the_new_rows(world, audits, api_client):
    add_audits(world, audits, 3)
    api = api_client("facilitator")
    pages = walk(api, FINDINGS + "?page_size=2")
    assert len(pages) > 1
    kept = pages[-2]["next"]  # where the last page starts
    finding = audit_services.finding_save(
        actor=world.users["facilitator"],
        audit=audits.audit_x,
        severity="minor",
        description="Found after the first sync",
    )
    resumed = [row["id"] for page in walk(api, kept) for row in page["results"]]
    assert resumed == [row["id"] for row in pages[-1]["results"]] + [finding.pk]


def test_a_malformed_cursor_is_a_404(world, api_client):
    api = api_client("facilitator")
    crafted = [
        b'{"v":[Infinity],"r":0}',  # an integer field given infinity
        b'{"v":[1e999],"r":0}',
        b"[" * 1500,  # deeper than the JSON parser goes
        b'{"v":[' + b"1" * 2000 + b'],"r":0}',  # far longer than a cursor this API makes
    ]
    for cursor in (
        "nonsense",
        "eyJ2IjpbXSwiciI6MH0=",
        "e30=",
        *(b64encode(payload).decode() for payload in crafted),
    ):
        response = api.get(FINDINGS, {"cursor": cursor})
        assert response.status_code == 404
        assert response.json()["detail"] == "Invalid cursor"
        assert response.json()["code"] == "not_found"

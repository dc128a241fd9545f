"""The demo server (DEBUG on) shows the product's own 404 and 500 pages, never Django's debug
pages, which list every URL pattern or a traceback; /api/ answers JSON."""

import pytest
from django.urls import path

from csrplatform import urls as project_urls


def broken(request):
    raise RuntimeError("boom")


urlpatterns = [*project_urls.urlpatterns, path("broken/", broken)]
handler404 = project_urls.handler404


@pytest.fixture
def demo_mode(settings):
    settings.DEBUG = True
    settings.TECHNICAL_ERROR_PAGES = False
    settings.ROOT_URLCONF = __name__


@pytest.mark.parametrize("url", ["/no-such-page/", "/pilots/999999/", "/audits/actions/0/"])
def test_a_missing_or_hidden_page_is_the_products_404(world, page_client, demo_mode, url):
    response = page_client("customer_a").get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert "The page does not exist or you do not have access to it." in page
    assert "URLconf" not in page
    assert "Using the URLconf" not in page


def test_an_error_is_the_products_500(world, page_client, demo_mode):
    client = page_client("customer_a")
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "Traceback" not in page


def test_the_api_still_answers_json(world, api_client, demo_mode):
    response = api_client("customer_a").get("/api/v1/pilots/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_developers_may_ask_for_djangos_pages(world, page_client, demo_mode, settings):
    settings.TECHNICAL_ERROR_PAGES = True
    response = page_client("customer_a").get("/no-such-page/")
    assert response.status_code == 404
    assert "URLconf" in response.content.decode()

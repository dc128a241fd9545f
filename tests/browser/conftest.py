import pytest

from tests.browser.support import allow_database_access_beside_playwright


@pytest.fixture(autouse=True)
def _allow_async_unsafe(monkeypatch):
    allow_database_access_beside_playwright(monkeypatch)

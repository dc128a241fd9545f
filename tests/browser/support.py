"""Shared by the browser tests: Debian's Chromium through Playwright, and signing in.

Never `playwright install`: the tests launch the system Chromium given by `chromium_path`.
"""

from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.conf import settings


def allow_database_access_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in the test's thread, and Django refuses
    database access from a thread with a running loop. These tests touch the database only
    outside Playwright's block; the flag covers teardown and any later change, and only for
    these tests (set at import, it would switch the check off for the whole session)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
TIMEOUT_MS = 15_000


@contextmanager
def browser_page(chromium_path, name):
    """A fresh page in Debian's Chromium; a screenshot in test-artifacts/ if the block fails."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            try:
                yield page, sync_api.expect
            except BaseException:
                # The test's own failure matters, not a failed screenshot.
                with suppress(Exception):
                    ARTIFACTS.mkdir(exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
                raise
        finally:
            browser.close()


def log_in(page, base_url, email):
    page.goto(base_url + "/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def pick(page, expect, name, term, label):
    """Choose `label` in the search-as-you-type box of field `name` (SearchSelect): type
    `term`, wait for the matches, click the one named `label`."""
    box = page.locator("[data-search-select]").filter(has=page.locator(f"input[name='{name}']"))
    box.locator(".search-select-input").fill(term)
    option = box.locator(".search-select-option", has_text=label)
    expect(option).to_be_visible()
    option.click()
    expect(box.locator(".search-select-input")).to_have_value(label)
    expect(box.locator(f"input[name='{name}']")).not_to_have_value("")
    expect(box.locator(".search-select-option")).to_have_count(0)
    return box

"""Each role signs in to a home page that says what waits on it, and a pilot's page holds at
390 px wide without sideways scrolling (Chromium through Playwright, on the demo data)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from pilots import services
from pilots.demo import PROGRAMME
from pilots.models import Pilot, Programme
from suppliers.models import Organisation
from tests.browser.support import browser_page, log_in

pytestmark = pytest.mark.browser

TITLE = "Home page pilot"


def put_to_agreement():
    """A pilot whose first phase waits for the facilitator, the supplier and the customer, and
    whose invitation waits for the NGO."""
    facilitator = get_user_model().objects.get(email="facilitator@example.org")
    customer = Organisation.objects.get(name="Customer A (ICT brand)")
    ngo = Organisation.objects.get(name="Worker training NGO")
    supplier = Organisation.objects.get(name="Mentorship pilot supplier").supplier_profile
    pilot = services.pilot_create(
        actor=facilitator,
        programme=Programme.objects.get(title=PROGRAMME["title"]),
        supplier=supplier,
        title=TITLE,
        pilot_type="worker_training",
        approach="group_training",
        participants=[(customer, "inviting_customer"), (ngo, "civil_society_partner")],
    )
    services.participant_respond(
        actor=facilitator, participant=pilot.participants.get(organisation=customer), accept=True
    )
    phase = services.phase_save(actor=facilitator, pilot=pilot, title="Benchmarking")
    services.phase_request_agreement(actor=facilitator, phase=phase)


@pytest.mark.parametrize(
    ("email", "waiting", "sections"),
    [
        (
            "facilitator@example.org",
            "Agreement to a phase: 1. Benchmarking",
            ["#home-pilots", "#home-programme", "#home-actions"],
        ),
        (
            "customer-a@example.org",
            "Agreement to a phase: 1. Benchmarking",
            ["#home-pilots", "#home-actions"],
        ),
        (
            "supplier@example.org",
            "Agreement to a phase: 1. Benchmarking",
            ["#home-pilots", "#home-actions"],
        ),
        ("ngo@example.org", f"Invitation to pilot {TITLE}", ["#home-pilots"]),
    ],
)
def test_the_home_page_of_each_role_says_what_waits(
    live_server, transactional_db, chromium_path, settings, tmp_path, email, waiting, sections
):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo")
    put_to_agreement()
    base = live_server.url
    with browser_page(chromium_path, f"home_{email.split('@')[0]}") as (page, expect):
        log_in(page, base, email)
        page.goto(base + "/")
        expect(page.locator("#home-waiting")).to_contain_text(waiting)
        count = page.locator("#inbox-count")
        expect(count).to_be_visible()
        assert int(count.inner_text()) >= 1
        for selector in sections:
            expect(page.locator(selector)).to_be_visible()
        if email != "facilitator@example.org":
            expect(page.locator("#home-programme")).to_have_count(0)
        # What waits links to the place where it is answered.
        page.locator("#home-waiting").get_by_role("link", name=waiting).click()
        expect(page.locator("h1")).to_contain_text(TITLE)
        if email == "ngo@example.org":
            expect(page.get_by_role("button", name="Accept the invitation")).to_be_visible()


def test_a_pilot_page_holds_at_390_px(live_server, transactional_db, chromium_path, settings):
    call_command("load_demo")
    base = live_server.url
    with browser_page(chromium_path, "pilot_390px") as (page, expect):
        page.set_viewport_size({"width": 390, "height": 844})
        log_in(page, base, "facilitator@example.org")
        wide = {}
        # The facilitator's pilots (the demo's other facilitators have theirs).
        facilitator = get_user_model().objects.get(email="facilitator@example.org")
        for pilot in Pilot.objects.visible_to(facilitator).order_by("pk"):
            page.goto(base + pilot.get_absolute_url())
            expect(page.locator("h1")).to_contain_text(pilot.title)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > 390:
                wide[pilot.title] = width
        for url in ("/", "/pilots/", "/inbox/"):
            page.goto(base + url)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > 390:
                wide[url] = width
        assert wide == {}

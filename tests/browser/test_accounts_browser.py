"""Accounts in Chromium: an organisation's admin invites a member and changes their role, the
invitee sets a password from the e-mail; a forgotten password is reset through the e-mail.

E-mail goes to Django's locmem backend (the test settings), read from django.core.mail.outbox;
the live server runs in this process, so it fills the same outbox.
"""

import re

import pytest
from django.core import mail

from csrplatform.accounts.models import Membership, Role, User
from tests.browser.support import browser_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, base, email, password=PASSWORD):
    page.goto(base + "/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body.split("\n\n", 2)[-1]).group(0)


def test_an_admin_invites_a_member_and_changes_their_role(
    live_server, transactional_db, world, chromium_path, settings
):
    settings.SITE_URL = live_server.url
    base = live_server.url
    with browser_page(chromium_path, "admin_invites_member") as (page, expect):
        sign_in(page, base, "facilitator@example.org")
        page.goto(base + "/profile/")
        page.get_by_role("link", name="Manage members").click()
        page.wait_for_url(re.compile(r"/profile/organisations/\d+/members/$"))

        page.fill("input[name=email]", "new.member@example.org")
        page.select_option("select[name=role]", "editor")
        page.get_by_role("button", name="Invite", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("new.member@example.org was invited")
        row = page.locator("tr[data-email='new.member@example.org']")
        expect(row).to_contain_text("invited")

        row.locator("select[name=role]").select_option("viewer")
        row.get_by_role("button", name="Change role").click()
        expect(page.locator(".messages")).to_contain_text("is now Viewer")

        # The last admin cannot step down; the page says why.
        mine = page.locator("tr[data-email='facilitator@example.org']")
        mine.locator("select[name=role]").select_option("editor")
        mine.get_by_role("button", name="Change role").click()
        expect(page.locator(".messages")).to_contain_text("must keep at least one admin")

    invited = Membership.objects.get(user__email="new.member@example.org")
    assert invited.role == Role.VIEWER
    assert Membership.objects.get(user=world.users["facilitator"]).role == Role.ADMIN

    # The invitee opens the link in the e-mail, sets a password and signs in.
    [message] = mail.outbox
    assert message.to == ["new.member@example.org"]
    with browser_page(chromium_path, "invitee_sets_password") as (page, expect):
        page.goto(link_in(message))
        expect(page.locator("h1")).to_have_text("Welcome")
        page.fill("input[name=new_password1]", "invited-pass-2008")
        page.fill("input[name=new_password2]", "invited-pass-2008")
        page.get_by_role("button", name="Set password").click()
        expect(page.locator("h1")).to_have_text("Password set")
        sign_in(page, base, "new.member@example.org", "invited-pass-2008")
        page.goto(base + "/profile/")
        expect(page.locator("main")).to_contain_text("Facilitator Org")
    assert User.objects.get(email="new.member@example.org").is_active


def test_a_forgotten_password_is_reset_through_the_e_mail(
    live_server, transactional_db, world, chromium_path
):
    base = live_server.url
    with browser_page(chromium_path, "password_reset") as (page, expect):
        page.goto(base + "/login/")
        page.get_by_role("link", name="Forgot your password?").click()
        page.fill("input[name=email]", "supplier@example.org")
        page.get_by_role("button", name="Send the link").click()
        expect(page.locator("h1")).to_have_text("Check your e-mail")

        [message] = mail.outbox
        assert message.to == ["supplier@example.org"]
        page.goto(link_in(message))
        expect(page.locator("h1")).to_have_text("Choose a new password")
        page.fill("input[name=new_password1]", "a-fresh-pass-2008")
        page.fill("input[name=new_password2]", "a-fresh-pass-2008")
        page.get_by_role("button", name="Set password").click()
        expect(page.locator("h1")).to_have_text("Password set")

        page.get_by_role("link", name="Sign in").last.click()
        sign_in(page, base, "supplier@example.org", "a-fresh-pass-2008")
        expect(page).to_have_url(base + "/")

"""Organisation admins invite members, set their roles and remove them; everyone else is
refused, and an organisation always keeps an admin."""

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from csrplatform.accounts import services
from csrplatform.accounts.models import Membership, Role, User
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_inviting_a_new_address_creates_an_inactive_user_with_a_set_password_link(
    world, django_capture_on_commit_callbacks, client
):
    admin = world.users["facilitator"]
    with django_capture_on_commit_callbacks(execute=True):
        membership = services.member_invite(
            actor=admin,
            organisation=world.facilitator_org,
            email=" New.Person@Example.org ",
            role=Role.EDITOR,
        )

    user = membership.user
    assert (user.email, user.is_active, user.has_usable_password()) == (
        "new.person@example.org",
        False,
        False,
    )
    assert membership.role == Role.EDITOR
    [message] = mail.outbox
    assert message.to == ["new.person@example.org"]
    assert "Facilitator Org" in message.subject
    link = re.search(r"https?://\S+/profile/welcome/\S+/", message.body).group(0)

    # When the invitee follows the link and sets a password, the account becomes active.
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "a-long-new-pass-2008", "new_password2": "a-long-new-pass-2008"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert user.check_password("a-long-new-pass-2008")


def test_inviting_an_existing_user_adds_a_membership_without_a_password_link(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            actor=world.users["facilitator"],
            organisation=world.facilitator_org,
            email="ngo@example.org",
            role=Role.VIEWER,
        )
    assert (
        Membership.objects.get(user=world.users["ngo"], organisation=world.facilitator_org).role
        == Role.VIEWER
    )
    [message] = mail.outbox
    assert "/profile/welcome/" not in message.body
    assert User.objects.filter(email="ngo@example.org").count() == 1


def test_inviting_someone_already_a_member_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        services.member_invite(
            actor=world.users["facilitator"],
            organisation=world.facilitator_org,
            email="FACILITATOR@example.org",
            role=Role.VIEWER,
        )
    assert "already a member" in str(refused.value)


def test_the_invitation_is_written_in_the_invitees_language(
    world, django_capture_on_commit_callbacks
):
    world.users["ngo"].language = "zh-hans"
    world.users["ngo"].save()
    with django_capture_on_commit_callbacks(execute=True):
        services.member_invite(
            actor=world.users["facilitator"],
            organisation=world.facilitator_org,
            email="ngo@example.org",
            role=Role.VIEWER,
        )
        services.member_invite(
            actor=world.users["facilitator"],
            organisation=world.facilitator_org,
            email="english@example.org",
            role=Role.VIEWER,
        )
    chinese, english = mail.outbox
    assert "您" in chinese.body or "你" in chinese.body
    assert "Hello" in english.body


@pytest.mark.parametrize("role", ["customer_a", "supplier", "ngo"])
def test_only_an_admin_of_the_organisation_manages_its_members(world, role):
    actor = world.users[role]
    admin_membership = Membership.objects.get(user=world.users["facilitator"])
    with pytest.raises(PermissionDenied):
        services.member_invite(
            actor=actor,
            organisation=world.facilitator_org,
            email="x@example.org",
            role=Role.ADMIN,
        )
    with pytest.raises(PermissionDenied):
        services.membership_set_role(actor=actor, membership=admin_membership, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=actor, membership=admin_membership)
    assert not User.objects.filter(email="x@example.org").exists()


def test_an_editor_is_not_an_admin_of_their_own_organisation(world):
    colleague = member(world.customer_a, Role.VIEWER, email="colleague@example.org")
    with pytest.raises(PermissionDenied):
        services.membership_set_role(
            actor=world.users["customer_a"],
            membership=colleague.memberships.get(),
            role=Role.EDITOR,
        )


def test_the_last_admin_can_be_neither_demoted_nor_removed(world):
    admin = world.users["facilitator"]
    membership = admin.memberships.get()
    with pytest.raises(ValidationError, match="at least one admin"):
        services.membership_set_role(actor=admin, membership=membership, role=Role.EDITOR)
    with pytest.raises(ValidationError, match="at least one admin"):
        services.membership_remove(actor=admin, membership=membership)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_with_a_second_admin_the_first_may_step_down_and_be_removed(world):
    admin = world.users["facilitator"]
    second = member(world.facilitator_org, Role.ADMIN, email="second@example.org")
    mine = admin.memberships.get()
    services.membership_set_role(actor=admin, membership=mine, role=Role.VIEWER)
    assert Membership.objects.get(pk=mine.pk).role == Role.VIEWER
    services.membership_remove(actor=second, membership=Membership.objects.get(pk=mine.pk))
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_an_unknown_role_is_refused(world):
    admin = world.users["facilitator"]
    other = member(world.facilitator_org, Role.VIEWER, email="other@example.org")
    with pytest.raises(ValidationError):
        services.membership_set_role(actor=admin, membership=other.memberships.get(), role="owner")


# --- pages ---------------------------------------------------------------------------------


def test_the_admin_manages_members_on_the_members_page(world, page_client):
    client = page_client("facilitator")
    url = reverse("accounts:members", args=[world.facilitator_org.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Invite a member" in page.content

    response = client.post(
        reverse("accounts:member_invite", args=[world.facilitator_org.pk]),
        {"email": "helper@example.org", "role": "editor"},
    )
    assert response.status_code == 302
    helper = Membership.objects.get(user__email="helper@example.org")

    client.post(reverse("accounts:member_role", args=[helper.pk]), {"role": "viewer"})
    assert Membership.objects.get(pk=helper.pk).role == Role.VIEWER

    mine = world.users["facilitator"].memberships.get()
    response = client.post(
        reverse("accounts:member_role", args=[mine.pk]), {"role": "viewer"}, follow=True
    )
    assert "must keep at least one admin" in response.content.decode()
    assert Membership.objects.get(pk=mine.pk).role == Role.ADMIN

    client.post(reverse("accounts:member_remove", args=[helper.pk]))
    assert not Membership.objects.filter(pk=helper.pk).exists()


def test_an_invalid_invitation_shows_the_error_in_the_form(world, page_client):
    response = page_client("facilitator").post(
        reverse("accounts:member_invite", args=[world.facilitator_org.pk]),
        {"email": "facilitator@example.org", "role": "editor"},
    )
    assert response.status_code == 400
    assert "already a member" in response.content.decode()


def test_members_of_an_organisation_out_of_scope_are_a_404(world, page_client):
    # Customer A does not see customer B at all.
    client = page_client("customer_a")
    assert client.get(reverse("accounts:members", args=[world.customer_b.pk])).status_code == 404
    assert (
        client.post(
            reverse("accounts:member_invite", args=[world.customer_b.pk]),
            {"email": "x@example.org", "role": "admin"},
        ).status_code
        == 404
    )
    other = world.users["customer_b"].memberships.get()
    assert (
        client.post(
            reverse("accounts:member_role", args=[other.pk]), {"role": "viewer"}
        ).status_code
        == 404
    )
    assert client.post(reverse("accounts:member_remove", args=[other.pk])).status_code == 404
    assert Membership.objects.filter(pk=other.pk, role=Role.EDITOR).exists()


def test_a_non_admin_sees_the_members_but_cannot_change_them(world, page_client):
    # The facilitator organisation is public; the customer may see its members page, but
    # inviting is refused (403) and its memberships are not theirs to change (404).
    client = page_client("customer_a")
    page = client.get(reverse("accounts:members", args=[world.facilitator_org.pk]))
    assert page.status_code == 200
    assert b"Invite a member" not in page.content
    assert (
        client.post(
            reverse("accounts:member_invite", args=[world.facilitator_org.pk]),
            {"email": "x@example.org", "role": "admin"},
        ).status_code
        == 403
    )
    admin_membership = world.users["facilitator"].memberships.get()
    assert (
        client.post(reverse("accounts:member_remove", args=[admin_membership.pk])).status_code
        == 404
    )
    assert not User.objects.filter(email="x@example.org").exists()


def test_the_members_page_is_reached_from_profile_and_organisation(world, page_client):
    client = page_client("facilitator")
    url = reverse("accounts:members", args=[world.facilitator_org.pk])
    assert url in client.get(reverse("accounts:profile")).content.decode()
    assert url in client.get(world.facilitator_org.get_absolute_url()).content.decode()

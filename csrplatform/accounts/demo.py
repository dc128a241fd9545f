"""One demo user per role, all with the password in settings.DEMO_PASSWORD."""

from django.conf import settings

from .models import Membership, Role, User

# (e-mail, full name, organisation key in suppliers.demo, role, what they show)
DEMO_USERS = [
    (
        "facilitator@example.org",
        "Facilitator (BSR)",
        "bsr",
        Role.ADMIN,
        "facilitator: sees and edits everything",
    ),
    (
        "customer-a@example.org",
        "Customer A buyer",
        "customer_a",
        Role.EDITOR,
        "customer A: sees its own suppliers only",
    ),
    (
        "customer-b@example.org",
        "Customer B buyer",
        "customer_b",
        Role.EDITOR,
        "customer B: different suppliers from A",
    ),
    (
        "supplier@example.org",
        "Mentorship supplier manager",
        "mentorship_supplier",
        Role.EDITOR,
        "supplier: sees and edits its own records",
    ),
    (
        "ngo@example.org",
        "Worker training NGO staff",
        "training_ngo",
        Role.EDITOR,
        "civil-society partner: sees only its pilots",
    ),
]
ADMIN_EMAIL = "admin@example.org"


def load(organisations) -> list[tuple[str, str]]:
    """Create or reset the demo users; returns (e-mail, description) pairs to print."""
    password = settings.DEMO_PASSWORD
    printed = []
    for email, full_name, org_key, role, description in DEMO_USERS:
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        user.full_name = full_name
        user.set_password(password)
        user.save()
        Membership.objects.update_or_create(
            user=user, organisation=organisations[org_key], defaults={"role": role}
        )
        printed.append((email, description))
    admin, _ = User.objects.get_or_create(email=ADMIN_EMAIL, defaults={"full_name": "Site admin"})
    admin.is_staff = admin.is_superuser = True
    admin.set_password(password)
    admin.save()
    printed.append((ADMIN_EMAIL, "superuser for /admin/"))
    return printed

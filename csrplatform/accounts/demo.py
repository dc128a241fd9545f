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
    # Every other supplier and civil-society partner that takes part in a pilot, so each flow
    # (an NGO's report and the supplier's reply, an agreement, a corrective action) can be
    # tried from both sides. The supplier that declined its invitation takes no part.
    (
        "supplier-hotline@example.org",
        "Worker hotline supplier manager",
        "hotline_supplier",
        Role.EDITOR,
        "supplier of the worker hotline pilot (discontinued)",
    ),
    (
        "supplier-training@example.org",
        "Worker training supplier manager",
        "training_supplier",
        Role.EDITOR,
        "supplier of the worker training pilot: replies to the NGO's report",
    ),
    (
        "supplier-ehs@example.org",
        "EHS committee supplier manager",
        "ehs_supplier",
        Role.EDITOR,
        "supplier of the EHS committee pilot: its corrective actions",
    ),
    (
        "supplier-strategy@example.org",
        "CSR strategy supplier manager",
        "strategy_supplier",
        Role.EDITOR,
        "supplier of the CSR strategy pilot",
    ),
    (
        "ngo-hotline@example.org",
        "Worker hotline NGO staff",
        "hotline_ngo",
        Role.EDITOR,
        "civil-society partner of the worker hotline pilot",
    ),
    (
        "university-1@example.org",
        "University research team 1",
        "university_1",
        Role.EDITOR,
        "academic partner of the worker training pilot",
    ),
    (
        "university-2@example.org",
        "University research team 2",
        "university_2",
        Role.EDITOR,
        "academic partner of the worker training pilot",
    ),
    (
        "consultant-ehs@example.org",
        "EHS consultant",
        "ehs_consultant",
        Role.EDITOR,
        "consultant of the EHS committee pilot: records its assessment",
    ),
    (
        "ilo@example.org",
        "Programme team (ILO)",
        "ilo",
        Role.ADMIN,
        "facilitator of the ILO value-chain programme (seeds/004)",
    ),
    (
        "ccrcsr@example.org",
        "Programme team (CCR CSR)",
        "ccr_csr",
        Role.ADMIN,
        "facilitator of the illustrative child-friendly spaces pilot (seeds/001)",
    ),
    (
        "supplier-fcfs@example.org",
        "Illustrative factory 1 manager",
        "fcfs_factory_1",
        Role.EDITOR,
        "lead factory of the illustrative child-friendly spaces pilot",
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

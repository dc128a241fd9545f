"""Load a large, realistic network for trying the pages and the API at scale.

    manage.py generate_scale_data --suppliers 10000 --audits 5000 --findings 100000 \
        --actions 50000 --cost-items 100000 --observations 1000000 --seed 1

Rows are written with bulk_create in batches, bypassing the services (and so the history
tables and the review inbox): this is load data, not a story. The same seed and reference date
give the same rows. Every name and e-mail starts with the prefix ("Scale" by default), so the
command refuses to run twice with one prefix into one database; the demo data may be there too.
On PostgreSQL the tables are analysed at the end, so the planner knows their new sizes.
"""

import datetime
import random
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audits.choices import ActionStatus, AuditKind, AuditStatus, Severity
from audits.models import Audit, Clause, CorrectiveAction, Finding, Standard
from csrplatform.accounts.models import Membership, Role, User
from metrics.choices import CostCategory, CostNature, ObservationSource
from metrics.models import CostItem, ExchangeRate, Indicator, Observation, PilotIndicator
from pilots.choices import Approach, InvitationStatus, ParticipantRole, PilotStatus, PilotType
from pilots.models import Pilot, PilotParticipant, Programme
from suppliers.choices import CommitmentLevel, MaturityStage, OrganisationKind
from suppliers.models import Facility, Organisation, Supplier, SupplyRelationship

# 100,000 findings with their clause links take ~40 MB of Python objects at 5,000 a batch;
# larger batches save little time on PostgreSQL.
BATCH = 5000
CITIES = ("Shenzhen", "Dongguan", "Suzhou", "Ningbo", "Xiamen", "Penang", "Ho Chi Minh City")
SECTORS = ("ICT", "Electronics", "Apparel", "Toys", "Furniture", "Footwear")
SEVERITY_WEIGHTS = ((Severity.MINOR, 6), (Severity.MAJOR, 3), (Severity.CRITICAL, 1))
STATUS_WEIGHTS = (
    (ActionStatus.OPEN, 4),
    (ActionStatus.IN_PROGRESS, 3),
    (ActionStatus.SUBMITTED, 1),
    (ActionStatus.VERIFIED, 2),
)


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


class Command(BaseCommand):
    help = "Generate a large network (suppliers, audits, findings, actions) for scale tests."

    def add_arguments(self, parser):
        parser.add_argument("--suppliers", type=int, default=10_000)
        parser.add_argument("--audits", type=int, default=5_000)
        parser.add_argument("--findings", type=int, default=100_000)
        parser.add_argument("--actions", type=int, default=50_000)
        parser.add_argument("--customers", type=int, default=None, help="default: suppliers/100")
        parser.add_argument(
            "--facilities",
            type=int,
            default=None,
            help="at least one per supplier (default: one, and a second for about 30%%)",
        )
        parser.add_argument("--pilots", type=int, default=200)
        parser.add_argument("--cost-items", type=int, default=0, help="costs of the pilots")
        parser.add_argument(
            "--observations", type=int, default=0, help="KPI figures of the pilots' suppliers"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--reference-date",
            type=datetime.date.fromisoformat,
            default=datetime.date(2026, 1, 1),
            help="dates are spread around it (due dates from a year before to 18 months after)",
        )
        parser.add_argument("--password", default="scale-pass")
        parser.add_argument(
            "--prefix",
            default="Scale",
            help="starts every name and e-mail; a second network needs another prefix",
        )

    def handle(self, *args, **options):
        self.prefix = prefix = options["prefix"]
        if Organisation.objects.filter(name__startswith=f"{prefix} ").exists():
            raise CommandError(f"Data with the prefix {prefix!r} is already in this database.")
        if options["actions"] > options["findings"]:
            raise CommandError("--actions may not exceed --findings (one action per finding).")
        if options["suppliers"] < 1 or options["audits"] < 1:
            raise CommandError("Give at least one supplier and one audit.")
        if options["facilities"] is not None and options["facilities"] < options["suppliers"]:
            raise CommandError("--facilities may not be fewer than --suppliers (one each).")
        self.rng = random.Random(options["seed"])  # noqa: S311 -- repeatable data, not secrets
        self.today = options["reference_date"]
        self.started = time.monotonic()
        with transaction.atomic():
            self._generate(options)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self._say("done")

    def _say(self, text):
        self.stdout.write(f"[{time.monotonic() - self.started:6.1f}s] {text}")

    def _generate(self, o):
        rng = self.rng
        prefix = self.prefix
        n_suppliers = o["suppliers"]
        n_customers = o["customers"] or max(3, n_suppliers // 100)

        facilitator = Organisation.objects.create(
            name=f"{prefix} Facilitator", kind=OrganisationKind.FACILITATOR, country="HK"
        )
        customers = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{prefix} customer {i:04d}",
                    kind=OrganisationKind.CUSTOMER,
                    country=rng.choice(("US", "GB", "DE", "JP", "FR")),
                )
                for i in range(n_customers)
            ],
            batch_size=BATCH,
        )
        ngos = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{prefix} NGO {i:03d}",
                    kind=OrganisationKind.CIVIL_SOCIETY,
                    civil_society_type="ngo",
                    country="CN",
                )
                for i in range(max(2, n_suppliers // 500))
            ]
        )
        supplier_orgs = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{prefix} supplier {i:06d}",
                    kind=OrganisationKind.SUPPLIER,
                    country="CN",
                    city=rng.choice(CITIES),
                )
                for i in range(n_suppliers)
            ],
            batch_size=BATCH,
        )
        suppliers = Supplier.objects.bulk_create(
            [
                Supplier(
                    organisation=org,
                    sector=rng.choice(SECTORS),
                    workers_headcount=rng.randint(50, 20_000),
                    maturity_stage=rng.choice(MaturityStage.values),
                    commitment_level=rng.choice(CommitmentLevel.values),
                )
                for org in supplier_orgs
            ],
            batch_size=BATCH,
        )
        self._say(f"{len(customers)} customers, {len(ngos)} NGOs, {len(suppliers)} suppliers")

        facilities = Facility.objects.bulk_create(
            [
                Facility(
                    supplier=supplier,
                    name=f"Plant {number + 1}",
                    city=rng.choice(CITIES),
                    country="CN",
                    workers=rng.randint(50, 5_000),
                )
                for supplier, count in zip(
                    suppliers, self._facility_counts(len(suppliers), o["facilities"]), strict=True
                )
                for number in range(count)
            ],
            batch_size=BATCH,
        )
        # The first customer is a large brand buying from a third of the suppliers; the others
        # buy from one to three suppliers' worth of the rest.
        customers_of: dict[int, list] = {}
        relationships = []
        for supplier in suppliers:
            chosen = set(rng.sample(customers[1:], k=min(len(customers) - 1, rng.randint(1, 2))))
            if rng.random() < 0.33:
                chosen.add(customers[0])
            customers_of[supplier.pk] = sorted(chosen, key=lambda c: c.pk)
            relationships += [
                SupplyRelationship(
                    customer=customer,
                    supplier=supplier,
                    tier=rng.choice((1, 1, 1, 2)),
                    since=self.today - datetime.timedelta(days=rng.randint(100, 3_000)),
                )
                for customer in customers_of[supplier.pk]
            ]
        SupplyRelationship.objects.bulk_create(relationships, batch_size=BATCH)
        self._say(f"{len(facilities)} facilities, {len(relationships)} supply relationships")

        standards = Standard.objects.bulk_create(
            [
                Standard(code=f"{prefix.lower()}-{code}", name=f"{prefix} {name}", version="2024")
                for code, name in (
                    ("rba", "RBA Code of Conduct"),
                    ("eti", "ETI Base Code"),
                    ("bsci", "amfori BSCI"),
                    ("sa8000", "SA8000"),
                    ("iso14001", "ISO 14001"),
                )
            ]
        )
        topics = ("labour", "health and safety", "environment", "ethics", "management system")
        clauses = Clause.objects.bulk_create(
            [
                Clause(
                    standard=standard,
                    reference=f"{chr(65 + n // 10)}.{n % 10 + 1}",
                    title=f"Requirement {n + 1} of {standard.name}",
                    topic=topics[n % len(topics)],
                )
                for standard in standards
                for n in range(40)
            ]
        )
        clauses_of = {s.pk: [c for c in clauses if c.standard_id == s.pk] for s in standards}

        audits = Audit.objects.bulk_create(
            [self._audit(rng, facilities, customers_of, standards) for _ in range(o["audits"])],
            batch_size=BATCH,
        )
        self._say(f"{len(standards)} standards, {len(clauses)} clauses, {len(audits)} audits")

        self._findings_and_actions(o["findings"], o["actions"], audits, clauses_of)
        programme, pilots = self._pilots(o["pilots"], facilitator, suppliers, customers_of, ngos)
        if o["cost_items"] or o["observations"]:
            self._metrics(o["cost_items"], o["observations"], programme, pilots, facilities)
        self._users(o["password"], facilitator, customers, suppliers, ngos)

    def _facility_counts(self, n_suppliers, n_facilities):
        if n_facilities is None:
            return [1 + (self.rng.random() < 0.3) for _ in range(n_suppliers)]
        counts = [1] * n_suppliers
        for index in self.rng.choices(range(n_suppliers), k=n_facilities - n_suppliers):
            counts[index] += 1
        return counts

    def _audit(self, rng, facilities, customers_of, standards):
        facility = rng.choice(facilities)
        start = self.today - datetime.timedelta(days=rng.randint(0, 5 * 365))
        return Audit(
            facility=facility,
            commissioned_by=rng.choice(customers_of[facility.supplier_id]),
            audit_firm=rng.choice(("SGS", "Bureau Veritas", "Intertek", "UL", "TÜV")),
            kind=rng.choice((AuditKind.INITIAL, AuditKind.FOLLOW_UP, AuditKind.FOLLOW_UP)),
            standard=rng.choice(standards),
            start_date=start,
            end_date=start + datetime.timedelta(days=rng.randint(1, 4)),
            person_days=rng.randint(2, 12),
            status=rng.choice(AuditStatus.values),
            summary=f"Scale audit of {facility.name}",
        )

    def _findings_and_actions(self, n_findings, n_actions, audits, clauses_of):
        rng = self.rng
        through = Finding.clauses.through
        owner_for_action = None  # actions carry no owner: the supplier users are few
        with_action = set(rng.sample(range(n_findings), n_actions))
        made_findings = made_actions = 0
        for start in range(0, n_findings, BATCH):
            numbers = range(start, min(start + BATCH, n_findings))
            findings = Finding.objects.bulk_create(
                [
                    Finding(
                        audit=rng.choice(audits),
                        severity=_weighted(rng, SEVERITY_WEIGHTS),
                        description=f"Finding {n}: records show a gap against the clause",
                        evidence="Records and interviews",
                        root_cause="No procedure in place",
                    )
                    for n in numbers
                ]
            )
            links = []
            for finding in findings:
                own = clauses_of[finding.audit.standard_id]
                for clause in rng.sample(own, k=rng.randint(1, 2)):
                    links.append(through(finding_id=finding.pk, clause_id=clause.pk))
            through.objects.bulk_create(links)
            actions = []
            for n, finding in zip(numbers, findings, strict=True):
                if n not in with_action:
                    continue
                status = _weighted(rng, STATUS_WEIGHTS)
                due = self.today + datetime.timedelta(days=rng.randint(-365, 540))
                actions.append(
                    CorrectiveAction(
                        finding=finding,
                        action=f"Corrective action {n}: write and train on a procedure",
                        preventive_action="Monthly management review",
                        owner=owner_for_action,
                        due_date=due,
                        status=status,
                        progress_note="Started" if status != ActionStatus.OPEN else "",
                    )
                )
            CorrectiveAction.objects.bulk_create(actions)
            made_findings += len(findings)
            made_actions += len(actions)
            self._say(f"{made_findings} findings, {made_actions} corrective actions")

    def _pilots(self, n_pilots, facilitator, suppliers, customers_of, ngos):
        rng = self.rng
        prefix = self.prefix
        programme = Programme.objects.create(
            title=f"{prefix} supplier capability programme",
            sector="ICT",
            region="Pearl River Delta",
            start_date=self.today - datetime.timedelta(days=400),
            end_date=self.today + datetime.timedelta(days=400),
            facilitator=facilitator,
            objectives="Build supplier capability at scale.",
        )
        pilots = Pilot.objects.bulk_create(
            [
                Pilot(
                    programme=programme,
                    title=f"{prefix} pilot {i:04d}",
                    pilot_type=rng.choice(PilotType.values),
                    approach=rng.choice(Approach.values),
                    supplier=supplier,
                    status=rng.choice(PilotStatus.values),
                    planned_start=self.today - datetime.timedelta(days=rng.randint(0, 300)),
                )
                for i, supplier in enumerate(rng.sample(suppliers, k=min(n_pilots, len(suppliers))))
            ]
        )
        participants = []
        for pilot in pilots:
            accepted = InvitationStatus.ACCEPTED
            participants += [
                PilotParticipant(
                    pilot=pilot,
                    organisation_id=pilot.supplier.organisation_id,
                    role=ParticipantRole.SUPPLIER,
                    invitation_status=accepted,
                ),
                PilotParticipant(
                    pilot=pilot,
                    organisation=facilitator,
                    role=ParticipantRole.FACILITATOR,
                    invitation_status=accepted,
                ),
                PilotParticipant(
                    pilot=pilot,
                    organisation=customers_of[pilot.supplier_id][0],
                    role=ParticipantRole.INVITING_CUSTOMER,
                    invitation_status=accepted,
                ),
                PilotParticipant(
                    pilot=pilot,
                    organisation=rng.choice(ngos),
                    role=ParticipantRole.CIVIL_SOCIETY_PARTNER,
                    invitation_status=rng.choice((accepted, InvitationStatus.INVITED)),
                ),
            ]
        PilotParticipant.objects.bulk_create(participants, batch_size=BATCH)
        self._say(f"1 programme, {len(pilots)} pilots, {len(participants)} participants")
        return programme, pilots

    def _metrics(self, n_costs, n_observations, programme, pilots, facilities):
        """Rates, four indicators tracked by every pilot, cost items and monthly KPI figures
        (half of them of a pilot, the rest of the supplier's facilities alone)."""
        rng = self.rng
        facilitator = programme.facilitator
        start = self.today - datetime.timedelta(days=3 * 365)
        ExchangeRate.objects.bulk_create(
            [
                ExchangeRate(organisation=facilitator, currency_id=code, valid_from=start, usd=rate)
                for code, rate in (("CNY", Decimal("0.14")), ("HKD", Decimal("0.128")))
            ]
        )
        prefix = self.prefix
        workers = Indicator.objects.create(
            name=f"{prefix} workers", unit="workers", better="higher"
        )
        injuries = Indicator.objects.create(
            name=f"{prefix} injuries", unit="injuries a month", better="lower"
        )
        indicators = [
            Indicator.objects.create(
                name=f"{prefix} overtime", unit="hours a month", better="lower", rollup="mean"
            ),
            injuries,
            workers,
            Indicator.objects.create(
                name=f"{prefix} injury rate", unit="injuries per 1,000 workers a month",
                better="lower", kind="rate", numerator=injuries, denominator=workers, per=1000,
            ),
        ]  # fmt: skip
        PilotIndicator.objects.bulk_create(
            [PilotIndicator(pilot=pilot, indicator=i) for pilot in pilots for i in indicators]
        )
        facilities_of: dict[int, list] = {}
        for facility in facilities:
            facilities_of.setdefault(facility.supplier_id, []).append(facility)
        categories, natures = CostCategory.values, CostNature.values
        for done in range(0, n_costs, BATCH):
            CostItem.objects.bulk_create(
                [
                    self._cost(rng, programme, rng.choice(pilots), categories, natures)
                    for _ in range(min(BATCH, n_costs - done))
                ]
            )
        self._say(f"{n_costs} cost items")
        months = 36
        for done in range(0, n_observations, BATCH):
            rows = []
            for _ in range(min(BATCH, n_observations - done)):
                pilot = rng.choice(pilots)
                indicator = rng.choice(indicators[:3])
                month = rng.randrange(months)
                period_start = (start + datetime.timedelta(days=31 * month)).replace(day=1)
                period_end = (period_start + datetime.timedelta(days=32)).replace(
                    day=1
                ) - datetime.timedelta(days=1)
                with_pilot = rng.random() < 0.5
                rows.append(
                    Observation(
                        indicator=indicator,
                        supplier_id=pilot.supplier_id,
                        facility=rng.choice(facilities_of[pilot.supplier_id]),
                        pilot=pilot if with_pilot else None,
                        period_start=period_start,
                        period_end=period_end,
                        value=Decimal(rng.randint(0, 5000)) / 10,
                        unit=indicator.unit,
                        kind="baseline" if month == 0 else "actual",
                        source=rng.choice(ObservationSource.values),
                        status="confirmed",
                    )
                )
            Observation.objects.bulk_create(rows)
        self._say(f"{n_observations} KPI observations")

    def _cost(self, rng, programme, pilot, categories, natures):
        currency = rng.choice(("USD", "CNY", "HKD"))
        return CostItem(
            programme=programme,
            pilot=pilot if rng.random() < 0.95 else None,
            borne_by_id=programme.facilitator_id,
            nature=rng.choice(natures),
            category=rng.choice(categories),
            description=f"{self.prefix} cost {rng.randint(1, 10**6)}",
            amount=Decimal(rng.randint(100, 100_000)),
            currency_id=currency,
            on_date=self.today - datetime.timedelta(days=rng.randint(0, 700)),
            certainty=rng.choice(("actual", "estimated")),
            person_days=Decimal(rng.randint(0, 40)),
        )

    def _users(self, password, facilitator, customers, suppliers, ngos):
        hashed = make_password(password)  # hashed once: hashing is slow on purpose
        people = [
            ("facilitator", facilitator, Role.ADMIN),
            ("facilitator-viewer", facilitator, Role.VIEWER),
        ]
        people += [
            (f"customer-{i}", customers[i], Role.EDITOR) for i in range(min(3, len(customers)))
        ]
        people += [
            (f"supplier-{i}", suppliers[i].organisation, Role.EDITOR)
            for i in range(min(3, len(suppliers)))
        ]
        people += [(f"ngo-{i}", ngos[i], Role.EDITOR) for i in range(min(2, len(ngos)))]
        users = User.objects.bulk_create(
            [
                User(email=f"{self.prefix.lower()}-{name}@example.org", password=hashed)
                for name, _o, _r in people
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(user=user, organisation=org, role=role)
                for user, (_n, org, role) in zip(users, people, strict=True)
            ]
        )
        emails = ", ".join(u.email for u in users)
        self._say(f"users (password {password!r}): {emails}")

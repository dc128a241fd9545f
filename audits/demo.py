"""The audits behind two of the seed programme's pilots (seeds/000: BSR's July 2008 summary).

- The late-November 2007 third-party audit that Customer A commissioned at the mentorship
  pilot's supplier (§IV.1), its findings and the supplier's corrective actions as of May 2008.
- The EHS consultant's evaluation of the EHS committee pilot's factory on 14 March 2008
  (§IV.4), its gaps and the actions proposed for Phase 2, still open in May 2008.

The standards the findings are mapped to (EICC, SA8000, ISO 14001, OHSAS 18001, Chinese labour
and work-safety law) are loaded with their clauses first.

Everything is written through `audits.services`, acting as the facilitator (who records audits
and findings) and the supplier's demo user (who plans, reports and submits its actions), so
history and reviews are real records. The report does not say how or when the customer verified
anything, so no verification is recorded: the submitted actions wait in Customer A's inbox.

Dates: the report gives the month of the first audit and its length, not its days; what it
does not say is estimated and the record says so. The report names two findings of the
November audit (overtime wages, no EHS management system); the other three are the issues the
pilot's improvements "based on the audit findings" address (air quality around the washing
equipment, waste classification, chemical labelling).

Loading is idempotent: an audit already recorded for the same facility and start date is kept
as it is (only its links to the pilot are made sure of).
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

from csrplatform.accounts.models import User
from pilots.choices import PilotType
from pilots.models import Pilot
from suppliers.models import Facility

from . import services
from .choices import AuditKind, AuditStatus, Severity
from .models import Audit, Clause, Standard

FACILITATOR_EMAIL = "facilitator@example.org"
SUPPLIER_EMAIL = "supplier@example.org"  # the mentorship pilot's supplier
ESTIMATED = " (date estimated)"
SUBMITTED_ON = date(2008, 5, 31)  # "as of May 2008", the report's outcomes; day estimated

LABOUR = "labour"
SAFETY = "health and safety"
ENVIRONMENT = "environment"
ETHICS = "ethics"
MANAGEMENT = "management system"

# (standard fields, [(reference, title, topic)])
STANDARDS = [
    (
        dict(
            code="eicc",
            name="EICC Code of Conduct",
            issuer="Electronic Industry Citizenship Coalition (now the Responsible Business "
            "Alliance)",
            version="2.0 (2005)",
        ),
        [
            ("A.1", "Freely chosen employment", LABOUR),
            ("A.2", "Child labour avoidance", LABOUR),
            ("A.3", "Working hours", LABOUR),
            ("A.4", "Wages and benefits", LABOUR),
            ("A.5", "Humane treatment", LABOUR),
            ("A.6", "Non-discrimination", LABOUR),
            ("A.7", "Freedom of association", LABOUR),
            ("B.1", "Occupational safety", SAFETY),
            ("B.2", "Emergency preparedness", SAFETY),
            ("B.3", "Occupational injury and illness", SAFETY),
            ("B.4", "Industrial hygiene", SAFETY),
            ("B.5", "Physically demanding work", SAFETY),
            ("B.6", "Machine safeguarding", SAFETY),
            ("B.7", "Dormitory and canteen", SAFETY),
            ("C.1", "Environmental permits and reporting", ENVIRONMENT),
            ("C.2", "Pollution prevention and resource reduction", ENVIRONMENT),
            ("C.3", "Hazardous substances", ENVIRONMENT),
            ("C.4", "Wastewater and solid waste", ENVIRONMENT),
            ("C.5", "Air emissions", ENVIRONMENT),
            ("C.6", "Product content restrictions", ENVIRONMENT),
            ("D.1", "Business integrity", ETHICS),
            ("D.2", "No improper advantage", ETHICS),
            ("D.3", "Disclosure of information", ETHICS),
            ("D.4", "Intellectual property", ETHICS),
            ("E.1", "Company commitment", MANAGEMENT),
            ("E.2", "Management accountability and responsibility", MANAGEMENT),
            ("E.3", "Legal and customer requirements", MANAGEMENT),
            ("E.4", "Risk assessment and risk management", MANAGEMENT),
            ("E.5", "Performance objectives with implementation plan and measures", MANAGEMENT),
            ("E.6", "Training", MANAGEMENT),
            ("E.7", "Communication", MANAGEMENT),
            ("E.8", "Worker feedback and participation", MANAGEMENT),
            ("E.9", "Audits and assessments", MANAGEMENT),
            ("E.10", "Corrective action process", MANAGEMENT),
            ("E.11", "Documentation and records", MANAGEMENT),
        ],
    ),
    (
        dict(
            code="sa8000",
            name="SA8000",
            issuer="Social Accountability International (SAI)",
            version="2001",
        ),
        [
            ("1", "Child labour", LABOUR),
            ("2", "Forced and compulsory labour", LABOUR),
            ("3", "Health and safety", SAFETY),
            ("4", "Freedom of association and right to collective bargaining", LABOUR),
            ("5", "Discrimination", LABOUR),
            ("6", "Disciplinary practices", LABOUR),
            ("7", "Working hours", LABOUR),
            ("8", "Remuneration", LABOUR),
            ("9", "Management systems", MANAGEMENT),
        ],
    ),
    (
        dict(
            code="iso-14001",
            name="ISO 14001",
            issuer="International Organization for Standardization (ISO)",
            # The edition in force for the 2007-2008 audits (the 2015 edition came later).
            version="2004",
        ),
        [
            ("4.1", "General requirements", MANAGEMENT),
            ("4.2", "Environmental policy", MANAGEMENT),
            ("4.3.1", "Environmental aspects", ENVIRONMENT),
            ("4.3.2", "Legal and other requirements", MANAGEMENT),
            ("4.3.3", "Objectives, targets and programme(s)", MANAGEMENT),
            ("4.4.1", "Resources, roles, responsibility and authority", MANAGEMENT),
            ("4.4.2", "Competence, training and awareness", MANAGEMENT),
            ("4.4.6", "Operational control", ENVIRONMENT),
            ("4.4.7", "Emergency preparedness and response", ENVIRONMENT),
            ("4.5.1", "Monitoring and measurement", MANAGEMENT),
            ("4.5.3", "Nonconformity, corrective action and preventive action", MANAGEMENT),
            ("4.6", "Management review", MANAGEMENT),
        ],
    ),
    (
        dict(
            code="ohsas-18001",
            name="OHSAS 18001",
            issuer="OHSAS Project Group (BSI); superseded by ISO 45001",
            version="2007",
        ),
        [
            ("4.1", "General requirements", MANAGEMENT),
            ("4.2", "OH&S policy", MANAGEMENT),
            ("4.3.1", "Hazard identification, risk assessment and determining controls", SAFETY),
            ("4.3.2", "Legal and other requirements", MANAGEMENT),
            ("4.3.3", "Objectives and programme(s)", MANAGEMENT),
            ("4.4.1", "Resources, roles, responsibility, accountability and authority", MANAGEMENT),
            ("4.4.2", "Competence, training and awareness", SAFETY),
            ("4.4.3", "Communication, participation and consultation", SAFETY),
            ("4.4.6", "Operational control", SAFETY),
            ("4.4.7", "Emergency preparedness and response", SAFETY),
            ("4.5.1", "Performance measurement and monitoring", SAFETY),
            (
                "4.5.3",
                "Incident investigation, nonconformity, corrective and preventive action",
                SAFETY,
            ),
            ("4.6", "Management review", MANAGEMENT),
        ],
    ),
    (
        dict(
            code="cn-labour-law",
            name="Chinese labour and work-safety law",
            issuer="National People's Congress of the People's Republic of China",
            version="Labour Law 1994; Work Safety Law 2002",
        ),
        [
            ("Labour Law art. 36", "Standard working hours", LABOUR),
            ("Labour Law art. 41", "Limits on overtime", LABOUR),
            ("Labour Law art. 44", "Overtime pay", LABOUR),
            ("Labour Law art. 50", "Wages paid monthly, not withheld or delayed", LABOUR),
            ("Labour Law art. 52", "Labour safety and health system", SAFETY),
            ("Labour Law art. 54", "Safe and healthy conditions; protective equipment", SAFETY),
            ("Labour Law art. 57", "Reporting of injuries and occupational diseases", SAFETY),
            ("Work Safety Law (responsibility)", "Work-safety responsibility system", SAFETY),
            ("Work Safety Law (hazards)", "Identifying and controlling hazards", SAFETY),
            ("Work Safety Law (training)", "Work-safety education and training", SAFETY),
        ],
    ),
]


# --- 1. Customer A's audit of the mentorship pilot's supplier (seeds/000 §IV.1) -------------

MENTORSHIP_AUDIT = dict(
    label="Initial audit of the mentorship pilot supplier (Nov 2007)",
    # History keeps the story's dates: the action plan after the December 2007 meeting on the
    # findings, progress as the report gives it in May 2008 (days estimated).
    planned_on=date(2007, 12, 1),
    progress_on=date(2008, 5, 15),
    supplier="mentorship_supplier",
    facility="Shenzhen factory",
    pilot_type=PilotType.MENTORSHIP,
    owner_email=SUPPLIER_EMAIL,
    fields=dict(
        commissioned_by="customer_a",
        audit_firm="Customer A's third-party auditor (not named in the report)",
        kind=AuditKind.INITIAL,
        standard="eicc",
        start_date=date(2007, 11, 26),
        end_date=date(2007, 11, 27),
        # §IV.1 cost drivers: "Onsite audits: 9 person days" (the customer's), as on the
        # pilot's audit activity.
        person_days=Decimal(9),
        status=AuditStatus.REPORTED,
        summary=(
            "Two-day audit of the supplier's Shenzhen factory by Customer A's third-party "
            "auditor, part of the customer's supply-chain CSR monitoring, in late November 2007 "
            "(dates estimated). The report gives the month and the length only; the 9 "
            "person-days are the customer's onsite audit effort the report gives. The "
            "report's findings concern payment of wages and health and safety: the supplier "
            "had no environmental, health and safety (EHS) management system, and all "
            "overtime wages had to be approved by its senior management in Taiwan, which "
            "delayed their payment. The findings on workshop air quality, waste classification "
            "and chemical labelling are those the pilot's later improvements address. There "
            "was a general lack of understanding of CSR and of the customer's requirements, "
            "and the supplier refused outside training or consultancy.\n\n"
            "The Customer-Supplier Mentorship Pilot started from this audit. Corrective actions "
            "are shown as they stood in May 2008: three done, as the report's outcomes say, and "
            "submitted to the customer (the report does not say how or when they were "
            "verified, so no verification is recorded); the EHS management system still being "
            "set up."
        ),
    ),
    findings=[
        dict(
            severity=Severity.MAJOR,
            description=(
                "Overtime wages are paid late: every overtime payment must first be approved by "
                "senior management in Taiwan."
            ),
            evidence=(
                "The audit report: all overtime wages must be approved by the supplier's senior "
                "management, located in Taiwan, which delays payment of wages. Operators worked "
                "120 hours of overtime a month on average in November 2007."
            ),
            root_cause=(
                "Approval of overtime is centralised abroad: the factory has no authority to "
                "approve overtime and pay it with the month's wages."
            ),
            clauses=[
                ("eicc", "A.3"),
                ("eicc", "A.4"),
                ("sa8000", "7"),
                ("sa8000", "8"),
                ("cn-labour-law", "Labour Law art. 41"),
                ("cn-labour-law", "Labour Law art. 44"),
                ("cn-labour-law", "Labour Law art. 50"),
            ],
            action=dict(
                action=(
                    "Delegate approval of overtime to the factory's management so that overtime "
                    "is paid with the month's wages, and reduce the operators' overtime hours."
                ),
                preventive_action=(
                    "Review overtime hours and the wage payment date every month as part of "
                    "the CSR management system (PDCA) and in the weekly calls with the customer."
                ),
                due_date=date(2008, 3, 31),
            ),
            # The report gives the fall in overtime, not whether approval moved to the
            # factory: the action stays in progress.
            progress=(
                "Operators' average overtime is down from 120 hours in November 2007 to 87.8 "
                "hours in May 2008. The report does not say whether overtime is now approved "
                "and paid at the factory."
            ),
        ),
        dict(
            severity=Severity.MAJOR,
            description="The supplier has no environmental, health and safety (EHS) "
            "management system.",
            evidence=(
                "The audit report: no EHS management system; a general lack of understanding of "
                "CSR and of the customer's CSR requirements."
            ),
            root_cause=(
                "No one was responsible for EHS, management did not see CSR as important, and "
                "the supplier refused training or consultancy from outside the company."
            ),
            clauses=[
                ("eicc", "E.1"),
                ("eicc", "E.2"),
                ("eicc", "E.4"),
                ("sa8000", "9"),
                ("iso-14001", "4.1"),
                ("ohsas-18001", "4.1"),
                ("cn-labour-law", "Labour Law art. 52"),
                ("cn-labour-law", "Work Safety Law (responsibility)"),
            ],
            action=dict(
                action=(
                    "Set up an EHS management system (Plan-Do-Check-Act): appoint a project "
                    "leader and team with defined roles, train them, write a work plan and "
                    "implement it."
                ),
                preventive_action=(
                    "Senior management reviews the system's progress; the project leader trains "
                    "the employees; weekly progress calls with the customer."
                ),
                due_date=date(2008, 12, 31),  # the report gives none
            ),
            progress=(
                "Senior management appointed a project leader and a project team with clearly "
                "defined roles. The project leader obtained training in ISO 14001 and has "
                "trained the employees accordingly. A work plan to set up the EHS management "
                "system is in place (May 2008)."
            ),
        ),
        dict(
            severity=Severity.MAJOR,
            description="Chemical containers are not labelled.",
            evidence="Containers of chemicals in use in the workshop carry no label of their "
            "contents or hazards.",
            root_cause="No procedure for handling and storing chemicals (no EHS management "
            "system).",
            clauses=[
                ("eicc", "C.3"),
                ("eicc", "B.4"),
                ("sa8000", "3"),
                ("iso-14001", "4.4.6"),
                ("ohsas-18001", "4.4.6"),
                ("cn-labour-law", "Labour Law art. 54"),
            ],
            action=dict(
                action=(
                    "Label every chemical container with its contents and hazards, and train "
                    "the staff who handle chemicals."
                ),
                preventive_action="Labelling checked in the monthly EHS inspection.",
                due_date=date(2008, 2, 29),
            ),
            progress="Containers being labelled workshop by workshop." + ESTIMATED,
            submit="All chemical containers are labelled with their contents and hazards.",
        ),
        dict(
            severity=Severity.MINOR,
            description="Wastes are not classified or separated.",
            evidence="General, recyclable and hazardous wastes are collected together.",
            root_cause="No procedure for waste handling (no EHS management system).",
            clauses=[
                ("eicc", "C.4"),
                ("iso-14001", "4.3.1"),
                ("iso-14001", "4.4.6"),
            ],
            action=dict(
                action=(
                    "Classify the wastes (hazardous, recyclable, general), collect and store "
                    "them separately in marked places."
                ),
                preventive_action="Waste classification in the employees' EHS training.",
                due_date=date(2008, 3, 31),
            ),
            submit="Wastes are classified and stored separately in marked places.",
        ),
        dict(
            severity=Severity.MAJOR,
            description="Poor air quality in the workshop around the washing equipment.",
            evidence=(
                "Air in the workshop around the washing equipment is poor (the report records "
                "the improvement, not measurements or the substances involved)."
            ),
            root_cause="The washing equipment is not handled safely.",
            clauses=[
                ("eicc", "B.4"),
                ("sa8000", "3"),
                ("ohsas-18001", "4.3.1"),
                ("cn-labour-law", "Labour Law art. 54"),
            ],
            action=dict(
                action=(
                    "Handle the washing equipment safely: improve ventilation around it, train "
                    "the employees who work with it and provide the necessary protective "
                    "equipment."
                ),
                preventive_action="Preventive actions and safe-handling training kept in the "
                "EHS work plan.",
                due_date=date(2008, 4, 30),
            ),
            progress="Ventilation around the washing equipment being improved." + ESTIMATED,
            submit=(
                "The washing equipment is handled safely; employees are trained to handle the "
                "work safely and have the necessary protective equipment. Workshop air quality "
                "has improved."
            ),
        ),
    ],
)


# --- 2. The EHS consultant's evaluation for the EHS committee pilot (seeds/000 §IV.4) -------

EHS_AUDIT = dict(
    label="EHS evaluation of the EHS committee pilot factory (14 Mar 2008)",
    # The actions are Phase 2's proposals, delivered with the evaluation report in May 2008.
    planned_on=date(2008, 5, 15),
    progress_on=date(2008, 5, 31),
    supplier="ehs_supplier",
    facility="Nominated factory",
    pilot_type=PilotType.EHS_COMMITTEE,
    owner_email="supplier-ehs@example.org",
    fields=dict(
        commissioned_by=None,
        conducted_by="ehs_consultant",
        kind=AuditKind.NGO_ASSESSMENT,
        standard="ohsas-18001",
        start_date=date(2008, 3, 14),
        end_date=date(2008, 3, 14),
        person_days=Decimal(1),  # the consultant's one-day visit; BSR's support not counted
        status=AuditStatus.REPORTED,
        summary=(
            "Baseline EHS evaluation of the nominated factory by the EHS consultant, with "
            "support from BSR, on 14 March 2008 (Phase 1 of the EHS Committee Pilot): an "
            "overview and discussion of the EHS management system with factory staff, a factory "
            "tour reviewing working conditions as related to EHS implementation, and a final "
            "review with the staff.\n\n"
            "Strengths: an EHS management system certified to ISO 14001 and OHSAS 18001; senior "
            "management supports EHS activities; EHS targets and objectives set and reviewed "
            "annually; 5S in place, clean and neat workshops; an EHS committee; basic tools "
            "(signs, training, safety belts, local exhaust ventilation). Management felt its "
            "EHS system was sufficient; the gaps are the findings.\n\n"
            "The evaluation report, with a proposal for a second phase (embedding a safety "
            "culture), was delivered in May 2008. As of May 2008 the supplier was evaluating the "
            "Phase 2 proposal: the corrective actions below are Phase 2's proposals, open or in "
            "progress (due dates estimated)."
        ),
    ),
    findings=[
        dict(
            severity=Severity.MAJOR,
            description="Near misses are not counted or recorded.",
            evidence=(
                "The EHS system counts injuries only; the factory does not track near misses, "
                "so there is no data to report on them."
            ),
            root_cause="No channel for workers to report risks; no incident database.",
            clauses=[
                ("ohsas-18001", "4.5.3"),
                ("ohsas-18001", "4.5.1"),
                ("eicc", "B.3"),
                ("cn-labour-law", "Labour Law art. 57"),
            ],
            action=dict(
                action=(
                    "Set up a reporting and learning-share system through which workers report "
                    "risks and near misses, and a database to measure and analyse risk "
                    "behaviour, unsafe conditions and injuries and their costs."
                ),
                preventive_action="Review near-miss data in the EHS committee.",
                due_date=date(2008, 12, 31),
            ),
        ),
        dict(
            severity=Severity.MAJOR,
            description="Not all hazards are identified.",
            evidence="Hazard identification leaves significant risks out.",
            root_cause="Hazards are identified by EHS staff alone, without workers' input or "
            "behaviour-based observation.",
            clauses=[
                ("ohsas-18001", "4.3.1"),
                ("eicc", "B.1"),
                ("eicc", "E.4"),
                ("cn-labour-law", "Work Safety Law (hazards)"),
            ],
            action=dict(
                action=(
                    "Identify all significant hazards and control them, with behaviour-based "
                    "safety analyses and remediation (engineering fixes) where necessary."
                ),
                due_date=date(2008, 12, 31),
            ),
        ),
        dict(
            severity=Severity.MAJOR,
            description="The EHS committee has no worker members.",
            evidence="The factory has an EHS committee, but workers do not take part in it; "
            "worker involvement in EHS is lacking.",
            root_cause="The committee was set up as a management body.",
            clauses=[
                ("ohsas-18001", "4.4.3"),
                ("eicc", "E.8"),
            ],
            action=dict(
                action=(
                    "Redefine the role of the EHS committee, with worker members, as the core "
                    "platform for internal communication; set up an EHS communication process "
                    "between management and all employees."
                ),
                due_date=date(2008, 12, 31),
            ),
        ),
        dict(
            severity=Severity.MINOR,
            description="Injury and illness targets are set wrongly.",
            evidence=(
                "EHS targets for injuries are not in line with good practice. 2007 benchmark: "
                "131 injury cases, 1.46 per 1,000 people a year."
            ),
            root_cause="Targets set without reference to good practice.",
            clauses=[
                ("ohsas-18001", "4.3.3"),
                ("eicc", "E.5"),
            ],
            action=dict(
                action=(
                    "Reset the injury and illness targets in line with good practice (Phase 2 "
                    "assumes 50% of the 2007 benchmark: 0.73 cases per 1,000 people a year, "
                    "from 131 to 65 cases)."
                ),
                due_date=date(2008, 9, 30),
            ),
            progress=(
                "BSR made the case for the supplier to change its injury and illness targets to "
                "be more in line with good practice; the supplier is reviewing them with the "
                "Phase 2 proposal (May 2008)."
            ),
        ),
        dict(
            severity=Severity.MAJOR,
            description="EHS training is low or ineffective.",
            evidence="Training exists but is low or ineffective.",
            root_cause="Training is not aimed at the committee's or the workers' EHS roles.",
            clauses=[
                ("ohsas-18001", "4.4.2"),
                ("eicc", "E.6"),
                ("cn-labour-law", "Work Safety Law (training)"),
            ],
            action=dict(
                action=(
                    "Train the EHS committee members in EHS management techniques, injury "
                    "management and behaviour-based safety analysis; train EHS staff and "
                    "committee participants to communicate on EHS topics."
                ),
                due_date=date(2008, 12, 31),
            ),
        ),
    ],
)

AUDITS = (MENTORSHIP_AUDIT, EHS_AUDIT)


class _AuditStory:
    """Writes the audits through the services: the facilitator records, the supplier acts."""

    def __init__(self, organisations, facilitator, clauses):
        self.orgs = organisations
        self.facilitator = facilitator
        self.clauses = clauses

    def user(self, email):
        if email is None:
            return self.facilitator
        return User.objects.filter(email=email).first() or self.facilitator

    def load(self, spec) -> tuple[Audit, bool]:
        facility = Facility.objects.get(
            supplier=self.orgs[spec["supplier"]].supplier_profile, name=spec["facility"]
        )
        fields = dict(spec["fields"])
        audit = Audit.objects.filter(facility=facility, start_date=fields["start_date"]).first()
        created = audit is None
        if created:
            audit = self.audit(facility, fields)
            for finding in spec["findings"]:
                self.finding(audit, finding, spec)
        self.link(audit, spec)
        return audit, created

    def audit(self, facility, fields):
        for key in ("commissioned_by", "conducted_by"):
            fields[key] = self.orgs[fields[key]] if fields.get(key) else None
        fields["standard"] = Standard.objects.get(code=fields["standard"])
        return services.audit_save(actor=self.facilitator, facility=facility, **fields)

    def finding(self, audit, spec, audit_spec):
        finding = services.finding_save(
            actor=self.facilitator,
            audit=audit,
            severity=spec["severity"],
            description=spec["description"],
            evidence=spec.get("evidence", ""),
            root_cause=spec.get("root_cause", ""),
            clauses=[self.clauses[key] for key in spec["clauses"]],
        )
        owner_email = audit_spec["owner_email"]
        supplier_user = self.user(owner_email)
        action = services.action_create(
            actor=supplier_user,
            finding=finding,
            owner=supplier_user if owner_email else None,
            **spec["action"],
        )
        if spec.get("progress"):
            action = services.action_progress(
                actor=supplier_user, action=action, note=spec["progress"]
            )
        if spec.get("submit"):
            # What the report's outcomes say was done, as of May 2008 (the report gives no
            # submission dates, and no verification: the customer's decision is left to the
            # demo's user, so the action waits in Customer A's inbox).
            action = services.action_submit(
                actor=supplier_user, action=action, note=spec["submit"], on=SUBMITTED_ON
            )
        _date_history(finding.history.all(), lambda record: audit.end_date or audit.start_date)
        _date_history(
            action.history.all(),
            lambda record: (
                audit_spec["planned_on"]
                if record.history_type == "+"
                else SUBMITTED_ON
                if record.status == "submitted"
                else audit_spec["progress_on"]
            ),
        )
        return finding

    def link(self, audit, spec):
        """The audit and its findings point at the pilot started from them (if loaded)."""
        pilot = (
            Pilot.objects.filter(pilot_type=spec["pilot_type"], supplier=audit.facility.supplier)
            .order_by("pk")
            .first()
        )
        if pilot is None:
            return
        audit.pilots.add(pilot)
        for finding in audit.findings.all():
            finding.pilots.add(pilot)


def _date_history(records, day_of):
    """Give each history record the story's day (noon), not the day the demo was loaded."""
    for record in records:
        moment = timezone.make_aware(datetime.combine(day_of(record), time(12)))
        type(record).objects.filter(pk=record.pk).update(history_date=moment)


def _standards(facilitator) -> dict[tuple[str, str], Clause]:
    """Create or update the standards and their clauses; returns clauses by (code, ref)."""
    clauses = {}
    for fields, rows in STANDARDS:
        standard = services.standard_save(
            actor=facilitator,
            standard=Standard.objects.filter(code=fields["code"]).first(),
            **fields,
        )
        for reference, title, topic in rows:
            clause = services.clause_save(
                actor=facilitator,
                clause=Clause.objects.filter(standard=standard, reference=reference).first(),
                standard=standard,
                reference=reference,
                title=title,
                topic=topic,
            )
            clauses[(standard.code, reference)] = clause
    return clauses


def load(organisations) -> list[tuple[str, bool]]:
    """Create the standards and whichever of the two audits are missing.

    `organisations` is what suppliers.demo.load() returns; the demo users must exist and the
    pilots should be loaded first (pilots.demo.load()) so the audits can point at them.
    Returns (audit label, created now?) pairs.
    """
    facilitator = User.objects.get(email=FACILITATOR_EMAIL)
    story = _AuditStory(organisations, facilitator, _standards(facilitator))
    return [(spec["label"], story.load(spec)[1]) for spec in AUDITS]

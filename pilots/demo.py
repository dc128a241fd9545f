"""The five pilots of the seed programme (seeds/000: BSR's July 2008 pilot summary).

Each pilot's story is told through the services, acting as the facilitator (or as the demo user
of an organisation where one exists), so that its status history, agreements, replies and
scope changes are real records. Its narrative is the report's own, condensed.

Dates: the report gives few. Where it gives a month, the 1st or the 15th stands for it; where it
gives none, the date is an estimate consistent with the story, and the record says
"(date estimated)". The report's exact dates are kept: the hotline kickoff planned for
11–12 January 2008 and the EHS site visit on 14 March 2008.

Loading is idempotent: a pilot whose title the programme already has is left as it is.
"""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from csrplatform.accounts.models import User

from . import services
from .choices import (
    Achievement,
    ActivityKind,
    Approach,
    DeliverableKind,
    DocumentKind,
    ParticipantRole,
    PilotStatus,
    PilotType,
    ScopeChangeStatus,
)
from .models import Programme

FACILITATOR_EMAIL = "facilitator@example.org"
# Demo users who record their own organisation's answers (the facilitator records the others').
OWN_USERS = {
    "mentorship_supplier": "supplier@example.org",
    "training_ngo": "ngo@example.org",
    "customer_a": "customer-a@example.org",
    "hotline_supplier": "supplier-hotline@example.org",
    "training_supplier": "supplier-training@example.org",
    "ehs_supplier": "supplier-ehs@example.org",
    "strategy_supplier": "supplier-strategy@example.org",
    "hotline_ngo": "ngo-hotline@example.org",
    "university_1": "university-1@example.org",
    "university_2": "university-2@example.org",
    "ehs_consultant": "consultant-ehs@example.org",
}
ESTIMATED = " (date estimated)"

PROGRAMME = dict(
    title="Building Capabilities to Implement CSR Management Systems at ICT Suppliers in China",
    sector="ICT",
    region="Shenzhen",
    start_date=date(2007, 6, 1),  # the June 2007 multi-stakeholder workshop
    end_date=date(2008, 7, 1),  # the pilot summary report, July 2008
    objectives=(
        "Test elements of the capability-building strategy for the ICT sector in Shenzhen, shaped "
        "at the June 2007 multi-stakeholder workshop, through in-factory pilots focused on CSR "
        "management systems and worker-management communication, measuring the impacts, costs "
        "and benefits of each pilot. The overall objective is to identify approaches to building "
        "the capabilities of the ICT sector in Shenzhen that are successful, replicable and "
        "scalable. The customer role was purposefully limited to inviting suppliers and reviewing "
        "progress, to test whether the pilots could succeed when driven mainly by suppliers."
    ),
    # Seeds/000 §V.1, "Expected" column.
    expected_participation={
        "customer": 4,
        "supplier": 4,
        "civil_society": 3,
        "government": 0,
        "industry_association": 1,
    },
)
SPONSORS = ("fias", "eicc", "gesi", "seia")


def _bullets(*items: str) -> str:
    return "\n".join(f"- {item}" for item in items)


def _paragraphs(*parts: str) -> str:
    return "\n\n".join(parts)


class _Story:
    """Writes one programme's pilots through the services, as the facilitator."""

    def __init__(self, programme, organisations, facilitator, own_users):
        self.programme = programme
        self.orgs = organisations
        self.facilitator = facilitator
        self.own_users = own_users

    def user_for(self, key):
        return self.own_users.get(key, self.facilitator)

    def pilot(self, *, supplier, on, participants=(), **fields):
        """Propose a pilot; participants are (key, role, agreement_required, accepted_on)."""
        pilot = services.pilot_create(
            actor=self.facilitator,
            programme=self.programme,
            supplier=self.orgs[supplier].supplier_profile,
            effective_on=on,
            **fields,
        )
        for key, role, required, accepted_on in participants:
            self.invite(pilot, key, role, on=on, required=required, accepted_on=accepted_on)
        return pilot

    def invite(self, pilot, key, role, *, on, required=True, accepted_on=None, declined=None):
        """Invite an organisation; `declined` is (date, reason)."""
        participant = services.participant_invite(
            actor=self.facilitator,
            pilot=pilot,
            organisation=self.orgs[key],
            role=role,
            agreement_required=required,
            invited_on=on,
        )
        if accepted_on is not None:
            services.participant_respond(
                actor=self.user_for(key),
                participant=participant,
                accept=True,
                responded_on=accepted_on,
            )
        elif declined is not None:
            services.participant_respond(
                actor=self.user_for(key),
                participant=participant,
                accept=False,
                reason=declined[1],
                responded_on=declined[0],
            )
        return participant

    def move(self, pilot, to_status, on, reason=""):
        return services.pilot_transition(
            actor=self.facilitator, pilot=pilot, to_status=to_status, reason=reason, effective_on=on
        )

    def phase(self, pilot, number, title, objectives, **dates):
        return services.phase_save(
            actor=self.facilitator,
            pilot=pilot,
            number=number,
            title=title,
            objectives=objectives,
            **dates,
        )

    def put_to_agreement(self, phase, agreed=(), declined=None, on=None):
        """Ask every required participant; record who agreed and who returned it
        (key, why, when), dated `on` (by default the phase's planned start)."""
        on = on or phase.planned_start
        services.phase_request_agreement(actor=self.facilitator, phase=phase, on=on)
        for key in agreed:
            services.phase_agree(
                actor=self.user_for(key), phase=phase, organisation=self.orgs[key], on=on
            )
        if declined is not None:
            key, reason, declined_on = declined
            services.phase_decline(
                actor=self.user_for(key),
                phase=phase,
                organisation=self.orgs[key],
                reason=reason,
                on=declined_on,
            )

    def run_phase(self, phase, started_on, completed_on=None):
        phase = services.phase_start(actor=self.facilitator, phase=phase, started_on=started_on)
        if completed_on is not None:
            phase = services.phase_complete(
                actor=self.facilitator, phase=phase, completed_on=completed_on
            )
        return phase

    def activity(self, pilot, on, kind, title, description="", *, orgs=(), **fields):
        return services.activity_save(
            actor=self.facilitator,
            pilot=pilot,
            date=on,
            kind=kind,
            title=title,
            description=description,
            participants=[self.orgs[key] for key in orgs],
            **fields,
        )

    def deliverable(self, pilot, title, kind, responsible, **fields):
        return services.deliverable_save(
            actor=self.facilitator,
            pilot=pilot,
            title=title,
            kind=kind,
            responsible=self.orgs[responsible],
            **fields,
        )

    def scope_change(self, pilot, **fields):
        fields["proposed_by"] = self.orgs[fields["proposed_by"]]
        return services.scope_change_save(actor=self.facilitator, pilot=pilot, **fields)

    def tell(self, pilot, **narrative):
        pilot.refresh_from_db()
        return services.pilot_update(
            actor=self.facilitator, pilot=pilot, expected_version=pilot.version, **narrative
        )


# --- 1. The customer-supplier mentorship pilot (seeds/000 §IV.1) ----------------------------

MENTORSHIP = "Customer-Supplier Mentorship Pilot"


def _mentorship(story: _Story):
    pilot = story.pilot(
        title=MENTORSHIP,
        pilot_type=PilotType.MENTORSHIP,
        approach=Approach.MENTORSHIP,
        supplier="mentorship_supplier",
        on=date(2007, 12, 1),  # after the late-November 2007 audit
        participants=[
            ("customer_a", ParticipantRole.INVITING_CUSTOMER, True, date(2007, 12, 1)),
        ],
        context=_paragraphs(
            "An ICT customer monitors CSR performance at its suppliers as part of its supply-chain "
            "CSR programme. In late November 2007 its third-party auditor performed a two-day "
            "audit at an ICT supplier in Shenzhen. The findings concerned payment of wages and "
            "health and safety: the supplier had no environmental, health and safety (EHS) "
            "management system, and all overtime wages had to be approved by its senior "
            "management in Taiwan, which delayed their payment. There was a general lack of "
            "understanding of CSR and of the customer's CSR requirements, and the supplier "
            "refused any training or consultancy help from outside the company.",
            "The pilot started at this point, with the customer and the supplier working "
            "together within the customer's existing compliance process.",
        ),
        objectives=(
            "Understand the challenges and effectiveness of establishing a mentoring-based "
            "relationship between a customer and a supplier, in order to help the supplier "
            "establish a CSR management system."
        ),
    )
    story.activity(
        pilot,
        date(2007, 11, 26),
        ActivityKind.SITE_VISIT,
        "Two-day third-party audit for the customer",
        "The customer's third-party auditor audited the supplier for two days in late November "
        "2007 (day estimated). Findings: payment of wages (overtime approved only by senior "
        "management in Taiwan, which delayed wages) and health and safety (no EHS management "
        "system). The customer's onsite audits took 9 person-days.",
        orgs=["customer_a", "mentorship_supplier"],
        person_days=Decimal(9),
    )
    story.move(
        pilot,
        PilotStatus.SCOPING,
        date(2007, 12, 1),
        "After the November 2007 audit, the customer and the supplier start working together "
        "within the customer's compliance process.",
    )
    story.activity(
        pilot,
        date(2007, 12, 15),
        ActivityKind.MEETING,
        "Review of the audit findings; introduction to PDCA",
        "The supplier and the customer met in person to review the audit findings together and "
        "to discuss the customer's CSR requirements. The supplier was introduced to the "
        "Plan-Do-Check-Act (PDCA) management systems concept. The customer's onsite support "
        "took 5 person-days in all, plus travel." + ESTIMATED,
        orgs=["customer_a", "mentorship_supplier"],
    )
    phase = story.phase(
        pilot,
        1,
        "Set up the CSR management system (PDCA)",
        _bullets(
            "The supplier assigns responsible people and sufficient resources to set up its CSR "
            "management system and implement it.",
            "The supplier's project leader or team visits the customer's operations or a peer "
            "company with CSR management systems in place, to see how the systems work in "
            "practice.",
            "The customer and the supplier review progress in regular weekly conference calls.",
        ),
        planned_start=date(2008, 3, 1),
    )
    story.put_to_agreement(phase, agreed=("mentorship_supplier", "customer_a", "bsr"))
    story.move(
        pilot,
        PilotStatus.AGREED,
        date(2008, 3, 1),
        "The supplier's senior management in Taiwan approved its participation, after several "
        "months; it appointed a responsible project leader and a project team." + ESTIMATED,
    )
    phase = story.run_phase(phase, started_on=date(2008, 3, 1))
    story.activity(
        pilot,
        date(2008, 3, 15),
        ActivityKind.PEER_VISIT,
        "Visit to a peer company",
        "The supplier visited a peer company to observe how it manages CSR. The peer once had "
        "very serious CSR problems and had invested in CSR management systems, with significant "
        "improvements and benefits. Following the visit the supplier created an action plan for "
        "improvement that includes a CSR management system." + ESTIMATED,
        orgs=["mentorship_supplier", "strategy_supplier"],
        phase=phase,
    )
    story.activity(
        pilot,
        date(2008, 3, 15),
        ActivityKind.CALL,
        "Weekly conference calls between customer and supplier",
        "Regular weekly calls to review progress. The customer spends 4 hours a week on these "
        "review meetings, on reviewing action plans and on guidance: the person-days recorded "
        "are one week's share (0.5 person-day a week)." + ESTIMATED,
        orgs=["customer_a", "mentorship_supplier"],
        phase=phase,
        person_days=Decimal("0.5"),
    )
    story.activity(
        pilot,
        date(2008, 4, 1),
        ActivityKind.TRAINING,
        "Project leader trained in EHS management systems (ISO 14001)",
        "The supplier's project leader attended training on EHS management systems and ISO "
        "14001, and then trained the employees accordingly." + ESTIMATED,
        orgs=["mentorship_supplier"],
        phase=phase,
    )
    story.deliverable(
        pilot,
        "Action plan for improvement, including a CSR management system",
        DeliverableKind.ACTION_PLAN,
        "mentorship_supplier",
        phase=phase,
        delivered_on=date(2008, 4, 1),
        notes="Created after the peer visit. The project team has implemented the PDCA process "
        "and developed the work plan to drive improvements, including an EHS management "
        "system." + ESTIMATED,
    )
    story.tell(
        pilot,
        actual_start=date(2008, 3, 1),
        success_factors=_bullets(
            "The pilot built on pre-existing relationships and discussions between the supplier "
            "and the customer about the need for improved management systems, and on the "
            "existing compliance monitoring process.",
            "The customer's sourcing and compliance staff fully aligned their messages and "
            "answered the supplier's questions about the pilot consistently.",
            "The supplier assigned a project leader and a team with formal responsibilities, "
            "with strong support from management.",
            "The project leader attended training on EHS management systems and has since "
            "trained employees.",
            "The supplier learned from visiting another supplier that had successfully addressed "
            "similar compliance issues.",
        ),
        challenges=_bullets(
            "Approval by the supplier's senior management in Taiwan to participate in the pilot "
            "took several months to obtain.",
            "The supplier was slow to recognise the importance of CSR issues.",
            "The supplier had limited awareness and knowledge of EHS management systems: "
            "obtaining proper training, understanding and buy-in was challenging.",
        ),
        outcomes=(
            "The pilot partially achieved its objective of helping the supplier implement "
            "management systems for CSR:\n"
            + _bullets(
                "Supplier management is now aware of the importance of CSR. A new team is "
                "empowered to implement EHS management systems, with clear roles for each "
                "member, and a work plan is in place to set up an EHS management system.",
                "Operators' overtime fell from an average of 120 hours in November 2007 to 87.8 "
                "hours in May 2008.",
                "Air quality in the workshop improved, with the washing equipment safely handled.",
                "40% of lighting electricity has been saved since the improvement programme "
                "began (energy-efficient lighting).",
                "The project leader obtained training in ISO 14001 and has trained the "
                "employees; the responsible people learn about CSR from the customer through "
                "meetings, benchmarking and conference calls.",
                "Other improvements include classification of wastes and labelling of chemical "
                "containers. The supplier must still continue implementing its CSR management "
                "system to meet the customer's requirements, with ongoing capability building "
                "of the factory team.",
            )
        ),
        capability_improvements=_bullets(
            "Supplier staff have greatly increased knowledge of CSR, particularly of "
            "environmental and labour standards.",
            "The supplier has the knowledge and the tools to implement and maintain the PDCA "
            "process in its operation.",
            "An open line of communication on compliance issues lets the supplier share best "
            "practices with the customer and peer companies, and get expertise and support.",
        ),
        participation_outcomes=_bullets(
            "The supplier and the customer have established a working relationship.",
            "The customer, whose procurement staff took part, learned about the challenges the "
            "supplier faced in responding to audit findings because its senior management had "
            "to approve all decisions, and about the importance of sourcing and CSR staff "
            "working closely together.",
        ),
        implications=(
            "Any customer with its own management system and compliance programme could run "
            "this pilot, or it could use peer suppliers. It shifts the focus of audit follow-up: "
            "identify the root causes of non-compliance with the supplier, set baseline "
            "expectations for CSR management systems, and put staff towards mentoring the "
            "supplier while the systems are implemented. To replicate it:\n"
            + _bullets(
                "The customer's procurement and compliance staff must work closely together to "
                "send consistent messages.",
                "Customers must commit sufficient resources: people who can share CSR best "
                "practice and track progress with the supplier, and budget for on-site support, "
                "review and auditing.",
                "Suppliers must be willing to commit to the project and to partner more closely "
                "with key customers.",
                "The resources are an incremental shift by both supplier and customer to "
                "nurture a closer relationship.",
            )
        ),
        objectives_achievement=Achievement.PARTIALLY_MET,
        objectives_achievement_why=(
            "The supplier and the customer have established a working relationship and "
            "management systems for CSR have been established at the supplier; the supplier "
            "must still continue implementing its CSR management system to meet the customer's "
            "requirements."
        ),
        long_term_change=(
            "The pilot raised the supplier's awareness and set in motion plans to implement "
            "better systems, including specific training courses on SA 8000 and ISO 14001."
        ),
        continuation=(
            "The relationship established between the customer and the supplier is likely to "
            "continue."
        ),
    )
    return pilot


# --- 2. The worker hotline pilot (seeds/000 §IV.2) -------------------------------------------

HOTLINE = "Worker Hotline Pilot"


def _hotline(story: _Story):
    pilot = story.pilot(
        title=HOTLINE,
        pilot_type=PilotType.WORKER_HOTLINE,
        approach=Approach.CUSTOMISED_PROJECT,
        supplier="hotline_supplier",
        on=date(2007, 7, 1),  # after the June 2007 workshop; estimated
        participants=[
            # The customer's role was limited to inviting and reviewing progress.
            ("customer_b", ParticipantRole.INVITING_CUSTOMER, False, date(2007, 7, 1)),
        ],
        context=_paragraphs(
            "The Worker Hotline Pilot discussed at the June 2007 workshop involved installing a "
            "worker hotline and evaluating the effectiveness of the hotline and of the factory's "
            "feedback mechanisms. Following an invitation from one of its key customers, a "
            "brand, the supplier (about 7,000 workers) was asked to take part in order to "
            "demonstrate leadership in CSR. BSR recommended an NGO hotline service provider with "
            "a track record with other multinational customers.",
            "The supplier already operated worker hotlines, so the scope became an evaluation of "
            "them. After four months of negotiation on the project, terms, scope and "
            "confidentiality, BSR, the supplier and the NGO signed an agreement; the kickoff was "
            "planned for 11–12 January 2008. One day before, the supplier asked that it be "
            "limited to one day, only to clarify elements it did not agree with. After that "
            "meeting the project came to an impasse over the sampling of workers for interviews "
            "and the content of the interviews.",
        ),
        objectives=(
            "Originally: install a worker hotline and evaluate its effectiveness, to improve the "
            "mechanisms for workers to give feedback to management. As agreed after scoping: an "
            "independent assessment by the NGO of the supplier's existing hotlines, including "
            "worker interviews on workers' awareness and trust of the hotlines, and the NGO's "
            "feedback on how they could be improved."
        ),
        planned_start=date(2008, 1, 11),
    )
    # BSR recommended the NGO once the supplier had accepted (invitation date estimated).
    story.invite(
        pilot,
        "hotline_ngo",
        ParticipantRole.CIVIL_SOCIETY_PARTNER,
        on=date(2007, 9, 1),
        accepted_on=date(2007, 9, 15),
    )
    story.activity(
        pilot,
        date(2007, 9, 15),
        ActivityKind.MEETING,
        "Scoping meeting of BSR, the supplier and the NGO",
        "The meeting (September 2007; day estimated) defined roles and responsibilities and "
        "follow-up actions: the NGO to provide a detailed proposal with a cost estimate and a "
        "reference from another client, the supplier to provide key performance indicators "
        "(KPIs) to assess the NGO's performance.",
        orgs=["bsr", "hotline_supplier", "hotline_ngo"],
    )
    story.move(
        pilot,
        PilotStatus.SCOPING,
        date(2007, 9, 15),
        "BSR, the supplier and the NGO met to discuss the details of the project.",
    )
    story.scope_change(
        pilot,
        proposed_on=date(2007, 10, 1),
        proposed_by="hotline_supplier",
        description="Evaluate the supplier's existing worker hotlines instead of installing a new "
        "one.",
        status=ScopeChangeStatus.ACCEPTED,
        decided_on=date(2007, 10, 15),
        reason="The supplier already operated worker hotlines of its own." + ESTIMATED,
    )
    story.scope_change(
        pilot,
        proposed_on=date(2007, 11, 1),
        proposed_by="hotline_supplier",
        description="Expand the scope to include counselling for workers' mental-health issues, a "
        "need the supplier had identified as important.",
        status=ScopeChangeStatus.DECLINED,
        decided_on=date(2007, 11, 15),
        reason="It would not meet the agreed objective of improving the mechanisms for workers "
        "to give feedback to management: it would not have tested the worker feedback process "
        "the pilot was meant to test." + ESTIMATED,
    )
    story.activity(
        pilot,
        date(2008, 1, 1),
        ActivityKind.OTHER,
        "Project agreement and NDA signed",
        "After four months of negotiations on the project, terms, scope and confidentiality, "
        "BSR, the supplier and the NGO signed an agreement for a project tailored to the "
        "supplier. The non-disclosure agreement went through a number of revisions and was "
        "reviewed by all parties multiple times." + ESTIMATED,
        orgs=["bsr", "hotline_supplier", "hotline_ngo"],
    )
    phase = story.phase(
        pilot,
        1,
        "Independent assessment of the existing hotlines",
        "The NGO assesses the supplier's existing hotlines, including worker interviews to "
        "determine workers' awareness and trust of the hotlines, and gives feedback on how they "
        "could be improved.",
        planned_start=date(2008, 1, 11),
    )
    story.put_to_agreement(
        phase,
        agreed=("bsr", "hotline_ngo"),
        declined=(
            "hotline_supplier",
            "One day before the launch planned for 11–12 January 2008, the supplier asked that it "
            "be limited to one day, only to clarify elements it did not agree with: the sampling "
            "protocol for interviewing workers and the detailed questions the NGO would ask "
            "workers and management.",
            date(2008, 1, 10),
        ),
    )
    story.activity(
        pilot,
        date(2008, 1, 11),
        ActivityKind.MEETING,
        "Kickoff cut to a one-day clarification meeting",
        "Planned as the two-day project launch on 11–12 January 2008; at the supplier's request "
        "a day before, limited to one day clarifying the sampling protocol and the interview "
        "questions. The factory wanted reassurance that the scope was clearly defined for all "
        "participants. (The first of the two planned days is assumed.)",
        orgs=["hotline_supplier", "hotline_ngo"],
    )
    story.move(
        pilot,
        PilotStatus.STALLED,
        date(2008, 1, 15),
        "Impasse after the in-person meeting, primarily over acceptable sampling techniques for "
        "worker interviews and concerns about the content of the interviews." + ESTIMATED,
    )
    story.move(
        pilot,
        PilotStatus.DISCONTINUED,
        date(2008, 7, 1),
        "The pilot did not proceed past the scoping stage: the supplier and the NGO could not "
        "agree on the sampling procedures for worker interviews (BSR's pilot summary, July "
        "2008).",
    )
    story.tell(
        pilot,
        challenges=_bullets(
            "The supplier placed limited trust in the NGO. Beyond exhaustive NDA requirements, "
            "it questioned the lack of information about the NGO, its staff's qualifications "
            "and its hotlines' service quality; these concerns seemed to stem from a lack of "
            "experience working with NGOs rather than any specific cause, and several "
            "high-profile customers view the NGO as credible. Despite BSR's recommendation, the "
            "supplier did not fully trust the NGO or the recommendation.",
            "The supplier and the NGO had different perspectives on the technical design of the "
            "pilot, specifically the sampling technique and the interview questions. These were "
            "not discussed in detail until the NDA was signed, so they surfaced only at the "
            "kickoff.",
            "Recognition of true value: the supplier believed its hotline was already effective "
            "and saw no value in evaluating it, which resulted in marginal management buy-in.",
            "Senior leadership support did not go beyond the single business unit approved: "
            "interviewing workers in the canteen area would have needed a time-consuming and "
            "uncertain approval across several business units.",
        ),
        outcomes=(
            "The project did not meet the objectives set at the beginning: establishing an "
            "effective worker hotline and, secondly, evaluating the effectiveness of the "
            "supplier's hotline and identifying opportunities for improvement. The supplier "
            "stated that the process taught it how to work with NGOs. No metrics were collected."
        ),
        capability_improvements="No new capabilities resulted from this project.",
        participation_outcomes=(
            "The supplier stated that it learned about working with NGOs and that it is willing "
            "to work with NGOs in the future, if specific concerns about a project's design can "
            "be resolved."
        ),
        implications=(
            "Two distinct projects may be tested in the future: establishing a worker hotline "
            "and grievance process where none exists, and evaluating an existing one. Testing a "
            "new hotline is more valuable for learning its costs, benefits and impacts; "
            "evaluating incremental changes to an existing system is harder and may not seem "
            "worthwhile to suppliers. The recommendation is to test this pilot at a supplier "
            "that lacks a worker hotline.\n"
            + _bullets(
                "Suppliers must recognise the value of the work, believing in the benefits of "
                "better worker-management communication, for it to be sustainable; responding "
                "to customer requests is not sufficient motivation.",
                "Customers may need to stay involved to motivate suppliers and to reinforce the "
                "expectations and benefits.",
                "All participants must be willing to establish new, trust-based relationships "
                "if civil society organisations are to take part.",
            )
        ),
        objectives_achievement=Achievement.NOT_MET,
        objectives_achievement_why=(
            "The pilot did not meet its objectives of establishing a worker hotline system at "
            "the supplier's facility or of evaluating the existing hotlines: it did not proceed "
            "past scoping."
        ),
        long_term_change=(
            "The supplier stated that it learned about working with NGOs and remains open to "
            "working with them, but no new capabilities resulted from this project."
        ),
        continuation="The pilot did not proceed past the scoping stage.",
    )
    return pilot


# --- 3. The worker training pilot (seeds/000 §IV.3) ------------------------------------------

TRAINING = "Worker Training Pilot"


def _training(story: _Story):
    pilot = story.pilot(
        title=TRAINING,
        pilot_type=PilotType.WORKER_TRAINING,
        approach=Approach.CUSTOMISED_PROJECT,
        supplier="training_supplier",
        on=date(2007, 8, 15),  # estimated: after the first supplier declined
        participants=[
            ("customer_c", ParticipantRole.INVITING_CUSTOMER, False, date(2007, 8, 15)),
            ("training_ngo", ParticipantRole.CIVIL_SOCIETY_PARTNER, True, date(2007, 9, 1)),
        ],
        context=_paragraphs(
            "The supplier first invited to this pilot (by Customer A) declined, citing no clear "
            "benefits and the work involved. Another supplier was then identified and invited by "
            "a different customer: it operates numerous factories in Dongguan, Guangdong, making "
            "electronics products for several major brands. Customer A took no further part.",
            "An NGO experienced in worker training was identified as the project partner. In "
            "September 2007 it selected researchers from two universities, professors and "
            "students, to conduct the pilot.",
        ),
        objectives=(
            "Originally: implement and evaluate trainings on workers' rights and "
            "responsibilities and their link to a worker-management dialogue process. Refined "
            "during the negotiations because the supplier already had a training programme: "
            "evaluate the supplier's existing training programmes and identify recommendations "
            "for improvement. The pilot has three phases, each contingent on mutual agreement "
            "among all parties."
        ),
    )
    story.invite(
        pilot,
        "declined_supplier",
        ParticipantRole.SUPPLIER,
        on=date(2007, 7, 1),
        declined=(
            date(2007, 8, 1),
            "No clear benefits, and the work involved; the supplier also cited the lack of "
            "incentives such as increased orders or reduced audits.",
        ),
    )
    for university in ("university_1", "university_2"):
        story.invite(
            pilot,
            university,
            ParticipantRole.CIVIL_SOCIETY_PARTNER,
            on=date(2007, 9, 15),
            accepted_on=date(2007, 9, 15),
        )
    story.activity(
        pilot,
        date(2007, 9, 15),
        ActivityKind.OTHER,
        "The NGO selects researchers from two universities",
        "In September 2007 (day estimated) the NGO selected researchers from two universities "
        "to conduct the pilot. The teams of professors and students bring challenges of "
        "continuity and of experience working with businesses.",
        orgs=["training_ngo", "university_1", "university_2"],
    )
    story.move(
        pilot,
        PilotStatus.SCOPING,
        date(2007, 9, 15),
        "Negotiations refine the objectives: the supplier already has a training programme, so "
        "the pilot will evaluate it and recommend improvements.",
    )
    # §IV.3: "the objectives were refined to account for the existence of a pre-existing
    # training program". The report does not say who proposed it; the supplier's existing
    # programme was the reason, so the supplier stands as proposer.
    story.scope_change(
        pilot,
        proposed_on=date(2007, 9, 15),
        proposed_by="training_supplier",
        description="Evaluate the supplier's existing worker training programmes and recommend "
        "improvements, instead of implementing and evaluating new trainings on workers' rights "
        "and responsibilities and their link to a worker-management dialogue process.",
        status=ScopeChangeStatus.ACCEPTED,
        decided_on=date(2007, 11, 1),
        reason="The supplier already had a training programme." + ESTIMATED,
    )
    phase_1 = story.phase(
        pilot,
        1,
        "Benchmarking",
        "Review the existing worker training in the factory, covering both workplace "
        "conditions and the training programme:\n"
        + _bullets(
            "status of current training (who is trained, when, how much, on what topics)",
            "impact of the current training (what people understand, remember, learn, believe)",
            "outcomes of the current training (how people behave based on it)",
            "costs of this training approach (money and opportunity costs)",
        ),
        planned_start=date(2007, 11, 1),
    )
    phase_2 = story.phase(
        pilot,
        2,
        "Implementation",
        "Recommend continuous improvements based on the needs identified in Phase 1:\n"
        + _bullets(
            "implement improvement ideas focused on worker training to improve "
            "worker-management communication",
            "measure the success and failure of these improvements",
            "provide a final report",
        ),
    )
    story.phase(
        pilot,
        3,
        "Ongoing cooperation",
        "Follow up on longer-term work, such as an ongoing consulting relationship between the "
        "supplier and the NGO and academic partners on worker training, subject to the results "
        "of Phase 2.",
    )
    story.put_to_agreement(
        phase_1,
        agreed=("training_supplier", "training_ngo", "university_1", "university_2", "bsr"),
    )
    story.move(
        pilot,
        PilotStatus.AGREED,
        date(2007, 11, 1),
        "All parties agree to Phase 1, benchmarking; Phases 2 and 3 remain subject to further "
        "agreement." + ESTIMATED,
    )
    phase_1 = story.run_phase(phase_1, started_on=date(2007, 11, 1))
    story.activity(
        pilot,
        date(2007, 11, 15),
        ActivityKind.SITE_VISIT,
        "Phase 1 assessment at the factory",
        "The researchers reviewed recruitment policies, labour contracts, working hours and "
        "overtime, wages, discipline and penalties, work rules, turnover, employee "
        "organisations, health and safety, welfare (food and dorms, medical care, "
        "entertainment), worker-manager communication and mental-health facilities, against "
        "Chinese law and the EICC code. They reviewed the training system (basic, labour-rights "
        "and personal-development training) through a workplace survey, interviews and data "
        "gathering, with an HR programme manager's help. The person-days are the Phase 1 "
        "budget: researchers 12 days × 2, university staff 12 days × 2." + ESTIMATED,
        orgs=["university_1", "university_2", "training_supplier"],
        phase=phase_1,
        person_days=Decimal(48),
    )
    report = story.deliverable(
        pilot,
        "Phase 1 assessment report on worker training",
        DeliverableKind.ASSESSMENT_REPORT,
        "training_ngo",
        phase=phase_1,
        due_date=date(2008, 3, 1),
        delivered_on=date(2008, 5, 1),
        notes="Written by the university researchers. Delayed two months because they feared "
        "that negative findings on the supplier's compliance with the EICC code would not be "
        "well received (they had been surprised to learn the factory funded their work); the "
        "supplier was frustrated by the missed deadlines. Presented in writing and as a "
        "presentation to the factory in May 2008. (Due date estimated from the two-month "
        "delay.)",
    )
    document = services.document_upload(
        actor=story.user_for("training_ngo"),
        pilot=pilot,
        upload=SimpleUploadedFile(
            "worker-training-phase-1-findings.pdf",
            _pdf(
                "Worker Training Pilot - Phase 1 findings (demo placeholder)",
                "Assessment of the worker training programmes at the supplier's factories:",
                "basic training, labour-rights training (EICC code, Chinese law) and",
                "personal-development training, with recommendations for improvement.",
                "Presented to the factory in May 2008.",
            ),
            content_type="application/pdf",
        ),
        title="Phase 1 findings: worker training assessment",
        kind=DocumentKind.ASSESSMENT_REPORT,
        phase=phase_1,
        deliverable=report,
        organisation=story.orgs["training_ngo"],
        uploaded_on=date(2008, 5, 1),  # delivered in May 2008
    )
    # The supplier's own reply, through its demo user.
    services.assessment_reply(
        actor=story.user_for("training_supplier"),
        document=document,
        reply="The supplier agreed with the recommendations and expressed interest in "
        "implementing Phase 2.",
        on=date(2008, 5, 15),
    )
    story.activity(
        pilot,
        date(2008, 5, 1),
        ActivityKind.MEETING,
        "Phase 1 findings presented to the factory",
        "The findings were presented to the factory in writing and as a presentation in May "
        "2008 (day estimated). Phase 2 is under discussion.",
        orgs=["training_supplier", "training_ngo", "university_1", "university_2"],
        phase=phase_1,
    )
    services.phase_complete(actor=story.facilitator, phase=phase_1, completed_on=date(2008, 5, 1))
    # Phase 2 is under discussion: put to agreement, nobody has answered yet.
    services.phase_request_agreement(
        actor=story.facilitator,
        phase=phase_2,
        on=date(2008, 5, 15),  # estimated: May 2008
    )
    story.tell(
        pilot,
        actual_start=date(2007, 11, 1),
        success_factors=_bullets(
            "Supplier management remained committed and supportive throughout the project.",
            "Supplier management saw the pilot as linked to business priorities: there were "
            "existing efforts to attract and retain workers, and worker training fitted them.",
            "The supplier gave the researchers access to facilities, workers and HR programme "
            "managers, allowing a comprehensive assessment.",
            "An HR programme manager was available to assist the researchers.",
        ),
        challenges=_bullets(
            "The researchers were concerned that negative findings about the supplier's "
            "compliance with the EICC code would not be well received. This delayed the report "
            "by two months, which frustrated the supplier: a communications breakdown (the "
            "researchers had been surprised to learn the factory funded their work) that "
            "clearer roles and expectations could have avoided.",
        ),
        outcomes=(
            "The pilot met the intended objectives of Phase 1 by assessing the factory's "
            "training programme. Phase 1 produced a comprehensive report on the worker "
            "trainings offered at the supplier's facilities, describing the connection between "
            "elements of the EICC code, such as working hours, and the effectiveness of the "
            "training programmes. The findings were presented in writing and as a presentation "
            "to the factory in May 2008, after missed deadlines for the interim report. "
            "Otherwise the participants were involved as much as initially expected. Phase 2 is "
            "under discussion."
        ),
        capability_improvements=(
            "Phase 1 is an assessment phase, so the improvements are limited to the experience "
            "the researchers gained in this type of work and what the HR manager learned from "
            "the researchers during the survey and from the assessment report."
        ),
        participation_outcomes=_bullets(
            "The supplier and the researchers were actively engaged throughout; data was "
            "gathered with the participation and support of the factory's HR department, whose "
            "manager's active involvement the academics noted and appreciated in their report.",
            "Employees of different levels took part, through document review, discussion, site "
            "observation, interviews and questionnaires.",
        ),
        implications=(
            "The pilot could be replicated at other suppliers provided an appropriate partner is "
            "available:\n"
            + _bullets(
                "It needs social researchers qualified to conduct worker interviews and surveys, "
                "who understand how factories are organised, can analyse their findings against "
                "the existing training programmes and can synthesise actionable "
                "recommendations.",
                "The researchers should understand local and international labour standards, "
                "occupational health and safety standards and the EICC code; experts in both "
                "social and EHS issues are hard to find, so combined teams may be needed.",
                "Researchers and supplier should set expectations at the start so that the "
                "assessment is objective even when the news is bad, with action and "
                "improvement plans for non-conformances and preventive action plans.",
            )
            + "\nThe main expected benefit of better worker training is retaining and attracting "
            "employees; how much worker training affects human-resources costs is unclear."
        ),
        objectives_achievement=Achievement.PARTIALLY_MET,
        objectives_achievement_why=(
            "An evaluation of the worker training programmes was conducted, but improvements to "
            "the training programmes were not implemented within the scope of the pilot."
        ),
        long_term_change=(
            "Factory management is better informed about the effectiveness of its training "
            "programme and its link to compliance. This may eventually improve the training "
            "programmes, but that has not yet been demonstrated."
        ),
        continuation=(
            "The supplier agreed with the recommendations and expressed interest in implementing "
            "Phase 2."
        ),
    )
    return pilot


# --- 4. The EHS committee pilot (seeds/000 §IV.4) --------------------------------------------

EHS = "EHS Committee Pilot"


def _ehs(story: _Story):
    pilot = story.pilot(
        title=EHS,
        pilot_type=PilotType.EHS_COMMITTEE,
        approach=Approach.CUSTOMISED_PROJECT,
        supplier="ehs_supplier",
        on=date(2007, 9, 1),
        participants=[
            ("customer_d", ParticipantRole.INVITING_CUSTOMER, False, date(2007, 9, 1)),
            ("ehs_consultant", ParticipantRole.CONSULTANT, True, date(2007, 9, 15)),
        ],
        context=_paragraphs(
            "In September 2007 a supplier was invited by its customer and agreed to take part "
            "in the EHS Committee Pilot; BSR then contacted it to begin scoping, and a phone "
            "call and a kick-off meeting were held that month. Once the project proposal was "
            "drafted, a significant delay ensued at the supplier due to personnel changes: only "
            "after the customer contacted the supplier to reinforce the benefits of the project "
            "did it proceed and name someone to lead on its side. In January 2008, with new "
            "contacts at the supplier, negotiations were close to final when the EHS consultant "
            "became ill; BSR arranged alternative staffing and the scope negotiations were "
            "completed.",
            "The project kick-off meeting was held in February 2008 and the first assessment "
            "visit on 14 March 2008. In May 2008 BSR and the supplier reviewed the findings and "
            "the proposal for a second phase, focused on creating a “safety culture” at the "
            "facility.",
        ),
        objectives=(
            "Enhance workplace communication through an EHS worker committee, resulting in "
            "workplace safety improvements and increased worker-management communication."
        ),
    )
    story.activity(
        pilot,
        date(2007, 9, 15),
        ActivityKind.CALL,
        "Scoping phone call",
        "BSR contacted the supplier to begin the scoping process (September 2007; day estimated).",
        orgs=["bsr", "ehs_supplier"],
    )
    story.move(
        pilot,
        PilotStatus.SCOPING,
        date(2007, 9, 15),
        "BSR contacted the supplier to begin scoping.",
    )
    story.activity(
        pilot,
        date(2007, 9, 15),
        ActivityKind.MEETING,
        "Scoping kick-off meeting",
        "Held in the same month as the phone call (September 2007; day estimated); a project "
        "proposal was drafted afterwards.",
        orgs=["bsr", "ehs_supplier"],
    )
    story.move(
        pilot,
        PilotStatus.STALLED,
        date(2007, 10, 15),
        "Once the project proposal was drafted, a significant delay ensued at the supplier due "
        "to personnel changes." + ESTIMATED,
    )
    story.activity(
        pilot,
        date(2007, 12, 1),
        ActivityKind.CALL,
        "The customer reinforces the benefits of the project",
        "Only after the customer contacted the supplier to reinforce the benefits of the project "
        "did the supplier proceed and identify someone to lead on its end." + ESTIMATED,
        orgs=["customer_d", "ehs_supplier"],
    )
    story.move(
        pilot,
        PilotStatus.SCOPING,
        date(2008, 1, 1),
        "New contacts identified at the supplier; project negotiations resume (January 2008).",
    )
    phase_1 = story.phase(
        pilot,
        1,
        "EHS engagement",
        "Take an initial survey of the factory's EHS conditions, systems and standards to "
        "complete a baseline evaluation and identify recommendations for improvement: an "
        "overview and discussion of the EHS management system with factory staff, a factory "
        "tour reviewing working conditions as related to EHS implementation, and a final review "
        "with the factory staff.",
        planned_start=date(2008, 2, 15),
    )
    story.put_to_agreement(phase_1, agreed=("ehs_supplier", "ehs_consultant", "bsr"))
    story.move(
        pilot,
        PilotStatus.AGREED,
        date(2008, 2, 1),
        "Scope negotiations completed after the EHS consultant became ill in January 2008 and "
        "BSR arranged alternative staffing." + ESTIMATED,
    )
    phase_1 = story.run_phase(phase_1, started_on=date(2008, 2, 15))
    story.activity(
        pilot,
        date(2008, 2, 15),
        ActivityKind.MEETING,
        "Project kick-off meeting",
        "The project restarts with its kick-off meeting (February 2008; day estimated).",
        orgs=["bsr", "ehs_supplier", "ehs_consultant"],
        phase=phase_1,
    )
    story.activity(
        pilot,
        date(2008, 3, 14),
        ActivityKind.SITE_VISIT,
        "EHS evaluation visit to the nominated factory",
        "The EHS consultant, with support from BSR, visited the factory for an EHS evaluation: "
        "an overview and discussion of the EHS management system with factory staff, a factory "
        "tour reviewing actual working conditions, and a final review with the factory staff.",
        orgs=["ehs_consultant", "bsr", "ehs_supplier"],
        phase=phase_1,
    )
    story.deliverable(
        pilot,
        "Site visit report: baseline EHS evaluation",
        DeliverableKind.SITE_VISIT_REPORT,
        "ehs_consultant",
        phase=phase_1,
        delivered_on=date(2008, 5, 1),
        notes="The evaluation report, with an outline of proposed next steps, delivered to the "
        "factory in May 2008 (day estimated) as the primary deliverable of Phase 1.",
    )
    story.deliverable(
        pilot,
        "Phase 2 proposal: embedding a safety culture and improving the EHS committee",
        DeliverableKind.PROPOSAL,
        "ehs_consultant",
        phase=phase_1,
        delivered_on=date(2008, 5, 1),
        notes="Proposed by the EHS consultant at the same meeting; subject to negotiation and "
        "approval by the supplier.",
    )
    story.activity(
        pilot,
        date(2008, 5, 1),
        ActivityKind.MEETING,
        "Review of the findings and the Phase 2 proposal",
        "BSR and the supplier reviewed the assessment findings and the proposal for a second "
        "phase of work (May 2008; day estimated).",
        orgs=["bsr", "ehs_supplier", "ehs_consultant"],
        phase=phase_1,
    )
    services.phase_complete(actor=story.facilitator, phase=phase_1, completed_on=date(2008, 5, 1))
    phase_2 = story.phase(
        pilot,
        2,
        "Safety culture and EHS committee",
        "Build the foundations of a “safety culture” at the supplier:\n"
        + _bullets(
            "set up an EHS communication process between management and all employees",
            "redefine the role of the EHS committee and train its members on EHS management "
            "techniques, injury management and behaviour-based safety analysis",
            "set up a database to measure and analyse risk behaviour, unsafe conditions and "
            "injuries, and their costs",
            "set up a reporting and learning-sharing system that enables workers to report risks",
            "provide technical and information support during the advisory period",
            "train EHS staff and safety committee members to communicate on EHS topics",
        ),
    )
    # As of May 2008 the supplier was evaluating the proposal.
    story.put_to_agreement(phase_2, agreed=("ehs_consultant", "bsr"), on=date(2008, 5, 15))
    story.tell(
        pilot,
        actual_start=date(2008, 2, 15),
        success_factors=_bullets(
            "The project builds on a strong existing EHS system: an EHS management system "
            "certified to ISO 14001 and OHSAS 18001, senior management support for EHS "
            "activities, and EHS targets set and reviewed annually.",
            "The project was able to continue despite staffing transitions.",
            "The factory has a basic EHS implementation process, including an EHS committee; "
            "it implements 5S, its workshops are clean and neat, and basic EHS tools exist "
            "(signs, training, safety belts, local exhaust ventilation).",
        ),
        challenges=_bullets(
            "Multiple staffing transitions, on the supplier side (four different people led the "
            "project) and on the consultant side, delayed the start of the project.",
            "The supplier was nominated by the brand: the perceived value of the work stemmed "
            "from the customer relationship rather than from the work itself. This lack of "
            "intrinsic motivation, with the turnover, was a primary cause of the delay.",
            "Management at first felt its EHS system was sufficient, but it has gaps: it does "
            "not count near misses, does not identify all hazards, lacks worker involvement and "
            "a safety culture, has low or ineffective training, an EHS committee without worker "
            "participation and improper EHS targets for injuries.",
        ),
        outcomes=(
            "The pilot achieved the objectives intended for Phase 1, as the assessment report "
            "to the supplier on the baseline evaluation and improvement opportunities shows. "
            "Deliverables: the site visit report and the Phase 2 proposal (embedding a safety "
            "culture and improving the EHS committee). BSR made the case for the supplier to "
            "change its injury and illness targets to be more in line with good practice. As of "
            "May 2008 the supplier and BSR were discussing the second phase; if the factory "
            "halved its 2007 injury rate under Phase 2, injuries per 1,000 people a year would "
            "fall from 1.46 to 0.73, and total injuries from 131 to 65 a year."
        ),
        capability_improvements=(
            "The supplier now has improved knowledge of good practice in EHS committees, "
            "management systems and culture."
        ),
        participation_outcomes="The pilot involved the supplier, an EHS consultant and BSR.",
        implications=(
            "The pilot could be replicated by using qualified EHS experts to identify gaps in "
            "suppliers' programmes and recommend improvements; a list of qualified consultants "
            "could help suppliers take the first step. The Phase 2 description is an example of "
            "what any company can do to embed a good EHS committee and system: lessons from "
            "companies that do this well could be shared for peer learning, and the plan "
            "augmented with concrete examples and the business case for improving EHS "
            "committees."
        ),
        objectives_achievement=Achievement.PARTIALLY_MET,
        objectives_achievement_why=(
            "The EHS committee evaluation was completed, but its recommendations have not yet "
            "been implemented."
        ),
        long_term_change=(
            "The EHS committee evaluation was very well received by the supplier and increased "
            "its knowledge of EHS management systems and targets."
        ),
        continuation=(
            "Participants are seeking management approval for the next phase of work; the "
            "supplier will likely continue to work with BSR on it."
        ),
    )
    return pilot


# --- 5. The CSR strategy pilot (seeds/000 §IV.5) ---------------------------------------------

STRATEGY = "CSR Strategy Pilot"


def _strategy(story: _Story):
    # The report gives no dates for this pilot: every date below is an estimate consistent with
    # it (finished within the expected five to six months; its public description was shared at
    # the 2007 BSR Conference).
    pilot = story.pilot(
        title=STRATEGY,
        pilot_type=PilotType.CSR_STRATEGY,
        approach=Approach.CUSTOMISED_PROJECT,
        supplier="strategy_supplier",
        on=date(2007, 6, 15),
        context=_paragraphs(
            "In 2006 a supplier to the mobile communications sector was targeted in a "
            "high-profile NGO report for worker poisoning from repeated exposure to hazardous "
            "chemicals, and one of its key customers significantly reduced its orders. The "
            "supplier improved workers' health, the environment and occupational health and "
            "safety (including ISO 14000 certification) and upgraded its facilities, but orders "
            "did not return.",
            "Interviewed in the initial research for the FIAS ICT capability-building strategy, "
            "the supplier learned more about CSR and customer expectations. It initiated this "
            "project itself, no customer invited it, and engaged BSR, as a consultant, to help "
            "it open lines of communication with its key stakeholders on CSR and to create a CSR "
            "strategy that would be transparent, measurable and credible.",
            "The report gives no dates for this pilot; the dates recorded are estimates "
            "consistent with it.",
        ),
        objectives=(
            "Open lines of communication about CSR with key stakeholders, and create a CSR "
            "strategy that improves CSR performance in a way that is transparent, measurable "
            "and credible, in three phases: assess current performance; understand stakeholder "
            "needs to inform the strategy; design and communicate the strategy."
        ),
    )
    story.move(pilot, PilotStatus.SCOPING, date(2007, 6, 15), "The supplier engages BSR.")
    phases = [
        story.phase(
            pilot,
            1,
            "Initial assessment",
            "BSR helps the supplier assess its systems and facilities:\n"
            + _bullets(
                "outreach to customers",
                "evaluation of internal processes and systems, focusing on occupational health "
                "and safety and human resources",
                "involvement of workers, supervisors and executive management in the visioning "
                "and evaluation process",
            ),
        ),
        story.phase(
            pilot,
            2,
            "Strategy formulation",
            "BSR works with the supplier's senior team to draft a high-level CSR strategy based "
            "on the assessment:\n"
            + _bullets(
                "a shared vision among senior management of the supplier's future",
                "specific goals, improvement targets, measurable objectives and KPIs to drive "
                "continuous improvement",
                "a communication platform for robust, fact-based and transparent communication "
                "with customers",
            ),
        ),
        story.phase(
            pilot,
            3,
            "Customer engagement",
            "BSR facilitates a meeting between the supplier and its key customers to introduce "
            "the new CSR strategy:\n"
            + _bullets(
                "build alignment so that the CSR approach satisfies both supplier and customers",
                "agree a process for communicating CSR information to key clients and stakeholders",
                "find opportunities for partnership on CSR (knowledge transfer, creating a "
                "system, piloting a process)",
            ),
        ),
    ]
    story.put_to_agreement(phases[0], agreed=("strategy_supplier", "bsr"), on=date(2007, 7, 1))
    story.move(
        pilot,
        PilotStatus.AGREED,
        date(2007, 7, 1),
        "The supplier's owner initiates and sponsors the project." + ESTIMATED,
    )
    story.run_phase(phases[0], date(2007, 7, 1), date(2007, 8, 15))
    story.activity(
        pilot,
        date(2007, 7, 15),
        ActivityKind.OTHER,
        "Outreach to customers",
        "Customers' input on their needs and requirements." + ESTIMATED,
        orgs=["bsr", "strategy_supplier"],
        phase=phases[0],
    )
    story.activity(
        pilot,
        date(2007, 8, 1),
        ActivityKind.WORKSHOP,
        "Visioning and evaluation with workers, supervisors and executives",
        "Workers, supervisors and executive management took part in the visioning and "
        "evaluation of processes and systems, focusing on occupational health and safety and "
        "human resources." + ESTIMATED,
        orgs=["bsr", "strategy_supplier"],
        phase=phases[0],
    )
    story.deliverable(
        pilot,
        "Customer input on customer needs and requirements",
        DeliverableKind.OTHER,
        "bsr",
        phase=phases[0],
        delivered_on=date(2007, 8, 1),
        notes=ESTIMATED.strip(),
    )
    story.deliverable(
        pilot,
        "Assessment findings",
        DeliverableKind.ASSESSMENT_REPORT,
        "bsr",
        phase=phases[0],
        delivered_on=date(2007, 8, 15),
        notes=ESTIMATED.strip(),
    )
    story.put_to_agreement(phases[1], agreed=("strategy_supplier", "bsr"), on=date(2007, 8, 15))
    story.run_phase(phases[1], date(2007, 8, 15), date(2007, 10, 1))
    story.activity(
        pilot,
        date(2007, 9, 1),
        ActivityKind.WORKSHOP,
        "Drafting the CSR strategy with the senior team",
        "BSR worked with the supplier's senior team on a shared vision, goals, targets and KPIs, "
        "and a platform for communicating with customers." + ESTIMATED,
        orgs=["bsr", "strategy_supplier"],
        phase=phases[1],
    )
    story.deliverable(
        pilot,
        "Strategy and implementation plan for human resources, occupational health and safety, "
        "and worker engagement",
        DeliverableKind.STRATEGY,
        "strategy_supplier",
        phase=phases[1],
        delivered_on=date(2007, 10, 1),
        notes=ESTIMATED.strip(),
    )
    story.put_to_agreement(phases[2], agreed=("strategy_supplier", "bsr"), on=date(2007, 10, 1))
    story.run_phase(phases[2], date(2007, 10, 1), date(2007, 11, 15))
    story.activity(
        pilot,
        date(2007, 10, 15),
        ActivityKind.MEETING,
        "The supplier presents its CSR strategy to customers",
        "BSR facilitated a meeting at which five global buyer representatives from the "
        "telecommunications industry, of current and potential customers, discussed the "
        "supplier's CSR strategy; they appreciated its honest tone and its willingness to "
        "manage CSR performance proactively." + ESTIMATED,
        orgs=["bsr", "strategy_supplier"],
        phase=phases[2],
    )
    story.deliverable(
        pilot,
        "Public description of the factory's CSR management process",
        DeliverableKind.OTHER,
        "strategy_supplier",
        phase=phases[2],
        delivered_on=date(2007, 11, 1),
        notes="Shared at the 2007 BSR Conference in San Francisco." + ESTIMATED,
    )
    story.move(
        pilot,
        PilotStatus.COMPLETED,
        date(2007, 11, 15),
        "All three phases done: the supplier has an open line of communication with its "
        "customers and a well-developed CSR strategy aligned with customer and company needs."
        + ESTIMATED,
    )
    story.tell(
        pilot,
        actual_start=date(2007, 7, 1),
        actual_end=date(2007, 11, 15),
        success_factors=_bullets(
            "Supplier management perceived a clear link between CSR performance and business "
            "opportunities, mainly through the customer actions that followed the NGO report. "
            "It believed that CSR management systems would directly affect its business, which "
            "the return of customer orders after the project proved true.",
            "The supplier's owner initiated and sponsored the project and was involved "
            "throughout, ensuring that managers were engaged and empowered to make changes.",
        ),
        challenges=(
            "There are costs to compliance, and they can be significant: consultants, "
            "certification (ISO 14001), capital changes, protective equipment, wages and "
            "overtime, management time and communication with customers. Some may be offset by "
            "increased orders or price, productivity or employee retention; where the costs are "
            "outweighed by the benefits, a shift from a “cost mindset” to an “investment "
            "mindset” is required."
        ),
        outcomes=(
            "The project met its objectives of opening lines of communication about compliance "
            "between the supplier and its current and potential customers, and of implementing "
            "a CSR strategy that is transparent, measurable and credible. Deliverables: customer "
            "input on needs and requirements; assessment findings; a strategy and implementation "
            "plan for human resources, occupational health and safety and worker engagement; a "
            "public description of the factory's CSR management process, shared at the 2007 BSR "
            "Conference in San Francisco. Customer orders returned after the project. It was the "
            "only pilot completed in the expected timeframe."
        ),
        capability_improvements=_bullets(
            "The supplier can engage customers and other stakeholders in productive discussions "
            "about the challenges of implementing CSR management systems; at a meeting with "
            "current and potential customers, the representatives appreciated its honest tone "
            "and willingness to manage CSR performance proactively.",
            "The supplier has a strategy for better management of human resources, occupational "
            "health and safety and worker engagement.",
        ),
        participation_outcomes=_bullets(
            "The supplier's management was involved in all phases, ensuring senior support; "
            "workers were engaged in creating their own solutions and systems.",
            "Five global buyer representatives from the telecommunications industry attended a "
            "meeting with the supplier to discuss its CSR strategy.",
        ),
        implications=(
            "A success for both supplier and customer: it re-established a business "
            "relationship that had been ended over compliance issues, and the supplier's "
            "management is willing to share its learning and hopes to be seen as a CSR leader "
            "among its peers. For replication: projects of this kind need senior-level support; "
            "the supplier must truly buy in, believing in the business benefits; the one-to-one "
            "external consulting is resource-intensive; and the project depended on customers "
            "giving support, feedback and a direct link to business. The standard consulting "
            "process used (assess the initial state, engage supplier and customers on a draft "
            "strategy, implement management-system changes) is replicable."
        ),
        objectives_achievement=Achievement.FULLY_MET,
        objectives_achievement_why=(
            "The CSR management system was implemented and a dialogue on CSR was initiated with "
            "current and potential customers."
        ),
        long_term_change=(
            "The pilot clearly resulted in better capabilities to manage and communicate about "
            "CSR, as evidenced by feedback from a customer panel."
        ),
        continuation=(
            "The supplier's management now has a system for managing CSR, which will continue to "
            "be in place, and will continue to discuss CSR topics with new and potential "
            "customers."
        ),
    )
    return pilot


PILOTS = (
    (MENTORSHIP, _mentorship),
    (HOTLINE, _hotline),
    (TRAINING, _training),
    (EHS, _ehs),
    (STRATEGY, _strategy),
)


def _pdf(*lines: str) -> bytes:
    """A one-page PDF showing `lines` (ASCII), with a correct cross-reference table."""
    escaped = (line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in lines)
    text = "".join(f"({line}) Tj 0 -18 Td " for line in escaped)
    stream = f"BT /F1 11 Tf 56 780 Td {text}ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def load(organisations) -> list[tuple[str, bool]]:
    """Create the programme and whichever of its five pilots are missing.

    `organisations` is what suppliers.demo.load() returns; the demo users must exist
    (csrplatform.accounts.demo.load()). Returns (pilot title, created now?) pairs.
    """
    facilitator = User.objects.get(email=FACILITATOR_EMAIL)
    own_users = {
        key: user
        for key, email in OWN_USERS.items()
        if (user := User.objects.filter(email=email).first()) is not None
    }
    programme = services.programme_save(
        actor=facilitator,
        programme=Programme.objects.filter(title=PROGRAMME["title"]).first(),
        facilitator=organisations["bsr"],
        sponsors=[organisations[key] for key in SPONSORS],
        **PROGRAMME,
    )
    story = _Story(programme, organisations, facilitator, own_users)
    loaded = []
    existing = set(programme.pilots.values_list("title", flat=True))
    for title, tell in PILOTS:
        if title in existing:
            loaded.append((title, False))
            continue
        tell(story)
        loaded.append((title, True))
    return loaded

"""The directory of the seed programme (seeds/000: BSR's 2008 pilot summary, Shenzhen ICT).

Organisations are anonymised as the report keeps them. Loading is idempotent.
"""

from datetime import date

from .models import Certification, Cluster, Facility, Organisation, Supplier, SupplyRelationship

CERTIFICATIONS = [
    ("iso-14001", "ISO 14001"),
    ("ohsas-18001", "OHSAS 18001"),
    ("sa8000", "SA8000"),
]

# (key, fields)
ORGANISATIONS = [
    # seeds/004: the ILO value-chain programme, its donor and two of its constituents.
    (
        "ilo",
        dict(
            name="International Labour Organization (ILO)",
            kind="facilitator",
            country="CH",
            city="Geneva",
            website="https://www.ilo.org",
            notes="Implemented the seeds/004 programme through its offices in Dhaka, Hanoi, "
            "Tokyo and Bangkok (for Cambodia), with Better Work.",
        ),
    ),
    (
        "meti",
        dict(
            name="Government of Japan, Ministry of Economy, Trade and Industry (METI)",
            kind="donor",
            country="JP",
            city="Tokyo",
        ),
    ),
    (
        "nccwe",
        dict(
            name="National Coordination Committee for Workers' Education (NCCWE)",
            kind="trade_union",
            country="BD",
            city="Dhaka",
            notes="The coordinating body of 13 trade union federations (seeds/004).",
        ),
    ),
    (
        "bgmea",
        dict(
            name="Bangladesh Garment Manufacturers and Exporters Association (BGMEA)",
            kind="employers_organisation",
            country="BD",
            city="Dhaka",
        ),
    ),
    # seeds/001: the CCR CSR factory child-friendly spaces pilot, illustrated with invented
    # factories (the summary names none and gives no figures).
    (
        "ccr_csr",
        dict(
            name="CCR CSR (Centre for Child Rights and Business)",
            kind="facilitator",
            country="CN",
            city="Guangzhou",
            website="http://www.ccrcsr.com",
            notes="Ran the factory child-friendly spaces pilot programme (seeds/001).",
        ),
    ),
    *(
        (
            f"fcfs_factory_{number}",
            dict(
                name=f"Illustrative factory {number} (child-friendly spaces)",
                kind="supplier",
                country="CN",
                city=city,
                notes="Invented to illustrate a multi-factory pilot with a comparison group.",
            ),
        )
        for number, city in enumerate(
            ("Dongguan", "Dongguan", "Shenzhen", "Huizhou", "Zhongshan"), start=1
        )
    ),
    (
        "bsr",
        dict(
            name="BSR (Business for Social Responsibility)",
            kind="facilitator",
            country="US",
            city="San Francisco",
            website="https://www.bsr.org",
            notes="Facilitated the pilots; in some also acted as consultant to the supplier.",
        ),
    ),
    (
        "fias",
        dict(
            name="FIAS (Foreign Investment Advisory Service)",
            kind="multilateral",
            country="US",
            city="Washington, DC",
            notes="Project sponsor; a joint venture of the World Bank and the IFC. Not involved in "
            "the pilots because of staff turnover in the key contact.",
        ),
    ),
    (
        "eicc",
        dict(
            name="EICC (Electronics Industry Citizenship Coalition)",
            kind="industry_association",
            country="US",
            notes="Project sponsor; invited suppliers and reviewed progress periodically.",
        ),
    ),
    (
        "gesi",
        dict(
            name="GeSI (Global e-Sustainability Initiative)",
            kind="industry_association",
            country="BE",
            city="Brussels",
            notes="Project sponsor; invited suppliers and reviewed progress periodically.",
        ),
    ),
    (
        "seia",
        dict(
            name="Shenzhen Electronics Industries Association (SEIA)",
            kind="industry_association",
            country="CN",
            city="Shenzhen",
            notes="Project sponsor; ran two CSR workshops for its members in 2007.",
        ),
    ),
    (
        "customer_a",
        dict(
            name="Customer A (ICT brand)",
            kind="customer",
            notes="Mentorship pilot: its third-party auditor audited the supplier in Nov 2007; "
            "its sourcing and compliance staff mentored the supplier.",
        ),
    ),
    (
        "customer_b",
        dict(
            name="Customer B (ICT brand)",
            kind="customer",
            notes="Invited its key supplier to the worker hotline pilot.",
        ),
    ),
    (
        "customer_c",
        dict(
            name="Customer C (ICT brand)",
            kind="customer",
            notes="Invited the second supplier to the worker training pilot.",
        ),
    ),
    (
        "customer_d",
        dict(
            name="Customer D (ICT brand)",
            kind="customer",
            notes="Nominated its supplier for the EHS committee pilot (September 2007).",
        ),
    ),
    (
        "mentorship_supplier",
        dict(
            name="Mentorship pilot supplier",
            kind="supplier",
            country="CN",
            city="Shenzhen",
            notes="Every overtime payment needed approval from senior management in Taiwan, which "
            "delayed wages. Refused outside training or consultancy before the pilot.",
        ),
    ),
    (
        "hotline_supplier",
        dict(
            name="Worker hotline pilot supplier",
            kind="supplier",
            country="CN",
            city="Shenzhen",
            notes="Operated worker hotlines of its own before the pilot.",
        ),
    ),
    (
        "declined_supplier",
        dict(
            name="Supplier that declined the worker training pilot",
            kind="supplier",
            country="CN",
            city="Shenzhen",
            notes="Declined its invitation, citing no clear benefits and the work involved.",
        ),
    ),
    (
        "training_supplier",
        dict(
            name="Worker training pilot supplier",
            kind="supplier",
            country="CN",
            city="Dongguan",
            notes="Operates numerous factories in Dongguan, Guangdong, making electronics products "
            "for several major brands.",
        ),
    ),
    (
        "ehs_supplier",
        dict(
            name="EHS committee pilot supplier",
            kind="supplier",
            country="CN",
            city="Shenzhen",
            notes="Four different people led the project on the supplier side.",
        ),
    ),
    (
        "strategy_supplier",
        dict(
            name="CSR strategy pilot supplier",
            kind="supplier",
            country="CN",
            city="Shenzhen",
            notes="Targeted in 2006 by an NGO report on worker poisoning; lost orders from a key "
            "customer and won them back after implementing CSR management systems.",
        ),
    ),
    (
        "hotline_ngo",
        dict(
            name="Worker hotline NGO",
            kind="civil_society",
            civil_society_type="ngo",
            country="CN",
            notes="Hotline service provider with experience for multinational customers.",
        ),
    ),
    (
        "training_ngo",
        dict(
            name="Worker training NGO",
            kind="civil_society",
            civil_society_type="ngo",
            country="CN",
            notes="Selected researchers from two universities for the worker training pilot.",
        ),
    ),
    (
        "university_1",
        dict(
            name="University research team 1",
            kind="civil_society",
            civil_society_type="academic",
            country="CN",
            notes="Professors and students; assessed worker training (phase 1).",
        ),
    ),
    (
        "university_2",
        dict(
            name="University research team 2",
            kind="civil_society",
            civil_society_type="academic",
            country="CN",
            notes="Professors and students; assessed worker training (phase 1).",
        ),
    ),
    (
        "ehs_consultant",
        dict(
            name="EHS consultant",
            kind="civil_society",
            civil_society_type="consultant",
            country="CN",
            notes="Evaluated the EHS committee pilot supplier's factory on 14 March 2008.",
        ),
    ),
]

SUPPLIER_PROFILES = {
    **{
        f"fcfs_factory_{number}": dict(sector="Toys and garments", headquarters_country="CN")
        for number in range(1, 6)
    },
    "mentorship_supplier": dict(
        sector="ICT manufacturing",
        headquarters_country="TW",
        maturity_stage="senior_commitment",
        commitment_level="committed",
    ),
    "hotline_supplier": dict(
        sector="ICT manufacturing",
        workers_headcount=7000,
        maturity_stage="management_systems",
        commitment_level="lacking",
    ),
    "declined_supplier": dict(
        sector="ICT manufacturing",
        maturity_stage="basic_awareness",
        commitment_level="lacking",
    ),
    "training_supplier": dict(
        sector="Electronics manufacturing",
        maturity_stage="management_systems",
        commitment_level="committed",
    ),
    "ehs_supplier": dict(
        sector="ICT manufacturing",
        maturity_stage="management_systems",
        # §III.1 "Supplier Commitment": committed, after persistence won its commitment.
        commitment_level="committed",
        certifications=["iso-14001", "ohsas-18001"],
    ),
    "strategy_supplier": dict(
        sector="Mobile communications",
        maturity_stage="embedded_culture",
        commitment_level="supplier_led",
        certifications=["iso-14001"],
    ),
}

FACILITIES = [
    *(
        (
            f"fcfs_factory_{number}",
            dict(name="Main plant", city=city, country="CN", workers=workers),
        )
        for number, city, workers in (
            (1, "Dongguan", 1200),
            (2, "Dongguan", 800),
            (3, "Shenzhen", 2000),
            (4, "Huizhou", 1500),
            (5, "Zhongshan", 900),
        )
    ),
    ("mentorship_supplier", dict(name="Shenzhen factory", city="Shenzhen", country="CN")),
    (
        "hotline_supplier",
        dict(name="Shenzhen factory", city="Shenzhen", country="CN", workers=7000),
    ),
    (
        "training_supplier",
        dict(
            name="Dongguan factories",
            city="Dongguan",
            country="CN",
            products="Electronics products for several major brands",
        ),
    ),
    ("ehs_supplier", dict(name="Nominated factory", city="Shenzhen", country="CN")),
    (
        "strategy_supplier",
        dict(
            name="Shenzhen factory",
            city="Shenzhen",
            country="CN",
            products="Mobile communications components",
        ),
    ),
]

# (customer, supplier, tier, since). The report does not say which customer first invited the
# supplier that declined; Customer A stands in, so the two demo customers see different suppliers.
RELATIONSHIPS = [
    ("customer_a", "mentorship_supplier", 1, date(2007, 11, 1)),
    ("customer_a", "declined_supplier", 1, None),
    ("customer_b", "hotline_supplier", 1, None),
    ("customer_c", "training_supplier", 1, None),
    ("customer_d", "ehs_supplier", 1, None),
]

CLUSTERS = [
    (
        dict(
            name="Shenzhen ICT suppliers",
            sector="ICT",
            region="Shenzhen, Guangdong",
            country="CN",
            description="ICT suppliers of the 2007–2008 capability-building pilots.",
        ),
        [
            "mentorship_supplier",
            "hotline_supplier",
            "declined_supplier",
            "ehs_supplier",
            "strategy_supplier",
        ],
    ),
    (
        dict(
            name="Dongguan electronics",
            sector="Electronics",
            region="Dongguan, Guangdong",
            country="CN",
            description="Electronics factories in Dongguan.",
        ),
        ["training_supplier"],
    ),
]


def load() -> dict[str, Organisation]:
    """Create or update the demo directory; returns the organisations by key."""
    certifications = {
        code: Certification.objects.update_or_create(code=code, defaults={"name": name})[0]
        for code, name in CERTIFICATIONS
    }
    organisations = {}
    for key, fields in ORGANISATIONS:
        fields = {"civil_society_type": "", "city": "", "country": "", **fields}
        organisation, _ = Organisation.objects.update_or_create(
            name=fields.pop("name"), defaults=fields
        )
        organisations[key] = organisation
    suppliers = {}
    for key, profile in SUPPLIER_PROFILES.items():
        profile = dict(profile)
        codes = profile.pop("certifications", [])
        supplier, _ = Supplier.objects.update_or_create(
            organisation=organisations[key], defaults=profile
        )
        supplier.certifications.set([certifications[code] for code in codes])
        suppliers[key] = supplier
    for key, fields in FACILITIES:
        fields = dict(fields)
        Facility.objects.update_or_create(
            supplier=suppliers[key], name=fields.pop("name"), defaults=fields
        )
    for customer, supplier, tier, since in RELATIONSHIPS:
        SupplyRelationship.objects.update_or_create(
            customer=organisations[customer],
            supplier=suppliers[supplier],
            defaults={"tier": tier, "since": since},
        )
    for fields, members in CLUSTERS:
        fields = dict(fields)
        cluster, _ = Cluster.objects.update_or_create(name=fields.pop("name"), defaults=fields)
        cluster.suppliers.set([suppliers[key] for key in members])
    return organisations

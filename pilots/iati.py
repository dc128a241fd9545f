"""A programme as an IATI activity file (IATI Standard 2.03), the open data donors publish.

The file is an export like any other: it holds what the requesting user may see and nothing
more. Every row comes through the access policy (`access.scope`), so a customer's file names
only the pilots, participants and counts it sees on the pages. Nothing is invented either: a
figure a source only states (a `StatedFigure`, e.g. "almost 88% of the budget used" or "12 of
14 indicators met", with no rows behind it) gives no transaction and no result.

How the platform's rows become IATI elements (codes from the 2.03 codelists):

- iati-identifier: `{reporting-org ref}-{programme id}`; the reporting organisation is the
  programme's facilitator. Organisations carry an IATI `ref` only where one is known
  (`settings.IATI_ORGANISATION_REFS`, by organisation id); otherwise they are named by a
  narrative alone, as IATI allows, except the reporting organisation, which must have a ref:
  it gets `settings.IATI_REPORTING_ORG_REF` with `{id}` replaced by its id, by default the
  placeholder `XI-CSRPLATFORM-<id>` that says it is not a registered identifier.
- participating-org: the facilitator is accountable (2) and implementing (4); sponsors and
  donors fund (1); the pilots' suppliers and the participants that accepted their invitation
  implement (4). OrganisationType follows the organisation's kind where the kind says it.
- activity-status and activity-date follow the programme's start and end dates and today.
- recipient-country: the programme's countries; the platform records no share per country, so
  100% is split evenly (a budget line's country is not a share of the programme).
- sector: DAC 5-digit 16020 "Employment policy and administrative management", the DAC purpose
  of programmes on working conditions and labour standards in supply chains (16070 "Labour
  rights" came after 2.03's codelist). `Programme.sector` is an industry ("Garments"), not a
  DAC purpose, so it goes to the description instead; `settings.IATI_SECTOR_CODE` names
  another code, or set empty leaves the sector out.
- budget: the budget lines summed per currency over the programme's period (the lines carry no
  period of their own; splitting them by year would invent a phasing), original, indicative;
  only for a programme of a year or less, as IATI's ruleset allows no longer budget period.
- transaction: a donor's funding is an incoming commitment (11) from the donor; a spending row
  an expenditure (4). Amounts stay in their own currency, dated for conversion (value-date).
- result: each outcome (2) or output (1) of the results framework with its indicators,
  baseline (the programme's start year) and one period (the programme's) holding target and
  actual; people reached make one output whose indicators count people trained, interviewed
  or reached, the counts by sex as `sex` dimensions.

The file is written in English (`xml:lang="en"`); names and texts are as entered.
"""

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from csrplatform import access
from csrplatform.errors import Conflict
from metrics.choices import ResultLevel
from metrics.figures import results_framework
from suppliers.choices import CivilSocietyType, OrganisationKind
from suppliers.models import Organisation

from . import budget
from .choices import InvitationStatus
from .models import (
    BudgetLine,
    PeopleReached,
    Pilot,
    PilotParticipant,
    PilotSite,
    ProgrammeFunding,
    ReachKind,
    Spending,
)

VERSION = "2.03"
CONTENT_TYPE = "application/xml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# OrganisationRole
FUNDING, ACCOUNTABLE, IMPLEMENTING = "1", "2", "4"
# ActivityStatus
PIPELINE, IMPLEMENTATION, COMPLETION = "1", "2", "3"
# ActivityDateType
PLANNED_START, ACTUAL_START, PLANNED_END, ACTUAL_END = "1", "2", "3", "4"
# TransactionType
EXPENDITURE, INCOMING_COMMITMENT = "4", "11"
# ResultType
RESULT_TYPES = {ResultLevel.OUTPUT: "1", ResultLevel.OUTCOME: "2"}
OUTPUT = "1"
# IndicatorMeasure
UNIT, PERCENTAGE = "1", "2"

# OrganisationType by the organisation's kind. A donor has none: it may be a government, a
# foundation or a company, and the kind does not say which. Facilitators, associations, trade
# unions and employers' or workers' organisations are "Other" (90): IATI has no code for them.
ORGANISATION_TYPES = {
    OrganisationKind.GOVERNMENT: "10",
    OrganisationKind.MULTILATERAL: "40",
    OrganisationKind.SUPPLIER: "70",
    OrganisationKind.CUSTOMER: "70",
    OrganisationKind.FACILITATOR: "90",
    OrganisationKind.INDUSTRY_ASSOCIATION: "90",
    OrganisationKind.TRADE_UNION: "90",
    OrganisationKind.EMPLOYERS_ORGANISATION: "90",
    OrganisationKind.WORKERS_ORGANISATION: "90",
}
CIVIL_SOCIETY_TYPES = {CivilSocietyType.ACADEMIC: "80", CivilSocietyType.CONSULTANT: "70"}
INTERNATIONAL_NGO, PARTNER_COUNTRY_NGO = "21", "24"
OTHER_TYPE = "90"


def _reach_titles() -> dict:
    return {
        ReachKind.TRAINED: _("Number of people trained"),
        ReachKind.INTERVIEWED: _("Number of people interviewed"),
        ReachKind.REACHED: _("Number of people reached"),
    }


@dataclass(frozen=True)
class Party:
    """An organisation as the file names it."""

    name: str
    ref: str = ""
    type: str = ""


def organisation_ref(organisation) -> str:
    """The IATI organisation identifier the platform knows for `organisation`, or ""."""
    return getattr(settings, "IATI_ORGANISATION_REFS", {}).get(organisation.pk, "")


def reporting_org_ref(organisation) -> str:
    """The reporting organisation's identifier: the known one, else the configured pattern
    (a placeholder by default) with `{id}` replaced by its id here."""
    pattern = getattr(settings, "IATI_REPORTING_ORG_REF", "XI-CSRPLATFORM-{id}")
    return organisation_ref(organisation) or pattern.replace("{id}", str(organisation.pk))


def organisation_type(organisation, recipient_countries) -> str:
    """The OrganisationType code of `organisation`, or "" where its kind does not tell."""
    if organisation.kind == OrganisationKind.CIVIL_SOCIETY:
        if organisation.civil_society_type != CivilSocietyType.NGO:
            return CIVIL_SOCIETY_TYPES.get(organisation.civil_society_type, "")
        if not organisation.country:
            return ""
        in_recipient = organisation.country.code in recipient_countries
        return PARTNER_COUNTRY_NGO if in_recipient else INTERNATIONAL_NGO
    return ORGANISATION_TYPES.get(organisation.kind, "")


def even_shares(count: int) -> list[Decimal]:
    """100% in `count` shares of two decimals that add up to exactly 100."""
    if count == 0:
        return []
    share = (HUNDRED / count).quantize(CENT, rounding=ROUND_DOWN)
    return [share] * (count - 1) + [HUNDRED - share * (count - 1)]


def activity_status(start: date | None, end: date | None, today: date) -> str:
    if start is not None and today < start:
        return PIPELINE
    if end is not None and today > end:
        return COMPLETION
    return IMPLEMENTATION


def activity_dates(start: date | None, end: date | None, today: date) -> list[tuple[str, date]]:
    """A date that has passed is what happened (actual); one still ahead is planned."""
    dates = []
    if start is not None:
        dates.append((ACTUAL_START if start <= today else PLANNED_START, start))
    if end is not None:
        dates.append((ACTUAL_END if end <= today else PLANNED_END, end))
    return dates


def _number(value: Decimal) -> str:
    """A decimal as IATI writes it: no exponent, no trailing zeros (10, 87.8)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- gathering what the user may see -------------------------------------------------------------


@dataclass
class _Rows:
    parties: list[tuple[str, Party]]
    reporting: Party
    fundings: list
    lines: list
    spendings: list
    people: list
    framework: object


def _gather(user, programme) -> _Rows:
    countries = {country.code for country in programme.countries}
    visible_orgs = access.scope(user, Organisation.objects.all())

    def party(organisation) -> Party:
        return Party(
            name=organisation.name,
            ref=organisation_ref(organisation),
            type=organisation_type(organisation, countries),
        )

    # The facilitator is of a public kind: whoever sees the programme may see who runs it.
    facilitator = programme.facilitator
    reporting = Party(
        name=facilitator.name,
        ref=reporting_org_ref(facilitator),
        type=organisation_type(facilitator, countries) or OTHER_TYPE,
    )
    fundings = list(
        access.scope(user, ProgrammeFunding.objects.filter(programme=programme))
        .select_related("donor")
        .order_by("on_date", "pk")
    )
    pilots = access.scope(user, Pilot.objects.filter(programme=programme))
    implementers = access.scope(
        user,
        PilotParticipant.objects.filter(
            pilot__in=pilots, invitation_status=InvitationStatus.ACCEPTED
        ),
    ).values("organisation_id")
    roles: dict[int, set[str]] = defaultdict(set)
    for organisation_id in programme.sponsors.values_list("pk", flat=True):
        roles[organisation_id].add(FUNDING)
    for funding in fundings:
        roles[funding.donor_id].add(FUNDING)
    for organisation_id in pilots.values_list("supplier__organisation_id", flat=True):
        roles[organisation_id].add(IMPLEMENTING)
    at_sites = PilotSite.objects.taking_part().filter(pilot__in=pilots)
    for organisation_id in at_sites.values_list("supplier__organisation_id", flat=True):
        roles[organisation_id].add(IMPLEMENTING)
    for organisation_id in implementers.values_list("organisation_id", flat=True):
        roles[organisation_id].add(IMPLEMENTING)
    roles.pop(facilitator.pk, None)  # named below, as accountable and implementing
    named = {org.pk: org for org in visible_orgs.filter(pk__in=roles)}
    parties = [(ACCOUNTABLE, reporting), (IMPLEMENTING, reporting)]
    for organisation_id, its_roles in roles.items():
        if organisation_id in named:  # an organisation the user may not see stays unnamed
            parties += [(role, party(named[organisation_id])) for role in its_roles]
    parties.sort(key=lambda entry: (entry[0], entry[1].name.lower()))
    for funding in fundings:
        funding.party = party(funding.donor) if funding.donor_id in named else None
    return _Rows(
        parties=parties,
        reporting=reporting,
        fundings=fundings,
        lines=list(
            access.scope(user, BudgetLine.objects.filter(programme=programme)).order_by(
                "on_date", "pk"
            )
        ),
        spendings=list(
            access.scope(user, Spending.objects.filter(programme=programme))
            .select_related("budget_line")
            .order_by("on_date", "pk")
        ),
        people=list(access.scope(user, PeopleReached.objects.filter(programme=programme))),
        framework=results_framework(user, programme),
    )


# --- writing -------------------------------------------------------------------------------------


# Characters XML 1.0 does not allow, which a pasted text may hold.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _sub(parent, tag, text=None, **attributes):
    """A child element; attribute `iso_date` is written `iso-date`, empty ones are left out."""
    element = ET.SubElement(
        parent,
        tag,
        {
            key.replace("_", "-"): NOT_XML.sub("", value)
            for key, value in attributes.items()
            if value
        },
    )
    if text is not None:
        element.text = NOT_XML.sub("", text)
    return element


def _narrative(parent, tag, text):
    """`<tag><narrative>text</narrative></tag>` (the narrative alone if `tag` is None)."""
    holder = parent if tag is None else _sub(parent, tag)
    _sub(holder, "narrative", text)
    return holder


def _organisation(parent, tag, party: Party, **attributes):
    element = _sub(parent, tag, ref=party.ref, type=party.type, **attributes)
    _sub(element, "narrative", party.name)
    return element


def _value(parent, money):
    _sub(
        parent,
        "value",
        format(money.amount, "f"),
        currency=money.currency_id,
        value_date=money.on_date.isoformat(),
    )


def _period(parent, tag_start, tag_end, start: date, end: date):
    _sub(parent, tag_start, iso_date=start.isoformat())
    _sub(parent, tag_end, iso_date=end.isoformat())


def _budgets(activity, lines, start, end):
    if start is None or end is None or end < start:
        return  # a budget needs a period; the lines have none of their own
    if end > _one_year_on(start):
        # IATI's ruleset allows a budget of a year at most, and splitting the lines by year
        # would invent a phasing they do not record: no budget rather than a wrong one.
        return
    by_currency = defaultdict(list)
    for line in lines:
        by_currency[line.currency_id].append(line)
    for currency, rows in sorted(by_currency.items()):
        element = _sub(activity, "budget", type="1", status="1")  # original, indicative
        _period(element, "period-start", "period-end", start, end)
        _sub(
            element,
            "value",
            format(sum(row.amount for row in rows), "f"),
            currency=currency,
            value_date=min(row.on_date for row in rows).isoformat(),
        )


def _one_year_on(start: date) -> date:
    """The last day of a year-long period from `start`."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def _transactions(activity, rows: _Rows):
    for funding in rows.fundings:
        element = _sub(activity, "transaction")
        _sub(element, "transaction-type", code=INCOMING_COMMITMENT)
        _sub(element, "transaction-date", iso_date=funding.on_date.isoformat())
        _value(element, funding)
        if funding.note:
            _narrative(element, "description", funding.note)
        if funding.party is not None:
            _organisation(element, "provider-org", funding.party)
        _organisation(element, "receiver-org", rows.reporting)
    for spending in rows.spendings:
        element = _sub(activity, "transaction")
        _sub(element, "transaction-type", code=EXPENDITURE)
        _sub(element, "transaction-date", iso_date=spending.on_date.isoformat())
        _value(element, spending)
        text = " – ".join(part for part in (str(spending.budget_line), spending.note) if part)
        _narrative(element, "description", text)
        _organisation(element, "provider-org", rows.reporting)


def _measure(unit: str) -> str:
    return PERCENTAGE if "%" in unit or "percent" in unit.lower() else UNIT


def _framework_results(activity, framework, start, end):
    """Outcomes and outputs with their indicators. An item without an indicator the user may
    see is left out: IATI asks for at least one indicator per result."""
    for item, _depth in framework.items:
        indicators = framework.indicators.get(item.pk, [])
        if not indicators:
            continue
        result = _sub(activity, "result", type=RESULT_TYPES[item.level])
        _narrative(result, "title", f"{item.code} {item.title}")
        for row in indicators:
            indicator = _sub(result, "indicator", measure=_measure(row.unit))
            _narrative(indicator, "title", row.name)
            if row.unit:
                _narrative(indicator, "description", _("Unit: %(unit)s") % {"unit": row.unit})
            if row.baseline is not None and start is not None:
                _sub(
                    indicator,
                    "baseline",
                    year=str(start.year),
                    iso_date=start.isoformat(),
                    value=_number(row.baseline),
                )
            if start is None or end is None or (row.target is None and row.actual is None):
                continue
            period = _sub(indicator, "period")
            _period(period, "period-start", "period-end", start, end)
            if row.target is not None:
                _sub(period, "target", value=_number(row.target))
            if row.actual is not None:
                _sub(period, "actual", value=_number(row.actual))


def _reach_result(activity, people, start, end):
    """People trained, interviewed or reached, as counts in the programme's period (or the
    period the counts' dates span), with the counts by sex as `sex` dimensions. A part no row
    counts gives no dimension; "other or unknown" stays in the total only, as IATI has no one
    value for it."""
    totals = budget.reach_totals(people)
    if not totals:
        return
    dates = [row.on_date for row in people if row.on_date is not None]
    start = start or (min(dates) if dates else None)
    end = end or (max(dates) if dates else None)
    if start is None or end is None or end < start:
        return
    order = list(ReachKind.values)
    titles = _reach_titles()
    result = _sub(activity, "result", type=OUTPUT)
    _narrative(result, "title", _("People reached"))
    for total in sorted(totals, key=lambda entry: order.index(entry.what)):
        indicator = _sub(result, "indicator", measure=UNIT)
        _narrative(indicator, "title", titles[total.what])
        period = _sub(indicator, "period")
        _period(period, "period-start", "period-end", start, end)
        _sub(period, "actual", value=str(total.total))
        for sex, count in (("female", total.women), ("male", total.men)):
            if count is not None:
                actual = _sub(period, "actual", value=str(count))
                _sub(actual, "dimension", name="sex", value=sex)


def programme_iati_file(*, actor, programme) -> bytes:
    """The IATI 2.03 activity file of `programme` as `actor` may see it (UTF-8 XML).

    Refused (Conflict) for a programme with neither a start nor an end date: IATI needs one."""
    start, end = programme.start_date, programme.end_date
    if start is None and end is None:
        raise Conflict(
            _("An IATI file needs the programme's start or end date: add one to the programme.")
        )
    today = timezone.localdate()
    with translation.override("en"):
        rows = _gather(actor, programme)
        root = ET.Element(
            "iati-activities",
            {
                "version": VERSION,
                "generated-datetime": timezone.now().replace(microsecond=0).isoformat(),
            },
        )
        activity = _sub(root, "iati-activity", hierarchy="1")
        activity.set(XML_LANG, "en")
        _sub(activity, "iati-identifier", f"{rows.reporting.ref}-{programme.pk}")
        _organisation(activity, "reporting-org", rows.reporting)
        _narrative(activity, "title", programme.title)
        general = "; ".join(
            text
            for text in (
                programme.sector and _("Sector: %(sector)s") % {"sector": programme.sector},
                programme.region and _("Region: %(region)s") % {"region": programme.region},
            )
            if text
        )
        _narrative(activity, "description", general or programme.title).set("type", "1")
        if programme.objectives:
            _narrative(activity, "description", programme.objectives).set("type", "2")
        for role, party in rows.parties:
            _organisation(activity, "participating-org", party, role=role)
        _sub(activity, "activity-status", code=activity_status(start, end, today))
        for kind, on in activity_dates(start, end, today):
            _sub(activity, "activity-date", type=kind, iso_date=on.isoformat())
        countries = list(programme.countries)
        for country, share in zip(countries, even_shares(len(countries)), strict=True):
            element = _sub(activity, "recipient-country", code=country.code, percentage=str(share))
            _sub(element, "narrative", str(country.name))
        sector = getattr(settings, "IATI_SECTOR_CODE", "16020")
        if sector:
            _sub(activity, "sector", vocabulary="1", code=sector, percentage="100")
        _budgets(activity, rows.lines, start, end)
        _transactions(activity, rows)
        _framework_results(activity, rows.framework, start, end)
        _reach_result(activity, rows.people, start, end)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def filename(programme) -> str:
    return f"programme-{programme.pk}-iati.xml"

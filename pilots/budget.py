"""A programme's funding, budget use and people reached, computed from its rows.

Money follows `metrics.money`, the platform's one rule: originals are summed per currency and
rate, then converted and rounded once (`money.total`), with the rates of the programme's
facilitator (or the rate pinned on a row). Percentages are computed from the exact USD sums
and rounded half up to one decimal, as reports give them. What a source states of the budget's
use (`Programme.stated_budget_use_pct`) is shown beside the computed use with the difference
(computed minus stated), never in its place. Shares of people by sex are computed from the
counts, never typed.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from metrics import money

PCT_STEP = Decimal("0.1")
HUNDRED = Decimal(100)


def percent(part, whole) -> Decimal | None:
    """`part` as a percentage of `whole`, half up to one decimal; None when `whole` is 0 or
    either is unknown."""
    if part is None or whole is None or whole == 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(PCT_STEP, rounding=ROUND_HALF_UP)


@dataclass
class Sum:
    """A money total, or why there is none (a row without a rate for its currency and date)."""

    total: money.Total | None
    error: str = ""

    @property
    def usd(self) -> Decimal | None:
        return self.total.usd if self.total is not None else None

    @property
    def usd_exact(self) -> Decimal | None:
        return self.total.usd_exact if self.total is not None else None

    @property
    def by_currency(self) -> dict:
        return self.total.by_currency if self.total is not None else {}


def money_sum(rows, table: money.RateTable, organisation_id: int) -> Sum:
    try:
        return Sum(money.total(rows, table, lambda _row: organisation_id))
    except money.MissingRate as exc:
        return Sum(None, " ".join(exc.messages))


@dataclass
class GroupUse:
    """Budget and spending of one category (or country)."""

    key: str
    label: str
    budget: Sum
    spent: Sum
    use_pct: Decimal | None = None
    share_pct: Decimal | None = None  # of the whole budget
    spent_share_pct: Decimal | None = None  # of all spending


@dataclass
class BudgetUse:
    budget: Sum
    spent: Sum
    funding: Sum
    use_pct: Decimal | None
    stated_pct: Decimal | None
    stated_source: str
    difference: Decimal | None  # computed minus stated, in percentage points
    by_category: list[GroupUse] = field(default_factory=list)
    by_country: list[GroupUse] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.budget.total is not None and self.budget.total.is_empty


def _groups(lines, spendings, key_of, label_of, table, org_id, budget, spent) -> list[GroupUse]:
    lines_by, spent_by, labels = defaultdict(list), defaultdict(list), {}
    for line in lines:
        lines_by[key_of(line)].append(line)
        labels[key_of(line)] = label_of(line)
    for spending in spendings:
        spent_by[key_of(spending.budget_line)].append(spending)
    groups = []
    for key in sorted(lines_by, key=lambda k: str(labels[k]).lower()):
        group = GroupUse(
            key=key,
            label=labels[key],
            budget=money_sum(lines_by[key], table, org_id),
            spent=money_sum(spent_by[key], table, org_id),
        )
        group.use_pct = percent(group.spent.usd_exact, group.budget.usd_exact)
        group.share_pct = percent(group.budget.usd_exact, budget.usd_exact)
        group.spent_share_pct = percent(group.spent.usd_exact, spent.usd_exact)
        groups.append(group)
    return groups


def budget_use(programme, *, lines, spendings, fundings, table=None) -> BudgetUse:
    """The programme's budget use from its rows. `spendings` must have their `budget_line`
    loaded (select_related) so the groups cost no query."""
    org_id = programme.facilitator_id
    table = table or money.RateTable([org_id])
    lines, spendings, fundings = list(lines), list(spendings), list(fundings)
    budget = money_sum(lines, table, org_id)
    spent = money_sum(spendings, table, org_id)
    funding = money_sum(fundings, table, org_id)
    use_pct = percent(spent.usd_exact, budget.usd_exact)
    stated = programme.stated_budget_use_pct
    return BudgetUse(
        budget=budget,
        spent=spent,
        funding=funding,
        use_pct=use_pct,
        stated_pct=stated,
        stated_source=programme.stated_budget_source,
        difference=money.difference(stated, use_pct),
        by_category=_groups(
            lines,
            spendings,
            lambda line: line.category,
            lambda line: line.category,
            table,
            org_id,
            budget,
            spent,
        ),
        by_country=_groups(
            lines,
            spendings,
            lambda line: line.country.code or "",
            lambda line: line.country.name or "—",
            table,
            org_id,
            budget,
            spent,
        ),
        errors=sorted({s.error for s in (budget, spent, funding) if s.error}),
    )


# --- people reached ----------------------------------------------------------------------------


@dataclass
class SexShares:
    women_pct: Decimal | None
    men_pct: Decimal | None
    other_pct: Decimal | None
    unrecorded: int  # the part of the total not broken down by sex
    unrecorded_pct: Decimal | None


def sex_shares(row) -> SexShares:
    """Shares of a count (anything with total, women, men, other) by sex, of its total."""
    parts = [row.women, row.men, row.other]
    unrecorded = max(row.total - sum(p for p in parts if p is not None), 0)
    return SexShares(
        women_pct=percent(row.women, row.total),
        men_pct=percent(row.men, row.total),
        other_pct=percent(row.other, row.total),
        unrecorded=unrecorded,
        unrecorded_pct=percent(unrecorded, row.total),
    )


@dataclass
class ReachTotal:
    """The counts of one kind (trained, interviewed, reached) added up."""

    what: str
    label: str
    total: int = 0
    women: int | None = None  # None: no row counts this part
    men: int | None = None
    other: int | None = None

    @property
    def shares(self) -> SexShares:
        return sex_shares(self)


def reach_totals(rows) -> list[ReachTotal]:
    """Counts added up per kind; a part a row leaves empty adds nothing (it is unrecorded)."""
    totals: dict[str, ReachTotal] = {}
    for row in rows:
        entry = totals.setdefault(row.what, ReachTotal(row.what, row.get_what_display()))
        entry.total += row.total
        for part in ("women", "men", "other"):
            value = getattr(row, part)
            if value is not None:
                setattr(entry, part, (getattr(entry, part) or 0) + value)
    return list(totals.values())

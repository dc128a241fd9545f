"""Money: conversion to US dollars, totals, and the one rounding rule.

The rounding rule, the only one in the platform:
- a conversion multiplies the original amount by the rate exactly (Decimal, never float);
- a total first sums the original amounts of each currency at each rate, converts each sum,
  adds the conversions and only then rounds (so RMB 56,800 at 0.142741 is USD 8,108, although
  its five lines rounded one by one make 8,107);
- a USD figure is shown, exported and compared with a stated figure rounded half up to whole
  dollars, as the reports give them (`round_usd`). Original amounts keep their cents.

The rate is the one pinned on the item if there is one (the rate the source used), else the
latest rate the programme's facilitator entered for that currency on or before the item's date.
"""

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, DateField, F, Q, Value, When
from django.utils.translation import gettext as _

from .models import ExchangeRate

USD = "USD"
USD_STEP = Decimal("1")
ONE = Decimal("1")


def round_usd(value: Decimal | None) -> Decimal | None:
    """The rounding rule: whole US dollars, half up."""
    if value is None:
        return None
    return value.quantize(USD_STEP, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rate:
    usd: Decimal
    valid_from: date | None  # None: pinned on the item
    pinned: bool = False

    def describe(self, currency: str) -> str:
        if self.pinned:
            return _("1 %(currency)s = %(usd)s USD (rate the source used)") % {
                "currency": currency,
                "usd": f"{self.usd.normalize():f}",
            }
        return _("1 %(currency)s = %(usd)s USD (rate of %(date)s)") % {
            "currency": currency,
            "usd": f"{self.usd.normalize():f}",
            "date": self.valid_from.isoformat() if self.valid_from else "",
        }


USD_RATE = Rate(ONE, None, pinned=True)


class MissingRate(ValidationError):
    pass


class RateTable:
    """The dated rates of one or more facilitator organisations, read once, looked up in
    memory (a list of a thousand items costs one query)."""

    def __init__(self, organisation_ids: Iterable[int]):
        self._rates: dict[tuple[int, str], list[tuple[date, Decimal]]] = defaultdict(list)
        rows = ExchangeRate.objects.filter(organisation_id__in=list(organisation_ids)).order_by(
            "valid_from"
        )
        for organisation_id, currency, valid_from, usd in rows.values_list(
            "organisation_id", "currency_id", "valid_from", "usd"
        ):
            self._rates[(organisation_id, currency)].append((valid_from, usd))
        # Rates already found: a programme's totals look up the same few dates many times.
        self._looked_up: dict[tuple[int, str, date], Rate] = {}

    def rate(self, organisation_id: int, currency: str, on: date) -> Rate:
        if currency == USD:
            return USD_RATE
        key = (organisation_id, currency, on)
        found = self._looked_up.get(key)
        if found is None:
            found = self._looked_up[key] = self._lookup(organisation_id, currency, on)
        return found

    def _lookup(self, organisation_id: int, currency: str, on: date) -> Rate:
        dated = self._rates.get((organisation_id, currency), [])
        index = bisect.bisect_right(dated, on, key=lambda row: row[0])
        if index == 0:
            raise MissingRate(
                _(
                    "There is no exchange rate for %(currency)s on or before %(date)s. "
                    "Enter one under Exchange rates, or pin the rate the source used."
                )
                % {"currency": currency, "date": on.isoformat()},
                code="missing_rate",
            )
        valid_from, usd = dated[index - 1]
        return Rate(usd, valid_from)

    def rate_date(
        self,
        organisation_id: int,
        *,
        currency: str = "currency_id",
        on: str = "on_date",
        pinned: str = "pinned_rate",
    ) -> Case:
        """A SQL expression naming, per row, the date whose rate converts it: the first day
        of the rate in force on the row's date (`on`), the row's own date when no rate is (so
        the missing rate still names it), NULL when the rate does not depend on the date
        (pinned, or USD). Rows summed per currency and this date convert alike, so a total
        of any number of rows converts a few sums (`rate` of the date gives the same Rate).
        One CASE per currency, its rates newest first: a row compares with its own
        currency's rates only."""
        whens = [
            When(
                Q(**{f"{pinned}__isnull": False}) | Q(**{currency: USD}),
                then=Value(None, DateField()),
            )
        ]
        for (organisation, code), dated in self._rates.items():
            if organisation != organisation_id or not dated:
                continue
            newest_first = [
                When(**{f"{on}__gte": valid_from}, then=Value(valid_from))
                for valid_from, _usd in reversed(dated)
            ]
            whens.append(
                When(
                    **{currency: code},
                    then=Case(*newest_first, default=F(on), output_field=DateField()),
                )
            )
        return Case(*whens, default=F(on), output_field=DateField())


@dataclass(frozen=True)
class Converted:
    amount: Decimal
    currency: str
    rate: Rate
    usd_exact: Decimal

    @property
    def usd(self) -> Decimal:
        return round_usd(self.usd_exact)


def rate_for(item, table: RateTable, organisation_id: int) -> Rate:
    if item.pinned_rate is not None:
        return Rate(item.pinned_rate, None, pinned=True)
    return table.rate(organisation_id, item.currency_id, item.on_date)


def convert(item, table: RateTable, organisation_id: int) -> Converted | None:
    """`item` (a cost item, a benefit) in USD; None when it has no amount."""
    if item.amount is None:
        return None
    rate = rate_for(item, table, organisation_id)
    return Converted(item.amount, item.currency_id, rate, item.amount * rate.usd)


def try_convert(item, table: RateTable, organisation_id: int) -> tuple[Converted | None, str]:
    """`convert`, or (None, why) when there is no rate for the item's currency and date."""
    try:
        return convert(item, table, organisation_id), ""
    except MissingRate as exc:
        return None, " ".join(exc.messages)


@dataclass
class Total:
    """A total of money figures: the original sums per currency and rate, and their USD."""

    by_currency: dict[str, Decimal]
    rates_used: dict[tuple[str, Rate], Decimal]
    usd_exact: Decimal

    @property
    def usd(self) -> Decimal:
        return round_usd(self.usd_exact)

    @property
    def is_empty(self) -> bool:
        return not self.by_currency


def total(items: Iterable, table: RateTable, organisation_id_of) -> Total:
    """Sum `items` the rule's way: originals summed per (currency, rate), then converted,
    added and rounded once. `organisation_id_of(item)` names whose dated rates apply."""
    sums: dict[tuple[str, Rate], Decimal] = defaultdict(Decimal)
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        if item.amount is None:
            continue
        rate = rate_for(item, table, organisation_id_of(item))
        sums[(item.currency_id, rate)] += item.amount
        by_currency[item.currency_id] += item.amount
    usd_exact = sum((amount * rate.usd for (_c, rate), amount in sums.items()), Decimal(0))
    return Total(dict(by_currency), dict(sums), usd_exact)


def difference(stated: Decimal | None, computed: Decimal | None) -> Decimal | None:
    """Computed minus stated (rounded USD against the stated figure); None when either is
    missing, 0 when they agree."""
    if stated is None or computed is None:
        return None
    return computed - stated

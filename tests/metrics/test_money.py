"""The money rules against seeds/000's own figures: conversions, the rounding rule, totals from
summed originals, pinned and dated rates, and refusals."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from metrics import money, services
from metrics.models import CostItem, Currency, ExchangeRate

D = Decimal


@pytest.fixture
def bsr_rates(world):
    user = world.users["facilitator"]
    for code, usd, valid_from in (
        ("CNY", "0.142741", date(2008, 1, 1)),
        ("CNY", "0.150000", date(2009, 1, 1)),
        ("HKD", "0.128295", date(2008, 1, 1)),
    ):
        services.exchange_rate_save(
            actor=user,
            organisation=world.facilitator_org,
            currency=Currency.objects.get(code=code),
            valid_from=valid_from,
            usd=D(usd),
        )
    return money.RateTable([world.facilitator_org.pk])


def item(amount, currency, on=date(2008, 3, 1), pinned=None):
    return CostItem(amount=D(amount), currency_id=currency, on_date=on, pinned_rate=pinned)


def test_the_rounding_rule_is_whole_dollars_half_up():
    assert money.round_usd(D("4875.21")) == D("4875")
    assert money.round_usd(D("8107.5")) == D("8108")
    assert money.round_usd(D("8107.4999")) == D("8107")
    assert money.round_usd(None) is None


def test_report_conversions(world, bsr_rates):
    org = world.facilitator_org.pk
    assert money.convert(item("38000", "HKD"), bsr_rates, org).usd == D("4875")
    assert money.convert(item("56800", "CNY"), bsr_rates, org).usd == D("8108")
    assert money.convert(item("4800", "CNY"), bsr_rates, org).usd == D("685")
    assert money.convert(item("24000", "CNY"), bsr_rates, org).usd == D("3426")
    exact = money.convert(item("38000", "HKD"), bsr_rates, org).usd_exact
    assert exact == D("4875.21")
    assert isinstance(exact, Decimal)


def test_a_total_converts_the_summed_originals(world, bsr_rates):
    lines = [item(v, "CNY") for v in ("4800", "24000", "24000", "2000", "2000")]
    org = world.facilitator_org.pk
    one_by_one = sum(money.convert(line, bsr_rates, org).usd for line in lines)
    total = money.total(lines, bsr_rates, lambda _line: org)
    assert one_by_one == D("8107")  # the lines rounded one by one
    assert total.usd == D("8108")  # the report's total: RMB 56,800
    assert total.by_currency == {"CNY": D("56800")}


def test_a_total_of_several_currencies(world, bsr_rates):
    org = world.facilitator_org.pk
    total = money.total(
        [item("56800", "CNY"), item("38000", "HKD"), item("100", "USD")], bsr_rates, lambda _: org
    )
    assert total.usd == money.round_usd(
        D("56800") * D("0.142741") + D("38000") * D("0.128295") + 100
    )


def test_the_dated_rate_in_force_applies_and_a_pinned_rate_wins(world, bsr_rates):
    org = world.facilitator_org.pk
    assert money.convert(item("1000", "CNY", date(2008, 12, 31)), bsr_rates, org).usd == 143
    later = money.convert(item("1000", "CNY", date(2009, 1, 1)), bsr_rates, org)
    assert later.usd == 150
    assert later.rate.valid_from == date(2009, 1, 1)
    pinned = money.convert(item("1000", "CNY", date(2009, 6, 1), D("0.1")), bsr_rates, org)
    assert pinned.usd == 100
    assert pinned.rate.pinned
    assert "rate the source used" in pinned.rate.describe("CNY")
    assert "2009-01-01" in later.rate.describe("CNY")


def test_no_rate_for_the_date_is_refused_with_the_currency_and_date(world, bsr_rates):
    with pytest.raises(money.MissingRate) as refused:
        money.convert(item("1", "CNY", date(2007, 12, 31)), bsr_rates, world.facilitator_org.pk)
    assert "CNY" in refused.value.messages[0]
    assert "2007-12-31" in refused.value.messages[0]
    with pytest.raises(money.MissingRate):
        money.convert(item("1", "EUR"), bsr_rates, world.facilitator_org.pk)


def test_rates_are_each_facilitators_own(world, bsr_rates):
    other = money.RateTable([world.customer_a.pk])
    with pytest.raises(money.MissingRate):
        money.convert(item("1", "CNY"), other, world.customer_a.pk)


def test_usd_needs_no_rate(world):
    table = money.RateTable([])
    assert money.convert(item("74949", "USD"), table, 0).usd == D("74949")


def test_bad_rates_are_refused(world):
    user = world.users["facilitator"]
    usd = Currency.objects.get(code="USD")
    with pytest.raises(ValidationError) as refused:
        services.exchange_rate_save(
            actor=user, organisation=world.facilitator_org, currency=usd,
            valid_from=date(2008, 1, 1), usd=D("2"),
        )  # fmt: skip
    assert "usd" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.exchange_rate_save(
            actor=user, organisation=world.facilitator_org,
            currency=Currency.objects.get(code="CNY"), valid_from=date(2008, 1, 1), usd=D("-1"),
        )  # fmt: skip
    assert "usd" in refused.value.message_dict
    assert not ExchangeRate.objects.exists()


def test_only_the_facilitators_editors_enter_its_rates(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.exchange_rate_save(
            actor=world.users["customer_a"], organisation=world.facilitator_org,
            currency=Currency.objects.get(code="CNY"), valid_from=date(2008, 1, 1), usd=D("0.1"),
        )  # fmt: skip


def test_a_currency_code_must_be_iso_shaped(world):
    with pytest.raises(ValidationError) as refused:
        services.currency_save(actor=world.users["facilitator"], code="rmb", name="Renminbi")
    assert "code" in refused.value.message_dict

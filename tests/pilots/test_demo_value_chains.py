"""The seeds/004 programme in the demo: what its report states, and no invented rows."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from csrplatform.accounts.models import User
from metrics import figures
from pilots import budget
from pilots.demo_value_chains import EMAIL, TITLE
from pilots.models import Programme


@pytest.fixture
def programme(db):
    call_command("load_demo", stdout=StringIO())
    return Programme.objects.get(title=TITLE)


def test_the_programme_as_the_report_gives_it(programme, client):
    assert sorted(str(code) for code in programme.countries) == ["BD", "JP", "KH", "VN"]
    assert programme.facilitator.kind == "facilitator"
    (funding,) = programme.fundings.all()
    assert funding.amount == Decimal("6800000")
    assert funding.donor.kind == "donor"
    (interviewed,) = budget.reach_totals(programme.people_reached.all())
    assert (interviewed.total, interviewed.women, interviewed.men) == (151, 69, None)
    assert interviewed.shares.women_pct == Decimal("45.7")
    client.force_login(User.objects.get(email=EMAIL))
    page = client.get(programme.get_absolute_url()).content.decode()
    assert "No spending rows back this figure." in page
    assert "45.7%" in page


def test_the_stated_share_met_is_not_backed_by_judgements(programme):
    user = User.objects.get(email=EMAIL)
    results = figures.results_framework(user, programme)
    assert results.latest_share.stated == 86
    assert results.latest_share.computed is None

"""Each user's language: chosen on the profile page (or with the switcher), used for their pages
and their e-mails; Chinese pages show Chinese dates and no untranslated "Search"."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

CHINESE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def test_the_language_set_on_the_profile_is_used_for_the_users_pages(world, page_client):
    client = page_client("supplier")
    response = client.post(reverse("accounts:language_update"), {"language": "zh-hans"})
    assert response.status_code == 302
    world.users["supplier"].refresh_from_db()
    assert world.users["supplier"].language == "zh-hans"

    # The preference wins over what the browser asks for.
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in page.content.decode()
    assert "个人资料" in page.content.decode()

    client.post(reverse("accounts:language_update"), {"language": ""})
    world.users["supplier"].refresh_from_db()
    assert world.users["supplier"].language == ""


def test_the_language_switcher_saves_a_signed_in_users_preference(world, page_client):
    client = page_client("customer_a")
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    world.users["customer_a"].refresh_from_db()
    assert world.users["customer_a"].language == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    world.users["customer_a"].refresh_from_db()
    assert world.users["customer_a"].language == "en"
    assert client.get("/").headers["Content-Language"] == "en"


def test_without_a_preference_the_browser_decides(world, page_client):
    page = page_client("customer_a").get("/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.headers["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(
    "url_name", ["suppliers:organisation_list", "pilots:pilot_list", "audits:audit_list"]
)
def test_lists_in_chinese_translate_search(world, page_client, url_name):
    page = page_client("facilitator").get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200
    assert "搜索" in html
    assert not re.search(r">\s*Search\s*<", html)


def test_chinese_pages_show_chinese_dates_and_english_pages_english_ones(audits, page_client):
    client = page_client("facilitator")
    url = audits.audit_x.get_absolute_url()

    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "2007年11月26日" in chinese
    assert "十一月" not in chinese  # no "26 十一月 2007"

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "26 Nov 2007" in english


def test_the_token_list_uses_the_languages_date_format(world, page_client):
    client = page_client("ngo")
    client.post(reverse("accounts:token_create"), {"name": "partner", "read_only": "on"})
    page = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert CHINESE_DATE.search(page.content.decode())


def test_templates_use_only_the_named_date_formats():
    """One date format per language: a literal format in a template would be a second one."""
    allowed = {"DATE_FORMAT", "DATETIME_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT", "Y-m-d"}
    literal = re.compile(r"""\|date:\s*["']([^"']*)["']""")
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {fmt}"
        for directory in settings.TEMPLATES[0]["DIRS"]
        for path in Path(directory).rglob("*")
        if path.suffix in (".html", ".txt")
        for fmt in literal.findall(path.read_text(encoding="utf-8"))
        if fmt not in allowed  # "Y-m-d" only in machine-readable attributes (datetime="")
    ]
    assert offenders == []


# --- password reset ----------------------------------------------------------------------------


def test_password_reset_by_e_mail_in_the_users_language(world, client):
    user = world.users["customer_a"]
    user.language = "zh-hans"
    user.save()

    login = client.get(reverse("login"))
    assert reverse("password_reset") in login.content.decode()

    response = client.post(reverse("password_reset"), {"email": "Customer-A@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["customer-a@example.org"]
    assert "重置" in message.subject
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", message.body).group(1)

    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "brand-new-pass-2008", "new_password2": "brand-new-pass-2008"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-2008")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(world, client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []

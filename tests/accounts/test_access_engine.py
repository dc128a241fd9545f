"""The access engine: rules live in their apps, the core imports none of them, and the whole
policy can be printed."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, get_resolver

from csrplatform import access, inbox
from csrplatform.management.commands.access_rules import (
    is_history_model,
    policy_rows,
    project_app_configs,
)

APPS = {"suppliers", "pilots", "audits", "metrics"}
CORE = Path(settings.BASE_DIR) / "csrplatform"
# The only core modules allowed to name an app: they wire the apps together.
MAY_IMPORT_APPS = {
    CORE / "urls.py",
    CORE / "settings.py",
    CORE / "accounts" / "management" / "commands" / "load_demo.py",
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & APPS
    return found


def test_no_core_module_imports_an_app():
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): sorted(apps)
        for path in CORE.rglob("*.py")
        if "migrations" not in path.parts
        and path not in MAY_IMPORT_APPS
        and (apps := imported_apps(path))
    }
    assert offenders == {}


def test_the_import_check_sees_every_way_of_importing(tmp_path):
    module = tmp_path / "module.py"
    module.write_text(
        "import pilots.models\n"
        "from audits import rules\n"
        "def f():\n"
        "    from suppliers.models import Organisation\n"
        "    return importlib.import_module('metrics.models')\n"
        "from . import access\n"
    )
    assert imported_apps(module) == APPS


def test_a_model_without_a_rule_is_refused(world):
    with pytest.raises(access.NoAccessRule, match=r"contenttypes.ContentType.*rules.py"):
        access.scope(world.users["facilitator"], ContentType.objects.all())


def test_a_model_without_a_rule_is_refused_even_for_anonymous_and_superusers(db, django_user_model):
    superuser = django_user_model.objects.create_superuser(email="root@example.org", password="x")
    for user in (None, superuser):
        with pytest.raises(access.NoAccessRule):
            access.scope(user, ContentType.objects.all())


def test_a_dropdown_of_a_model_without_a_rule_is_refused(world):
    from django import forms

    field = forms.ModelChoiceField(queryset=ContentType.objects.all())
    with pytest.raises(access.NoAccessRule):
        access.scope_choice_fields(world.users["customer_a"], [field])


def test_filter_choices_are_scoped_when_read_and_only_then(world, rf):
    from audits.filters import FindingFilterSet
    from audits.models import Finding

    request = rf.get("/")
    request.user = world.users["customer_a"]
    unfiltered = FindingFilterSet({}, queryset=Finding.objects.all(), request=request)
    unfiltered.qs  # noqa: B018 -- validates the (empty) form
    choices = unfiltered.form.fields["supplier"].queryset
    assert isinstance(choices, access.ScopedLater)
    assert choices._scoped is None  # no value sent, no form drawn: no scope built
    assert list(choices) == [world.supplier_x]  # drawn: customer A's supplier only
    assert "Supplier Y" not in str(unfiltered.form["supplier"])

    # A hidden id reads as one that does not exist.
    errors = []
    for supplier_id in (world.supplier_y.pk, 999_999):
        refused = FindingFilterSet(
            {"supplier": supplier_id}, queryset=Finding.objects.all(), request=request
        )
        assert not refused.is_valid()
        errors.append(refused.errors["supplier"])
    assert errors[0] == errors[1]


def test_a_model_cannot_get_two_rules():
    from pilots.models import Pilot

    already = r"already has the access rule pilots\.rules\.pilot_rule"
    with pytest.raises(ImproperlyConfigured, match=already):
        access.rule(Pilot)(lambda actor, qs, action: qs)


def test_each_app_declares_its_rules_in_its_own_rules_module():
    for entry in access.registered_rules():
        app_module = entry.model._meta.app_config.name
        assert entry.scope.__module__ == f"{app_module}.rules", entry.model


def api_models(patterns=None) -> set:
    """The models behind every API viewset the URL configuration routes to."""
    found = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            found |= api_models(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None)
            queryset = getattr(view_class, "queryset", None)
            if queryset is not None:
                found.add(queryset.model)
    return found


def test_access_rules_lists_every_model_of_every_project_app(db):
    out = StringIO()
    call_command("access_rules", stdout=out)
    printed = {line.split()[0]: line.split()[1] for line in out.getvalue().splitlines()}

    project_models = {
        model
        for config in project_app_configs()
        for model in config.get_models()
        if not is_history_model(model)
    }
    assert {config.label for config in project_app_configs()} >= {
        "core",
        "accounts",
        "reviews",
        "suppliers",
        "pilots",
        "audits",
        "metrics",
    }
    assert api_models() <= project_models
    for model in project_models:
        assert printed[model._meta.label] == access.rule_for(model).where
        assert printed[model._meta.label].startswith(model._meta.app_config.name + ".rules.")
    assert printed["pilots.Pilot"] == "pilots.rules.pilot_rule"


def test_access_rules_fails_loudly_on_a_model_without_a_rule(db, monkeypatch):
    from suppliers.models import Cluster

    monkeypatch.delitem(access._REGISTRY, Cluster)
    assert ("suppliers", "Cluster", None) in policy_rows()
    with pytest.raises(CommandError, match=r"No access rule for: suppliers\.Cluster"):
        call_command("access_rules", stdout=StringIO())


def test_the_inbox_gathers_what_each_app_registered():
    modules = {source.__module__ for source in inbox.registered_sources()}
    assert modules == {"pilots.inbox", "audits.inbox", "metrics.inbox"}


def test_grants_widen_viewing_only_and_can_be_left_out(world, pilots):
    """Pilot X's NGO sees its supplier's organisation record through the pilots' grant; the
    directory's own rule alone does not show it, and a grant never lets anyone edit."""
    from suppliers.models import Organisation

    ngo = world.users["ngo"]
    record = Organisation.objects.filter(pk=world.supplier_x.organisation_id)
    assert access.scope(ngo, record).exists()
    assert not access.scope(ngo, record, grants=False).exists()
    assert not access.scope(ngo, record, access.EDIT).exists()
    assert world.supplier_x.pk not in access.visible_pks(ngo, type(world.supplier_x), grants=False)
    assert world.supplier_x.pk in access.visible_pks(ngo, type(world.supplier_x))


def test_grants_come_from_other_apps_rules_and_are_printed_beside_the_rule(db):
    from suppliers.models import Facility, Organisation

    for model in (Organisation, Facility):
        entries = access.grants_for(model)
        assert entries, model
        for entry in entries:
            assert entry.ids.__module__.endswith(".rules")
            assert not entry.ids.__module__.startswith(model._meta.app_config.name)
    out = StringIO()
    call_command("access_rules", stdout=out)
    [line] = [
        row for row in out.getvalue().splitlines() if row.startswith("suppliers.Organisation ")
    ]
    assert line.split()[1] == "suppliers.rules.organisation_rule"
    assert "pilots.rules.organisations_named_by_visible_pilots" in line
    assert "audits.rules.supplier_organisations_of_visible_audits" in line


def test_a_grant_does_not_stand_in_for_a_missing_rule(world, monkeypatch):
    monkeypatch.setitem(access._GRANTS, ContentType, [])
    access.grant(ContentType)(lambda actor: ContentType.objects.values("pk"))
    with pytest.raises(access.NoAccessRule):
        access.scope(world.users["facilitator"], ContentType.objects.all())

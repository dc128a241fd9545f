"""Print the whole access policy: every model, the app it belongs to, the rule that scopes it and
the grants by which other apps' rules widen what it lets people view."""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from csrplatform import access

# Models read only through the object they belong to, never scoped on their own.
READ_THROUGH_THEIR_OBJECT = "history rows: read through their object's history"


def project_app_configs():
    """The apps that are this project's own: their code lives in the project, not a library."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base)
        and "site-packages" not in Path(config.path).parts
    ]


def is_history_model(model) -> bool:
    """django-simple-history's copies of a model (and of its m2m tables)."""
    return model.__name__.startswith("Historical")


def policy_rows():
    """(app label, model name, where the rule lives) for every concrete model of every project
    app; a model without a rule has None where the rule would be."""
    rows = []
    for config in project_app_configs():
        for model in config.get_models():
            if model._meta.abstract or model._meta.proxy:
                continue
            if is_history_model(model):
                where = READ_THROUGH_THEIR_OBJECT
            else:
                try:
                    where = access.rule_for(model).where
                except access.NoAccessRule:
                    where = None
            rows.append((config.label, model.__name__, where))
    return sorted(rows)


def grant_names(label: str, name: str) -> list[str]:
    """Where the grants that widen the model's rule live (`access.grant`), if any."""
    return [entry.where for entry in access.grants_for(apps.get_model(label, name))]


class Command(BaseCommand):
    help = (
        "Print every model with the app and the function that decides who sees and edits it, "
        "and the grants that let people view more of it."
    )

    def handle(self, *args, **options):
        rows = policy_rows()
        width = max(len(f"{label}.{name}") for label, name, _where in rows)
        missing = []
        for label, name, where in rows:
            if where is None:
                missing.append(f"{label}.{name}")
            line = f"{f'{label}.{name}':<{width}}  {where or 'NO RULE: refused'}"
            if grants := grant_names(label, name):
                line += f"  + viewed through {', '.join(grants)}"
            self.stdout.write(line)
        if missing:
            raise CommandError(f"No access rule for: {', '.join(missing)}")

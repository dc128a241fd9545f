from django.db import migrations

from metrics.currencies import CURRENCIES


def add_currencies(apps, schema_editor):
    Currency = apps.get_model("metrics", "Currency")
    for code, name in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]

    operations = [migrations.RunPython(add_currencies, migrations.RunPython.noop)]

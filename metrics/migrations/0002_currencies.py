from django.db import migrations

# The currencies the programmes in seeds/ use, and those of the main sourcing countries.
CURRENCIES = [
    ("USD", "US dollar"),
    ("CNY", "Renminbi (RMB)"),
    ("HKD", "Hong Kong dollar"),
    ("TWD", "New Taiwan dollar"),
    ("EUR", "Euro"),
    ("GBP", "Pound sterling"),
    ("JPY", "Japanese yen"),
    ("INR", "Indian rupee"),
    ("BDT", "Bangladeshi taka"),
    ("VND", "Vietnamese dong"),
    ("IDR", "Indonesian rupiah"),
    ("THB", "Thai baht"),
    ("MYR", "Malaysian ringgit"),
    ("PHP", "Philippine peso"),
    ("KHR", "Cambodian riel"),
    ("PKR", "Pakistani rupee"),
    ("LKR", "Sri Lankan rupee"),
    ("TRY", "Turkish lira"),
    ("MXN", "Mexican peso"),
    ("BRL", "Brazilian real"),
    ("ZAR", "South African rand"),
    ("ETB", "Ethiopian birr"),
    ("KES", "Kenyan shilling"),
]


def add_currencies(apps, schema_editor):
    Currency = apps.get_model("metrics", "Currency")
    for code, name in CURRENCIES:
        Currency.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]

    operations = [migrations.RunPython(add_currencies, migrations.RunPython.noop)]

"""The currencies the platform starts with (added by migration 0002)."""

# Those the programmes in seeds/ use, and those of the main sourcing countries.
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


def ensure_currencies(codes=None):
    """The currencies, created where missing (a test database flushed between tests has
    none); returns them by code."""
    from .models import Currency

    wanted = [(code, name) for code, name in CURRENCIES if codes is None or code in codes]
    return {
        code: Currency.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in wanted
    }

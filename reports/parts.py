"""The entry points of the processes that lay out a programme summary's parts (reports.render).

A spawned process unpickles these before Django is set up, so this module imports nothing of
Django's or the project's at import time.
"""

import os


def start(settings_module: str, database_name: str) -> None:
    """Set Django up in a fresh pool process, on the database its parent reads (a test
    database has a name of its own)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database_name


def render_pilots(*args):
    from reports import render

    return render.render_pilots_part(*args)

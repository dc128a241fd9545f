"""The entry points of the processes that lay out a programme summary's parts (reports.render).

A spawned process unpickles these before Django is set up, so this module imports nothing of
Django's or the project's at import time.
"""

import os
import threading
import time

#: How often a pool process looks whether its parent is still there.
PARENT_CHECK_S = 1.0


def _exit_with_parent(parent: int) -> None:
    """End this process when its parent is gone. A render killed outright (SIGKILL, the
    out-of-memory killer, a hard time limit) does not stop its pool: each process holds its
    own end of the pool's queues, and would be left to init laying out a report no one
    waits for."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def start(settings_module: str, database_name: str) -> None:
    """Set Django up in a fresh pool process, on the database its parent reads (a test
    database has a name of its own)."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = database_name


def render_pilots(*args):
    from reports import render

    return render.render_pilots_part(*args)

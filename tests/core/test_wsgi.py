"""The WSGI entry point leaves the loaded program out of the garbage collector's scans."""

import subprocess
import sys

from django.conf import settings


def test_serving_starts_with_the_views_loaded_and_frozen():
    probe = (
        "import gc, sys; before = gc.get_freeze_count(); import csrplatform.wsgi as w; "
        "print(before, gc.get_freeze_count(), gc.get_threshold() == w.GC_THRESHOLDS, "
        "'rest_framework.serializers' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    before, frozen, thresholds, views_loaded = result.stdout.split()
    assert int(frozen) - int(before) > 100_000  # the loaded modules' objects, not a handful
    assert thresholds == "True"
    assert views_loaded == "True"

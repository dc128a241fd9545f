"""WSGI entry point (gunicorn csrplatform.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csrplatform.settings")
application = get_wsgi_application()

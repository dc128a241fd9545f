"""Test settings: the project's settings, read from the same environment, plus speed-ups."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "0")

from csrplatform.settings import *  # noqa: F403

# Hashing demo passwords with PBKDF2 costs seconds per test run for nothing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]
# Throttling has its own test; the rest of the suite must not trip over it.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "user": "10000/minute"},
}
# The test client and live server speak plain HTTP.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0

# Uploaded files of the test run go to a throwaway folder, never into the repository.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="csrplatform-test-media-"))

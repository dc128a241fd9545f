"""Production configuration: `check --deploy` is clean, HTTPS is on by default in production,
and the Dockerfile's gunicorn states its limits, which docker-compose runs unchanged.

The settings are read when the process starts (DEBUG, SECURE_COOKIES... decide others), so
each case runs Django in a subprocess with the environment a deployment would give it.
"""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from gunicorn.config import Config

PROJECT_DIR = Path(settings.BASE_DIR)
# What the bench measured on 2 cores (benchmarks/results/latest.md): a streamed CSV export of
# 1,000,000 KPI observations took about 150 s; a worker peaked at 175 MB.
LONGEST_MEASURED_REQUEST_S = 150
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Jx9-pV0qLr7ZsT2mYwN8bHc4dFg6aE1uIo5QeRt0yUzXvBnMa",
    "ALLOWED_HOSTS": "csr.example.org",
    "SECURE_COOKIES": "1",
    "EMAIL_HOST": "smtp.example.org",
    # Never connected to: `check` without --database reads no database.
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/not-used-by-checks",
}
SHOWN = (
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
)


def django_env(**overrides) -> dict:
    """This process's environment without the test run's settings, plus `overrides`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "REDIS_URL"}
        and not key.startswith(("SECURE_", "EMAIL_"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "csrplatform.settings"
    env.update(overrides)
    return env


def manage(*args, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=django_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_under(**env) -> dict:
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SHOWN!r}}}))"
    )
    done = manage("shell", "--no-imports", "-c", script, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- manage.py check --deploy --------------------------------------------------------------------


def test_check_deploy_under_production_settings_reports_nothing():
    done = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    # Given production settings, when Django checks the deployment, then nothing is reported:
    # no warning (HSTS, SSL redirect, cookies...) and no error (a console e-mail backend).
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_production_defaults_to_https_behind_a_proxy_that_says_so():
    shown = settings_under(**PRODUCTION)
    assert shown["DEBUG"] is False
    assert shown["SESSION_COOKIE_SECURE"] is shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_production_over_plain_http_neither_redirects_nor_sends_hsts():
    # The bench and a local try of docker-compose run production mode over plain HTTP.
    shown = settings_under(**(PRODUCTION | {"SECURE_COOKIES": "0"}))
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 0
    assert shown["SESSION_COOKIE_SECURE"] is False
    assert shown["SECURE_PROXY_SSL_HEADER"] is None


def test_the_embedded_mode_stays_on_plain_http():
    shown = settings_under(DATABASE_URL="")
    assert shown["DEBUG"] is True
    assert (shown["SECURE_SSL_REDIRECT"], shown["SECURE_HSTS_SECONDS"]) == (False, 0)


def test_each_https_setting_can_be_set_apart():
    shown = settings_under(
        **PRODUCTION,
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="3600",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Scheme",
    )
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 3600
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SCHEME", "https"]


# --- gunicorn: the Dockerfile and docker-compose -------------------------------------------------


def dockerfile_gunicorn() -> list[str]:
    text = (PROJECT_DIR / "Dockerfile").read_text()
    commands = re.findall(r"^CMD\s+(\[.*\])\s*$", text, flags=re.MULTILINE)
    assert len(commands) == 1, "the Dockerfile should have one CMD, in exec (JSON) form"
    command = json.loads(commands[0])
    assert command[:2] == ["gunicorn", "csrplatform.wsgi"], command
    return command[1:]


def compose_gunicorn() -> list[str]:
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())
    script = compose["services"]["web"]["command"][-1]
    words = shlex.split(script)
    return words[words.index("gunicorn") + 1 :]


def gunicorn_config(args: list[str]) -> Config:
    """The arguments as gunicorn itself reads them (an unknown option fails here)."""
    config = Config()
    parsed = config.parser().parse_args(args)
    for name, value in vars(parsed).items():
        if value is not None and name in config.settings:
            config.set(name.lower(), value)
    return config


def test_dockerfile_gunicorn_states_its_limits():
    args = dockerfile_gunicorn()
    for option in (
        "--workers",
        "--worker-class",
        "--timeout",
        "--graceful-timeout",
        "--max-requests",
        "--max-requests-jitter",
    ):
        assert option in args, f"the Dockerfile's gunicorn should set {option} explicitly"
    config = gunicorn_config(args)
    # The longest measured request (the 1M-row export) must not be killed as a 500 by the
    # timeout, nor cut when the container stops, on a machine as loaded as the bench's.
    assert config.timeout >= 2 * LONGEST_MEASURED_REQUEST_S
    assert config.graceful_timeout >= LONGEST_MEASURED_REQUEST_S
    # Sync workers: the timeout bounds each request (a threaded worker's does not).
    assert config.worker_class_str == "sync"
    assert config.threads == 1
    assert 2 <= config.workers <= 4, "2 cores, about 175 MB a worker"
    assert config.max_requests > 0
    assert 0 < config.max_requests_jitter < config.max_requests


def test_the_dockerfile_says_why():
    text = (PROJECT_DIR / "Dockerfile").read_text()
    comment = text[: text.index("\nCMD ")]
    for figure in ("150 s", "175 MB", "30 s"):
        assert figure in comment, f"the comment before CMD should give the measured {figure}"


def test_docker_compose_runs_the_dockerfiles_gunicorn():
    assert compose_gunicorn() == dockerfile_gunicorn()


def test_docker_compose_waits_for_the_graceful_timeout_when_stopping():
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())
    grace = compose["services"]["web"].get("stop_grace_period", "10s")
    match = re.fullmatch(r"(\d+)s", grace)
    assert match, grace
    assert int(match.group(1)) > gunicorn_config(dockerfile_gunicorn()).graceful_timeout


@pytest.mark.parametrize("source", ["dockerfile", "compose"])
def test_gunicorn_accepts_the_arguments(source):
    args = dockerfile_gunicorn() if source == "dockerfile" else compose_gunicorn()
    # `gunicorn --check-config` loads the app with these arguments and exits.
    done = subprocess.run(
        [str(Path(sys.executable).with_name("gunicorn")), "--check-config", *args],
        cwd=PROJECT_DIR,
        env=django_env(**PRODUCTION),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

# The web app, Celery worker and beat share this image (see docker-compose.yml).
FROM python:3.12-slim

# PYTHONPATH: the code runs from /app, where templates/, static/ and locale/ sit beside it
# (BASE_DIR); the copy `pip install .` puts in site-packages only brings the dependencies.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    MEDIA_ROOT=/app/media

# WeasyPrint renders PDFs with Pango; Noto CJK draws the Chinese text of reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .
RUN pip install . && rm -rf build ./*.egg-info

# Static files are collected into the image. This key only lets the settings load for the
# command; it signs nothing, and the running containers get the real SECRET_KEY.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --home-dir /app app \
    && mkdir -p /app/media \
    && chown app:app /app/media
USER app

EXPOSE 8000
# Gunicorn, with every limit stated (docker-compose.yml's web service runs the same arguments;
# tests/integration/test_deploy.py holds the two together and to the figures below). Measured
# by `make bench` on 2 cores (benchmarks/results/latest.md, 2026-11-30):
# - a CSV export of 1,000,000 KPI observations streams for about 150 s; under gunicorn's 30 s
#   default the worker is killed mid-export and the download ends as an error. --timeout 300
#   gives that export twice its measured time (the bench machine was itself loaded), and
#   --graceful-timeout 300 lets it finish when the container is stopped or restarted;
# - a worker peaks at 168-175 MB during such an export and keeps what it grew (each later
#   export started at 168-175 MB, the first at 146 MB): --max-requests 1000 replaces a
#   worker after 1,000 requests, with a jitter of 100 so the three never restart together;
# - the lists and exports are CPU-bound in Python (6,700 rows/s for that export), so on 2
#   cores threads would add no throughput; sync workers also keep --timeout a limit on each
#   request, which a threaded worker's timeout is not. 3 workers: 2 cores busy and one to
#   answer while an export or a slow page holds another, at about 3 x 175 MB.
CMD ["gunicorn", "csrplatform.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "sync", "--timeout", "300", "--graceful-timeout", "300", "--max-requests", "1000", "--max-requests-jitter", "100"]

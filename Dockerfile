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
CMD ["gunicorn", "csrplatform.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]

# syntax=docker/dockerfile:1
# Two stages: the build stage installs the pinned requirements into a venv;
# the runtime stage copies that venv and the code, collects static files
# (served by whitenoise) and runs gunicorn as an unprivileged user.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /build
COPY requirements/ requirements/
RUN python -m venv /venv \
    && /venv/bin/pip install --no-compile -r requirements/production.txt

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app
WORKDIR /app
COPY --from=build /venv /venv
COPY --chown=app:app . .
# Production settings need their secrets to import; these dummies exist only
# for collectstatic and are not kept in the image's environment.
RUN DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    TRACKING_SCRAMBLE_KEY=collectstatic-only-not-a-secret-0123456789 \
    REDIS_URL=redis://collectstatic-only/0 \
    CELERY_BROKER_URL=redis://collectstatic-only/1 \
    python manage.py collectstatic --noinput \
    && chown -R app:app /app/staticfiles \
    && mkdir -p /app/media && chown app:app /app/media
USER 10001:10001
EXPOSE 8000
# Liveness: the process serves. An orchestrator that restarts unhealthy
# containers must not restart web for a database outage; readiness
# (/healthz) is for the load balancer and compose's start order.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/livez', timeout=4)"]
# gunicorn.conf.py (read by default) sizes and warms the workers.
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["gunicorn", "config.wsgi:application"]

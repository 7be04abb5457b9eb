# Partial Credit: one image for web (gunicorn), worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/copy_vendor.sh scripts/
RUN bash scripts/copy_vendor.sh

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 app
WORKDIR /app
# the site's own packages only (no test or lint tools): the same pins as requirements.lock.
# --no-deps: nothing the lock does not pin is installed; pip check fails the build when the
# lock lacks a package that one it pins needs (a lock made from an older requirements.lock).
COPY requirements-production.lock pyproject.toml ./
RUN pip install --no-cache-dir --no-deps -r requirements-production.lock && pip check
COPY . .
COPY --from=assets /app/static/vendor static/vendor
# Building loads the settings, which need some SECRET_KEY: config.settings.build takes this
# build-only one, for this step only (not ENV: it is not kept in the image). Production refuses
# it (tests/config/test_settings.py reads it from here). No database is opened.
RUN DJANGO_SETTINGS_MODULE=config.settings.build SECRET_KEY=build-only-not-secret \
    python manage.py compilemessages --ignore=.venv --ignore=node_modules \
    && DJANGO_SETTINGS_MODULE=config.settings.build SECRET_KEY=build-only-not-secret \
    python manage.py collectstatic --no-input
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

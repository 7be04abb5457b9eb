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
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=assets /app/static/vendor static/vendor
# collectstatic needs some SECRET_KEY and DATABASE_URL to import the production settings (it
# opens no database); neither is kept: compose sets the real ones.
RUN export SECRET_KEY=build-only-placeholder-0123456789abcdefghijklmnopqrstuvwxyz-0123456789 \
    DATABASE_URL=sqlite:////tmp/build-only-unused.sqlite3 \
    && python manage.py compilemessages --ignore=.venv --ignore=node_modules \
    && python manage.py collectstatic --no-input
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

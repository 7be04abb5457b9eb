# Partial Credit: `make run` serves the site with a grading worker; `make test` runs every test.
PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Stamps live inside what they describe, so deleting .venv or static/vendor reinstalls it.
PY_STAMP := $(VENV)/.installed-from-lock
VENDOR_STAMP := static/vendor/.copied

.PHONY: install run test lint bench clean messages

install: $(PY_STAMP) $(VENDOR_STAMP)

$(PY_STAMP): requirements.lock
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

$(VENDOR_STAMP): node_modules/.package-lock.json scripts/copy_vendor.sh
	bash scripts/copy_vendor.sh
	@touch $@

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules >/dev/null
	$(PY) manage.py seed_demo
	$(PY) scripts/run_dev.py

test: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules >/dev/null
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy grading/engine

bench: install
	$(PY) bench/engine.py

clean:
	rm -rf static/vendor staticfiles $(PY_STAMP)

# Regenerate both catalogues from the sources and the Korean table in scripts/fill_ko.py.
messages: install
	rm -f locale/ko/LC_MESSAGES/django.po locale/en/LC_MESSAGES/django.po
	$(PY) manage.py makemessages -l ko -l en --no-location --ignore=.venv --ignore=node_modules --ignore=static --ignore=tests --ignore=grading/engine
	$(PY) scripts/fill_ko.py
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

# The exam-deadline burst on the production-like stack (gunicorn, Celery, PostgreSQL, Redis).
.PHONY: bench-deadline
bench-deadline: install
	BENCH_VIA_MAKE=1 $(PY) -m bench.deadline --write BENCHMARKS.md $(BENCH_ARGS)

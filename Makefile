# Partial Credit: `make run` serves the site with a grading worker and beat; `make test` runs every test.
PYTHON_BOOT ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Stamps live inside what they describe, so deleting .venv or static/vendor reinstalls it.
PY_STAMP := $(VENV)/.installed-from-lock
VENDOR_STAMP := static/vendor/.copied

.PHONY: install run test lint bench clean messages check-messages

install: $(PY_STAMP) $(VENDOR_STAMP)

# --no-compile: Python writes a module's .pyc when it is first imported, as for any module; pip
# compiling every file of every package up front (SymPy, Django, mypy's stubs, Playwright...)
# took about 20 s of the 45 s of an install from the lock here (25 s without).
$(PY_STAMP): requirements.lock
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.lock
	@touch $@

node_modules/.package-lock.json: package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

# The dev server (make run) serves static/ through WhiteNoise, which sends a file's .br or .gz
# beside it to a browser that takes it: the vendor files (Plotly's 1.7 and 4.8 MB) are
# compressed once here. Production compresses everything at collectstatic (README).
$(VENDOR_STAMP): node_modules/.package-lock.json scripts/copy_vendor.sh $(PY_STAMP)
	bash scripts/copy_vendor.sh
	$(PY) -m whitenoise.compress --quiet static/vendor
	@touch $@

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules >/dev/null
	$(PY) manage.py seed_demo --admin
	$(PY) scripts/run_dev.py

# --dist worksteal: each worker starts with a contiguous share of the suite (a module's tests, and
# its module-scoped browser and live server, stay mostly on one worker) and an idle worker takes
# tests from a busy one's queue, so a slow test near the end does not leave the other core idle.
test: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules >/dev/null
	$(PY) -m pytest -n auto --dist worksteal $(PYTEST_ARGS)

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

# Translations: locale/ko/LC_MESSAGES/django.po is edited by hand (README, "Translations").
# makemessages merges the strings marked in the sources into it with msgmerge: translations are
# kept, a new string arrives untranslated (or fuzzy, with a guessed translation), a string gone
# from the sources stays as an obsolete "#~" entry. Then compile, and fail while any entry is
# fuzzy or untranslated. English is the source language and needs no catalogue.
KO_PO := locale/ko/LC_MESSAGES/django.po
MAKEMESSAGES_ARGS := --extension=html,txt,py,jinja --no-location --no-wrap --ignore=.venv --ignore=node_modules --ignore=static --ignore=tests --ignore=grading/engine

messages: $(PY_STAMP)
	$(PY) manage.py makemessages -l ko $(MAKEMESSAGES_ARGS)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules
	@$(MAKE) --no-print-directory check-messages

check-messages:
	@set -e; \
	fuzzy="$$(msgattrib --no-obsolete --only-fuzzy $(KO_PO))"; \
	untranslated="$$(msgattrib --no-obsolete --untranslated $(KO_PO))"; \
	if [ -n "$$fuzzy$$untranslated" ]; then \
		[ -z "$$fuzzy" ] || printf '%s\n\n' "$$fuzzy"; \
		[ -z "$$untranslated" ] || printf '%s\n\n' "$$untranslated"; \
		echo "$(KO_PO): the entries above are fuzzy or untranslated. Write each msgstr" \
		     "(for a fuzzy one: check it, delete its '#, fuzzy' line), then run make messages" \
		     "again." >&2; \
		exit 1; \
	fi

# The exam-deadline burst on the production-like stack (gunicorn, Celery, PostgreSQL, Redis).
.PHONY: bench-deadline
bench-deadline: install
	BENCH_VIA_MAKE=1 $(PY) -m bench.deadline --write BENCHMARKS.md $(BENCH_ARGS)

# LTI grade passback in real time: submit -> LMS receipt, and a one-minute LMS outage.
.PHONY: bench-lti
bench-lti: install
	BENCH_VIA_MAKE=1 $(PY) -m bench.lti_passback --write BENCHMARKS.md $(BENCH_ARGS)

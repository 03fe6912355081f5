# Public Innovation Atlas: the two commands a new developer needs are `make run` and `make test`.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

DEMO_CASES ?= 5000
DEMO_CITIES ?= 1000

.PHONY: run demo test install lint format check lock clean bench bench-quick vendor-natural-earth vendor-redoc loadtest messages messages-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever the lock file changes.
$(VENV)/.installed: requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed

## run: set up, load the demo content and serve the site on http://127.0.0.1:8000 (SQLite)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_content
	$(BIN)/python manage.py search_index sync
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

## demo: `make run` plus DEMO_CASES synthetic cases in DEMO_CITIES synthetic cities (badged
## "Synthetic", with coordinates), so the site and its map show the product at scale;
## running it again replaces the synthetic data rather than adding to it (--delete)
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_content
	$(BIN)/python manage.py generate_synthetic_data --delete --cases $(DEMO_CASES) --cities $(DEMO_CITIES) --seed 1
	$(BIN)/python manage.py search_index sync
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole test suite, on every core (SQLite by default; set DATABASE_URL for PostgreSQL)
test: install
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@test -x /usr/bin/chromium || echo "NOTE: /usr/bin/chromium not found: the browser tests in tests/e2e will be skipped (apt-get install chromium)"
	$(BIN)/python -m pytest -n auto

## bench: load and scale benchmark on PostgreSQL (1k, 10k, 100k cases; 30-60 min); writes bench/results/latest.md
bench: install
	$(BIN)/python bench/run.py

## bench-quick: the benchmark at 1k cases, 1 s an endpoint (CI: checks the harness, asserts no timing)
bench-quick: install
	$(BIN)/python bench/run.py --quick

## loadtest: 50 clients for 60 s on gunicorn, PostgreSQL and Redis; fails on a 5xx or a lost or doubled write (LOADTEST_DURATION=10s in CI)
loadtest: install
	$(BIN)/python bench/loadtest/run.py

## lint: ruff (lint and format), the apps' layers (import-linter) and the types (mypy)
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit -q -c pyproject.toml -r config accounts cities core innovation_cases workspace demo manage.py
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

## lock: recompile the pinned requirements after editing requirements/*.in
lock: install
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile --quiet --python-version 3.12 requirements/base.in -o requirements/base.txt
	$(BIN)/uv pip compile --quiet --python-version 3.12 requirements/dev.in -o requirements/dev.txt

## messages: update the catalogues (locale/*/LC_MESSAGES/django.po) from the code, then
## compile them (django.mo); translate what is new before committing (docs/translation.md)
MESSAGES := $(BIN)/python manage.py makemessages --no-location --verbosity 0 \
	-l de -l it -l fr -l sk \
	--ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'static/vendor/*'
messages: install
	$(MESSAGES)
	$(BIN)/python manage.py compilemessages --ignore .venv --verbosity 0

## messages-check: fail on a catalogue that the code has outgrown, an untranslated or fuzzy
## entry, or a compiled catalogue older than its source (CI)
messages-check: install
	bash .ci/check-translations.sh

## vendor-natural-earth: rebuild static/vendor/natural-earth/europe.geojson, the map's
## offline outline of Europe, from npm's world-atlas (see that directory's README.md)
NATURAL_EARTH_PACKAGES := world-atlas@2.0.2 topojson-client@3.1.0 topojson-simplify@3.0.3 lineclip@2.0.0
vendor-natural-earth:
	tmp=$$(mktemp -d) && \
	npm install --prefix "$$tmp" --no-save --no-audit --no-fund $(NATURAL_EARTH_PACKAGES) && \
	node static/vendor/natural-earth/build.mjs "$$tmp/node_modules" static/vendor/natural-earth/europe.geojson && \
	rm -rf "$$tmp"

## vendor-redoc: copy Redoc from drf-spectacular-sidecar into static/vendor/redoc/, with its
## "powered by" logo no longer fetched from cdn.redoc.ly (run after upgrading the sidecar)
vendor-redoc: install
	src=$$($(BIN)/python -c 'import drf_spectacular_sidecar as s, pathlib; print(pathlib.Path(s.__file__).parent / "static/drf_spectacular_sidecar/redoc")') && \
	mkdir -p static/vendor/redoc && \
	cp "$$src/LICENSE" "$$src/bundles/redoc.standalone.js.LICENSE.txt" static/vendor/redoc/ && \
	sed -e 's|src:"https://cdn.redoc.ly/redoc/logo-mini.svg"|src:"data:,"|' -e '/^\/\/# sourceMappingURL=/d' \
	  "$$src/bundles/redoc.standalone.js" > static/vendor/redoc/redoc.standalone.js && \
	! grep -n 'https://cdn\.redoc\.ly' static/vendor/redoc/redoc.standalone.js

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache .coverage

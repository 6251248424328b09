# The two commands: `make run` and `make test`. Everything else is a step they share.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app website
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
CHROMIUM ?= chromium
# Two workers suit this project's 2-core machines; override with `make test PYTEST_WORKERS=auto`.
PYTEST_WORKERS ?= 2

.PHONY: run test test-postgres test-shifted bench setup instance lint translations translations-update chromium clean

# The site on :5000, with the mail worker and the Mollie sandbox (:5001) running beside it.
run: setup instance
	$(FLASK) db upgrade
	$(FLASK) policy import
	$(FLASK) mail deliver --loop --interval 2 & mail=$$!; \
	$(BIN)/python -m website.mollie_sandbox --port 5001 & sandbox=$$!; \
	trap 'kill $$mail $$sandbox' EXIT INT TERM; \
		$(FLASK) run --debug --host 127.0.0.1 --port 5000

# With the coverage of website/ (lines and branches; the lines not run are listed per file).
test: setup chromium
	$(BIN)/pytest -n $(PYTEST_WORKERS) --cov=website --cov-report=term-missing:skip-covered

# The same suite against PostgreSQL (TEST_DATABASE_URL names a server database to create
# per-worker databases from; .ci/run sets it).
test-postgres: setup chromium
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
		$(BIN)/pytest -n $(PYTEST_WORKERS)

# The same suite as if it were the last evening of this year, in a zone west of the date line:
# the studio (Amsterdam) is already in the new year, the machine's zone and UTC are not. A test
# that takes "today" from the machine instead of the studio, or hard-codes a year, fails here
# on any day. Try a leap day too: `make test-shifted SHIFTED_NOW=2028-02-29T23:30:00+00:00`.
SHIFTED_NOW ?= $(shell date -u +%Y)-12-31T23:30:00+00:00
SHIFTED_TZ ?= Pacific/Pago_Pago
test-shifted: setup chromium
	TZ=$(SHIFTED_TZ) TEST_NOW=$(SHIFTED_NOW) $(BIN)/pytest -n $(PYTEST_WORKERS)

# Render times of the main pages, in-process (see tests/bench.py); never asserted in tests.
bench: setup
	$(BIN)/python -m tests.bench

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

setup: $(VENV)/.installed static/vendor/htmx.min.js translations

instance:
	mkdir -p instance

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[dev]'
	touch $@

static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d website/translations

# Re-extract the translatable strings after changing templates or code, then translate the new ones.
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract --no-location --omit-header -F babel.cfg -k _l -o website/translations/messages.pot .
	$(BIN)/pybabel update --no-wrap --ignore-obsolete -i website/translations/messages.pot -d website/translations

# Debian's chromium drives the browser tests; install it when it is missing and apt is there.
chromium:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || { \
		command -v apt-get >/dev/null 2>&1 || { echo "chromium is missing and apt-get is not available"; exit 1; }; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) node_modules static/vendor

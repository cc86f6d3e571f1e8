# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/tracking
export REDIS_URL_TEST ?= redis://127.0.0.1:6379/15

.PHONY: run test test-fast lint venv test-deps services-check stack bench bench-quick audit chaos fuzz bench-scale

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements/base.txt requirements/production.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements/production.txt
	touch $@

$(VENV)/.test-deps: requirements/*.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements/local.txt
	touch $@ $(VENV)/.run-deps

## run: set up and serve the product on embedded defaults (SQLite; tasks on a
## worker thread of the server, see tracking/embedded.py)
run: $(VENV)/.run-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_setup
	@echo "Serving on http://127.0.0.1:$(PORT)/  (portal: /admin/, API docs: /api/docs/)"
	$(BIN)/python manage.py serve 127.0.0.1:$(PORT)

## test: install what the tests need and run the whole suite on PostgreSQL + Redis
test: $(VENV)/.test-deps
	bash scripts/test-deps.sh
	DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) $(BIN)/python scripts/check_services.py
	DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) \
		$(BIN)/python -m pytest --create-db $(PYTEST_ARGS)
	DATABASE_URL=$(DATABASE_URL_TEST) $(BIN)/python manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SECRET_KEY=compose-check TRACKING_SCRAMBLE_KEY=compose-check docker-compose -f docker-compose.yml config -q
	$(BIN)/hadolint Dockerfile

## test-fast: the suite without the browser, the chaos run and the tests that start
## other processes (marker `stack`); under 2 minutes. `make test` runs everything.
test-fast: $(VENV)/.test-deps
	DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) $(BIN)/python scripts/check_services.py
	DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) \
		$(BIN)/python -m pytest --create-db -m "not browser and not stack" $(PYTEST_ARGS)
	$(BIN)/ruff check .

## bench: the full benchmarks (gunicorn + PostgreSQL, ratios against baselines
## measured in the same run); bench-quick: the same in under ~4 minutes.
bench: $(VENV)/.test-deps
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.batch --quantity 1000000
	$(BIN)/python -m bench.export
	$(BIN)/python -m bench.lookup
	$(BIN)/python -m bench.labels

bench-quick: $(VENV)/.test-deps
	$(BIN)/python -m bench.run --quick
	$(BIN)/python -m bench.batch --quantity 100000
	$(BIN)/python -m bench.export --quick
	$(BIN)/python -m bench.lookup --quick
	$(BIN)/python -m bench.labels

## audit: known vulnerabilities in the pinned requirements (pip-audit). It needs
## PyPI's JSON API or OSV; --strict fails when a package could not be checked,
## so a machine that reaches only a package mirror fails loudly, not falsely green.
audit: $(VENV)/.test-deps
	$(BIN)/pip-audit --strict --progress-spinner off -r requirements/production.txt

lint: $(VENV)/.test-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## stack: web (gunicorn) + worker + beat (Procfile, honcho) on this machine's PostgreSQL and Redis
STACK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracking
STACK_REDIS_URL ?= redis://127.0.0.1:6379/1
stack: $(VENV)/.test-deps
	DATABASE_URL=$(STACK_DATABASE_URL) REDIS_URL=$(STACK_REDIS_URL) $(BIN)/python scripts/check_services.py --create-database
	DJANGO_SETTINGS_MODULE=config.settings.local DATABASE_URL=$(STACK_DATABASE_URL) REDIS_URL=$(STACK_REDIS_URL) \
		$(BIN)/python manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.local DATABASE_URL=$(STACK_DATABASE_URL) REDIS_URL=$(STACK_REDIS_URL) \
		$(BIN)/python manage.py demo_setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ with a Celery worker and beat (Ctrl-C stops all)"
	DJANGO_SETTINGS_MODULE=config.settings.local DJANGO_DEBUG=False STACK_PORT=$(PORT) \
		DATABASE_URL=$(STACK_DATABASE_URL) REDIS_URL=$(STACK_REDIS_URL) \
		$(BIN)/honcho start -f Procfile

## chaos: fault-injection run on a throw-away stack (own PostgreSQL, Redis, gunicorn,
## Celery on free loopback ports): 32 clients, 60 s, a 200,000 batch, workers killed,
## PostgreSQL and Redis restarted, DB connections cut. `make test` runs the --short form.
chaos: $(VENV)/.test-deps
	$(BIN)/python -m scripts.chaos $(CHAOS_ARGS)

## fuzz: schemathesis against a live server for 10 minutes with a random seed
fuzz: $(VENV)/.test-deps
	FUZZ_MAX_TIME=600 FUZZ_SEED= DATABASE_URL=$(DATABASE_URL_TEST) REDIS_URL=$(REDIS_URL_TEST) \
		$(BIN)/python -m pytest -rP tests/api/test_fuzz.py $(PYTEST_ARGS)

## bench-scale: the shipped gunicorn.conf.py swept over worker counts (1, 2, 4 ...
## up to the cores) for generate, naive and ceiling; restarts under load; the
## allocator against bare nextval(). Short on 2 cores.
bench-scale: $(VENV)/.test-deps
	$(BIN)/python -m bench.scale $(BENCH_ARGS)

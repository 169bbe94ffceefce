# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_CASES ?= 200

.PHONY: run test install install-dev install-bench migrate demo lint bench bench-cluster drills \
	cluster clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-dev pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-bench: $(VENV)/.installed-bench

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_policies

demo: migrate
	@mkdir -p .run
	$(PY) manage.py seed_demo --cases $(DEMO_CASES) --seed 1 > .run/demo-logins.txt

# Serve the admin and run the django-q2 worker and the SLA sweeper beside it, their logs in
# .run/ so that the address and the logins stay in view; Ctrl-C stops all three.
run: demo
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py qcluster > .run/qcluster.log 2>&1 & \
	$(PY) manage.py sla_sweep --every 10 > .run/sweeper.log 2>&1 & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) > .run/web.log 2>&1 & \
	echo; echo "Escalation back office: http://127.0.0.1:$(PORT)/admin/"; echo; \
	cat .run/demo-logins.txt; echo; \
	echo "Logs: .run/web.log, .run/qcluster.log and .run/sweeper.log."; \
	echo "Emails: the admin's Outbox (and .dev-mail/). Ctrl-C stops the server, worker and sweeper."; \
	wait

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# mypy reads its files and settings from [tool.mypy] in pyproject.toml.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Benchmarks (figures in docs/benchmarks.md); BENCH_DB=postgres://... runs them on PostgreSQL.
BENCH_DB ?=
bench: install-dev
	cd benchmarks && for b in admin_changelist sla_sweep import_tracker monthly_report; do \
	  ../$(PY) $$b.py $(if $(BENCH_DB),--database-url $(BENCH_DB)); done

# The production topology on this machine (local PostgreSQL and Redis): scripts/cluster_demo.sh.
cluster: install-bench
	scripts/cluster_demo.sh

# On that topology (PostgreSQL and Redis needed; figures in docs/benchmarks.md).
bench-cluster: install-bench
	cd benchmarks && ../$(PY) promotion_latency.py && ../$(PY) admin_load.py

# Fault drills: they stop Redis and restart PostgreSQL; run where nothing else uses them.
drills: install-bench
	$(PY) scripts/fault_drills.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media .run .dev-mail

# ShopPulse analytics collection. `make site` and `make test` are all a newcomer needs;
# both create the virtualenv (.venv) and install what they need first.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
LOCAL_PG_DIR := .local/postgres
LOCAL_PG_PORT ?= 55432
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: site test venv test-venv local-pg local-pg-stop local-pg-destroy manifest manifest-check \
        lint sanity units integration molecule postgres-image clean help

help:
	@echo "make site            run site.yml on inventories/local (starts a local TLS PostgreSQL)"
	@echo "make test            everything CI runs: lint, sanity, unit and integration tests"
	@echo "make local-pg-stop   stop the local PostgreSQL server of make site"
	@echo "make molecule        the Molecule scenarios default and recovery (Podman or Docker)"
	@echo "make postgres-image  build the local PostgreSQL 15 image for hosts that cannot pull one"
	@echo "make manifest        regenerate files/manifest.yml from the migrations"

$(VENV)/.run-installed: requirements/run.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements/run.txt
	$(BIN)/python tools/collection_path.py > /dev/null
	touch $@

$(VENV)/.test-installed: $(VENV)/.run-installed requirements/test.txt
	$(BIN)/pip install -q -r requirements/test.txt
	touch $@

# A second interpreter for the managed node with psycopg2 only (no psycopg 3), so that the
# modules are tested through community.postgresql's psycopg2 path too.
.venv-psycopg2/.installed: requirements/run.txt
	test -x .venv-psycopg2/bin/python || $(PYTHON) -m venv .venv-psycopg2
	.venv-psycopg2/bin/pip install -q $$(grep -E '^psycopg2-binary==' requirements/run.txt)
	touch $@

venv: $(VENV)/.run-installed
test-venv: $(VENV)/.test-installed .venv-psycopg2/.installed

local-pg: venv
	$(BIN)/python tools/localpg.py start --dir $(LOCAL_PG_DIR) --port $(LOCAL_PG_PORT) > /dev/null

local-pg-stop: venv
	$(BIN)/python tools/localpg.py stop --dir $(LOCAL_PG_DIR) > /dev/null

local-pg-destroy: venv
	$(BIN)/python tools/localpg.py destroy --dir $(LOCAL_PG_DIR)

site: venv local-pg
	$(BIN)/ansible-playbook site.yml

manifest: venv
	$(BIN)/python tools/manifest.py

manifest-check: venv
	$(BIN)/python tools/manifest.py --check

lint: test-venv
	$(BIN)/ansible-lint --profile production
	$(BIN)/antsibull-changelog lint

sanity: test-venv
	$(BIN)/python tools/sanity.py

units: test-venv
	$(BIN)/python -m pytest -q tests/unit

integration: test-venv
	$(BIN)/python -m pytest -q tests/integration

molecule: test-venv
	tools/molecule.sh

postgres-image:
	tools/build-postgres-image.sh

test: test-venv manifest-check lint sanity units integration molecule

clean: local-pg-destroy
	rm -rf .cache tests/output

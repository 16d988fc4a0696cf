# payments.aws_platform - the two commands: `make demo` and `make test`. Both set everything up.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ENV ?= dev
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
ROLES_WITH_MOLECULE := $(patsubst roles/%/molecule/default/molecule.yml,%,$(wildcard roles/*/molecule/default/molecule.yml))

# Everything runs with the project's toolchain and the checkout's ansible.cfg.
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR ?= 0
export PY_COLORS ?= 0

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

.PHONY: venv
venv: $(STAMP) ## Create .venv with the pinned toolchain (run by demo and test)

.PHONY: demo
demo: venv ## Converge ENV (default dev) against a local emulator, twice; the second run must change nothing
	scripts/demo.sh $(ENV)

.PHONY: test
test: venv lint pytest molecule sanity ## Everything make test-long does not: lint, pytest (unit + integration, incl. build-install-run), molecule, sanity

.PHONY: lint
lint: venv ## ansible-lint (production profile) and ruff
	ansible-lint --profile production
	ruff check .
	ruff format --check .

.PHONY: pytest
pytest: venv ## Unit tests (modules, tools) and the whole-stack integration tests, each against its own emulator
	python -m pytest -q -p no:cacheprovider --durations=15

.PHONY: sanity
sanity: venv ## ansible-test sanity on the collection as built (test tools pinned by ansible-core 2.19.14)
	scripts/sanity.sh

.PHONY: readmes
readmes: venv ## Regenerate roles/*/README.md from each role's meta/argument_specs.yml
	python scripts/role_readme.py

.PHONY: install-test
install-test: venv ## Build the tarball, install it, converge dev by FQCN from outside the checkout
	python -m pytest -q -p no:cacheprovider tests/integration/test_install.py

.PHONY: test-long
test-long: venv ## The long reliability and security runs (faults, crash and resume, Prowler); CI runs them after test
	python -m pytest -q -p no:cacheprovider --durations=15 -m long tests/integration

.PHONY: bench
bench: venv ## Benchmark converges through the latency proxy (50 ms/call): writes bench/RESULTS.md and bench/chart.png
	python bench/run.py $(BENCH_ARGS)

.PHONY: molecule
molecule: venv ## Every role's molecule scenario (converge, idempotence, verify), each with its own emulator
	@for role in $(ROLES_WITH_MOLECULE); do \
	  echo "=== molecule: $$role"; \
	  (cd roles/$$role && molecule test) || exit 1; \
	done

.PHONY: constraints
constraints: venv ## Re-pin constraints.txt from .venv
	{ echo "# Every package in .venv, pinned (pip freeze). Regenerate with: make constraints"; \
	  $(VENV)/bin/python -m pip freeze --exclude-editable; } > constraints.txt

.PHONY: clean
clean: ## Stop stray emulators and remove generated files (keeps .venv)
	-for state in .emulator/*.json; do [ -f "$$state" ] && $(BIN)/python tests/tools/emulator.py stop --state-file "$$state"; done
	rm -rf .emulator outputs .pytest_cache .ruff_cache

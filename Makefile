# Two commands matter: `make demo` and `make test`. Everything else is a building block; `make check` is
# the quick tier to run while you work (docs/test-tiers.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
CDK := node_modules/.bin/cdk
# Bytecode caches on: with PYTHONDONTWRITEBYTECODE (set on some machines and CI images) every process
# compiles the project's modules again and pytest rewrites every test module's asserts again, which
# was 6 of the 10 s each test worker spent collecting (docs/test-tiers.md).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup test check synth lint bench demo docs clean browser layers wheel

# setup (and so demo) needs neither root nor a browser; only the browser tests (make test) need one.
setup: $(VENV)/.installed node_modules/.installed layers

# Compiled wheels for Lambda's Python 3.13 on x86_64 as layer folders (the detect function's PyAV, the
# validator's msgspec), installed from the pinned requirements without Docker (infra/layers.py).
WHEEL_LAYERS := video manifest
layers: $(WHEEL_LAYERS:%=build/layers/%/.installed)

build/layers/%/.installed: requirements.txt infra/layers.py $(VENV)/.installed
	$(PY) -m infra.layers $*
	touch $@

# Headless Chromium and its driver from Debian's packages, for the console's browser tests
# (tests/browser); never a downloaded browser, never the recommended extras (audio server, avahi).
# Needs root (apt-get) only when they are missing from PATH; without root (a laptop, macOS) the browser
# tests are skipped with the reason, except under CI=true, where this target fails.
browser:
	@command -v chromedriver >/dev/null && { command -v chromium || command -v google-chrome; } >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends chromium chromium-driver; } || { \
	  test "$$CI" != true && echo "make browser: no Chromium installed; the browser tests will be skipped"; }

# The offline AWS (local/) is its own package with its own pins (moto among them): installed after the
# app, whose domain package it trains with.
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml local/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(PY) -m pip install --quiet --disable-pip-version-check -e 'local/[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# loadfile: each module's tests on one worker, in file order (its module-scoped stack is built once; the
# e2e modules' tests build on each other). loadgroup split tests/e2e/test_production.py across both
# workers in CI (the groups of tests/conftest.py were not applied to every item), so it is not used.
test: setup browser
	$(PY) -m pytest -n 2 --dist loadfile

# The quick tier: lint, then every test that needs no served stack (tests/e2e and tests/browser deploy
# the synthesized stack on a local endpoint; tests/conftest.py marks them e2e). No browser needed.
check: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -m "not e2e" -q -n 2 --dist loadfile

lint: setup
	$(VENV)/bin/ruff check .

synth: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CDK) synth --quiet --no-notices --no-version-reporting

# The construct library's wheel (docs/projects-and-construct-library.md): the Lambda asset and layers inside.
wheel: setup
	$(PY) -m pip wheel . --no-deps --no-build-isolation --quiet -w dist

bench: setup
	$(PY) -m bench

demo: setup
	$(PY) -m local demo

# The documentation site (mkdocs.yml) into build/site; strict, so a broken link or anchor fails it.
docs: $(VENV)/.installed
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

clean:
	rm -rf cdk.out .pytest_cache .ruff_cache

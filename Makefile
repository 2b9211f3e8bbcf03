# Two commands matter: `make demo` and `make test`. Everything else is a building block.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := true
CDK := node_modules/.bin/cdk

.PHONY: setup test synth lint bench demo clean browser layers

setup: $(VENV)/.installed node_modules/.installed browser layers

# The detect function's video decoder (PyAV; ffmpeg inside its manylinux wheel) for Lambda's Python 3.13
# on x86_64, installed as a layer folder from the pinned wheel -- no Docker (infra/video_layer.py).
VIDEO_LAYER := build/layers/video
layers: $(VIDEO_LAYER)/.installed

$(VIDEO_LAYER)/.installed: requirements.txt $(VENV)/.installed
	rm -rf $(VIDEO_LAYER)
	$(PY) -m pip install --quiet --disable-pip-version-check --platform manylinux_2_28_x86_64 \
	  --platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.13 --implementation cp \
	  --target $(VIDEO_LAYER)/python $$(grep '^av==' requirements.txt)
	touch $@

# Headless Chromium and its driver from Debian's packages, for the console's browser tests
# (tests/browser); never a downloaded browser. Needs root (apt-get) only when they are missing.
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: setup
	$(PY) -m pytest -n 2 --dist loadfile

lint: setup
	$(VENV)/bin/ruff check .

synth: setup
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CDK) synth --quiet --no-notices --no-version-reporting

bench: setup
	$(PY) -m bench

demo: setup
	$(PY) -m local demo

clean:
	rm -rf cdk.out .pytest_cache .ruff_cache

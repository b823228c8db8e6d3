# `make run` and `make test` set everything up from nothing (a .venv here) and then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= Who did Putin invite to Moscow?
ARTICLE := data/nagorno-karabakh-ceasefire.txt
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install run ask test lint eval train bench

$(BIN)/citeqa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/citeqa

# The browser tests drive Debian's Chromium (never a downloaded browser build).
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

run: install
	$(BIN)/python app.py

ask: install
	$(BIN)/citeqa index $(ARTICLE)
	$(BIN)/citeqa ask "$(QUESTION)"

lint: install
	$(BIN)/ruff check .

test: lint $(CHROMIUM)
	$(BIN)/pytest

eval: install
	$(BIN)/citeqa eval --out results/article article eval/article_qa.jsonl $(ARTICLE)
	$(BIN)/citeqa eval --out results/article-heldout article eval/article_qa_heldout.jsonl $(ARTICLE)
	$(BIN)/citeqa eval --out results/squad2-dev16 squad ../shared/benchmarks/squad2-dev16.json
	$(BIN)/citeqa eval --out results/squad2-dev16-report --fit-false-abstention 0.10 \
		--systems citeqa,citeqa-linear squad ../shared/benchmarks/squad2-dev16.json --split report

train: install
	cd training && ../$(BIN)/python train_ranker.py && ../$(BIN)/python collect_candidates.py \
		&& ../$(BIN)/python train_reranker.py && ../$(BIN)/python fit_abstention.py

bench: install
	$(BIN)/python benchmarks/bench.py --out results/bench
	$(BIN)/python benchmarks/load.py --seconds 90 --out results/load

# `make run` and `make test` set everything up from nothing (a .venv here) and then run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= Who did Putin invite to Moscow?
ARTICLE := data/nagorno-karabakh-ceasefire.txt
export HF_HUB_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install run test lint eval train

$(BIN)/citeqa: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/citeqa

run: install
	$(BIN)/citeqa index $(ARTICLE)
	$(BIN)/citeqa ask "$(QUESTION)"

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest

eval: install
	$(BIN)/citeqa eval article eval/article_qa.jsonl $(ARTICLE)
	$(BIN)/citeqa eval squad ../shared/benchmarks/squad2-dev16.json --split report

train: install
	cd training && ../$(BIN)/python train_ranker.py && ../$(BIN)/python fit_abstention.py

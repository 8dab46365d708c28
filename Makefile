# Vetted: `make run` for a working local site, `make test` for the whole suite.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format clean messages

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: install
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py demo
	# The development server, with the periodic jobs (scheduled publishing…) every minute.
	DEBUG=1 $(PY) manage.py runserver_jobs $(HOST):$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The Spanish catalogue for translators: every string wrapped for translation in the code and
# templates, kept in locale/es/LC_MESSAGES/django.po (needs GNU gettext: apt install gettext).
# compilemessages turns it into the .mo file Django reads once there are translations.
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l es --add-location=file --ignore=tests --ignore=bench --ignore=deploy --ignore=staticfiles --ignore=media

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media staticfiles .pytest_cache

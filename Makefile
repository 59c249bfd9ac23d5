# Minyi — two commands do all the set-up:  `make run`  and  `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
export MINYI_ENV ?= development

.PHONY: run test install install-test translations lint bench clean browsers fonts poppler nginx

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): requirements.txt $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $(STAMP)

$(VENV)/.installed-test: requirements-test.txt $(STAMP)
	$(PIP) install --quiet -r requirements-test.txt
	touch $(VENV)/.installed-test

install: $(STAMP) translations fonts

install-test: $(VENV)/.installed-test translations browsers nginx fonts poppler

## Compile every gettext catalog (translations/<area>/<lang>/LC_MESSAGES/messages.po).
translations: $(STAMP)
	@for po in translations/*/*/LC_MESSAGES/messages.po; do \
	  [ -f "$$po" ] && $(VENV)/bin/pybabel compile --use-fuzzy -i "$$po" -o "$${po%.po}.mo" || exit 1; \
	done

## Debian's fonts-noto-cjk (Noto Sans CJK, SIL OFL): the CJK font of the charts and PDF reports.
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
fonts:
	@[ -f $(CJK_FONT) ] || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq fonts-noto-cjk >/dev/null; }; \
	  else echo "CJK font missing ($(CJK_FONT)): sudo apt-get install fonts-noto-cjk" >&2; fi; }

## Debian's poppler-utils for the report tests: pdftoppm, pdfimages, pdffonts and pdftotext read the
## 通报 PDF as a reader would (rendered pages, images, embedded fonts, text).
poppler:
	@command -v pdftoppm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq poppler-utils >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; }; \
	  else echo "poppler-utils missing: sudo apt-get install poppler-utils" >&2; fi; }

## Debian's chromium for the browser tests (Playwright drives it; no browser download), axe-core from npm.
browsers:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: sudo apt-get install chromium" >&2; fi; }
	@[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --loglevel=error

## Debian's nginx for the two-app-server test (tests/test_two_servers.py starts it unprivileged
## with a config of its own; the package's own service is not used).
nginx:
	@[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get install -y -qq nginx >/dev/null 2>&1 || \
	      { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }; \
	  else echo "nginx missing: sudo apt-get install nginx" >&2; fi; }

## Serve the demo city on http://127.0.0.1:5000 (SQLite under instance/ unless MINYI_DATABASE_URL).
run: install
	$(VENV)/bin/alembic upgrade head
	$(VENV)/bin/flask --app app seed-demo
	$(VENV)/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 --access-logfile - "app:create_app()"

## The whole test suite: SQLite, then PostgreSQL (throw-away database on 127.0.0.1:5432).
test: install-test
	MINYI_ENV=testing $(PY) scripts/run_tests.py

lint: install-test
	$(VENV)/bin/ruff check .

bench: install-test
	$(PY) bench/analysis_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache

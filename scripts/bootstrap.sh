#!/usr/bin/env bash
# Installs what `make test`, `make demo` and `make bench` need, and nothing twice:
# Debian's PostgreSQL 15 extensions (pg_cron, pgTAP with pg_prove, plpgsql_check for
# `supabase db lint`), a venv with the Python client (editable, with its test extras) and the
# repository's tooling (devtools/, editable), and from npm into .tools: Deno for the Edge
# Functions and the Supabase CLI (pinned: 2.117.0).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || apt_missing+=(postgresql-15 postgresql-contrib)
[ -f /usr/share/postgresql/15/extension/pg_cron.control ] || apt_missing+=(postgresql-15-cron)
[ -f /usr/share/postgresql/15/extension/pgtap.control ] || apt_missing+=(postgresql-15-pgtap)
command -v pg_prove >/dev/null || apt_missing+=(libtap-parser-sourcehandler-pgtap-perl)
[ -f /usr/share/postgresql/15/extension/plpgsql_check.control ] || apt_missing+=(postgresql-15-plpgsql-check)
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

if [ ! -x .tools/node_modules/.bin/deno ]; then
  echo "bootstrap: installing Deno through npm"
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund deno >/dev/null)
fi

supabase_cli=2.117.0
if [ "$(.tools/node_modules/.bin/supabase --version 2>/dev/null)" != "$supabase_cli" ]; then
  echo "bootstrap: installing the Supabase CLI $supabase_cli through npm"
  mkdir -p .tools
  (cd .tools && npm install --silent --no-audit --no-fund -E "supabase@$supabase_cli" >/dev/null)
fi

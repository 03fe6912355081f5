#!/usr/bin/env bash
# The interface's catalogues (locale/<lang>/LC_MESSAGES): fails when
# - `make messages` would change a catalogue (a string was added, changed or removed in
#   the code, and the catalogues were not regenerated);
# - a catalogue has an untranslated or fuzzy entry, or one msgfmt --check refuses
#   (a placeholder lost, a broken plural);
# - a compiled catalogue (django.mo, which the site reads) is not its source's.
# docs/translation.md says how to add and translate strings.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext; }

status=0
work="$(mktemp -d)"
cp -r locale "$work/committed"
# Whatever happens, leave the checkout's catalogues as they were.
trap 'rm -rf locale && cp -r "$work/committed" locale && rm -rf "$work"' EXIT

# 1. Regenerated from the code, the catalogues must be what is committed (the creation
#    date in the header aside).
make --no-print-directory messages >/dev/null
for po in locale/*/LC_MESSAGES/django.po; do
  if ! diff -q -I '^"POT-Creation-Date: ' "$work/committed/${po#locale/}" "$po" >/dev/null; then
    echo "$po: out of date with the code; run 'make messages', translate what is new, and commit:"
    diff -u -I '^"POT-Creation-Date: ' "$work/committed/${po#locale/}" "$po" | head -40 || true
    status=1
  fi
done
rm -rf locale && cp -r "$work/committed" locale

# 2. Complete and well formed.
for po in locale/*/LC_MESSAGES/django.po; do
  stats="$(msgfmt --check --statistics -o "$work/django.mo" "$po" 2>&1)" || {
    echo "$po: msgfmt --check failed: $stats"
    status=1
    continue
  }
  echo "$po: $stats"
  case "$stats" in
  *fuzzy* | *untranslated*)
    echo "$po: every entry must be translated, and none fuzzy"
    status=1
    ;;
  esac
  # 3. The compiled catalogue is this source's.
  if ! cmp -s "$work/django.mo" "${po%.po}.mo"; then
    echo "${po%.po}.mo: not compiled from $po; run 'make messages' and commit"
    status=1
  fi
done
exit "$status"

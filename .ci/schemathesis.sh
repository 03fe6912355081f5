#!/usr/bin/env bash
# Fuzz the REST API with schemathesis against a live server (gunicorn, DEBUG off) on a
# fresh PostgreSQL database holding the demo content: once anonymously, once as a
# Vienna officer with an API token (so that the writes are exercised too).
#
# Fails on any server error (5xx), on any response that does not match the OpenAPI
# schema at /api/schema/, and on any request the schema calls valid that the API
# refuses (see the configuration below for the refusals that are the API's right). The
# server's log is printed when a run fails.
#
# About two and a half minutes. Knobs (environment): SCHEMATHESIS_MAX_EXAMPLES (default
# 25 a operation in the fuzzing phase), SCHEMATHESIS_SEED (default fixed, so that a
# failure reproduces), SCHEMATHESIS_PORT (default a free one).
set -euo pipefail
cd "$(dirname "$0")/.."

PGHOST=127.0.0.1
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-25}"
SEED="${SCHEMATHESIS_SEED:-20261101}"
PORT="${SCHEMATHESIS_PORT:-$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
BASE="http://127.0.0.1:$PORT"

db="atlas_fuzz_$$"
work="$(mktemp -d)"
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  dropdb -h "$PGHOST" -U postgres --if-exists "$db" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! pg_isready -h "$PGHOST" -p 5432 -q; then
  echo "PostgreSQL is not answering; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -h "$PGHOST" -p 5432 -q && break; sleep 1; done
fi
createdb -h "$PGHOST" -U postgres "$db"

# The server's settings: production-like (DEBUG off, hashed static files), with the
# throttles out of the way so that the fuzzer never sees a 429 it did not provoke.
unset DEBUG REDIS_URL
export DATABASE_URL="postgres://postgres@$PGHOST:5432/$db"
export SECRET_KEY="schemathesis-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export API_THROTTLE_ANON="1000000/minute" API_THROTTLE_USER="1000000/minute"

echo "== schemathesis: database $db"
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py load_demo_content >/dev/null
[ -f staticfiles/staticfiles.json ] || .venv/bin/python manage.py collectstatic --noinput -v0

# A Vienna officer with an API token, and a record of every kind in Vienna that the
# officer may change (the demo content has no Vienna lab, strategy or draft case), so
# that PUT and PATCH get past 404 and 403. The token is the last line printed.
token="$(.venv/bin/python manage.py shell -v0 -c '
from django.contrib.auth import get_user_model
from accounts.models import ApiToken
from cities.models import City, InnovationTeam, Lab, Membership, Strategy
from innovation_cases.models import CaseStudy
vienna = City.objects.get(slug="vienna")
imco = InnovationTeam.objects.get(slug="imco-vienna")
user = get_user_model().objects.create_user("fuzz-officer", "fuzz-officer@example.org")
Membership.objects.create(user=user, city=vienna, role=Membership.Role.OFFICER)
Lab.objects.create(team=imco, name="Fuzz lab", slug="fuzz-lab")
Strategy.objects.create(city=vienna, team=imco, title="Fuzz strategy", slug="fuzz-strategy")
CaseStudy.objects.create(city=vienna, title="Fuzz draft", slug="fuzz-draft", summary="A draft.")
print(ApiToken.issue(user=user, name="schemathesis")[1])
' | tail -n 1)"
case "$token" in pia_*) ;; *) echo "Could not create the officer's API token" >&2; exit 1 ;; esac

echo "== schemathesis: gunicorn on $BASE"
# (No control socket: its default path is shared by every gunicorn on the machine.)
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers 2 --threads 4 --timeout 60 --no-control-socket >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "$BASE/api/schema/" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done
curl -fsS -o /dev/null "$BASE/api/schema/"

# The configuration the command line cannot give (see the comments in it).
cat >"$work/schemathesis.toml" <<'TOML'
# No state kept between runs (schemathesis would replay earlier runs' failures).
[cache]
enabled = false

# positive_data_acceptance expects a request that the schema calls valid to get one of
# these statuses. Besides success: 403, the officer may not change another city's
# records (who may write what is not the schema's to say); 404, a path names a record
# that does not exist; 409, a published case changes only through the review workflow;
# 412, an If-Match that is no longer the record's ETag (the fuzzer cannot know it).
# Server errors are not_a_server_error's to report. Not 400: every limit a value has on
# its own is in the schema, so a 400 to a schema-valid request is a disagreement to
# fix, except a slug naming a record that does not exist, which the hooks file
# (.ci/schemathesis_hooks.py) lets pass once the API itself confirms it. The report
# counts those as "Filtered", and warns of a "schema validation mismatch" on the
# operations where most generated slugs name nothing: both are expected.
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "403", "404", "409", "412", "5xx"]

# negative_data_rejection expects a request that breaks the schema to get one of these
# statuses. We add 412: a PUT or PATCH whose If-Match is not the record's ETag is refused
# before its body is read, as RFC 9110 (section 13.2.2) has it, so a malformed body with
# a stale If-Match gets 412, not 400. Still a refusal, never a 2xx.
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429", "5xx"]

# Every operation takes ?lang= and Accept-Language (the answer's language). Generated,
# they multiply every other parameter's cases and add nothing the suite does not check
# (tests/core/test_languages.py: each language, an unknown or empty one): fixed here, to
# English, whose messages the hooks read (a unique set of fields taken, say). The answers'
# shapes are the same in every language. (An [[operations]] entry's parameters add to
# these, parameter by parameter.)
[parameters]
"query.lang" = "en"
"header.Accept-Language" = "de-AT,de;q=0.9,en;q=0.5"

# The updates go to a record the officer may change, so that they reach the validation
# and the saving rather than a 404 for a random slug (the GETs cover the 404s). A body
# may rename the record; the later updates then get a 404, which is still checked.
[[operations]]
include-name = ["PUT /api/v1/teams/{slug}/", "PATCH /api/v1/teams/{slug}/"]
parameters = { "path.slug" = "imco-vienna" }

[[operations]]
include-name = ["PUT /api/v1/labs/{slug}/", "PATCH /api/v1/labs/{slug}/"]
parameters = { "path.slug" = "fuzz-lab" }

[[operations]]
include-name = ["PUT /api/v1/strategies/{slug}/", "PATCH /api/v1/strategies/{slug}/"]
parameters = { "path.slug" = "fuzz-strategy" }

[[operations]]
include-name = ["PUT /api/v1/funding-programmes/{slug}/", "PATCH /api/v1/funding-programmes/{slug}/"]
parameters = { "path.slug" = "imco-innovation-project-funds" }

[[operations]]
include-name = ["PUT /api/v1/cases/{slug}/", "PATCH /api/v1/cases/{slug}/"]
parameters = { "path.slug" = "fuzz-draft" }
TOML

# Every check, in every phase (examples, coverage, fuzzing, stateful), with
# positive_data_acceptance as configured above and its hooks (SCHEMATHESIS_HOOKS), and
# without the health check filter_too_much: a district's key is "city/district", a path
# parameter holding a "/", which schemathesis will not put in a path segment, so it can
# generate almost no valid key for GET /districts/{key}/ and would stop with an error
# rather than a finding (the invalid keys are still sent, and must give a 404).
#
# No check is excluded: not_a_server_error, response_schema_conformance and
# positive_data_acceptance among them.
run() {
  local name="$1" config="$2"
  shift 2
  echo "== schemathesis: $name"
  .venv/bin/schemathesis --config-file "$config" run "$BASE/api/schema/" \
    --checks all \
    --suppress-health-check filter_too_much \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --workers 2 \
    --request-timeout 30 \
    --generation-database none \
    --no-color \
    "$@"
}

export SCHEMATHESIS_HOOKS="$PWD/.ci/schemathesis_hooks.py"
# Hypothesis's own files go with the run, not into the checkout.
export HYPOTHESIS_STORAGE_DIRECTORY="$work/hypothesis"
status=0
# Anonymously, the reads only: every write would be a 401, which the officer's run
# (check ignored_auth) and tests/api/test_schema.py check already.
run anonymous "$work/schemathesis.toml" --include-method GET || status=1
# The officer's run: every phase for the writes; for the reads, which the anonymous run
# has just taken through the coverage phase's every case (half a minute the officer's
# run would repeat), the fuzzing and stateful phases, which still send the
# officer's token (and find the drafts of the officer's city) with generated values.
cp "$work/schemathesis.toml" "$work/officer.toml"
cat >>"$work/officer.toml" <<'TOML'

[[operations]]
include-method = "GET"
phases.coverage.enabled = false
TOML
run officer "$work/officer.toml" -H "Authorization: Bearer $token" || status=1

if [ "$status" -ne 0 ]; then
  # The server's log, without the line Django writes for every 4xx.
  echo "== schemathesis found failures; the server's log:"
  grep -Ev '^(Bad Request|Unauthorized|Forbidden|Not Found|Method Not Allowed|Not Acceptable|Conflict|Precondition Failed|Unsupported Media Type|Too Many Requests): ' \
    "$work/server.log" || true
  exit 1
fi
echo "== schemathesis passed"

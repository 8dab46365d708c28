#!/usr/bin/env bash
# The deploy check: the production stack on this machine, as docs/deploy.md sets it up.
#
# gunicorn (DEBUG=0, deploy/gunicorn.conf.py, 2 workers) on PostgreSQL (a database of its own),
# Redis (db 13), media on S3 (moto_server on a free port, a public-read bucket), the task worker,
# and the TLS proxy's X-Forwarded-Proto header. It runs `check --deploy` (must be clean),
# `migrate`, `collectstatic`, `demo --force` and `run_jobs`; loads the home page and an article
# page in Chromium (stylesheet under a hashed name, compressed and cached for a year; hero image
# from the S3 URLs); publishes an approved article through the workflow from another process and
# sees it in every worker's answers; checks /healthz and the mail the worker sent. Everything it
# started is stopped, and its database, Redis db and files removed, however it ends.
#
# Environment: PYTHON (default .venv/bin/python), DEPLOY_CHECK_DB (default vetted_deploy_check),
# PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres), DEPLOY_CHECK_REDIS_URL
# (default redis://127.0.0.1:6379/13), CHROMIUM_PATH (default /usr/bin/chromium),
# DEPLOY_CHECK_SCREENSHOTS (a folder: the article page is saved there as article.png).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PYTHON")
DB_NAME=${DEPLOY_CHECK_DB:-vetted_deploy_check}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS=${DEPLOY_CHECK_REDIS_URL:-redis://127.0.0.1:6379/13}
WORK=$(mktemp -d -t vetted-deploy-check.XXXXXX)
PIDS=()
STARTED=$SECONDS

say() { printf '== deploy check: %s\n' "$*"; }
fail() { printf 'deploy check failed: %s\n' "$*" >&2; exit 1; }

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pg() { "$PYTHON" - "$PG_ADMIN_URL" "$1" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), autocommit=True) as c:
    c.execute(sys.argv[2])
PY
}

flush_redis() { "$PYTHON" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1]).flushdb()' "$REDIS"; }

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do
    # Each was started in its own process group: stop it and whatever it forked.
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] && { echo "--- $(basename "$log") (last lines)"; tail -n 25 "$log"; } >&2
    done
  fi
  pg "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" >/dev/null 2>&1 || true
  flush_redis >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

# start NAME COMMAND...: in the background, in its own process group, output to NAME.log.
start() {
  local name=$1; shift
  setsid "$@" >"$WORK/$name.log" 2>&1 < /dev/null &
  PIDS+=("$!")
}

wait_for() {  # wait_for URL WHAT: until it answers at all (any status), 60 seconds at most
  local url=$1 what=$2
  for _ in $(seq 1 300); do
    if "$PYTHON" -c 'import sys, httpx; httpx.get(sys.argv[1], timeout=1)' "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  fail "$what did not start"
}

[ -x "$PYTHON" ] || fail "no Python at $PYTHON (make install)"
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || fail "Chromium is not at ${CHROMIUM_PATH:-/usr/bin/chromium}"

say "PostgreSQL database $DB_NAME, Redis $REDIS, S3 on moto_server"
pg "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
pg "CREATE DATABASE \"$DB_NAME\""
flush_redis
S3_PORT=$(free_port)
start moto "$BIN/moto_server" -H 127.0.0.1 -p "$S3_PORT"
S3=http://127.0.0.1:$S3_PORT
wait_for "$S3/moto-api/" "moto_server"
BUCKET=vetted-media
"$PYTHON" - "$S3" "$BUCKET" <<'PY'
import json, sys
import boto3
endpoint, bucket = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="deploy-check", aws_secret_access_key="deploy-check")
s3.create_bucket(Bucket=bucket)
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
    "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
PY

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
# The documented production environment (deploy/vetted.env.example), pointed at this machine.
export DJANGO_SETTINGS_MODULE=config.settings
export DEBUG=0
SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
export REDIS_URL="$REDIS"
export ALLOWED_HOSTS=127.0.0.1
export SITE_URL="$BASE"
AUDIT_HMAC_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
export AUDIT_HMAC_KEY AUDIT_ANCHOR="$WORK/audit-anchor.json"
export BEHIND_TLS_PROXY=1
export STATIC_ROOT="$WORK/static"
export AWS_STORAGE_BUCKET_NAME=$BUCKET AWS_S3_ENDPOINT_URL=$S3 AWS_S3_REGION_NAME=us-east-1
export AWS_S3_ADDRESSING_STYLE=path AWS_ACCESS_KEY_ID=deploy-check AWS_SECRET_ACCESS_KEY=deploy-check
# Mail by SMTP to a local sink that prints what it receives (Python 3.11's smtpd).
SMTP_PORT=$(free_port)
start smtp "$PYTHON" -u -W ignore -m smtpd -n -c DebuggingServer "127.0.0.1:$SMTP_PORT"
export EMAIL_HOST=127.0.0.1 EMAIL_PORT=$SMTP_PORT EMAIL_USE_TLS=0
unset STATIC_HASHED_NAMES TASKS_BACKEND PAGE_CACHE_SECONDS EMAIL_BACKEND
manage() { "$PYTHON" manage.py "$@"; }

say "check --deploy"
manage check --deploy --fail-level WARNING

say "migrate, collectstatic, demo --force, run_jobs"
manage migrate --noinput >"$WORK/migrate.log" 2>&1
manage collectstatic --noinput >"$WORK/collectstatic.log" 2>&1
manage demo --force >"$WORK/demo.log" 2>&1
manage run_jobs >"$WORK/run_jobs.log" 2>&1

say "gunicorn with 2 workers on $BASE, and the task worker"
start gunicorn "$PYTHON" -m gunicorn -c deploy/gunicorn.conf.py --bind "127.0.0.1:$PORT" --workers 2
start worker "$PYTHON" manage.py db_worker --no-reload --interval 0.2
wait_for "$BASE/healthz" "gunicorn"
"$PYTHON" - "$BASE" <<'PY'
import sys, httpx
r = httpx.get(sys.argv[1] + "/healthz")
body = r.json()
assert r.status_code == 200 and body["database"] == body["cache"] == "ok", body
assert body["jobs"]["status"] == "ok", body
r = httpx.get(sys.argv[1] + "/privacy/")  # plain HTTP, no proxy header: sent to HTTPS
assert r.status_code == 301 and r.headers["location"].startswith("https://"), r
print("/healthz:", body)
PY

say "home and article page in Chromium"
"$PYTHON" deploy/check_site.py "$BASE" "$S3" pages

say "publish through the workflow from another process; every worker's answer shows it"
TITLE="Prediabetes: What It Means and What You Can Do"
"$PYTHON" deploy/check_site.py "$BASE" "$S3" sees "$TITLE" --absent
manage shell --no-imports -c "
from django.contrib.auth import get_user_model
from articles import workflow
from articles.models import Article
article = Article.objects.get(title='$TITLE')
workflow.publish(article, get_user_model().objects.get(username='editor'))
print('published', article.slug)
"
"$PYTHON" deploy/check_site.py "$BASE" "$S3" sees "$TITLE"

say "the worker sent the publish notification"
for _ in $(seq 1 50); do
  if grep -qs "is now live" "$WORK/smtp.log"; then break; fi
  sleep 0.2
done
grep -qs "is now live" "$WORK/smtp.log" || fail "the task worker sent no \"is now live\" email"

say "passed in $((SECONDS - STARTED)) s"

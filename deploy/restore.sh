#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into an EMPTY database and media folder.
#
#   deploy/restore.sh SRC
#
# Reads DATABASE_URL and MEDIA_ROOT from the environment. Stop the app, the worker and the jobs
# timer first (docs/deploy.md), restore, then start them again. The search index is rebuilt from
# what is live, and the audit trail's hash chain is verified: a restore that does not verify
# stops here with the events named.
set -euo pipefail
SRC=${1:?usage: deploy/restore.sh SRC}
: "${DATABASE_URL:?DATABASE_URL is not set}"
PYTHON=${PYTHON:-python}
cd "$(dirname "$0")/.."
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$SRC/vetted.dump"
if [ -f "$SRC/media.tar.gz" ]; then
  : "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
  mkdir -p "$MEDIA_ROOT"
  tar --extract --gzip --file="$SRC/media.tar.gz" --directory="$MEDIA_ROOT"
fi
"$PYTHON" manage.py migrate --noinput          # a backup from an older release
"$PYTHON" manage.py rebuild_search_index
"$PYTHON" manage.py verify_audit

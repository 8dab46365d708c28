#!/usr/bin/env bash
# The restore drill: back up a small site and restore it elsewhere, then prove the copy is the
# site. Run by .ci/run; run it on a staging machine as docs/deploy.md says.
#
# A site is made in its own PostgreSQL database with local media (migrate, demo --force,
# run_jobs), backed up with deploy/backup.sh, restored with deploy/restore.sh into a second,
# empty database and media folder, and the two compared: the same rows (articles and their
# states, revisions, signatures, audit events, sources, images, users), the same media files
# byte for byte, the audit chain verified, and a published article page rendered from the copy
# with its hero image present. Both databases and all files are removed however it ends.
#
# Environment: PYTHON (default .venv/bin/python), DRILL_DB (default vetted_restore_drill; the copy
# is DRILL_DB_copy), PG_HOST_URL (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$PWD/.venv/bin/python}
export PYTHON
SOURCE_DB=${DRILL_DB:-vetted_restore_drill}
COPY_DB=${SOURCE_DB}_copy
PG=${PG_HOST_URL:-postgres://postgres@127.0.0.1:5432}
WORK=$(mktemp -d -t vetted-restore-drill.XXXXXX)
STARTED=$SECONDS

say() { printf '== restore drill: %s\n' "$*"; }
pg() { "$PYTHON" - "$PG/postgres" "$1" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), autocommit=True) as c:
    c.execute(sys.argv[2])
PY
}
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do
      [ -f "$log" ] && { echo "--- $(basename "$log") (last lines)"; tail -n 25 "$log"; } >&2
    done
  fi
  pg "DROP DATABASE IF EXISTS \"$SOURCE_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  pg "DROP DATABASE IF EXISTS \"$COPY_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

# The site's environment: production settings, local media, no Redis or S3 needed.
export DJANGO_SETTINGS_MODULE=config.settings DEBUG=0 ALLOWED_HOSTS=127.0.0.1
export SITE_URL=https://clinic.example STATIC_HASHED_NAMES=0 TASKS_BACKEND=immediate
export EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend LOG_FORMAT=text
SECRET_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
AUDIT_HMAC_KEY=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(50))')
export AUDIT_HMAC_KEY AUDIT_ANCHOR="$WORK/audit-anchor.json"
unset REDIS_URL AWS_STORAGE_BUCKET_NAME
site() {  # site DB MEDIA COMMAND...: run COMMAND against one of the two sites
  local db=$1 media=$2; shift 2
  DATABASE_URL="$PG/$db" MEDIA_ROOT="$media" "$@"
}
# What must survive a restore, as JSON: rows that matter and every media file's SHA-256.
FINGERPRINT='
import hashlib, json, os
from pathlib import Path
from django.conf import settings
from django.contrib.auth import get_user_model
from articles.audit.models import AuditEvent
from articles.models import Article, Image, Revision, Signature
from evidence.models import Source
media = Path(settings.MEDIA_ROOT)
print(json.dumps({
    "articles": sorted(Article.objects.values_list("slug", "state")),
    "revisions": Revision.objects.count(),
    "signatures": sorted(Signature.objects.values_list("content_hash", flat=True)),
    "audit": list(AuditEvent.objects.order_by("pk").values_list("pk", "hash")),
    "sources": sorted(Source.objects.values_list("doi", "title")),
    "images": sorted(Image.objects.values_list("sha256", "file")),
    "users": sorted(get_user_model().objects.values_list("username", "password")),
    "media": sorted((str(p.relative_to(media)), hashlib.sha256(p.read_bytes()).hexdigest())
                    for p in media.rglob("*") if p.is_file()),
}, sort_keys=True))
'

say "a small site in $SOURCE_DB"
pg "DROP DATABASE IF EXISTS \"$SOURCE_DB\" WITH (FORCE)"
pg "DROP DATABASE IF EXISTS \"$COPY_DB\" WITH (FORCE)"
pg "CREATE DATABASE \"$SOURCE_DB\""
pg "CREATE DATABASE \"$COPY_DB\""
site "$SOURCE_DB" "$WORK/media" "$PYTHON" manage.py migrate --noinput >"$WORK/migrate.log" 2>&1
site "$SOURCE_DB" "$WORK/media" "$PYTHON" manage.py demo --force >"$WORK/demo.log" 2>&1
site "$SOURCE_DB" "$WORK/media" "$PYTHON" manage.py run_jobs >"$WORK/run_jobs.log" 2>&1
site "$SOURCE_DB" "$WORK/media" "$PYTHON" manage.py shell --no-imports -c "$FINGERPRINT" \
  >"$WORK/source.json"

say "back up (deploy/backup.sh), restore (deploy/restore.sh) into $COPY_DB"
site "$SOURCE_DB" "$WORK/media" deploy/backup.sh "$WORK/backup"
site "$COPY_DB" "$WORK/restored-media" deploy/restore.sh "$WORK/backup"

say "compare"
site "$COPY_DB" "$WORK/restored-media" "$PYTHON" manage.py shell --no-imports -c "$FINGERPRINT" \
  >"$WORK/copy.json"
"$PYTHON" - "$WORK/source.json" "$WORK/copy.json" <<'PY'
import json, sys
source, copy = (json.load(open(path)) for path in sys.argv[1:])
assert source["articles"] and source["audit"] and source["media"], "the drill site is empty"
different = [key for key in source if source[key] != copy[key]]
if different:
    sys.exit(f"restore drill failed: the copy differs in {', '.join(different)}")
print(f"same {len(source['articles'])} articles, {len(source['audit'])} audit events, "
      f"{len(source['media'])} media files")
PY
site "$COPY_DB" "$WORK/restored-media" "$PYTHON" manage.py shell --no-imports -c '
import sys
from pathlib import Path
from django.conf import settings
from django.test import Client
from articles.models import Article, State
article = Article.objects.filter(state=State.PUBLISHED).exclude(hero_image=None).first()
response = Client(HTTP_HOST="127.0.0.1").get(article.get_absolute_url())
assert response.status_code == 200, response.status_code
assert article.title in response.content.decode()
for name in article.hero_image.stored_names():
    assert (Path(settings.MEDIA_ROOT) / name).is_file(), name
print("restored page", article.get_absolute_url(), "answers 200 with its hero image files")
'
say "passed in $((SECONDS - STARTED)) s"

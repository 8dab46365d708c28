#!/usr/bin/env bash
# Back up Vetted: the database (pg_dump, custom format) and the media files, into DEST.
#
#   deploy/backup.sh DEST
#
# Reads DATABASE_URL and MEDIA_ROOT from the environment (the app's own /etc/vetted/vetted.env).
# With media on S3 (AWS_STORAGE_BUCKET_NAME set), the bucket is backed up by the provider's
# versioning and replication instead (docs/deploy.md), and only the database is dumped here.
# The dump is consistent on its own (one transaction); take the media copy after it, so every
# image the database names is in the copy (images are never rewritten, only added).
set -euo pipefail
DEST=${1:?usage: deploy/backup.sh DEST}
: "${DATABASE_URL:?DATABASE_URL is not set}"
mkdir -p "$DEST"
pg_dump --format=custom --no-owner --no-privileges --file="$DEST/vetted.dump" "$DATABASE_URL"
if [ -z "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
  : "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
  mkdir -p "$MEDIA_ROOT"
  tar --create --gzip --file="$DEST/media.tar.gz" --directory="$MEDIA_ROOT" .
fi
echo "Backed up to $DEST: $(cd "$DEST" && ls | tr '\n' ' ')"

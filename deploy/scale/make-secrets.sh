#!/bin/sh
# Writes deploy/scale/{app,s3,postgres,minio}.env for deploy/compose.scale.yaml with fresh random
# secrets (readable by you only). An existing file is never overwritten.
set -eu
cd "$(dirname "$0")"
umask 077
random() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
write() {
  if [ -e "$1" ]; then echo "kept $1 (exists)"; return; fi
  cat >"$1"
  echo "wrote deploy/scale/$1"
}
if [ -e postgres.env ] && [ ! -e app.env ]; then
  echo "postgres.env exists but app.env does not: DATABASE_URL would not match; remove postgres.env or write app.env by hand" >&2
  exit 1
fi
pg_password=$(random 24)
write postgres.env <<END
POSTGRES_PASSWORD=$pg_password
END
write app.env <<END
SECRET_KEY=$(random 32)
DATABASE_URL=postgres://photovault:$pg_password@postgres:5432/photovault
END
write s3.env <<END
AWS_ACCESS_KEY_ID=photovault-app
AWS_SECRET_ACCESS_KEY=$(random 24)
END
write minio.env <<END
MINIO_ROOT_USER=photovault-root
MINIO_ROOT_PASSWORD=$(random 24)
END

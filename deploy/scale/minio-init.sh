#!/bin/sh
# One-shot set-up of MinIO for photovault (deploy/compose.scale.yaml's minio-init service):
# the media bucket, and a user for the app (the S3 keys in s3.env) that may use only that bucket.
# Safe to run again: existing bucket, user and policy are kept or updated.
set -eu
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing local/photovault-media
mc admin user add local "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"
mc admin policy create local photovault-media /init/minio-policy.json
mc admin policy attach local photovault-media --user "$AWS_ACCESS_KEY_ID" 2>/dev/null || true
echo "bucket photovault-media and its user are ready"

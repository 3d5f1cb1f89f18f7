#!/bin/bash
# The database's two roles, made once when the postgres container first creates its data
# directory (docker-compose.yml mounts this into /docker-entrypoint-initdb.d/).
#   cpcase_owner owns the database and every table; only `manage.py migrate` uses it.
#   cpcase_app   is what the web server, the Celery worker and beat use: no superuser, no
#                CREATEDB/CREATEROLE/BYPASSRLS; the migrations grant it row access, and on
#                the audit trail and plan versions only INSERT and SELECT.
set -euo pipefail
: "${CPCASE_OWNER_PASSWORD:?set CPCASE_OWNER_PASSWORD}"
: "${CPCASE_APP_PASSWORD:?set CPCASE_APP_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$CPCASE_OWNER_PASSWORD" -v app_password="$CPCASE_APP_PASSWORD" <<'SQL'
CREATE ROLE cpcase_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
    PASSWORD :'owner_password';
CREATE ROLE cpcase_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT
    PASSWORD :'app_password';
CREATE DATABASE cpcase OWNER cpcase_owner;
REVOKE ALL ON DATABASE cpcase FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE cpcase TO cpcase_app;
\connect cpcase
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL

#!/bin/sh
# Run by Patroni once, on the first primary, after initdb: the role the
# services connect as, and one database per service (each service keeps its
# own database; they share the replicated cluster). $1 is a superuser
# connection string; ENROLL_APP_PASSWORD comes from Patroni's environment.
set -eu
: "${ENROLL_APP_PASSWORD:?ENROLL_APP_PASSWORD must be set in Patroni's environment}"
psql "$1" -v ON_ERROR_STOP=1 -q \
    -v password="$ENROLL_APP_PASSWORD" <<'SQL'
CREATE ROLE enroll LOGIN PASSWORD :'password';
CREATE DATABASE enroll_auth OWNER enroll;
CREATE DATABASE enroll_courses OWNER enroll;
CREATE DATABASE enroll_grades OWNER enroll;
SQL

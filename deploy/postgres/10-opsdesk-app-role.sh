#!/bin/sh
# Run by the postgres image once, when its volume is first initialised: creates the role
# the API and worker connect as. It owns nothing; `opsdesk migrate`, connected as the
# owner (POSTGRES_USER), grants it row access after every migration run.
set -eu
psql -v ON_ERROR_STOP=1 -v password="$OPSDESK_APP_PASSWORD" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE opsdesk_app LOGIN PASSWORD :'password';
SQL

#!/usr/bin/env bash
# Run once by the image's entrypoint after initdb (/docker-entrypoint-initdb.d), as the server's
# OS user: install the server certificate and key where only that user can read the key, turn
# TLS on, and accept password (SCRAM) logins over TLS only, as RDS Proxy requires.
set -euo pipefail
install -m 0644 /tls-src/server.crt "$PGDATA/server.crt"
install -m 0600 /tls-src/server.key "$PGDATA/server.key"
cat >> "$PGDATA/postgresql.conf" <<'CONF'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
CONF
cat > "$PGDATA/pg_hba.conf" <<'HBA'
# inside the container only (the entrypoint's own set-up)
local     all all     trust
hostssl   all all all scram-sha-256
hostnossl all all all reject
HBA

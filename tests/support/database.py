# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A database of a test's own on a server of localpg, reached with either driver community.postgresql supports."""

import os
import subprocess
import time

import psycopg
import psycopg2

from support.machine import DEBIAN_BINDIR, debian_postgresql

# Debian's client programs (the machine's major, support/machine.py): psql runs files against servers of
# 15 to 18 alike; pg_dump dumps servers of its own major and older ones
CLIENT_BIN = DEBIAN_BINDIR % debian_postgresql()

# the drivers community.postgresql supports, by the name its modules give them
DRIVERS = {'psycopg2': psycopg2, 'psycopg': psycopg}


class Database:
    """A database of its own for one test."""

    def __init__(self, server, name):
        self.server = server
        self.name = name

    def dsn(self, **overrides):
        dsn = self.server.dsn(self.name)
        dsn.update(overrides)
        return dsn

    def connect(self, driver='psycopg2', **overrides):
        return DRIVERS[driver].connect(**self.dsn(**overrides))

    def query(self, sql, params=None):
        with self.connect() as conn:
            with conn.cursor() as cur:
                cur.execute(sql, params)
                rows = cur.fetchall() if cur.description else None
        conn.close()
        return rows

    def scalar(self, sql, params=None):
        return self.query(sql, params)[0][0]

    def execute(self, sql, params=None):
        conn = self.connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
        conn.close()

    def admin_execute(self, sql, params=None):
        """As the set-up superuser: what only a person with more power than the master could do by hand."""
        conn = psycopg2.connect(**self.server.admin_dsn(self.name))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, params)
        conn.close()

    def migrator_login(self):
        """The login options of shoppulse_migrator, made able to log in (the set-up superuser creates it as migration 8
        would, when it is missing, and gives it the server's password for it, when it lacks it); for the work that runs
        as the migrator, never as the master (docs/privileges.md)."""
        role = 'shoppulse_migrator'
        password = self.server.role_password(role)
        for attempt in range(5):
            try:
                psycopg2.connect(**self.server.dsn(self.name, user=role, password=password)).close()
                break
            except psycopg2.OperationalError:
                try:
                    self.admin_execute(
                        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN CREATE ROLE %s LOGIN "
                        "NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION; END IF; END $$" % (role, role))
                    self.admin_execute('ALTER ROLE %s PASSWORD %%s' % role, (password,))
                except psycopg2.Error:  # another test did the same at the same moment
                    time.sleep(0.2 * (attempt + 1))
        return dict(login_user=role, login_password=password)

    def psql_files(self, paths):
        """Run each file with `psql -f` (no ON_ERROR_STOP: psql goes on past a failing statement, as a script
        that ran it did), as the master user; return psql's ERROR lines."""
        errors = []
        for path in paths:
            proc = subprocess.run([os.path.join(CLIENT_BIN, 'psql'), '-X', '-q', '-d', self.name, '-f', path],
                                  capture_output=True, text=True, check=False, env=self.server.client_env())
            assert proc.returncode == 0, '%s: %s' % (path, proc.stderr)
            errors += [line for line in proc.stderr.splitlines() if 'ERROR:' in line]
        return errors

    def tables(self):
        return set(r[0] for r in self.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))

# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schema_apply reads SQL as psql reads it: each file of psql_corpus/ applied by schema_apply's engine
into one database and by `psql -1 -f` into another, as the RDS-like master user, gives the same dump.

The dumps are pg_dump's (schema and data, the ledger and its history left out), so a statement split differently,
run twice, or lost shows as a difference. Debian's psql and pg_dump are of version 15, so the servers
are 15 (pg_dump does not dump a newer server); the splitter itself depends on no server version.
"""

import os
import re
import shutil
import subprocess

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import split_statements

from support.database import CLIENT_BIN, Database

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'psql_corpus')
FILES = sorted(name for name in os.listdir(CORPUS) if name.endswith('.sql'))


def dump(database):
    proc = subprocess.run([os.path.join(CLIENT_BIN, 'pg_dump'), '--no-owner', '--exclude-table=schema_migrations',
                           '--exclude-table=schema_migrations_history',
                           '-d', database.name], capture_output=True, text=True, check=True,
                          env=database.server.client_env())
    # pg_dump's \restrict key is random in every dump
    return re.sub(r'^\\(un)?restrict \S+$', r'\\\1restrict', proc.stdout, flags=re.MULTILINE)


@pytest.fixture
def second_database(database):
    other = Database(database.server, database.name + '_psql')
    database.execute('CREATE DATABASE %s' % other.name)
    yield other
    database.execute('DROP DATABASE %s WITH (FORCE)' % other.name)


@pytest.mark.parametrize('name', FILES)
def test_schema_apply_and_psql_build_the_same_database(database, second_database, tmp_path, name):
    source = os.path.join(CORPUS, name)
    sql_dir = tmp_path / 'sql'
    sql_dir.mkdir()
    shutil.copyfile(source, str(sql_dir / '0001_corpus.sql'))
    conn = database.connect()
    result = engine.run(conn, str(sql_dir))
    conn.close()
    assert result['current_version'] == 1

    proc = subprocess.run([os.path.join(CLIENT_BIN, 'psql'), '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-1',
                           '-d', second_database.name, '-f', source], capture_output=True, text=True, check=False,
                          env=database.server.client_env())
    assert proc.returncode == 0, proc.stderr
    ours, theirs = dump(database), dump(second_database)
    assert ours == theirs
    assert 'CREATE' in ours  # the dump is of something


def test_the_corpus_has_the_constructs_the_splitter_must_keep_whole():
    """Each construct psql keeps in one statement is in the corpus, and split as one statement."""
    texts = dict((name, [s.text for s in split_statements(open(os.path.join(CORPUS, name)).read())])
                 for name in FILES)
    atomic = [t for t in texts['begin_atomic.sql'] if 'BEGIN ATOMIC' in t.upper()]
    assert len(atomic) == 3 and all(t.rstrip().upper().endswith('END') for t in atomic)
    rule = [t for t in texts['rules_and_parentheses.sql'] if t.startswith('CREATE RULE')]
    assert len(rule) == 1 and rule[0].count('INSERT INTO') == 2
    assert len(texts['quoting.sql']) == 8

# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The migration lock: a PostgreSQL advisory lock of the ledger, held by one run at a time.

Plain Python over a DB-API cursor; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import time
import zlib

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import pgcompat
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.settings import interval_seconds

try:
    from typing import Any, Iterator
except ImportError:  # pragma: no cover
    pass

LOCK_CLASS = 0x53505341  # 'SPSA': the first key of the two-key advisory lock
CONNECTION_CHECK_INTERVAL = '1s'


def lock_key(schema, table):
    # type: (str, str) -> int
    """The second key of the ledger ``schema.table``'s lock: a signed 32-bit number."""
    key = zlib.crc32(('%s.%s' % (schema, table)).encode('utf-8'))
    return key - (1 << 32) if key >= 1 << 31 else key


def set_connection_check(conn, cursor):
    # type: (Any, Any) -> None
    """Lets the server notice a client that died mid-migration within a second, roll back and release the lock,
    instead of finishing a long statement first (PostgreSQL 14 and later)."""
    if pgcompat.server_version(conn) >= 140000:
        cursor.execute('SELECT set_config(%s, %s, false)', ('client_connection_check_interval', CONNECTION_CHECK_INTERVAL))


@contextlib.contextmanager
def held(conn, cursor, schema, table, timeout):
    # type: (Any, Any, str, str, str) -> Iterator[None]
    """The lock of the ledger ``schema.table``, taken polling with pg_try_advisory_lock until ``timeout`` (an
    interval), released at the end; EngineError naming the holder's server process when it stays taken.

    A waiter must not block inside pg_advisory_lock(): that statement holds a snapshot, and CREATE INDEX
    CONCURRENTLY in the run that holds the lock waits for every such snapshot to go away: a deadlock.
    """
    key = lock_key(schema, table)
    set_connection_check(conn, cursor)
    deadline = time.monotonic() + interval_seconds(timeout or '0')
    delay = 0.02
    while True:
        cursor.execute('SELECT pg_try_advisory_lock(%s, %s)', (LOCK_CLASS, key))
        if cursor.fetchone()[0]:
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            cursor.execute("SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted "
                           "AND classid = %s::oid AND objid = %s::oid AND objsubid = 2",
                           (LOCK_CLASS & 0xFFFFFFFF, key & 0xFFFFFFFF))
            holder = cursor.fetchone()
            raise EngineError('could not take the migration lock of %s.%s within %s: another run is applying '
                              'migrations (server process %s holds it)'
                              % (schema, table, timeout, holder[0] if holder else 'unknown'))
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.5)
    try:
        yield
    finally:
        try:
            cursor.execute('SELECT pg_advisory_unlock(%s, %s)', (LOCK_CLASS, key))
        except Exception:  # pylint: disable=broad-except
            pass  # the connection is gone: so is the lock

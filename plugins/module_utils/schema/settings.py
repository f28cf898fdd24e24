# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The settings of a migration run, built and checked once, one default each.

``Settings.from_params`` takes schema_apply's parameters; tests build a ``Settings`` directly. A new option is one
field here (its default, its check), the argument spec and the docs. Plain Python; no Ansible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    from typing import Any, Dict, Optional
except ImportError:  # pragma: no cover
    pass

DEFAULT_LOCK_TIMEOUT = '10s'
DEFAULT_STATEMENT_TIMEOUT = '15min'
DEFAULT_LOCK_RETRIES = 3
DEFAULT_LOCK_RETRY_DELAY = '1s'
DEFAULT_MIGRATION_LOCK_TIMEOUT = '5min'
MAX_LOCK_RETRY_DELAY = 60.0

_INTERVAL = re.compile(r'^\s*([0-9]+)\s*(us|ms|s|min|h|d)?\s*$')
_UNIT_SECONDS = {'us': 1e-6, 'ms': 1e-3, 's': 1.0, 'min': 60.0, 'h': 3600.0, 'd': 86400.0, None: 1e-3}

# name: default; the intervals among them are checked as such
DEFAULTS = dict(
    ledger_schema='public', ledger_table='schema_migrations', target_version=None, out_of_order=False,
    lock_timeout=DEFAULT_LOCK_TIMEOUT, statement_timeout=DEFAULT_STATEMENT_TIMEOUT,
    migration_lock_timeout=DEFAULT_MIGRATION_LOCK_TIMEOUT, lock_retries=DEFAULT_LOCK_RETRIES,
    lock_retry_delay=DEFAULT_LOCK_RETRY_DELAY)  # type: Dict[str, Any]
INTERVALS = ('lock_timeout', 'lock_retry_delay', 'statement_timeout', 'migration_lock_timeout')


def interval_seconds(text):
    # type: (Any) -> float
    """Seconds in a PostgreSQL duration setting: '500ms', '10s', '5min', '1h' (a bare number is ms)."""
    match = _INTERVAL.match('%s' % text)
    if not match:
        raise EngineError('%r is not a duration such as 500ms, 10s, 5min or 1h' % (text,))
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


class Settings(object):
    """How a run applies migrations: the ledger, the target, the timeouts and the lock retries. Checked when
    built: EngineError naming the setting (never anything of a file)."""

    def __init__(self, **given):
        # type: (**Any) -> None
        unknown = sorted(set(given) - set(DEFAULTS))
        if unknown:
            raise TypeError('unknown settings: %s' % ', '.join(unknown))
        values = dict(DEFAULTS)
        values.update((name, value) for name, value in given.items() if value is not None)
        self.ledger_schema = values['ledger_schema']  # type: str
        self.ledger_table = values['ledger_table']  # type: str
        self.target_version = values['target_version']  # type: Optional[int]
        self.out_of_order = bool(values['out_of_order'])
        self.lock_timeout = values['lock_timeout']  # type: str
        self.statement_timeout = values['statement_timeout']  # type: str
        self.migration_lock_timeout = values['migration_lock_timeout']  # type: str
        self.lock_retries = values['lock_retries']  # type: int
        self.lock_retry_delay = values['lock_retry_delay']  # type: str
        for name in INTERVALS:
            try:
                interval_seconds(getattr(self, name))
            except EngineError as exc:
                raise EngineError('%s: %s' % (name, exc.message))
        if not isinstance(self.lock_retries, int) or self.lock_retries < 0:
            raise EngineError('lock_retries must be 0 or more (it is %s)' % (self.lock_retries,))
        if self.target_version is not None and self.target_version < 0:
            raise EngineError('target_version must be a migration version, or 0 to revert every migration')

    @classmethod
    def from_params(cls, params):
        # type: (Dict[str, Any]) -> Settings
        """From a module's parameters (those it does not know are left out)."""
        return cls(**dict((name, params.get(name)) for name in DEFAULTS))

    def retry_delay(self, attempt):
        # type: (int) -> float
        """Seconds to wait before attempt ``attempt`` + 1 after a lock timeout: doubling, at most a minute."""
        return min(interval_seconds(self.lock_retry_delay) * (2 ** (attempt - 1)), MAX_LOCK_RETRY_DELAY)

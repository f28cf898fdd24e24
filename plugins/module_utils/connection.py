# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Ansible side of connecting: community.postgresql's layer plus login_db and a timeout.

Every module of this collection connects here, so that options, TLS handling,
the choice of psycopg 3 or psycopg2 and the wording of connection errors are
the same everywhere (and the same as community.postgresql's modules).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.community.postgresql.plugins.module_utils.postgres import (
    connect_to_db,
    ensure_required_libs,
    get_conn_params,
    postgres_common_argument_spec,
)


def argument_spec(**extra):
    """community.postgresql's connection options, login_db and connect_timeout, plus ``extra``."""
    spec = postgres_common_argument_spec()
    spec.update(
        login_db=dict(type='str', required=True),
        connect_timeout=dict(type='int', default=10),
    )
    spec.update(extra)
    return spec


def connect(module):
    """Connect (autocommit) or fail the module with community.postgresql's message."""
    ensure_required_libs(module)
    params = get_conn_params(module, module.params)
    if module.params.get('connect_timeout'):
        params.setdefault('connect_timeout', module.params['connect_timeout'])
    conn, dummy = connect_to_db(module, params, autocommit=True)
    return conn

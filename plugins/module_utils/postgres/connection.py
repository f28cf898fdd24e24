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

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.community.postgresql.plugins.module_utils import postgres
from ansible_collections.community.postgresql.plugins.module_utils.postgres import (
    connect_to_db,
    ensure_required_libs,
    get_conn_params,
    postgres_common_argument_spec,
)
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.pgcompat import (
    UnsupportedServer,
    check_server_version,
)
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.privileges import (
    SERVER_SEARCH_PATH,
    PrivilegeError,
    require_not_elevated,
    set_search_path,
)

try:
    from typing import Any, Dict, Optional
except ImportError:  # pragma: no cover
    pass


def argument_spec(**extra):
    # type: (**Any) -> Dict[str, Any]
    """community.postgresql's connection options, login_db and connect_timeout, plus ``extra``."""
    spec = postgres_common_argument_spec()
    spec.update(
        login_db=dict(type='str', required=True),
        connect_timeout=dict(type='int', default=10),
    )
    spec.update(extra)
    return spec


def _params(module, **overrides):
    # type: (Any, **Any) -> Dict[str, Any]
    params = get_conn_params(module, dict(module.params, **overrides), warn_db_default=False)
    if module.params.get('connect_timeout'):
        params.setdefault('connect_timeout', module.params['connect_timeout'])
    return params


def connect(module, search_path=SERVER_SEARCH_PATH, owner_work=None):
    # type: (Any, str, Optional[str]) -> Any
    """Connect (autocommit) or fail the module with community.postgresql's message.

    A server of a major version the collection does not serve fails the module here, before
    anything is read or written. The session's search_path is ``search_path`` (by default
    pg_catalog alone: the server's work resolves no name a role can create). ``owner_work`` names
    work that runs code of the schema's owner (docs/privileges.md): a login above the owner (the
    master user) is refused for it before anything is read.
    """
    ensure_required_libs(module)
    conn, dummy = connect_to_db(module, _params(module), autocommit=True)
    try:
        set_search_path(conn, search_path)
        check_server_version(conn)
        if owner_work:
            require_not_elevated(conn, owner_work)
    except (UnsupportedServer, PrivilegeError) as exc:
        conn.close()
        module.fail_json(msg='%s:%s: %s' % (module.params.get('login_host') or 'localhost',
                                            module.params.get('login_port'), exc))
    return conn


def try_login(module, user, password):
    # type: (Any, str, str) -> Optional[str]
    """None when ``user`` logs in with ``password`` where the module connects (same host, TLS and
    database), else the driver's error in one line. Nothing is run in the session."""
    try:
        conn = postgres.psycopg.connect(**_params(module, login_user=user, login_password=password))
    except Exception as exc:  # pylint: disable=broad-except
        return ' '.join(to_native(exc).split())
    conn.close()
    return None

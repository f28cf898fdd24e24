#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: upgrade_check
short_description: Check a PostgreSQL database before a major version upgrade, and refuse what would fail
version_added: 0.2.0
description:
  - Reads the live server and fails, naming each object, when a major version upgrade to O(target_major) would
    fail or is not an upgrade RDS makes, before anything changes (no snapshot, no parameter group, no
    modification).
  - The checks are those C(pg_upgrade --check) makes on the old cluster and those RDS documents for an in-place
    major upgrade - the path (a later major RDS offers; a downgrade, the same major or a major the collection does
    not serve is refused with the allowed targets), open prepared transactions, logical replication slots, columns
    of the reg* types whose OIDs pg_upgrade cannot carry (in arrays and domains too), columns of type C(aclitem)
    for an upgrade from 15 to 16 or later, and, with O(target_extensions), extensions or extension versions the
    target does not offer.
  - Reads the database it connects to (and the server's prepared transactions and slots); run it on each
    database of the instance. It never changes anything.
author:
  - ShopPulse platform team (@shoppulse)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - community.postgresql.postgres
  - shoppulse.analytics.connection
attributes:
  check_mode:
    support: full
    details: The module only reads, so it runs the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  target_major:
    description:
      - The major version to upgrade to, for example C(17).
    type: int
    required: true
  target_extensions:
    description:
      - The extensions the target offers, by name, each with the list of versions it offers, for example from RDS's
        list of extensions of the target version.
      - Omitted, extensions are not checked.
    type: dict
  fail_on_findings:
    description:
      - Fail when a check finds something. When false, the findings are only returned.
    type: bool
    default: true
seealso:
  - module: shoppulse.analytics.server_check
  - name: Upgrading the PostgreSQL DB engine for Amazon RDS
    description: What RDS checks before a major version upgrade.
    link: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.PostgreSQL.html
'''

EXAMPLES = r'''
- name: Refuse an upgrade to 17 that would fail, before the snapshot
  shoppulse.analytics.upgrade_check:
    target_major: 17
    login_host: "{{ database_endpoint }}"
    login_user: shoppulse_admin
    login_password: "{{ master_password }}"
    login_db: shoppulse
    ssl_mode: verify-full
    ca_cert: /etc/ssl/shoppulse/rds-ca-bundle.pem
'''

RETURN = r'''
current_major:
  description: The server's major version.
  returned: always
  type: int
  sample: 15
findings:
  description: What would make the upgrade fail, each with the C(check), the C(object) it names and a C(message).
  returned: always
  type: list
  elements: dict
  sample:
    - check: prepared transaction
      object: left-open
      message: an open prepared transaction in database shoppulse; COMMIT PREPARED or ROLLBACK PREPARED it first
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import upgrade_checks
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.connection import argument_spec, connect
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.pgcompat import SUPPORTED_MAJORS


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(target_major=dict(type='int', required=True),
                                    target_extensions=dict(type='dict'),
                                    fail_on_findings=dict(type='bool', default=True)),
        supports_check_mode=True,
    )
    params = module.params
    conn = connect(module)
    try:
        current = upgrade_checks.current_major(conn)
        found = upgrade_checks.check(conn, params['target_major'], SUPPORTED_MAJORS, params['target_extensions'])
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='reading the server failed: %s' % to_native(exc))
    finally:
        conn.close()
    findings = [f._asdict() for f in found]
    if found and params['fail_on_findings']:
        module.fail_json(msg='an upgrade from %d to %d is refused, nothing was changed: %s'
                         % (current, params['target_major'], upgrade_checks.describe(found)),
                         current_major=current, findings=findings)
    module.exit_json(changed=False, current_major=current, findings=findings)


if __name__ == '__main__':
    main()

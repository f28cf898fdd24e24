# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options this collection adds to community.postgresql's connection options.
    DOCUMENTATION = r'''
options:
  login_db:
    description:
      - Name of the database to connect to.
    type: str
    required: true
  connect_timeout:
    description:
      - Seconds to wait for the connection to be established before failing.
      - Without it, an unreachable host can hold a play for minutes.
    type: int
    default: 10
notes:
  - Connections go through community.postgresql's connection layer, with psycopg 3 when it is
    installed on the managed node and psycopg2 otherwise.
  - To connect as RDS Proxy expects, use O(ssl_mode=verify-full) with O(ca_cert) set to the
    RDS CA bundle; the password is never logged (C(no_log)).
requirements:
  - psycopg2 >= 2.8 or psycopg >= 3.1
'''

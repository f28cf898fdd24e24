# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The database role serves the PostgreSQL majors the collection serves: its list is checked against the source."""

import os

import yaml

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.pgcompat import SUPPORTED_MAJORS
from support import ROOT


def test_the_database_role_serves_the_collections_majors():
    with open(os.path.join(ROOT, 'roles', 'database', 'vars', 'main.yml')) as handle:
        role_vars = yaml.safe_load(handle)
    assert tuple(role_vars['database_engine_majors']) == SUPPORTED_MAJORS

# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/names.py: each fault it promises to find, one at a time, and named; what it must let through."""

import os
import re

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import names

SUFFIXES = ('_history', '_repeatable')


@pytest.mark.parametrize('value', ['schema_migrations', 'a', 'x' * 63, u'\u00e9' * 31, 'with "quotes" and spaces'])
def test_postgresql_names_pass(value):
    assert names.check(value, 'ledger_table') == value


@pytest.mark.parametrize('value, message', [
    ('', 'ledger_table is empty'),
    (None, 'ledger_table must be a name (text), not NoneType'),
    (7, 'ledger_table must be a name (text), not int'),
    ('a\x00b', 'ledger_table holds a NUL character'),
    ('x' * 64, 'ledger_table is 64 bytes long: PostgreSQL keeps the first 63'),
    (u'\u00e9' * 32, 'ledger_table is 64 bytes long'),  # 32 characters, 64 bytes: the length is in bytes
])
def test_each_fault_of_a_name_is_named(value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        names.check(value, 'ledger_table')


def test_derived_names_must_fit_whole():
    assert names.derived('l' * 52, SUFFIXES, 'ledger_table')['_repeatable'] == 'l' * 52 + '_repeatable'
    with pytest.raises(ValueError, match='ledger_table is 53 bytes long, and the collection names its companion '
                                         '<ledger_table>_repeatable \\(64 bytes\\).*at most 52 bytes'):
        names.derived('l' * 53, SUFFIXES, 'ledger_table')
    with pytest.raises(ValueError, match='ledger_table is empty'):
        names.derived('', SUFFIXES, 'ledger_table')


def test_derived_names_may_not_collide():
    with pytest.raises(ValueError, match='collide'):
        names.derived('x', ('', '_a'), 'ledger_table')  # a companion named as the ledger


def test_a_link_out_of_its_folder_is_found(tmp_path):
    inside, outside = tmp_path / 'sql', tmp_path / 'secret.txt'
    inside.mkdir()
    outside.write_text('x')
    (inside / 'plain.sql').write_text('SELECT 1;')
    os.symlink(str(outside), str(inside / 'out.sql'))
    os.symlink(str(inside / 'plain.sql'), str(inside / 'in.sql'))
    assert not names.leaves(str(inside / 'plain.sql'), str(inside))
    assert not names.leaves(str(inside / 'in.sql'), str(inside))  # a link inside the folder is fine
    assert names.leaves(str(inside / 'out.sql'), str(inside))

# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The manifest lookup: the collection's files/manifest.yml, and a clear error for a file it cannot read."""

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.shoppulse.analytics.plugins.lookup import manifest


def test_the_collections_own_manifest_names_the_login_roles():
    roles = manifest.load()['roles']
    assert sorted(name for name, role in roles.items() if role['login']) == [
        'shoppulse_app', 'shoppulse_migrator', 'shoppulse_readonly']
    assert not roles['shoppulse_owner']['login']


def test_a_missing_or_malformed_manifest_is_named(tmp_path):
    with pytest.raises(AnsibleLookupError, match='cannot read the manifest .*missing.yml'):
        manifest.load(str(tmp_path / 'missing.yml'))
    (tmp_path / 'list.yml').write_text('- a\n')
    with pytest.raises(AnsibleLookupError, match='list.yml is not a mapping'):
        manifest.load(str(tmp_path / 'list.yml'))

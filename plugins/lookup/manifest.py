# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: manifest
short_description: The collection's manifest of the database (files/manifest.yml), parsed
version_added: 0.2.0
author: ShopPulse platform team (@shoppulse)
description:
  - Returns the manifest that M(shoppulse.analytics.schema_verify) compares the live database with, as one
    dictionary (C(migrations), C(tables), C(functions), C(roles) and the rest).
  - The one source of what the migrations build, for what the roles need to know of it; the provisioning roles
    take the database's login roles from its C(roles) (those with C(login)), wherever the play runs from (no
    C(role_path) or C(playbook_dir) needed).
options:
  _terms:
    description: Another manifest file to read; none reads the collection's own C(files/manifest.yml).
    required: false
    type: list
    elements: path
'''

EXAMPLES = r'''
- name: Show the database's login roles
  ansible.builtin.debug:
    msg: >-
      {{ lookup('shoppulse.analytics.manifest').roles | dict2items | selectattr('value.login')
         | map(attribute='key') | list }}
'''

RETURN = r'''
_raw:
  description: The manifest, one dictionary.
  type: list
  elements: dict
'''

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.drift import read_manifest

OWN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'files', 'manifest.yml')


def load(path=OWN):
    """The manifest at path, parsed (by libyaml when PyYAML has it: ten times faster here, and roles' variables
    that use the lookup are templated anew by each task that reads them)."""
    try:
        return read_manifest(path)
    except ValueError as exc:
        raise AnsibleLookupError(str(exc))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        return [load(term) for term in terms] if terms else [load()]

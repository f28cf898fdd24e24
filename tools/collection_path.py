# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.shoppulse.analytics`` importable from a plain checkout.

The repository root is the collection root. Ansible (and Python) find it under
``collections/ansible_collections/shoppulse/analytics``, a symbolic link to the
root that the repository holds (this recreates it if a checkout lost it, on a
file system without symbolic links for one); ansible.cfg names the same path.
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')


def ensure_link() -> str:
    namespace = os.path.join(COLLECTIONS, 'ansible_collections', 'shoppulse')
    link = os.path.join(namespace, 'analytics')
    os.makedirs(namespace, exist_ok=True)
    if not os.path.islink(link):
        os.symlink(os.path.relpath(ROOT, namespace), link)
    return link


def ensure_importable() -> None:
    ensure_link()
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)


if __name__ == '__main__':
    print(ensure_link())

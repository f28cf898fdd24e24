# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the variables tables of each role's README from its meta/argument_specs.yml.

  python tools/role_docs.py            # rewrite the generated part of roles/*/README.md
  python tools/role_docs.py --check    # fail when a README is not what its argument spec gives (CI)

The argument spec is the one source: Ansible validates variables against it, ansible-doc and antsibull-docs
render it, and this renders it into the README between the two marker lines, so nothing is written twice.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = '<!-- BEGIN VARIABLES: generated from meta/argument_specs.yml by tools/role_docs.py; do not edit -->'
END = '<!-- END VARIABLES -->'
MARKUP = [
    (re.compile(r'\b[CMOV]\(([^)]*)\)'), r'`\1`'),
    (re.compile(r'\bI\(([^)]*)\)'), r'*\1*'),
    (re.compile(r'\bB\(([^)]*)\)'), r'**\1**'),
    (re.compile(r'\bU\(([^)]*)\)'), r'<\1>'),
    (re.compile(r'\bL\(([^,)]*),\s*([^)]*)\)'), r'[\1](\2)'),
]


def markdown(text):
    for pattern, replacement in MARKUP:
        text = pattern.sub(replacement, text)
    return text.replace('|', '\\|').replace('\n', ' ')


def text_of(description):
    if isinstance(description, list):
        return ' '.join(markdown(str(part)) for part in description)
    return markdown(str(description or ''))


def default_of(option):
    if 'default' not in option:
        return ''
    value = option['default']
    if value == '' or value is None:
        return '`""`' if value == '' else '`null`'
    return '`%s`' % (json.dumps(value, sort_keys=False) if not isinstance(value, str) else value).replace('|', '\\|')


def type_of(option):
    kind = option.get('type', 'str')
    if kind == 'list' and option.get('elements'):
        kind = 'list of %s' % option['elements']
    if option.get('choices'):
        kind += ': ' + ', '.join('`%s`' % c for c in option['choices'])
    return kind


def render(specs):
    """The Markdown of every entry point of a role's argument_specs, as it goes between the markers."""
    out = []
    seen = {}
    for entry, spec in specs['argument_specs'].items():
        out.append('### Entry point `%s`' % entry)
        out.append('')
        out.append(text_of(spec.get('short_description', '')))
        out.append('')
        options = spec.get('options') or {}
        if not options:
            out += ['No variables.', '']
            continue
        same = next((name for name, known in seen.items() if known == options), None)
        if same:
            out += ['The same variables as `%s`.' % same, '']
            continue
        seen[entry] = options
        out.append('| Variable | Type | Default | Description |')
        out.append('| --- | --- | --- | --- |')
        for name in sorted(options):
            option = options[name] or {}
            required = ' **required**' if option.get('required') else ''
            secret = ' (no_log)' if option.get('no_log') else ''
            cells = (name, required, type_of(option), default_of(option), text_of(option.get('description')), secret)
            out.append('| `%s`%s | %s | %s | %s%s |' % cells)
        out.append('')
    return '\n'.join(out).rstrip('\n') + '\n'


def updated(readme_text, specs, path):
    if BEGIN not in readme_text or END not in readme_text:
        raise SystemExit('%s has no %r ... %r markers' % (path, BEGIN, END))
    head, rest = readme_text.split(BEGIN, 1)
    dummy, tail = rest.split(END, 1)
    return head + BEGIN + '\n\n' + render(specs) + '\n' + END + tail


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--check', action='store_true')
    parser.add_argument('--roles', default=os.path.join(ROOT, 'roles'))
    args = parser.parse_args(argv)
    stale = []
    for role in sorted(os.listdir(args.roles)):
        spec_path = os.path.join(args.roles, role, 'meta', 'argument_specs.yml')
        readme = os.path.join(args.roles, role, 'README.md')
        if not os.path.exists(spec_path):
            continue
        with open(spec_path) as handle:
            specs = yaml.safe_load(handle)
        with open(readme) as handle:
            current = handle.read()
        wanted = updated(current, specs, readme)
        if wanted == current:
            continue
        if args.check:
            stale.append(readme)
            sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True), readme,
                                                       readme + ' (from argument_specs)', n=1))
        else:
            with open(readme, 'w') as handle:
                handle.write(wanted)
            print('wrote %s' % os.path.relpath(readme, ROOT))
    if stale:
        print('\n%d README(s) differ from their argument specs: run `make role-docs`' % len(stale))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

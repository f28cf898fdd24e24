# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The security promises of the stack, checked over the playbooks, roles and inventories.

  python tools/security_check.py [ROOT]       exit 1 and one line per finding when a check fails

Checkov's and KICS's built-in Ansible checks match the short and legacy names of AWS modules, not
amazon.aws's fully qualified ones, and cannot follow a value into a role's defaults; this checker
reads the tasks by their fully qualified module names.

What must never be off is a constant in the task (encryption, no public access, minor upgrades, the
PostgreSQL log export, TLS on the proxy, flow logs of ALL traffic): the check fails on any other value,
a template included, so a change that makes one a setting again fails here. What stays configurable
(the subnets, the CIDRs that reach the proxy, log retention) is resolved through the role's defaults
and vars and the inventories' group_vars, so that a user's inventory is checked too.

Each check has an id, the promise it keeps, and fails when it cannot prove it.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys

import jinja2
import yaml

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import networks
from security_iam import check_deployer_policies

UNKNOWN = object()
SINGLE_VARIABLE = re.compile(r'^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*(?:bool|int|string)\s*)?\}\}$')
DB_PORT = 5432
# the address space that is nobody's on the internet: RFC 1918, RFC 6598 (shared), IPv6 unique local
NOT_ON_THE_INTERNET = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7']


class Task:
    def __init__(self, path, role, module, args):
        self.path = path
        self.role = role
        self.module = module
        self.args = args if isinstance(args, dict) else {}

    @property
    def where(self):
        return '%s (%s)' % (self.path, self.args.get('name') or self.args.get('id') or self.module)


class Tree:
    """The YAML of a collection checkout: role tasks, defaults, vars, templates, playbooks, inventories."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.variables = {}  # role -> {name: value}
        for role_dir in sorted(glob.glob(os.path.join(self.root, 'roles', '*'))):
            role = os.path.basename(role_dir)
            values = {}
            for part in ('defaults', 'vars'):
                data = self._load(os.path.join(role_dir, part, 'main.yml'))
                if isinstance(data, dict):
                    values.update(data)
            self.variables[role] = values
        self.tasks = []
        for path in sorted(glob.glob(os.path.join(self.root, 'roles', '*', 'tasks', '*.yml'))):
            role = path.split(os.sep)[-3]
            self._collect(path, role, self._load(path))
        for path in sorted(glob.glob(os.path.join(self.root, 'playbooks', '*.yml'))):
            for play in self._load(path) or []:
                if isinstance(play, dict):
                    for section in ('pre_tasks', 'tasks', 'post_tasks', 'handlers'):
                        self._collect(path, None, play.get(section))
        self.inventory_vars = []
        for path in sorted(glob.glob(os.path.join(self.root, 'inventories', '*', 'group_vars', '*.yml'))):
            data = self._load(path)
            if isinstance(data, dict):
                self.inventory_vars.append((path, data))

    def _load(self, path):
        try:
            with open(path, encoding='utf-8') as handle:
                return yaml.safe_load(handle)
        except OSError:
            return None

    def _collect(self, path, role, tasks):
        for task in tasks or []:
            if not isinstance(task, dict):
                continue
            for nested in ('block', 'rescue', 'always'):
                if nested in task:
                    self._collect(path, role, task[nested])
            for key, value in task.items():
                if '.' in key and key.count('.') == 2:
                    args = dict(value) if isinstance(value, dict) else {}
                    args.setdefault('name', task.get('name'))
                    self.tasks.append(Task(os.path.relpath(path, self.root), role, key, args))

    def find(self, *modules):
        return [t for t in self.tasks if t.module in modules]

    def chain(self, role, value):
        """The variables a value goes through and the value at its end ({{ a }} -> a's default {{ b }} -> 30)."""
        names = []
        while isinstance(value, str) and role is not None and len(names) < 6:
            match = SINGLE_VARIABLE.match(value.strip())
            if not match:
                break
            names.append(match.group(1))
            value = self.variables.get(role, {}).get(match.group(1), UNKNOWN)
        return names, value

    def overrides(self, names):
        """(path, variable, value) for each inventory group_vars that sets one of the variables."""
        for path, values in self.inventory_vars:
            for name in names:
                if name in values:
                    yield os.path.relpath(path, self.root), name, values[name]

    def render_template(self, role, name):
        """A role template rendered with every variable as a placeholder, for its shape."""
        path = os.path.join(self.root, 'roles', role, 'templates', name)
        with open(path, encoding='utf-8') as handle:
            source = handle.read()
        env = jinja2.Environment(undefined=_Placeholder)
        env.filters['regex_replace'] = lambda value, *args: str(value)
        env.filters['to_json'] = lambda value: json.dumps(value, default=str)
        return env.from_string(source).render()


class _Placeholder(jinja2.Undefined):
    """Renders an undefined variable as <name> (and an attribute as <name.attribute>)."""

    def __str__(self):
        return '<%s>' % self._undefined_name

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return _Placeholder(name='%s.%s' % (self._undefined_name, name))

    def __bool__(self):
        return False

    def __radd__(self, other):  # [a] + list_variable: the list as one placeholder
        return list(other) + [str(self)]

    def __add__(self, other):
        return [str(self)] + list(other)


# -- the checks ---------------------------------------------------------------------------------

def _instances(tree):
    return [t for t in tree.find('amazon.aws.rds_instance') if t.args.get('state', 'present') == 'present']


def _constant(tree, tasks, option, wanted, what):
    """Each task sets option to the constant wanted: not left out, not a variable, not another value."""
    findings = [] if tasks else ['no task creates %s' % what]
    for task in tasks:
        value = task.args.get(option, UNKNOWN)
        if isinstance(value, str) and ('{{' in value or '{%' in value):
            findings.append('%s: %s is a template (%s), not the constant %r' % (task.where, option, value, wanted))
        elif value is UNKNOWN or value != wanted:
            findings.append('%s: %s is %r, not %r' % (task.where, option, 'left out' if value is UNKNOWN else value,
                                                      wanted))
    return findings


def check_rds_encrypted(tree):
    return _constant(tree, _instances(tree), 'storage_encrypted', True, 'the RDS instance')


def check_rds_not_public(tree):
    return _constant(tree, _instances(tree), 'publicly_accessible', False, 'the RDS instance')


def check_rds_auto_minor_upgrades(tree):
    return _constant(tree, _instances(tree), 'auto_minor_version_upgrade', True, 'the RDS instance')


# a template whose value holds the postgresql log whatever the inventory says: the list plus a variable, then only
# unique and sort (which keep every value; union's order follows Python's set, which differs from run to run)
POSTGRESQL_LOG_FIRST = re.compile(
    r"^\{\{\s*\(\s*\[\s*'postgresql'\s*\]\s*\+\s*[A-Za-z_][A-Za-z0-9_]*\s*\)(\s*\|\s*(unique|sort))*\s*\}\}$")
# a template whose value sets rds.force_ssl to 1 whatever the inventory says: combine() with it last
FORCE_SSL_LAST = re.compile(r"^\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\|\s*combine\(\s*\{\s*'rds\.force_ssl'\s*:\s*1\s*\}\s*\)\s*\}\}$")


def check_rds_log_exports(tree):
    findings = [] if _instances(tree) else ['no task creates the RDS instance']
    for task in _instances(tree):
        value = task.args.get('enable_cloudwatch_logs_exports')
        if isinstance(value, str) and POSTGRESQL_LOG_FIRST.match(value.strip()):
            continue
        if not isinstance(value, list) or 'postgresql' not in value:
            findings.append('%s: enable_cloudwatch_logs_exports is %r, a list without the postgresql log'
                            % (task.where, value))
    return findings


def check_rds_isolated_subnets(tree):
    groups = [t for t in tree.find('amazon.aws.rds_subnet_group') if t.args.get('state', 'present') == 'present']
    findings = [] if groups else ['no task creates the DB subnet group']
    for task in groups:
        dummy, value = tree.chain(task.role, task.args.get('subnets'))
        if 'subnet_ids.isolated' not in str(value):
            findings.append('%s: the subnets are not the isolated ones (%s)' % (task.where, value))
    return findings


def check_rds_ssl_forced(tree):
    findings = []
    groups = [t for t in tree.find('amazon.aws.rds_instance_param_group') if t.args.get('state', 'present') == 'present']
    forcing = set(t.args.get('name') for t in groups if str((t.args.get('params') or {}).get('rds.force_ssl')) == '1')
    for task in tree.find('shoppulse.analytics.rds_parameters'):  # the values set after the group is created
        given = task.args.get('parameters')
        if (isinstance(given, dict) and str(given.get('rds.force_ssl')) == '1') or (
                isinstance(given, str) and FORCE_SSL_LAST.match(given.strip())):
            forcing.add(task.args.get('db_parameter_group_name'))
    for task in _instances(tree):
        if task.args.get('db_parameter_group_name') not in forcing:
            findings.append('%s: its parameter group does not set rds.force_ssl to 1' % task.where)
    return findings or ([] if _instances(tree) else ['no task creates the RDS instance'])


def check_proxy_tls(tree):
    # the tasks that can create the proxy (engine_family); one that changes it leaves require_tls as it is
    proxies = [t for t in tree.find('shoppulse.analytics.rds_proxy')
               if t.args.get('state', 'present') == 'present' and 'engine_family' in t.args]
    return _constant(tree, proxies, 'require_tls', True, 'the RDS Proxy')


def _covers_db_port(rule):
    if str(rule.get('proto', 'tcp')) in ('-1', 'all'):
        return True
    ports = rule.get('ports')
    if ports is not None:
        for port in ports if isinstance(ports, list) else [ports]:
            text = str(port)
            if '{{' in text:
                return True  # a templated port may be 5432
            low, dummy, high = text.partition('-')
            if int(low) <= DB_PORT <= int(high or low):
                return True
        return False
    low, high = rule.get('from_port'), rule.get('to_port')
    if low is None:
        return True
    return int(low) <= DB_PORT <= int(high if high is not None else low)


def _literal_cidrs(value):
    """The CIDRs of a value that holds no template: a list of them, or one."""
    values = value if isinstance(value, list) else [value]
    return [] if any('{{' in str(v) for v in values) else [v for v in values if v not in (None, '')]


def check_cidrs_by_meaning(tree):
    """Every CIDR of the settings lies in the ranges declared private, read as the addresses it reaches (the
    filter shoppulse.analytics.cidrs_beyond, which the roles run too); the declared ranges themselves lie in the
    address space that is nobody's on the internet."""
    findings = []
    default_private = tree.variables.get('shoppulse', {}).get('shoppulse_private_cidrs') or []
    for task in tree.find('amazon.aws.ec2_security_group'):
        rules = task.args.get('rules')
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and _covers_db_port(rule):
                cidrs = _literal_cidrs(rule.get('cidr_ip', [])) + _literal_cidrs(rule.get('cidr_ipv6', []))
                for problem in networks.beyond(cidrs, default_private, 'a rule for %d' % DB_PORT):
                    findings.append('%s: %s' % (task.where, problem))
    sources = [('roles/%s/defaults' % role, values) for role, values in tree.variables.items()]
    sources += [(os.path.relpath(path, tree.root), values) for path, values in tree.inventory_vars]
    for where, values in sources:
        private = values.get('shoppulse_private_cidrs', default_private)
        for name, value in sorted(values.items()):
            if name == 'shoppulse_private_cidrs':
                problems = networks.beyond(_literal_cidrs(value), NOT_ON_THE_INTERNET, name)
            elif name.endswith('_cidrs') or name == 'network_cidr':
                problems = networks.beyond(_literal_cidrs(value), private, name)
            else:
                continue
            findings.extend('%s: %s' % (where, problem) for problem in problems)
    return findings


def check_flow_logs(tree):
    logs = [t for t in tree.find('shoppulse.analytics.vpc_flow_log', 'amazon.aws.ec2_vpc_flow_log', 'community.aws.ec2_vpc_flow_log')
            if t.args.get('state', 'present') == 'present']
    if not logs:
        return ['no task turns VPC flow logs on']
    return _constant(tree, logs, 'traffic_type', 'ALL', 'the flow log')


def check_log_retention(tree):
    findings = []
    for task in tree.find('amazon.aws.cloudwatchlogs_log_group'):
        if task.args.get('state', 'present') != 'present':
            continue
        names, value = tree.chain(task.role, task.args.get('retention', UNKNOWN))
        if not isinstance(value, int) or value <= 0:
            findings.append('%s: the log group has no retention (%r)' % (
                task.where, 'not proved' if value is UNKNOWN or isinstance(value, str) else value))
        for path, name, override in tree.overrides(names):
            if not isinstance(override, int) or override <= 0:
                findings.append('%s sets %s to %r: the log group has no retention' % (path, name, override))
    return findings


def _policy_documents(tree):
    lookup = re.compile(r"lookup\('ansible\.builtin\.template',\s*'([^']+)'\)")
    for task in tree.find('amazon.aws.iam_policy', 'amazon.aws.iam_managed_policy', 'amazon.aws.iam_role',
                          'shoppulse.analytics.iam_service_role'):
        values = [(option, task.args.get(option)) for option in ('policy_json', 'policy', 'assume_role_policy_document')]
        inline = task.args.get('inline_policies')
        if isinstance(inline, dict):
            values += [('inline_policies.%s' % name, value) for name, value in sorted(inline.items())]
        for option, value in values:
            if value is None:
                continue
            if isinstance(value, dict):
                yield task, option, value
                continue
            match = lookup.search(str(value))
            if match:
                yield task, option, json.loads(tree.render_template(task.role, match.group(1)))


def check_iam_no_wildcards_on_secrets(tree):
    findings = []
    for task, option, document in _policy_documents(tree):
        statements = document.get('Statement', [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if statement.get('Effect') != 'Allow':
                continue
            actions = statement.get('Action', [])
            actions = actions if isinstance(actions, list) else [actions]
            resources = statement.get('Resource', [])
            resources = resources if isinstance(resources, list) else [resources]
            if any(a == '*' or a.endswith(':*') for a in actions):
                findings.append('%s: %s allows a wildcard action (%s)' % (task.where, option, ', '.join(actions)))
            if any(a.lower().startswith('secretsmanager:') for a in actions) and any(
                    r == '*' or r.startswith('arn:aws:secretsmanager:*') or r.endswith(':secret:*') for r in resources):
                findings.append('%s: %s allows secrets actions on a wildcard resource (%s)'
                                % (task.where, option, ', '.join(resources)))
    return findings


def check_service_role_trust(tree):
    """A role a service assumes trusts that service for this account's resources only (aws:SourceAccount,
    aws:SourceArn), so that no other account's resource of that service can make the service assume it."""
    findings = []
    for task, option, document in _policy_documents(tree):
        if option != 'assume_role_policy_document':
            continue
        statements = document.get('Statement', [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if 'Service' not in (statement.get('Principal') or {}):
                continue
            keys = set(k.lower() for values in (statement.get('Condition') or {}).values() for k in values)
            missing = [k for k in ('aws:SourceAccount', 'aws:SourceArn') if k.lower() not in keys]
            if missing:
                findings.append('%s: the trust of %s has no condition on %s' % (
                    task.where, statement['Principal']['Service'], ', '.join(missing)))
    return findings


CHECKS = [
    ('SP-RDS-ENCRYPTED', 'the RDS instance is encrypted at rest', check_rds_encrypted),
    ('SP-RDS-PRIVATE', 'the RDS instance is not publicly accessible', check_rds_not_public),
    ('SP-RDS-ISOLATED', 'the RDS instance is in the isolated subnets', check_rds_isolated_subnets),
    ('SP-RDS-LOGS', 'the RDS instance exports its PostgreSQL log', check_rds_log_exports),
    ('SP-RDS-MINOR', 'the RDS instance takes minor version upgrades', check_rds_auto_minor_upgrades),
    ('SP-RDS-SSL', 'the RDS instance forces SSL (rds.force_ssl=1)', check_rds_ssl_forced),
    ('SP-PROXY-TLS', 'the RDS Proxy requires TLS', check_proxy_tls),
    ('SP-SG-5432', 'no CIDR of the settings or the rules for 5432 reaches beyond the private ranges, alone or together',
     check_cidrs_by_meaning),
    ('SP-VPC-FLOWLOGS', 'the VPC logs all its traffic', check_flow_logs),
    ('SP-LOGS-RETENTION', 'every log group has a retention', check_log_retention),
    ('SP-IAM-SECRETS', 'no IAM policy has a wildcard action, or a wildcard resource on secrets',
     check_iam_no_wildcards_on_secrets),
    ('SP-IAM-DEPLOYER', 'the deployer policies (files/iam) name each action, and "*" only for reads AWS does not scope; '
     'roles only inside the boundary, the master secret of this instance only, EC2 and proxy writes on the stack\'s '
     'tagged resources only (tools/security_iam.py)', check_deployer_policies),
    ('SP-IAM-TRUST', "a service role trusts its service for this account's resources only", check_service_role_trust),
]


def run(root):
    """[(check id, promise, [findings])] for the tree at root."""
    tree = Tree(root)
    return [(check_id, promise, check(tree)) for check_id, promise, check in CHECKS]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    root = argv[0] if argv else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    failed = 0
    for check_id, promise, findings in run(root):
        sys.stdout.write('%-18s %-4s %s\n' % (check_id, 'FAIL' if findings else 'ok', promise))
        for finding in findings:
            sys.stdout.write('    %s\n' % finding)
        failed += bool(findings)
    sys.stdout.write('%d of %d checks failed\n' % (failed, len(CHECKS)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

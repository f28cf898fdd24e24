#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: schema_apply
short_description: Apply versioned SQL migrations to a PostgreSQL database, idempotently
version_added: 0.1.0
description:
  - Applies the migrations of a directory, in version order, to a PostgreSQL database.
  - A migration is a file named C(<version>_<description>.sql), for example C(0003_orders.sql).
    Versions are positive integers and must be unique.
  - A ledger table records each applied migration (version, description, sha256 checksum,
    applied_at, applied_by, duration); a migration in the ledger is never applied again, so a
    second run reports C(changed=false).
  - Each migration runs in a transaction of its own, statement by statement. A failing statement
    fails the task with the file and line, and nothing of that migration is left behind.
  - Statements end where C(psql -f) ends them (its lexer, C(psqlscan.l)), so a file that psql runs
    is split the same way, including the C(BEGIN ATOMIC ... END) body of C(CREATE FUNCTION) or
    C(CREATE PROCEDURE) and a rule's several actions in parentheses. What only psql can run, a psql
    meta-command such as C(\set) or C(\i), and C(COPY ... FROM STDIN) with its rows, fails the task
    naming the file and line before anything of the run is applied.
  - Serves PostgreSQL 15 to 18 and needs no superuser; a server of another major version is refused
    before anything is read or written. Migrations that create roles need C(CREATEROLE), as the RDS
    master user has it.
  - Runs as the migrator (a member of the schema's owner), not as a login above it. A login that is a superuser,
    has C(CREATEROLE), C(BYPASSRLS) or C(REPLICATION), or is a member of C(rds_superuser) (the RDS master user)
    is refused before anything is read, unless O(bootstrap=true); migrations fire triggers and call functions
    that the migrator can replace, and they would run with the master's rights (docs/privileges.md).
  - The session's C(search_path) is C(public, pg_temp); C(pg_catalog) comes first, so no built-in name can be
    shadowed, and temporary objects come last.
  - A file whose leading comment lines hold C(-- shoppulse:no-transaction) runs outside a
    transaction, for statements such as C(CREATE INDEX CONCURRENTLY); its statements should be
    re-runnable (C(IF NOT EXISTS)) since a failure part way cannot be rolled back.
  - Concurrent runs serialize on a PostgreSQL advisory lock instead of colliding; each migration
    is applied exactly once. A run with nothing to do reads the ledger without taking the lock and ends.
  - A migration that was edited after it was applied fails the task before anything is applied,
    naming the file and both checksums.
  - Repeatable migrations, in a folder of their own (O(repeatable_path)), hold what is defined as a whole and
    replaced, such as views, functions, policies and grants (C(CREATE OR REPLACE ...)). Once no versioned migration
    is pending, they are applied after the versioned ones, in name order, each in a transaction of its own, and again
    whenever a file's checksum changes; C(<ledger_table>_repeatable) records each file's checksum. A failing one is
    rolled back and fails the task naming file and line. They are not linted and never reverted.
author:
  - ShopPulse platform team (@shoppulse)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - community.postgresql.postgres
  - shoppulse.analytics.connection
attributes:
  check_mode:
    support: full
    details: Reads the ledger and reports what would be applied; writes nothing, not even the ledger table.
  diff_mode:
    support: full
    details: Shows the current and resulting version and the SQL of the migrations to apply.
  platform:
    platforms: posix
options:
  path:
    description:
      - Directory of the migration files, on the managed node.
    type: path
    required: true
  ledger_schema:
    description:
      - Schema of the ledger table.
    type: str
    default: public
  ledger_table:
    description:
      - Name of the ledger table. It is created on the first run that applies something, with
        C(<ledger_table>_history) beside it.
      - The module owns the ledger; no migration needs to name it. After each migration, when one role owns every
        other table of O(ledger_schema) (a migration gave the schema to its owner), the ledger and its companions
        are given to that role, so the migrator, a member of it, keeps them.
    type: str
    default: schema_migrations
  target_version:
    description:
      - Apply migrations up to and including this version only.
      - Below the current version of the database, reverts down to it (C(0) reverts every migration); the down
        files of the versions above it, C(<version>_<description>.down.sql) beside their migrations, run newest
        first in one transaction, and their ledger rows are deleted with them. A failing down file rolls the
        whole revert back, naming file and line, so the database and the ledger are left as they were.
      - A revert is refused before anything is done, naming each version in the way, when a version to revert
        has no down file, its migration file is gone, or it ran outside a transaction (C(no-transaction); what
        it did cannot be undone in one), or when a migration at or below O(target_version) is not applied.
      - Down files are not linted (a revert drops what its migration made, by design).
    type: int
  out_of_order:
    description:
      - Apply a pending migration whose version is lower than the current version of the database.
      - By default such a migration (typically from a merged branch) fails the task, naming the file.
    type: bool
    default: false
  lock_timeout:
    description:
      - PostgreSQL C(lock_timeout) for the statements of each migration, set on the server, for example C(10s).
      - A DDL statement that waits longer than this for a table lock fails rather than queueing behind a long
        transaction; while it waits, every query of the applications on that table queues behind it, so this
        is the longest stall a migration can cause. A transactional migration that fails so is rolled back and
        tried again (O(lock_retries)).
      - C(0) waits for ever (not recommended on a live database).
    type: str
    default: 10s
  lock_retries:
    description:
      - How many times a transactional migration that failed on O(lock_timeout) (SQLSTATE 55P03) is rolled
        back and tried again, after O(lock_retry_delay), then twice as long each time (at most 60 seconds).
        Each attempt is reported (RV(lock_timeout_retries)). Any other error is never tried again.
      - A no-transaction migration is not tried again by itself (the statements before the failing one stay
        applied); the next run runs it again.
      - C(0) fails at the first lock timeout.
    type: int
    default: 3
  lock_retry_delay:
    description:
      - How long to wait before the first new attempt after a lock timeout, for example C(1s).
    type: str
    default: 1s
  statement_timeout:
    description:
      - PostgreSQL C(statement_timeout) for the statements of each migration, set on the server, for example C(15min).
      - Through RDS Proxy a client cannot cancel a query (the proxy has no cancel request to pass on), and a
        client that gives up or is killed leaves the statement running on the server; the server's own
        timeout is what ends it. It must be longer than the longest statement, such as an index build on the
        largest table.
      - C(0) turns it off (not recommended through RDS Proxy).
    type: str
    default: 15min
  lint:
    description:
      - Lint the migrations this run is about to apply with squawk (PyPI C(squawk-cli)), in check mode too,
        before anything is applied. Nothing runs when nothing is pending.
      - The lint knows the database. A finding of a rule about a lock on a table, or a rewrite of it
        (C(require-concurrent-index-creation), C(require-concurrent-index-deletion),
        C(adding-foreign-key-constraint), C(constraint-missing-not-valid), C(adding-field-with-default),
        C(adding-not-nullable-field), C(adding-required-field), C(adding-primary-key-constraint),
        C(adding-serial-primary-key-field), C(changing-column-type), C(disallowed-unique-constraint)), is
        dropped when the table is created by this run or is empty, and is an error, whatever this option says,
        when the table holds O(lint_large_table_rows) rows or more (the catalog's estimate). The other
        rules keep this level.
      - C(require-lock-timeout) and C(require-statement-timeout) are met by the module itself (O(lock_timeout),
        O(statement_timeout)) and left out unless that setting is C(0).
      - V(error) fails the task on any finding; V(warn) shows the findings as warnings; V(off) runs no lint
        (and needs no squawk).
      - Where squawk is not installed on the managed node, V(error) fails the task before anything is applied and
        V(warn) says so in a warning (RV(lint.skipped)) and applies the migrations unlinted.
      - Each finding names the file, line and rule, what the database said of the table, and squawk's safe
        alternative.
      - A file C(lint-accepted.json) in O(path) lists the findings that stay in migrations already released (which
        can never change), each with its reason; they are dropped. The collection's own C(files/sql) has one.
    type: str
    choices: [error, warn, 'off']
    default: warn
  lint_exclude:
    description:
      - squawk rules to leave out, for example C(ban-char-field). An unknown rule name fails the task.
    type: list
    elements: str
    default: []
  lint_include:
    description:
      - squawk's opt-in rules to add, for example C(require-timeout-settings). An unknown rule name fails the task.
    type: list
    elements: str
    default: []
  lint_large_table_rows:
    description:
      - From how many rows a table is large enough for a finding about its locks to be an error.
    type: int
    default: 100000
  lint_squawk_path:
    description:
      - The squawk binary on the managed node. By default C(squawk) on C(PATH), else beside the Python that runs
        the module (a virtualenv's C(bin)).
    type: path
  migration_lock_timeout:
    description:
      - How long to wait for the advisory lock held by another run applying migrations to the same ledger.
    type: str
    default: 5min
  repeatable_path:
    description:
      - Directory of the repeatable migrations (any C(<name>.sql), applied in name order), on the managed node.
      - By default the folder C(repeatable) in O(path), when there is one.
    type: path
  baseline:
    description:
      - Adopt a database that already holds the schema but has no ledger (one built with C(psql -f), for example by
        the seed's script); ignored once the ledger records any migration, so the task stays idempotent.
      - The live schema is first compared with the manifest of O(baseline.version), as
        M(shoppulse.analytics.schema_verify) compares it, leaving out the ledger and its history. Only when they
        match are the migrations up to that version recorded as applied, each marked C(baseline) in the ledger's
        history with O(baseline.reason); the migrations after it are then applied as usual. Otherwise the task
        fails naming every difference, and nothing is recorded.
      - In check mode the comparison runs and RV(baselined) lists what would be recorded.
    type: dict
    suboptions:
      version:
        description:
          - The version of the migrations the database already holds; the manifest's C(migrations) must be this
            version.
        type: int
        required: true
      manifest:
        description:
          - The manifest of the schema at that version, as a mapping. Mutually exclusive with O(baseline.manifest_path).
        type: dict
      manifest_path:
        description:
          - Path of that manifest file (YAML or JSON) on the managed node; the collection's is C(files/manifest.yml),
            of its latest version. Mutually exclusive with O(baseline.manifest).
        type: path
      reason:
        description:
          - Why the database is adopted, written to the ledger's history with each version.
        type: str
  bootstrap:
    description:
      - Apply the migrations of a new database as the login that created it, such as the RDS master user, up to
        O(target_version) (the migration that creates the roles and hands the objects to their owner).
      - Before anything is read, the module checks that every object of the database is the login's own, that no
        other role holds a privilege on any, and that there are no default privileges and no event triggers;
        nothing in the database can run code of another role. When that does not hold (the objects belong to
        their owner, as after the bootstrap), nothing is read or changed and RV(handed_over) is C(true); the
        migrator applies the rest.
    type: bool
    default: false
  repair:
    description:
      - Repair the ledger for one version, instead of applying anything, written to the ledger's history
        (C(<ledger_table>_history)) with who, when, what and O(repair.reason). One version a task, never all at once.
      - V(accept_checksum) records the current checksum of an applied migration whose file was edited on purpose
        (a comment, a fix that changes nothing already applied); without it such a file fails every run.
      - V(forget_failed) forgets the failed attempt of a no-transaction migration that stopped part way. While such
        an attempt is remembered, the same file is run again as before, but a changed file of it is refused before
        anything is applied (what the attempt left is unknown to the new file); look at what it left, clean up, then
        forget it.
      - A version that is neither a migration file nor in the ledger fails the task; a repair with nothing to do
        (the checksum is already the file's, no failed attempt is remembered) reports C(changed=false).
      - Mutually exclusive with O(baseline) and O(target_version).
    type: dict
    suboptions:
      action:
        description: What to repair.
        type: str
        required: true
        choices: [accept_checksum, forget_failed]
      version:
        description: The version to repair.
        type: int
        required: true
      reason:
        description: Why; required, and written to the history.
        type: str
        required: true
seealso:
  - module: shoppulse.analytics.seed_load
  - module: shoppulse.analytics.schema_verify
  - name: PostgreSQL advisory locks
    description: How concurrent runs are serialized.
    link: https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
'''

EXAMPLES = r'''
- name: Apply the ShopPulse migrations through RDS Proxy
  shoppulse.analytics.schema_apply:
    path: "{{ role_path }}/../../files/sql"
    login_host: "{{ proxy_endpoint }}"
    login_user: "{{ db_credentials.username }}"
    login_password: "{{ db_credentials.password }}"
    login_db: shoppulse
    ssl_mode: verify-full
    ca_cert: /etc/ssl/rds/global-bundle.pem
    lock_timeout: 10s
  register: migrations

- name: Show what a run would apply, changing nothing
  shoppulse.analytics.schema_apply:
    path: files/sql
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse
  check_mode: true
  diff: true

- name: Stop at version 4
  shoppulse.analytics.schema_apply:
    path: files/sql
    target_version: 4
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse

- name: Adopt a database built by the seed's script with psql, then apply what came after version 10
  shoppulse.analytics.schema_apply:
    path: files/sql
    baseline:
      version: 10
      manifest_path: files/manifest-v10.yml
      reason: built by create-schema.sh in 2025, adopted by the collection (CHG-1234)
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse

# files/sql/repeatable/10_orders_daily.sql: CREATE OR REPLACE VIEW orders_daily WITH (security_invoker) AS ...
- name: Apply the versioned migrations, then the repeatable ones that are new or changed
  shoppulse.analytics.schema_apply:
    path: files/sql
    repeatable_path: files/sql/repeatable
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse
  register: applied

- name: Accept the edited comment in an applied migration (one version, audited)
  shoppulse.analytics.schema_apply:
    path: files/sql
    repair:
      action: accept_checksum
      version: 3
      reason: a comment typo fixed in 0003_orders_and_fulfillment.sql, no SQL changed (PR 412)
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse

# 0012_order_channels.sql has 0012_order_channels.down.sql beside it, 0011_orders_note.sql its own
- name: Revert from version 12 to 10 (check mode with diff first shows the down files that would run)
  shoppulse.analytics.schema_apply:
    path: files/sql
    target_version: 10
    login_host: localhost
    login_user: shoppulse_admin
    login_password: "{{ vault_db_password }}"
    login_db: shoppulse
'''

RETURN = r'''
handed_over:
  description:
    - With O(bootstrap=true), whether the database already belongs to other roles, so that nothing was read
      or applied (the migrator applies the migrations).
  returned: when O(bootstrap=true)
  type: bool
  sample: true
blockers:
  description:
    - With O(bootstrap=true), what makes the database no longer the login's own (up to 20 objects, each as
      C(<kind> <name>)).
  returned: when O(bootstrap=true)
  type: list
  elements: str
  sample: ['relation tenants', 'function update_updated_at_column()']
applied:
  description:
    - The migrations this run applied, in order (in check mode, those it would apply).
  returned: always
  type: list
  elements: dict
  contains:
    version:
      description: Version of the migration.
      type: int
      sample: 3
    description:
      description: Description taken from the file name.
      type: str
      sample: orders and fulfillment
    file:
      description: File name of the migration.
      type: str
      sample: 0003_orders_and_fulfillment.sql
    checksum:
      description: sha256 of the file, as recorded in the ledger.
      type: str
      sample: 5f2b9c0d4e1a7b3c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e
    transactional:
      description: Whether the migration ran in a transaction (false for C(no-transaction) files).
      type: bool
      sample: true
    duration_ms:
      description: How long the migration took. Not returned in check mode.
      type: int
      sample: 42
  sample:
    - version: 1
      description: tenants and updated at
      file: 0001_tenants_and_updated_at.sql
      checksum: 5f2b9c0d4e1a7b3c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e
      transactional: true
      duration_ms: 12
reverted:
  description: The migrations reverted by this run (in check mode, those it would revert), newest first, with the
    keys of RV(applied) and C(down_file) and C(down_checksum); empty unless O(target_version) is below the current
    version. C(duration_ms) is not returned in check mode.
  returned: always
  type: list
  elements: dict
  sample:
    - version: 12
      description: order channels
      file: 0012_order_channels.sql
      checksum: 5f2b9c0d4e1a7b3c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e
      transactional: true
      down_file: 0012_order_channels.down.sql
      down_checksum: 0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7
      duration_ms: 8
repeatable:
  description: The repeatable migrations this run applied (in check mode, those it would apply), in name order, each
    with C(file), C(description), C(checksum), C(previous_checksum) (null the first time) and C(duration_ms) (not in
    check mode).
  returned: always
  type: list
  elements: dict
  sample:
    - file: 10_orders_daily.sql
      description: 10 orders daily
      checksum: 5c7f2a8729f5fb3f9f5df439ce7c7637bf89598e7559bfee58dea2ebf4f41100
      previous_checksum: null
      duration_ms: 4
repeatable_missing_files:
  description: Repeatable migrations recorded as applied whose file is no longer in O(repeatable_path) (what they made
    stays).
  returned: always
  type: list
  elements: str
  sample: []
baselined:
  description: The migrations a O(baseline) recorded as applied (in check mode, those it would record), with the
    keys of RV(applied) but C(duration_ms); empty when no baseline was asked for or the ledger already held migrations.
  returned: always
  type: list
  elements: dict
  sample:
    - version: 1
      description: tenants and updated at
      file: 0001_tenants_and_updated_at.sql
      checksum: 5f2b9c0d4e1a7b3c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e
      transactional: true
earlier_failures:
  description: The pending no-transaction migrations whose last attempt failed part way (remembered in the ledger's
    history), and which this run runs again unchanged; each with C(file), C(version), C(checksum), C(done_at),
    C(line) and C(error).
  returned: always
  type: list
  elements: dict
  sample: []
ledger_upgraded:
  description:
    - Whether this run brought the ledger to the collection's ledger format (its history created, its history's
      actions completed), from one made by an earlier release; the format is in the ledger table's comment.
  returned: always
  type: bool
  sample: false
superseded:
  description:
    - The applied migrations whose recorded checksum is that of an earlier text the file names with
      C(-- shoppulse:supersedes <sha256>); the run records the file's checksum, with a history row each (in check
      mode, would).
  returned: always
  type: list
  elements: dict
  sample: []
repair:
  description: What O(repair) did (in check mode, would do), with C(action), C(version), C(reason), C(file) and
    C(changed); C(old_checksum) and C(new_checksum) for V(accept_checksum), C(failure) (the attempt forgotten) for
    V(forget_failed).
  returned: when O(repair) is given
  type: dict
  sample:
    action: accept_checksum
    version: 3
    reason: a comment typo fixed, no SQL changed (PR 412)
    file: 0003_orders_and_fulfillment.sql
    old_checksum: 5f2b9c0d4e1a7b3c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e
    new_checksum: 0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7
    changed: true
history_table:
  description: The table that holds the ledger's history (baselines, repairs, reverts, failed no-transaction attempts).
  returned: when O(repair) is given
  type: str
  sample: public.schema_migrations_history
pending:
  description: Migrations of the directory that are not applied after this run (beyond O(target_version)).
  returned: always
  type: list
  elements: dict
  sample: []
current_version:
  description: Highest applied version after this run (in check mode, the one it would reach); null when none.
  returned: always
  type: int
  sample: 7
previous_version:
  description: Highest applied version before this run; null on an empty database.
  returned: always
  type: int
  sample: 5
missing_files:
  description: Versions recorded in the ledger whose file is no longer in O(path).
  returned: always
  type: list
  elements: int
  sample: []
lint:
  description: What the lint said of the migrations to apply (empty lists when nothing is pending or O(lint=off)).
  returned: always
  type: dict
  contains:
    findings:
      description: The findings kept, each with C(file), C(version), C(line), C(rule), C(level) (C(error) or C(warn)),
        C(message), C(help) (squawk's safe alternative), C(table), C(rows) and C(note) (what the database said).
      type: list
      elements: dict
    dropped:
      description: The findings dropped because their table is created by this run or is empty, with the same keys.
      type: list
      elements: dict
    skipped:
      description: Why no lint ran although migrations were pending (squawk is not installed on the node, at O(lint=warn)).
      type: str
      returned: when squawk is missing at O(lint=warn)
  sample:
    findings:
      - file: 0011_orders_by_channel.sql
        version: 11
        line: 3
        rule: require-concurrent-index-creation
        level: error
        message: During normal index creation, table updates are blocked, but reads are still allowed.
        help: Use `concurrently` to avoid blocking writes.
        table: orders
        rows: 10000000
        note: "orders holds about 10,000,000 rows, 1 GB: at least lint_large_table_rows (100000), so this is an error"
    dropped: []
lock_timeout_retries:
  description: Each attempt of a transactional migration that failed on O(lock_timeout), was rolled back and tried again.
  returned: always
  type: list
  elements: dict
  sample:
    - version: 12
      file: 0012_orders_channel.sql
      attempt: 1
      line: 3
      error: canceling statement due to lock timeout (SQLSTATE 55P03)
      retry_in_seconds: 1.0
dropped_invalid_indexes:
  description:
    - The INVALID indexes (left by an earlier, failed or cancelled, C(CREATE INDEX CONCURRENTLY)) that this run
      dropped before it ran the no-transaction migration that builds them again; in check mode, those it would drop.
  returned: always
  type: list
  elements: dict
  sample:
    - index: orders_tenant_customer_idx
      table: orders
      file: 0007_reporting_indexes.sql
      version: 7
      line: 6
'''

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.connection import argument_spec, connect
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.privileges import bootstrap_blockers, schema_search_path
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import lint as lintlib
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import settings as settingslib
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.drift import read_manifest


def repair_diff(repair):
    if repair['action'] == 'accept_checksum':
        before = 'version %d checksum: %s\n' % (repair['version'], repair['old_checksum'])
        after = 'version %d checksum: %s\n' % (repair['version'], repair['new_checksum'])
    else:
        failure = repair['failure']
        before = 'version %d failed attempt: %s (line %s: %s)\n' % (
            repair['version'], failure['done_at'], failure['line'], failure['error'])
        after = 'version %d failed attempt: forgotten\n' % repair['version']
    return dict(before=before, after=after + 'reason: %s\n' % repair['reason'],
                before_header='ledger', after_header='ledger and its history')


ARGUMENT_SPEC = dict(
    path=dict(type='path', required=True),
    ledger_schema=dict(type='str', default=settingslib.DEFAULTS['ledger_schema']),
    ledger_table=dict(type='str', default=settingslib.DEFAULTS['ledger_table']),
    target_version=dict(type='int'),
    out_of_order=dict(type='bool', default=False),
    lock_timeout=dict(type='str', default=settingslib.DEFAULT_LOCK_TIMEOUT),
    lock_retries=dict(type='int', default=settingslib.DEFAULT_LOCK_RETRIES),
    lock_retry_delay=dict(type='str', default=settingslib.DEFAULT_LOCK_RETRY_DELAY),
    statement_timeout=dict(type='str', default=settingslib.DEFAULT_STATEMENT_TIMEOUT),
    migration_lock_timeout=dict(type='str', default=settingslib.DEFAULT_MIGRATION_LOCK_TIMEOUT),
    lint=dict(type='str', default=lintlib.DEFAULT_LEVEL, choices=list(lintlib.LEVELS)),
    lint_exclude=dict(type='list', elements='str', default=[]),
    lint_include=dict(type='list', elements='str', default=[]),
    lint_large_table_rows=dict(type='int', default=lintlib.DEFAULT_LARGE_TABLE_ROWS),
    lint_squawk_path=dict(type='path'),
    repeatable_path=dict(type='path'),
    baseline=dict(type='dict', options=dict(
        version=dict(type='int', required=True),
        manifest=dict(type='dict'),
        manifest_path=dict(type='path'),
        reason=dict(type='str'),
    ), mutually_exclusive=[('manifest', 'manifest_path')], required_one_of=[('manifest', 'manifest_path')]),
    bootstrap=dict(type='bool', default=False),
    repair=dict(type='dict', options=dict(
        action=dict(type='str', required=True, choices=list(engine.REPAIR_ACTIONS)),
        version=dict(type='int', required=True),
        reason=dict(type='str', required=True),
    )),
)


def checked(module):
    """The run's settings, lint options and baseline, each checked once (fail_json naming the option)."""
    params = module.params
    try:
        settings = settingslib.Settings.from_params(params)
        if params['lint_large_table_rows'] < 1:
            raise EngineError('lint_large_table_rows must be 1 or more (it is %d)' % params['lint_large_table_rows'])
        lintlib.validate_options(params['lint'], params['lint_exclude'], params['lint_include'])
    except EngineError as exc:
        module.fail_json(msg=exc.message)
    lint = dict(level=params['lint'], exclude=params['lint_exclude'], include=params['lint_include'],
                large_table_rows=params['lint_large_table_rows'], squawk_path=params['lint_squawk_path'],
                run=lambda command: module.run_command(command, encoding=None))
    baseline = params['baseline']
    if baseline is not None:
        if baseline['version'] < 1:
            module.fail_json(msg='baseline.version must be a migration version (1 or more)')
        if baseline['manifest_path']:
            try:
                baseline['manifest'] = read_manifest(baseline['manifest_path'])
            except ValueError as exc:
                module.fail_json(msg='baseline: %s' % to_native(exc))
    return settings, lint, baseline


def handed_over(module, conn, settings):
    """bootstrap: when the database belongs to its roles already, nothing is applied (the migrator does)."""
    blockers = ['%s %s' % found for found in bootstrap_blockers(conn)]
    if not blockers:
        return
    try:
        handed = not module.check_mode and engine.hand_over_ledger(conn, settings.ledger_schema, settings.ledger_table)
    finally:
        conn.close()
    module.exit_json(changed=handed, handed_over=True, blockers=blockers[:20], applied=[],
                     msg='the database belongs to its roles already: the migrator applies the migrations')


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(**ARGUMENT_SPEC),
        mutually_exclusive=[('repair', 'baseline'), ('repair', 'target_version'), ('bootstrap', 'baseline')],
        supports_check_mode=True,
    )
    params = module.params
    settings, lint, baseline = checked(module)
    options = dict((name, getattr(settings, name)) for name in settingslib.DEFAULTS)
    bootstrap = params['bootstrap']
    conn = connect(module, search_path=schema_search_path('public'), owner_work=None if bootstrap else 'apply migrations')
    if bootstrap:
        handed_over(module, conn, settings)
    try:
        if params['repair'] is not None:
            repair = params['repair']
            result = engine.repair(conn, params['path'], repair['action'], repair['version'], repair['reason'],
                                   check_mode=module.check_mode, **options)
            if module._diff and result['changed']:
                result['diff'] = repair_diff(result['repair'])
            module.exit_json(**result)
        result = engine.run(conn, params['path'], check_mode=module.check_mode, baseline=baseline, lint=lint,
                            repeatable_path=params['repeatable_path'], **options)
        handed = bootstrap and not module.check_mode and engine.hand_over_ledger(
            conn, settings.ledger_schema, settings.ledger_table)
        for text in result.warnings(params['path']):
            module.warn(text)
        done = result.as_return(diff=module._diff)
        done['changed'] = done['changed'] or bool(handed)
        if bootstrap:
            done.update(handed_over=False, blockers=[])
        module.exit_json(**done)
    except EngineError as exc:
        module.fail_json(msg=exc.message, **exc.facts)
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg='applying migrations from %s failed: %s' % (params['path'], to_native(exc)))
    finally:
        conn.close()


if __name__ == '__main__':
    main()

# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The queries an application runs under row-level security, synthetic tenants to run them on, and their plans.

Shared by the tenancy benchmark (benchmarks/tenancy.py: millions of rows) and the plan test
(tests/integration/test_tenant_isolation.py: a small database). Each query is written once, as the
application writes it under row-level security (no tenant filter: the policy adds it); ``sql(query,
explicit=True)`` gives the same query with an explicit tenant filter, the reference it is measured
against without row-level security.
"""

from __future__ import annotations

import json
import re

# {tenant} and {tenant:alias} mark where the explicit variant filters on the tenant
QUERIES = [
    ('dashboard', 'the last 30 days of orders by status',
     "SELECT status, count(*), sum(total_amount) FROM orders "
     "WHERE {tenant} ordered_at > now() - interval '30 days' GROUP BY status"),
    ('order', 'one order by its id',
     "SELECT * FROM orders WHERE {tenant} order_id = %(order_id)s"),
    ('day', "a day's orders with their fulfillment",
     "SELECT o.order_id, o.status, o.total_amount, f.status AS fulfillment_status, f.carrier "
     "FROM orders o LEFT JOIN fulfillment f ON {tenant:f} f.order_id = o.order_id "
     "WHERE {tenant:o} o.ordered_at >= %(day)s AND o.ordered_at < %(day)s + interval '1 day' "
     "ORDER BY o.ordered_at"),
    ('audit', 'the latest 50 audit log entries',
     "SELECT * FROM audit_logs WHERE {tenant} true ORDER BY occurred_at DESC LIMIT 50"),
    ('metrics', "a role's visible metrics",
     "SELECT metric_key FROM role_metric_visibility WHERE {tenant} role = %(role)s AND is_visible "
     "ORDER BY metric_key"),
]

ROLES = ('Finance', 'Operations', 'Marketing', 'Admin')
METRICS = ('revenue', 'gross_margin', 'orders', 'average_order_value', 'refund_rate', 'fulfillment_time',
           'on_time_rate', 'return_rate', 'campaign_roi', 'conversion_rate', 'active_customers', 'churn_rate')
TENANT_TABLES = ('tenants', 'users', 'orders', 'fulfillment', 'marketing_campaigns', 'role_metric_visibility',
                 'governance_rules', 'audit_logs')
_MARK = re.compile(r'\{tenant(?::(\w+))?\}')


def sql(text, explicit=False):
    """The query as the application sends it under RLS, or (explicit) with its tenant filters written out."""
    def mark(match):
        if not explicit:
            return ''
        return '%stenant_id = %%(tenant)s AND ' % (match.group(1) + '.' if match.group(1) else '')
    return re.sub(r'\s+', ' ', _MARK.sub(mark, text)).strip()


# synthetic tenant n's uuid: this prefix and n in 12 hex digits (tenant_id() here, the same in load's SQL)
TENANT_PREFIX = '00000000-0000-4000-8000-'


def tenant_id(n):
    """The uuid of synthetic tenant number n (1-based)."""
    return '%s%012x' % (TENANT_PREFIX, n)


def load(cur, first, last, orders_per_tenant, days=365):
    """Synthetic tenants first..last, as a loader that bypasses triggers writes them (a superuser's session).

    Each tenant gets ``orders_per_tenant`` orders spread over ``days`` days, interleaved with every
    other tenant's as an application writing them over time would (the heap is in time order, not in
    tenant order), a fulfillment row for every order that left the warehouse, one audit log entry per
    order, 4 roles x 12 metrics, 2 users and 2 campaigns and 1 governance rule. Tenant n's rows do not
    depend on how many tenants there are: the 10x database holds the 1x one's tenants exactly as they
    were. ``cur`` must be a superuser's (session_replication_role skips the foreign key triggers).
    """
    cur.execute('SET session_replication_role = replica')
    # every statement's parameters: the range of tenants, and what the orders are made of
    span = dict(first=first, last=last, prefix=TENANT_PREFIX, per=orders_per_tenant, days=days,
                first_id=tenant_id(first), last_id=tenant_id(last), roles=list(ROLES), metrics=list(METRICS))
    statements = [
        """INSERT INTO tenants (tenant_id, slug, name, plan)
           SELECT (%(prefix)s || lpad(to_hex(n), 12, '0'))::uuid, 'tenant-' || n, 'Tenant ' || n,
                  (ARRAY['standard', 'enterprise'])[1 + n %% 2]
           FROM generate_series(%(first)s, %(last)s) n""",
        # order k of tenant n follows the k-th orders of the tenants before it: all tenants interleaved
        """INSERT INTO orders (tenant_id, order_id, external_order_id, customer_ref, channel, status, currency,
                               subtotal_amount, total_amount, item_count, ordered_at)
           SELECT (%(prefix)s || lpad(to_hex(n), 12, '0'))::uuid,
                  md5(n || '/' || k)::uuid, 'ord-' || k, 'cust-' || (k %% 200),
                  (ARRAY['web', 'mobile', 'marketplace', 'pos', 'phone'])[1 + k %% 5],
                  (ARRAY['pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'])[1 + (k * 7 + n) %% 6],
                  'USD', (k %% 500) + 9.99, (k %% 500) + 9.99, 1 + k %% 4,
                  date_trunc('day', now()) - ((k - 1) * %(days)s / %(per)s) * interval '1 day'
                      + ((n * 7919 + k * 104729) %% 86400 - 86400) * interval '1 second'
           FROM generate_series(%(per)s, 1, -1) k, generate_series(%(first)s, %(last)s) n""",
        """INSERT INTO fulfillment (tenant_id, order_id, status, warehouse_code, carrier, tracking_number,
                                    shipped_at, delivered_at)
           SELECT tenant_id, order_id, CASE status WHEN 'delivered' THEN 'delivered' ELSE 'shipped' END,
                  'wh-' || (hashtext(external_order_id) & 7), 'carrier-' || (hashtext(external_order_id) & 3),
                  'trk-' || order_id, ordered_at + interval '1 day',
                  CASE status WHEN 'delivered' THEN ordered_at + interval '3 days' END
           FROM orders WHERE status IN ('shipped', 'delivered', 'refunded')
             AND tenant_id BETWEEN %(first_id)s AND %(last_id)s""",
        """INSERT INTO audit_logs (tenant_id, occurred_at, actor_role, action, resource_type, resource_id)
           SELECT tenant_id, ordered_at, 'System', 'order.created', 'order', order_id::text
           FROM orders WHERE tenant_id BETWEEN %(first_id)s AND %(last_id)s ORDER BY ordered_at""",
        """INSERT INTO role_metric_visibility (tenant_id, role, metric_key, is_visible)
           SELECT tenant_id, r, m, (hashtext(r || m) & 1) = 0
           FROM tenants, unnest(%(roles)s::text[]) r, unnest(%(metrics)s::text[]) m
           WHERE tenant_id BETWEEN %(first_id)s AND %(last_id)s""",
        """INSERT INTO users (tenant_id, cognito_sub, email, role)
           SELECT tenant_id, 'sub-' || slug || '-' || u, 'user' || u || '@' || slug || '.example.com',
                  (ARRAY['Finance', 'Admin'])[u]
           FROM tenants, generate_series(1, 2) u WHERE tenant_id BETWEEN %(first_id)s AND %(last_id)s""",
        """INSERT INTO marketing_campaigns (tenant_id, name, channel, starts_on, currency)
           SELECT tenant_id, 'campaign ' || c, 'email', current_date - c * 30, 'USD'
           FROM tenants, generate_series(1, 2) c WHERE tenant_id BETWEEN %(first_id)s AND %(last_id)s""",
        """INSERT INTO governance_rules (tenant_id, name, rule_type, definition)
           SELECT tenant_id, 'retain audit logs', 'data_retention', '{"table": "audit_logs", "days": 400}'
           FROM tenants WHERE tenant_id BETWEEN %(first_id)s AND %(last_id)s""",
    ]
    for statement in statements:
        cur.execute(statement, span)
    cur.execute('RESET session_replication_role')


def params(cur, tenant):
    """The values a query of ``tenant`` runs with: one of its orders, a day it has orders on, a role."""
    cur.execute('SELECT order_id::text, date_trunc(\'day\', ordered_at) FROM orders WHERE tenant_id = %s '
                'ORDER BY ordered_at DESC OFFSET 10 LIMIT 1', (tenant,))
    order_id, day = cur.fetchone()
    return dict(tenant=tenant, order_id=order_id, day=day, role='Finance')


def set_tenant(cur, tenant):
    """What the application does first in each transaction."""
    cur.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))


def explain(cur, statement, values, analyze=False):
    """The plan of a statement (EXPLAIN ... FORMAT JSON), as a dict with 'Plan' and, analysed, the times."""
    options = 'ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON' if analyze else 'FORMAT JSON'
    cur.execute('EXPLAIN (%s) %s' % (options, statement), values)
    result = cur.fetchone()[0]
    return (json.loads(result) if isinstance(result, str) else result)[0]


def scans(plan):
    """Every scan of a table in a plan: (table, node type, index or None, index condition, filter)."""
    found = []

    def walk(node, bitmap_conds):
        kind = node['Node Type']
        if kind == 'Bitmap Heap Scan':
            inner = []
            for child in node.get('Plans', []):
                walk(child, inner)
            found.append((node['Relation Name'], kind, ','.join(i for i, c in inner), ' AND '.join(c for i, c in inner),
                          node.get('Filter', '')))
            return
        if kind == 'Bitmap Index Scan':
            bitmap_conds.append((node['Index Name'], node.get('Index Cond', '')))
            return
        if 'Relation Name' in node:
            found.append((node['Relation Name'], kind, node.get('Index Name'), node.get('Index Cond', ''),
                          node.get('Filter', '')))
        for child in node.get('Plans', []):
            walk(child, bitmap_conds)

    walk(plan['Plan'], [])
    return found


def tenant_conditioned(scan):
    """Whether a scan reads by tenant through its index: the tenant_id condition is an index condition."""
    return bool(scan[2]) and re.search(r'\btenant_id = ', scan[3] or '') is not None

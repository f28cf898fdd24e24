# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A setting of the emulated AWS, not a correction: AWS's pace (issue 43).

moto makes everything the moment it is asked for, so a run against it says nothing of what a user waits on AWS,
where the waits are the cost. With SHOPPULSE_MOTO_PACE=F (for example 0.05, 1/20), each resource below stays in
its intermediate state for F times the seconds AWS takes (DURATIONS), and every describe call, so every waiter,
sees that state until then, as on AWS. Off (0, the default) for the ordinary tests.

SHOPPULSE_MOTO_RDS_CREATING_SECONDS=N, the older setting, gives a new instance N seconds of "creating" alone.
Without a pace, a proxy's new target is AVAILABLE at once (moto's says REGISTERING to the first describe call, then
AVAILABLE: a wait for it would cost one poll of every run).
"""

import os
import time

# Seconds on AWS, from AWS's documentation and users' reports (DEPLOYMENT.md and docs/performance.md say which);
# the benchmark of the critical path (benchmarks/pace.py) reads them from here.
DURATIONS = {
    'nat-gateway-pending': 90,  # "one to two minutes" to become available
    'nat-gateway-deleting': 60,
    'rds-instance-creating': 600,  # about ten minutes for a small PostgreSQL instance
    'rds-instance-modifying': 300,  # a class, storage or Multi-AZ change applied at once
    'rds-instance-rebooting': 60,
    'rds-instance-deleting': 300,
    'rds-proxy-creating': 300,  # about five minutes
    'rds-proxy-target-registering': 180,  # the target's health is REGISTERING for minutes after the proxy is up
    'rds-proxy-deleting': 60,
}
# what a describe call reports once the state's time has passed
AFTER = {'pending': 'available', 'creating': 'available', 'modifying': 'available', 'rebooting': 'available'}
# ModifyDBInstance's keywords (moto's) whose change applied at once leaves the instance "modifying"
MODIFYING = ('db_instance_class', 'allocated_storage', 'storage_type', 'iops', 'storage_throughput', 'multi_az',
             'engine_version')


def factor() -> float:
    return float(os.environ.get('SHOPPULSE_MOTO_PACE') or 0)


def seconds(kind: str) -> float:
    """How long the state ``kind`` lasts here: AWS's seconds times the pace (0 when off)."""
    return DURATIONS[kind] * factor()


def start(resource, state: str, kind: str, duration: float | None = None) -> bool:
    """Put ``resource`` in ``state`` for ``duration`` seconds (the pace's for ``kind`` by default); False when that
    is no time at all (the pace is off), and the resource is left as it is."""
    duration = seconds(kind) if duration is None else duration
    if duration <= 0:
        return False
    resource.shoppulse_until = (state, time.time() + duration)
    return True


def due(resource) -> str | None:
    """The state of ``resource`` whose time has passed (then forgotten), else None."""
    state, until = getattr(resource, 'shoppulse_until', (None, 0))
    if state is None or time.time() < until:
        return None
    resource.shoppulse_until = (None, 0)
    return state


def waiting(resource) -> bool:
    state, until = getattr(resource, 'shoppulse_until', (None, 0))
    return state is not None and time.time() < until


def settle(resources: dict, found: list) -> list:
    """What a describe call of ``resources`` (name -> resource) sees: those whose deletion's time has passed gone
    from it, and of ``found`` (what it then described), those whose state's time has passed in their next state."""
    for name, resource in list(resources.items()):
        if resource.status == 'deleting' and due(resource):
            resources.pop(name)
    for resource in found:
        if resource.status in AFTER and not waiting(resource):
            due(resource)
            resource.status = AFTER[resource.status]
    return found


def apply(rds_models, nat_gateways) -> None:
    """Patch moto's RDS and NAT gateway models (after the corrections, which they wrap)."""
    _instances(rds_models)
    _proxies(rds_models)
    _nat_gateways(nat_gateways)


def _instances(rds_models) -> None:
    backend, instance_class = rds_models.RDSBackend, rds_models.DBInstance
    original_init, original_update = instance_class.__init__, instance_class.update
    original_describe, original_delete = backend.describe_db_instances, backend.delete_db_instance
    original_reboot = backend.reboot_db_instance

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        creating = float(os.environ.get('SHOPPULSE_MOTO_RDS_CREATING_SECONDS') or 0) or None
        if start(self, 'creating', 'rds-instance-creating', creating):
            self.status = 'creating'

    def update(self, *args, **kwargs):
        now = [k for k in MODIFYING if kwargs.get(k) is not None and kwargs[k] != getattr(self, k, None)]
        result = original_update(self, *args, **kwargs)
        # what the corrections left pending for the window is not applied now: only a change that took effect
        if [k for k in now if getattr(self, k, None) == kwargs[k]] and start(self, 'modifying', 'rds-instance-modifying'):
            self.status = 'modifying'
        return result

    def describe_db_instances(self, *args, **kwargs):
        settle(self.databases, [])  # a deleted instance is not found by name either
        return settle(self.databases, original_describe(self, *args, **kwargs))

    def delete_db_instance(self, db_instance_identifier, *args, **kwargs):
        instance = original_delete(self, db_instance_identifier, *args, **kwargs)
        if start(instance, 'deleting', 'rds-instance-deleting'):
            self.databases[db_instance_identifier] = instance  # listed, "deleting", until its time has passed
        return instance

    def reboot_db_instance(self, db_instance_identifier, *args, **kwargs):
        instance = original_reboot(self, db_instance_identifier, *args, **kwargs)
        if start(instance, 'rebooting', 'rds-instance-rebooting'):
            instance.status = 'rebooting'
        return instance

    instance_class.__init__, instance_class.update = init, update
    backend.describe_db_instances, backend.delete_db_instance = describe_db_instances, delete_db_instance
    backend.reboot_db_instance = reboot_db_instance


def _proxies(rds_models) -> None:
    backend, proxy_class, target_class = rds_models.RDSBackend, rds_models.DBProxy, rds_models.DBProxyTarget
    original_init, original_target_init = proxy_class.__init__, target_class.__init__
    original_describe, original_delete = backend.describe_db_proxies, backend.delete_db_proxy
    original_registering = target_class.registering

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if start(self, 'creating', 'rds-proxy-creating'):
            self.status = 'creating'

    def describe_db_proxies(self, *args, **kwargs):
        settle(self.db_proxies, [])  # a deleted proxy is not found by name either
        return settle(self.db_proxies, original_describe(self, *args, **kwargs))

    def delete_db_proxy(self, proxy_name):
        proxy = original_delete(self, proxy_name)
        if start(proxy, 'deleting', 'rds-proxy-deleting'):
            proxy.status = 'deleting'
            self.db_proxies[proxy_name] = proxy
        return proxy

    def target_init(self, *args, **kwargs):
        original_target_init(self, *args, **kwargs)
        if not start(self, 'registering', 'rds-proxy-target-registering'):
            self._registering = False  # pylint: disable=protected-access  # moto's: REGISTERING at the first read

    def registering(self):
        if getattr(self, 'shoppulse_until', None):
            return waiting(self)
        return original_registering.fget(self)

    proxy_class.__init__, target_class.__init__ = init, target_init
    target_class.registering = property(registering)
    backend.describe_db_proxies, backend.delete_db_proxy = describe_db_proxies, delete_db_proxy


def _nat_gateways(nat_gateways) -> None:
    backend = nat_gateways.NatGatewayBackend
    original_create, original_describe = backend.create_nat_gateway, backend.describe_nat_gateways
    original_delete = backend.delete_nat_gateway  # correction 16's: the interface goes with it

    def create_nat_gateway(self, *args, **kwargs):
        gateway = original_create(self, *args, **kwargs)
        if start(gateway, 'pending', 'nat-gateway-pending'):
            gateway.state = 'pending'
        return gateway

    def describe_nat_gateways(self, *args, **kwargs):
        for gateway in list(self.nat_gateways.values()):
            if gateway.state in ('pending', 'deleting') and due(gateway):
                if gateway.state == 'pending':
                    gateway.state = 'available'
                else:
                    original_delete(self, gateway.id)
        return original_describe(self, *args, **kwargs)

    def delete_nat_gateway(self, nat_gateway_id):
        gateway = self.nat_gateways.get(nat_gateway_id)
        if gateway is not None and gateway.state not in ('deleting', 'deleted') and start(
                gateway, 'deleting', 'nat-gateway-deleting'):
            gateway.state = 'deleting'
            return gateway
        return original_delete(self, nat_gateway_id)

    backend.create_nat_gateway, backend.describe_nat_gateways = create_nat_gateway, describe_nat_gateways
    backend.delete_nat_gateway = delete_nat_gateway

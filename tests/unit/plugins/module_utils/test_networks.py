# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/networks.py: CIDRs read as the addresses they reach. Each kind of fault it promises to find, made
one at a time and named; and what it must let through."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.shoppulse.analytics.plugins.filter.cidrs_beyond import FilterModule
from ansible_collections.shoppulse.analytics.plugins.module_utils.aws.networks import beyond

PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']


@pytest.mark.parametrize('cidrs', [[], ['10.8.0.0/16'], ['192.168.1.7/32'], ['fd12:3456::/48'],
                                   ['10.0.0.0/9', '10.128.0.0/9'], ['172.16.0.0/12', '10.0.0.0/8']])
def test_what_lies_inside_the_private_ranges_passes(cidrs):
    assert beyond(cidrs, PRIVATE, 'database_client_cidrs') == []


@pytest.mark.parametrize('cidrs, expected', [
    # the whole internet, written four ways
    (['0.0.0.0/0'], ['database_client_cidrs[0]: 0.0.0.0/0 reaches 4277075968 addresses outside the private ranges']),
    (['1.2.3.4/0'], ['database_client_cidrs[0]: 1.2.3.4/0 has host bits set: AWS takes it as 0.0.0.0/0']),
    (['::/0'], ['database_client_cidrs[0]: ::/0 reaches 337623910929368631717566993311207522304 addresses']),
    (['0.0.0.0/1', '128.0.0.0/1'], ['database_client_cidrs[0]: 0.0.0.0/1 reaches 2130706432 addresses',
                                    'database_client_cidrs[1]: 128.0.0.0/1 reaches 2146369536 addresses',
                                    'database_client_cidrs together reach 4277075968 addresses']),
    # a range a little wider than a private one, a public address, an entry that is no CIDR
    (['10.0.0.0/7'], ['database_client_cidrs[0]: 10.0.0.0/7 reaches 16777216 addresses']),
    (['10.8.0.0/16', '8.8.8.8/32'], ['database_client_cidrs[1]: 8.8.8.8/32 reaches 1 address']),
    (['10.1.2.3'], ["database_client_cidrs[0]: '10.1.2.3' is not a CIDR"]),
    (['ten'], ["database_client_cidrs[0]: 'ten' is not a CIDR"]),
    (['10.0.0.0/33'], ["database_client_cidrs[0]: '10.0.0.0/33' is not a CIDR"]),
])
def test_each_fault_is_named(cidrs, expected):
    found = beyond(cidrs, PRIVATE, 'database_client_cidrs')
    assert len(found) == len(expected), found
    for sentence, start in zip(found, expected):
        assert sentence.startswith(start), (sentence, start)


def test_the_ranges_are_named_as_the_caller_calls_them():
    assert beyond(['10.1.0.0/24'], ['10.0.0.0/16'], 'network_isolated_subnets', 'network_cidr') == [
        'network_isolated_subnets[0]: 10.1.0.0/24 reaches 256 addresses outside network_cidr (10.0.0.0/16)']
    assert beyond(['10.0.0.0/24'], ['bad'], 'x', 'network_cidr')[0].startswith("network_cidr[0]: 'bad' is not a CIDR")


def test_the_filter_takes_lists_only():
    cidrs_beyond = FilterModule().filters()['cidrs_beyond']
    assert cidrs_beyond(['0.0.0.0/0'], PRIVATE, 'database_client_cidrs')[0].startswith('database_client_cidrs[0]')
    with pytest.raises(AnsibleFilterError, match='takes a list of CIDRs and a list of ranges, not str and list'):
        cidrs_beyond('0.0.0.0/0', PRIVATE)

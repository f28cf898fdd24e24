# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local PostgreSQL server set up the way RDS Proxy is used: TLS required.

Used by ``make site`` (inventories/local) and by the integration tests. It
creates, under one directory:

  data/             the cluster (initdb), owned by the server's OS user
  tls/ca.crt        a CA generated for this server (clients pass it as ca_cert)
  tls/server.*      the server certificate (SAN localhost, 127.0.0.1, ::1) and key
  password          the master user's password (generated, mode 0600)
  setup-password    the set-up superuser's password (generated, mode 0600)
  run/              the Unix socket directory
  postgres.log      the server log

and starts the server listening on 127.0.0.1 only, with password (SCRAM)
authentication over ``hostssl`` only: a connection without TLS is rejected.
A server that is already running from the directory is reused.

The login that the collection uses is an RDS-like master user, not a superuser: ``shoppulse_admin``
with CREATEROLE and CREATEDB, a member of ``rds_superuser``, which holds the predefined roles RDS
grants it (``rds-master.sql.j2``, beside this file). The only superuser, ``rdsadmin`` as on RDS, sets the server up.
``--version`` chooses the major version (15 to 18; support/pgbin.py finds or fetches its binaries).

PostgreSQL refuses to run as root; when this runs as root, the server runs as
the ``postgres`` OS user (``runuser``). A new directory that user cannot reach
(under root's home, say) is made under /var/lib/shoppulse/local instead, and the
directory asked for becomes a link to it.

  python -m support.localpg start --dir .local/postgres --port 55432
  python -m support.localpg stop --dir .local/postgres
  python -m support.localpg status --dir .local/postgres
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import ipaddress
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys

from support import free_port
from support.machine import DEBIAN_BINDIR, debian_postgresql
import time

MASTER = 'shoppulse_admin'
SETUP_SUPERUSER = 'rdsadmin'
SERVER_OS_USER = 'postgres'
# where a server directory the postgres OS user could not reach is put instead (as root)
RELOCATED_ROOT = '/var/lib/shoppulse/local'
# What RDS gives its master user, written once for this and the Molecule scenarios
RDS_MASTER_SQL = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'rds-master.sql.j2')


class LocalPgError(RuntimeError):
    pass


def bindir(version: int | None = None) -> str:
    """Directory of the server binaries: of ``version`` (support/pgbin.py), else $PG_BINDIR, Debian's (the
    machine's major, support/machine.py) or pg_ctl's."""
    if version is not None:
        from support import pgbin  # pylint: disable=import-outside-toplevel
        try:
            return pgbin.fetch(version)
        except pgbin.PgBinError as exc:
            raise LocalPgError(str(exc)) from exc
    candidates = [os.environ.get('PG_BINDIR', ''), DEBIAN_BINDIR % debian_postgresql()]
    found = shutil.which('pg_ctl')
    if found:
        candidates.append(os.path.dirname(os.path.realpath(found)))
    for candidate in candidates:
        if candidate and os.path.exists(os.path.join(candidate, 'pg_ctl')):
            return candidate
    raise LocalPgError('PostgreSQL server binaries (pg_ctl, initdb) not found: install postgresql-%d '
                       'or set PG_BINDIR' % debian_postgresql())


class LocalPostgres:
    def __init__(self, directory: str, port: int | None = None, master: str = MASTER,
                 settings: dict | None = None, names: tuple = (), version: int | None = None):
        self.link = os.path.abspath(directory)
        self.as_root = os.geteuid() == 0
        self._set_paths(os.path.realpath(self.link))
        self.master = master
        self.settings = settings or {}
        self.names = tuple(names)
        self.port = port or self._saved_port() or free_port()
        self.bindir = bindir(version)

    # -- helpers ------------------------------------------------------------------------

    def _set_paths(self, directory: str) -> None:
        self.dir = directory
        self.data = os.path.join(self.dir, 'data')
        self.tls = os.path.join(self.dir, 'tls')
        self.run_dir = os.path.join(self.dir, 'run')
        self.log = os.path.join(self.dir, 'postgres.log')
        self.password_file = os.path.join(self.dir, 'password')
        self.setup_password_file = os.path.join(self.dir, 'setup-password')
        self.ca_cert = os.path.join(self.tls, 'ca.crt')
        self.port_file = os.path.join(self.dir, 'port')

    def _relocate_if_unreachable(self) -> None:
        """As root, before a new server directory is made: one the server's OS user can reach.

        A checkout under a directory the postgres OS user cannot enter (root's home) gets its server
        directory under RELOCATED_ROOT, named after the checkout's path, and the directory asked for
        becomes a link to it, so that every path under it still works for the caller.
        """
        if not self.as_root or os.path.lexists(self.link):
            return
        parent = os.path.dirname(self.link)
        os.makedirs(parent, exist_ok=True)
        if subprocess.run(['runuser', '-u', SERVER_OS_USER, '--', 'test', '-x', parent], check=False).returncode == 0:
            return
        target = os.path.join(RELOCATED_ROOT, hashlib.sha256(self.link.encode()).hexdigest()[:16], 'postgres')
        os.makedirs(target, exist_ok=True)
        for directory in (RELOCATED_ROOT, os.path.dirname(target), target):
            os.chmod(directory, 0o755)
        os.symlink(target, self.link)
        self._set_paths(target)

    def _saved_port(self):
        try:
            with open(os.path.join(self.dir, 'port')) as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None

    def _server_cmd(self, args: list) -> list:
        if self.as_root:
            return ['runuser', '-u', SERVER_OS_USER, '--'] + args
        return args

    def _chown(self, path: str) -> None:
        if self.as_root:
            entry = pwd.getpwnam(SERVER_OS_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _run(self, args: list, what: str) -> str:
        proc = subprocess.run(self._server_cmd(args), capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise LocalPgError('%s failed (exit %d): %s%s' % (what, proc.returncode, proc.stdout, proc.stderr))
        return proc.stdout

    @property
    def password(self) -> str:
        """The master user's."""
        with open(self.password_file) as handle:
            return handle.read().strip()

    def role_password(self, role: str) -> str:
        """The password the tests give the login role ``role`` on this server. Roles belong to the server, so every
        test that sets one (in parallel, on databases of their own) sets the same: derived from the master's."""
        return hashlib.sha256(('%s\0%s' % (self.password, role)).encode('utf-8')).hexdigest()

    @property
    def setup_password(self) -> str:
        with open(self.setup_password_file) as handle:
            return handle.read().strip()

    @staticmethod
    def _new_secret(path: str) -> None:
        if not os.path.exists(path):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as handle:
                handle.write(secrets.token_urlsafe(24))

    def is_running(self) -> bool:
        if not os.path.exists(os.path.join(self.data, 'postmaster.pid')):
            return False
        proc = subprocess.run(self._server_cmd([os.path.join(self.bindir, 'pg_ctl'), 'status', '-D', self.data]),
                              capture_output=True, text=True, check=False)
        return proc.returncode == 0

    # -- set-up -------------------------------------------------------------------------

    def _make_certificates(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        os.makedirs(self.tls, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                'ShopPulse local CA %s' % secrets.token_hex(4))])
        ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                   .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=825))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                content_commitment=False, key_encipherment=False,
                                                data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .sign(ca_key, hashes.SHA256()))
        server_key = ec.generate_private_key(ec.SECP256R1())
        alt_names = [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1')),
                     x509.IPAddress(ipaddress.ip_address('::1'))]
        alt_names += [x509.DNSName(name) for name in self.names]
        server_cert = (x509.CertificateBuilder()
                       .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]))
                       .issuer_name(ca_name).public_key(server_key.public_key())
                       .serial_number(x509.random_serial_number())
                       .not_valid_before(now - datetime.timedelta(minutes=5))
                       .not_valid_after(now + datetime.timedelta(days=825))
                       .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
                       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                       .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                                      critical=False)
                       .sign(ca_key, hashes.SHA256()))

        def write(path, data, mode):
            with open(path, 'wb') as handle:
                handle.write(data)
            os.chmod(path, mode)

        pem = serialization.Encoding.PEM
        write(self.ca_cert, ca_cert.public_bytes(pem), 0o644)
        write(os.path.join(self.tls, 'server.crt'), server_cert.public_bytes(pem), 0o644)
        write(os.path.join(self.tls, 'server.key'), server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), 0o600)
        self._chown(os.path.join(self.tls, 'server.key'))
        # The CA key is not kept: nothing else is ever signed with it.

    def _initdb(self) -> None:
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self._new_secret(self.password_file)
        self._new_secret(self.setup_password_file)
        pwfile = os.path.join(self.dir, '.initdb-password')
        shutil.copyfile(self.setup_password_file, pwfile)
        self._chown(pwfile)
        os.makedirs(self.data, mode=0o700, exist_ok=True)
        os.makedirs(self.run_dir, exist_ok=True)
        for path in (self.data, self.run_dir):
            self._chown(path)
        try:
            self._run([os.path.join(self.bindir, 'initdb'), '-D', self.data, '-U', SETUP_SUPERUSER,
                       '--pwfile', pwfile, '--auth-local', 'scram-sha-256', '--auth-host', 'reject',
                       '-E', 'UTF8', '--locale', 'C.UTF-8', '--no-instructions'], 'initdb')
        except LocalPgError as exc:
            if self.as_root and 'Permission denied' in str(exc):
                raise LocalPgError('%s\nThe %s OS user must be able to reach %s: make its parent directories '
                                   'traversable (chmod o+x) or choose another --dir' % (exc, SERVER_OS_USER, self.dir))
            raise
        finally:
            os.unlink(pwfile)
        self._make_certificates()
        with open(os.path.join(self.data, 'pg_hba.conf'), 'w') as handle:
            handle.write(
                '# Written by support/localpg.py: TLS and a password, or nothing.\n'
                'local     all all               scram-sha-256\n'
                'hostssl   all all 127.0.0.1/32  scram-sha-256\n'
                'hostssl   all all ::1/128       scram-sha-256\n'
                'hostnossl all all 0.0.0.0/0     reject\n'
                'hostnossl all all ::/0          reject\n')
        settings = {
            'listen_addresses': "'127.0.0.1'",
            'unix_socket_directories': "'%s'" % self.run_dir,
            'ssl': 'on',
            'ssl_cert_file': "'%s'" % os.path.join(self.tls, 'server.crt'),
            'ssl_key_file': "'%s'" % os.path.join(self.tls, 'server.key'),
            'ssl_min_protocol_version': "'TLSv1.2'",
            'password_encryption': "'scram-sha-256'",
            'logging_collector': 'off',
            'log_line_prefix': "'%m [%p] %q%u@%d '",
        }
        settings.update(self.settings)
        with open(os.path.join(self.data, 'postgresql.auto.conf'), 'a') as handle:
            for key, value in settings.items():
                handle.write('%s = %s\n' % (key, value))

    # -- life cycle ---------------------------------------------------------------------

    def _certificate_names(self) -> set:
        from cryptography import x509

        try:
            with open(os.path.join(self.tls, 'server.crt'), 'rb') as handle:
                cert = x509.load_pem_x509_certificate(handle.read())
        except OSError:
            return set()
        return set(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
                   .get_values_for_type(x509.DNSName))

    def start(self, timeout: float = 60) -> 'LocalPostgres':
        initialized = os.path.exists(os.path.join(self.data, 'PG_VERSION'))
        if initialized and not set(self.names) <= self._certificate_names():
            # a server set up before it was asked for these names: new certificates, read on reload
            self._make_certificates()
            if self.is_running():
                self._run([os.path.join(self.bindir, 'pg_ctl'), 'reload', '-D', self.data], 'pg_ctl reload')
        if self.is_running():
            self._set_up_master()
            return self
        if not self._port_is_free():
            raise LocalPgError('port %d on 127.0.0.1 is already in use (another server?); choose another port '
                               '(make: LOCAL_PG_PORT=...)' % self.port)
        if not os.path.exists(os.path.join(self.data, 'PG_VERSION')):
            self._relocate_if_unreachable()
            self._initdb()
        with open(self.port_file, 'w') as handle:
            handle.write(str(self.port))
        if not os.path.exists(self.log):
            open(self.log, 'a').close()
        self._chown(self.log)
        try:
            self._run([os.path.join(self.bindir, 'pg_ctl'), 'start', '-D', self.data, '-l', self.log, '-w',
                       '-t', str(int(timeout)), '-o', '-p %d' % self.port], 'pg_ctl start')
        except LocalPgError as exc:
            with open(self.log, errors='replace') as handle:
                tail = ''.join(handle.readlines()[-5:])
            raise LocalPgError('%s\nlast lines of %s:\n%s' % (exc, self.log, tail))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(('127.0.0.1', self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise LocalPgError('the server did not accept connections on 127.0.0.1:%d; see %s' % (self.port, self.log))
        self._set_up_master()
        return self

    def _set_up_master(self) -> None:
        """Make the master user RDS-like (idempotent): CREATEROLE, CREATEDB, rds_superuser, no superuser.

        A directory set up before there was a set-up superuser (the master was the superuser then) gets
        one first, so that an existing local database is kept.
        """
        import psycopg2  # pylint: disable=import-outside-toplevel

        if os.path.exists(self.setup_password_file):
            conn = psycopg2.connect(**self.admin_dsn())
        else:
            self._new_secret(self.setup_password_file)
            conn = psycopg2.connect(**self.dsn())
        conn.autocommit = True
        with open(RDS_MASTER_SQL) as handle:
            script = handle.read().replace('{{ master }}', self.master)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = %s", (SETUP_SUPERUSER,))
            if not cur.fetchone()[0]:
                cur.execute('CREATE ROLE %s SUPERUSER LOGIN PASSWORD %%s' % SETUP_SUPERUSER, (self.setup_password,))
            cur.execute(script)
            # as a verifier made on the client: the password is not in the server's log
            cur.execute('ALTER ROLE %s PASSWORD %%s' % self.master, (psycopg2.extensions.encrypt_password(
                self.password, self.master, conn, 'scram-sha-256'),))
        conn.close()

    def _port_is_free(self) -> bool:
        with socket.socket() as sock:
            try:
                sock.bind(('127.0.0.1', self.port))
            except OSError:
                return False
        return True

    def stop(self) -> None:
        if self.is_running():
            self._run([os.path.join(self.bindir, 'pg_ctl'), 'stop', '-D', self.data, '-m', 'fast', '-w'],
                      'pg_ctl stop')

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
        if os.path.islink(self.link):
            os.unlink(self.link)
            shutil.rmtree(os.path.dirname(self.dir), ignore_errors=True)

    def info(self) -> dict:
        return dict(host='localhost', port=self.port, user=self.master, password_file=self.password_file,
                    ca_cert=self.ca_cert, ssl_mode='verify-full', data=self.data, log=self.log,
                    running=self.is_running())

    def dsn(self, dbname: str = 'postgres', user: str | None = None, password: str | None = None) -> dict:
        """libpq parameters for the master user (or ``user``), over verify-full TLS."""
        return dict(host='localhost', port=self.port, dbname=dbname, user=user or self.master,
                    password=self.password if password is None else password, sslmode='verify-full',
                    sslrootcert=self.ca_cert)

    def client_env(self, **extra) -> dict:
        """The environment of a libpq client program (psql, pg_dump) logging in as the master user over
        verify-full TLS, as dsn() connects."""
        return dict(os.environ, PGHOST='localhost', PGPORT=str(self.port), PGUSER=self.master, PGPASSWORD=self.password,
                    PGSSLMODE='verify-full', PGSSLROOTCERT=self.ca_cert, **extra)

    def admin_dsn(self, dbname: str = 'postgres') -> dict:
        """libpq parameters for the set-up superuser: for preparing a test server, never for the collection."""
        return self.dsn(dbname, user=SETUP_SUPERUSER, password=self.setup_password)

    def major(self) -> int:
        with open(os.path.join(self.data, 'PG_VERSION')) as handle:
            return int(handle.read().strip())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('command', choices=['start', 'stop', 'status', 'destroy'])
    parser.add_argument('--dir', required=True, help='directory of the server (created)')
    parser.add_argument('--port', type=int, help='TCP port on 127.0.0.1 (default: the saved one, or a free one)')
    parser.add_argument('--name', action='append', default=[], help='extra DNS name in the server certificate')
    parser.add_argument('--set', action='append', default=[], metavar='KEY=VALUE', help='extra server setting')
    parser.add_argument('--version', type=int, help='major version (default: 15, or $PG_BINDIR\'s)')
    args = parser.parse_args(argv)
    settings = dict(item.split('=', 1) for item in args.set)
    try:
        server = LocalPostgres(args.dir, port=args.port, settings=settings, names=tuple(args.name),
                               version=args.version)
        if args.command == 'start':
            server.start()
        elif args.command == 'stop':
            server.stop()
        elif args.command == 'destroy':
            server.destroy()
            return 0
        json.dump(server.info(), sys.stdout, indent=2)
        sys.stdout.write('\n')
    except LocalPgError as exc:
        sys.stderr.write('localpg: %s\n' % exc)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

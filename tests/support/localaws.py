# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An emulated AWS on 127.0.0.1: a moto server with the corrections of moto_extension.

Used by ``make site`` (inventories/local), the Molecule scenario aws and the integration tests, each
through ``LocalAws``; the tests start theirs with ``emulated()``, on a free port, and stop it.
Never real AWS: everything the playbooks create lives in this process's memory and is gone when it
stops. Under one directory it keeps:

  port        the TCP port on 127.0.0.1
  moto.pid    the server's process id
  moto.log    its log

A server that is already running from the directory is reused.

  python -m support.localaws start --dir .local/aws --port 55450
  python -m support.localaws stop --dir .local/aws
  python -m support.localaws status --dir .local/aws
  python -m support.localaws serve PORT                  (in the foreground)
  python -m support.localaws proxy-domain eu-west-1      (the domain of its RDS Proxy endpoints)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time

from support import free_port, module_command, moto_extension


class LocalAwsError(RuntimeError):
    pass


# A play that uses a role on its own gives it the connection as the playbooks do (roles/shoppulse/README.md).
MODULE_DEFAULTS = {'group/shoppulse.analytics.aws': "{{ lookup('shoppulse.analytics.aws_connection') }}"}


def answers(port: int) -> bool:
    try:
        socket.create_connection(('127.0.0.1', port), timeout=1).close()
        return True
    except OSError:
        return False


def wait_until_answering(port: int, timeout: float = 60, proc=None) -> None:
    deadline = time.monotonic() + timeout
    while not answers(port):
        if proc is not None and proc.poll() is not None:
            raise LocalAwsError('the moto server exited (status %s) before answering on port %d' % (proc.returncode, port))
        if time.monotonic() > deadline:
            raise LocalAwsError('the moto server did not answer on 127.0.0.1:%d within %ds' % (port, timeout))
        time.sleep(0.1)


def serve(port: int) -> None:
    """Run the server in this process until it is stopped."""
    from moto.server import ThreadedMotoServer

    moto_extension.apply()
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=port, verbose=False)
    server.start()
    # the state is in memory only: nothing to save on the way out
    signal.signal(signal.SIGTERM, lambda *args: os._exit(0))  # pylint: disable=protected-access
    thread = server._thread  # pylint: disable=protected-access
    try:
        # wake up now and then: a signal that another thread received is handled only when the main
        # thread runs again, and a join() without a timeout would never return to let it
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        server.stop()


def spawn(port: int, log_path: str, env: dict | None = None) -> subprocess.Popen:
    """Start ``serve`` in a new session (it outlives the caller) and wait until it answers."""
    with open(log_path, 'ab') as log:
        command, env = module_command('localaws', 'serve', port, env=env)
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                env=env)
    wait_until_answering(port, proc=proc)
    return proc


class LocalAws:
    """The server of a directory. env: the server's environment (the settings moto_extension reads)."""

    def __init__(self, directory: str, port: int | None = None, env: dict | None = None):
        self.dir = os.path.abspath(directory)
        self.env = env
        self.pid_file = os.path.join(self.dir, 'moto.pid')
        self.port_file = os.path.join(self.dir, 'port')
        self.log = os.path.join(self.dir, 'moto.log')
        self.port = port or self._read(self.port_file) or 55450

    @staticmethod
    def _read(path):
        try:
            with open(path) as handle:
                return int(handle.read().strip())
        except (OSError, ValueError):
            return None

    @property
    def pid(self):
        return self._read(self.pid_file)

    def is_running(self) -> bool:
        pid = self.pid
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return answers(self.port)

    def start(self) -> 'LocalAws':
        if self.is_running():
            return self
        if answers(self.port):
            raise LocalAwsError('port %d on 127.0.0.1 is already in use; choose another (make: LOCAL_AWS_PORT=...)'
                                % self.port)
        os.makedirs(self.dir, exist_ok=True)
        proc = spawn(self.port, self.log, env=self.env)
        with open(self.pid_file, 'w') as handle:
            handle.write(str(proc.pid))
        with open(self.port_file, 'w') as handle:
            handle.write(str(self.port))
        return self

    def stop(self) -> None:
        pid = self.pid
        if pid and self.is_running():
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while answers(self.port) and time.monotonic() < deadline:
                time.sleep(0.1)
        if os.path.exists(self.pid_file):
            os.unlink(self.pid_file)

    @property
    def endpoint_url(self) -> str:
        return 'http://127.0.0.1:%d' % self.port

    def client(self, service: str, region: str = 'eu-west-1', **credentials):
        """A boto3 client of this server (moto's dummy credentials unless others are given)."""
        import boto3  # pylint: disable=import-outside-toplevel
        credentials = credentials or dict(aws_access_key_id='testing', aws_secret_access_key='testing')
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name=region, **credentials)

    def info(self) -> dict:
        return dict(endpoint_url=self.endpoint_url, running=self.is_running(), log=self.log)


@contextlib.contextmanager
def emulated(directory: str, **settings):
    """A server of its own on a free port for as long as the block runs (settings: its environment's additions)."""
    server = LocalAws(directory, port=free_port(), env=dict(os.environ, **settings) if settings else None).start()
    try:
        yield server
    finally:
        server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('command', choices=['start', 'stop', 'status', 'serve', 'proxy-domain'])
    parser.add_argument('argument', nargs='?', help='serve: the port; proxy-domain: the region')
    parser.add_argument('--dir', help='directory of the server (created)')
    parser.add_argument('--port', type=int, help='TCP port on 127.0.0.1 (default: the saved one, or 55450)')
    args = parser.parse_args(argv)
    if args.command == 'serve':
        serve(int(args.argument))
        return 0
    if args.command == 'proxy-domain':
        sys.stdout.write(moto_extension.proxy_domain(args.argument or 'eu-west-1') + '\n')
        return 0
    if not args.dir:
        parser.error('%s needs --dir' % args.command)
    try:
        server = LocalAws(args.dir, port=args.port)
        if args.command == 'start':
            server.start()
        elif args.command == 'stop':
            server.stop()
        json.dump(server.info(), sys.stdout, indent=2)
        sys.stdout.write('\n')
    except LocalAwsError as exc:
        sys.stderr.write('localaws: %s\n' % exc)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())

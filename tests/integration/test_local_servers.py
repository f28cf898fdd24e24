# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make site`'s local PostgreSQL from a checkout anywhere: as root, under a directory the postgres OS user
cannot enter (such as root's home), its server directory is put where that user can reach it."""

import os

import psycopg2

from support import free_port, localpg


def test_a_server_directory_the_postgres_user_cannot_reach_still_serves(tmp_path):
    closed = tmp_path / 'home'
    closed.mkdir()
    os.chmod(str(closed), 0o700)
    asked = closed / 'checkout' / '.local' / 'postgres'
    server = localpg.LocalPostgres(str(asked), port=free_port()).start()
    try:
        psycopg2.connect(**server.dsn()).close()
        assert (asked / 'password').read_text().strip() == server.password  # the paths asked for still work
        if os.geteuid() == 0:
            assert asked.is_symlink() and server.dir.startswith(localpg.RELOCATED_ROOT)
        again = localpg.LocalPostgres(str(asked))  # as `make site` finds it the next time
        assert again.dir == server.dir and again.port == server.port and again.is_running()
    finally:
        server.destroy()
    assert not os.path.lexists(str(asked)) and not os.path.exists(server.dir)

# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start a moto server on 127.0.0.1 with the corrections of moto_extension applied.

  python tests/aws/moto_server.py PORT
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import moto_extension  # noqa: E402  pylint: disable=wrong-import-position
from moto.server import ThreadedMotoServer  # noqa: E402  pylint: disable=wrong-import-position


def main():
    moto_extension.apply()
    server = ThreadedMotoServer(ip_address='127.0.0.1', port=int(sys.argv[1]), verbose=False)
    server.start()
    try:
        server._thread.join()  # pylint: disable=protected-access
    except KeyboardInterrupt:
        server.stop()


if __name__ == '__main__':
    main()

# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared by the unit and integration tests. What they import is on pytest's path (pytest.ini):
the collection, the test support package (tests/support) and tools/."""

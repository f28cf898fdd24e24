# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What runs squawk for the lint outside a module (tests, tools/sql_lint.py, benchmarks): the module gives its
run_command; module_utils may not start processes itself (ansible-test's pylint)."""

import subprocess


def run(command):
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return proc.returncode, proc.stdout, proc.stderr

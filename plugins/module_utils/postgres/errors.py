# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one error class of the schema engine (migrations, seeds, logins, the SQL splitter)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from typing import Any
except ImportError:  # pragma: no cover
    pass


class EngineError(Exception):
    """An error with a message meant for the user, and the facts behind it (file, line, version, sqlstate...).

    The modules fail with the message and return the facts beside it; the SQL splitter gives the line,
    to which the migration adds its file.
    """

    def __init__(self, message, **facts):
        # type: (str, **Any) -> None
        super(EngineError, self).__init__(message)
        self.message = message
        self.facts = facts

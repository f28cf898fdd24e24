# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.sqlscript import (
    ScriptError,
    parse_directives,
    split_statements,
)


def texts(script):
    return [s.text for s in split_statements(script)]


def test_splits_on_semicolons_and_keeps_start_lines():
    script = "-- header\n\nCREATE TABLE a (x int);\n\nINSERT INTO a\n  VALUES (1);\nSELECT 1"
    statements = split_statements(script)
    assert [s.text for s in statements] == ['CREATE TABLE a (x int)', 'INSERT INTO a\n  VALUES (1)', 'SELECT 1']
    assert [s.line for s in statements] == [3, 5, 7]


def test_semicolons_inside_strings_identifiers_and_comments_do_not_split():
    script = ("SELECT 'a;b', \"we;ird\", E'it\\'s;', 'it''s;' -- c;omment\n;"
              "/* a; /* nested; */ still; */ SELECT 2;")
    assert texts(script) == ["SELECT 'a;b', \"we;ird\", E'it\\'s;', 'it''s;' -- c;omment",
                             "SELECT 2"]


def test_dollar_quoted_bodies_are_one_statement():
    script = ("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN\n  PERFORM 1;\n"
              "  RETURN $$x;$$::text::int;\nEND;\n$body$;\nSELECT f();")
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[0].text.endswith('$body$')
    assert statements[1].line == 7


def test_positional_parameters_are_not_dollar_quotes():
    assert texts("PREPARE p AS SELECT $1; EXECUTE p(1);") == ['PREPARE p AS SELECT $1', 'EXECUTE p(1)']


def test_empty_statements_and_trailing_comments_are_dropped():
    assert texts(";;\n-- only a comment\n/* and another */;\n") == []


def test_line_of_position_maps_an_error_position_to_the_file_line():
    script = "\n\nCREATE TABLE t (\n  a int,\n  b nosuchtype\n);"
    statement = split_statements(script)[0]
    position = statement.text.index('nosuchtype') + 1
    assert statement.line_of_position(position) == 5
    assert statement.line_of_position(None) == 3


@pytest.mark.parametrize('script, line', [
    ("SELECT 1;\nSELECT 'open", 2),
    ("SELECT 1;\n\n/* never closed", 3),
    ('SELECT "open', 1),
    ("SELECT 1;\nDO $x$ BEGIN END $y$;", 2),
])
def test_unterminated_constructs_raise_with_their_line(script, line):
    with pytest.raises(ScriptError) as info:
        split_statements(script)
    assert info.value.line == line


def test_transaction_control_is_recognised():
    kinds = [s.is_transaction_control() for s in split_statements(
        'BEGIN; commit; START TRANSACTION; SELECT 1; CREATE TABLE begin_x (a int); END;')]
    assert kinds == [True, True, True, False, False, True]


def test_directives_are_read_from_the_leading_comments_only():
    assert parse_directives('-- shoppulse:no-transaction\n-- note\nCREATE INDEX CONCURRENTLY i ON t (a);') == {
        'no-transaction'}
    assert parse_directives('SELECT 1;\n-- shoppulse:no-transaction\n') == set()


def test_unknown_directive_is_an_error_naming_the_line():
    with pytest.raises(ScriptError) as info:
        parse_directives('-- intro\n-- shoppulse:no-transactions\nSELECT 1;')
    assert info.value.line == 2
    assert 'no-transactions' in str(info.value)

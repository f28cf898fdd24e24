# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlpatterns import parse_directives
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.sqlscript import split_statements


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
    with pytest.raises(EngineError) as info:
        split_statements(script)
    assert info.value.facts['line'] == line


def test_transaction_control_is_recognised():
    kinds = [s.is_transaction_control() for s in split_statements(
        'BEGIN; commit; START TRANSACTION; SELECT 1; CREATE TABLE begin_x (a int); END;')]
    assert kinds == [True, True, True, False, False, True]


def test_directives_are_read_from_the_leading_comments_only():
    assert parse_directives('-- shoppulse:no-transaction\n-- note\nCREATE INDEX CONCURRENTLY i ON t (a);') == {
        'no-transaction'}
    assert parse_directives('SELECT 1;\n-- shoppulse:no-transaction\n') == set()


def test_unknown_directive_is_an_error_naming_the_line():
    with pytest.raises(EngineError) as info:
        parse_directives('-- intro\n-- shoppulse:no-transactions\nSELECT 1;')
    assert info.value.facts['line'] == 2
    assert 'no-transactions' in str(info.value)


# -- where psql ends a statement (src/fe_utils/psqlscan.l) ---------------------------------------

def test_begin_atomic_bodies_with_case_are_one_statement():
    script = ("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n"
              "  SELECT CASE WHEN a > 0 THEN 1 ELSE CASE WHEN a < 0 THEN -1 END END;\nEND;\nSELECT 2;")
    statements = split_statements(script)
    assert [s.line for s in statements] == [1, 6]
    assert statements[0].text.endswith('END') and not statements[0].is_transaction_control()


@pytest.mark.parametrize('head', ['CREATE FUNCTION', 'create or replace function', 'CREATE PROCEDURE',
                                  'Create Or Replace Procedure'])
def test_every_routine_head_psql_knows_tracks_begin_and_end(head):
    script = '%s p() LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; CALL p();' % head
    assert len(split_statements(script)) == 2


def test_begin_and_end_elsewhere_end_at_the_semicolon_as_psql_does():
    # a transaction block, a trigger, CASE outside a routine: psql does not count them
    assert len(split_statements('BEGIN; SELECT 1; END;')) == 3
    assert len(split_statements('SELECT CASE WHEN true THEN 1 END; SELECT 2;')) == 2
    assert len(split_statements('CREATE TABLE "begin" (a int); CREATE TABLE t (begin int);')) == 2


def test_begin_inside_parentheses_is_not_counted_but_at_depth_zero_it_is_as_in_psql():
    assert len(split_statements('CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN (begin); '
                                'SELECT 1;')) == 2
    # psql's heuristic: a bare "begin" outside parentheses in a CREATE FUNCTION opens a block, so psql
    # sends both statements as one query (seen in a server's log); schema_apply does what psql does
    assert len(split_statements('CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN 1 + begin; '
                                'SELECT 1;')) == 1


def test_a_rule_with_several_actions_in_parentheses_is_one_statement():
    script = 'CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1;'
    assert [s.line for s in split_statements(script)] == [1, 2]


def test_string_prefixes():
    script = "SELECT U&'d\\0061t;', e'it\\'s;', b'01', x'1f', N'n;', U&\"a;b\";SELECT 2"
    assert len(split_statements(script)) == 2


@pytest.mark.parametrize('script, line, message', [
    ('SELECT 1;\n\\set ON_ERROR_STOP on\nSELECT 2;', 2, '\\set is a psql meta-command'),
    ('SELECT 1;\n\n\\i other.sql\n', 3, '\\i is a psql meta-command'),
    ('\\copy t FROM data.csv\n', 1, '\\copy is a psql meta-command'),
    ('SELECT 1 \\; SELECT 2;', 1, '\\; is a psql meta-command'),
    ('CREATE TABLE t (a int);\nCOPY t (a) FROM stdin;\n1\n\\.\n', 2, 'COPY ... FROM STDIN reads the rows'),
    ('COPY (SELECT 1) TO STDOUT;', 1, 'COPY ... TO STDOUT prints its rows'),
])
def test_what_only_psql_can_run_is_refused_naming_the_line(script, line, message):
    with pytest.raises(EngineError) as info:
        split_statements(script)
    assert info.value.facts['line'] == line and message in str(info.value)


def test_copy_from_a_server_file_and_backslashes_in_strings_are_sql():
    assert len(split_statements("COPY t FROM '/srv/data.csv'; SELECT E'\\\\n', '\\';")) == 2

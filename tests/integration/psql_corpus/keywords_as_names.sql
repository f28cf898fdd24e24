-- begin, end and case as names, and CASE ... END outside a function: psql counts BEGIN and END only
-- in CREATE [OR REPLACE] FUNCTION|PROCEDURE statements, outside parentheses.
CREATE TABLE periods ("begin" date, "end" date, "case" text);
CREATE TABLE spans (begin int, stop int);
INSERT INTO spans VALUES (1, 2), (3, 4);
INSERT INTO periods SELECT date '2026-01-01', date '2026-12-31', CASE WHEN true THEN 'year' END;
UPDATE spans SET stop = CASE WHEN begin > 2 THEN stop + 1 ELSE stop END;
CREATE FUNCTION span_length(begin int, stop int) RETURNS int LANGUAGE sql RETURN (stop - begin);
CREATE FUNCTION longest() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT max(span_length(s.begin, s.stop)) FROM spans s;
END;
CREATE VIEW long_spans AS SELECT * FROM spans WHERE span_length(begin, stop) >= (SELECT longest());

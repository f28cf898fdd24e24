-- SQL-standard function and procedure bodies (PostgreSQL 14+): psql keeps the semicolons between
-- BEGIN ATOMIC and END inside the statement, and counts CASE ... END inside them.
CREATE TABLE ledger (id int PRIMARY KEY, amount numeric NOT NULL, kind text);

CREATE FUNCTION classify(amount numeric) RETURNS text
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT CASE WHEN amount < 0 THEN 'debit'
              WHEN amount = 0 THEN 'zero'
              ELSE CASE WHEN amount > 1000 THEN 'large' ELSE 'credit' END
         END;
END;

CREATE OR REPLACE FUNCTION ledger_total() RETURNS numeric
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT 1;
  SELECT coalesce(sum(amount), 0) FROM ledger;
END;

create procedure record(p_id int, p_amount numeric)
language sql
begin atomic
  insert into ledger (id, amount, kind) values (p_id, p_amount, classify(p_amount));
  update ledger set kind = upper(kind) where id = p_id and kind = 'large';
end;

CALL record(1, 5);
CALL record(2, -3);
CALL record(3, 5000);

CREATE FUNCTION answer() RETURNS int LANGUAGE sql RETURN 42;
CREATE VIEW ledger_summary AS SELECT kind, count(*) AS n, ledger_total() AS total FROM ledger GROUP BY kind;

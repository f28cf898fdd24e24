-- PL/pgSQL bodies are dollar-quoted: their BEGIN ... END; are inside the quote, not counted.
CREATE TABLE events (id serial PRIMARY KEY, name text NOT NULL, updated_at timestamptz);

CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  NEW.updated_at := '2026-01-01 00:00:00+00';
  IF NEW.name = 'end;' THEN
    RAISE NOTICE 'case; end';
  END IF;
  RETURN NEW;
END;
$body$;

CREATE TRIGGER events_touch BEFORE INSERT OR UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch();

CREATE OR REPLACE FUNCTION add(a int, b int) RETURNS int LANGUAGE plpgsql AS '
BEGIN
  RETURN a + b; -- a quoted body
END;
';

DO $$
DECLARE
  i int;
BEGIN
  FOR i IN 1..3 LOOP
    INSERT INTO events (name) VALUES ('event ' || i || ';');
  END LOOP;
END
$$;

PREPARE by_name AS SELECT count(*) FROM events WHERE name = $1;
DEALLOCATE by_name;

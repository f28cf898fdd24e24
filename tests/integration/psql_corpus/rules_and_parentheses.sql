-- A rule whose action is several statements in parentheses: psql does not end the statement at the
-- semicolons inside them.
CREATE TABLE shipments (id int PRIMARY KEY, carrier text);
CREATE TABLE shipment_log (id int, note text);
CREATE TABLE carrier_log (carrier text, seen int);

CREATE RULE log_shipment AS ON INSERT TO shipments DO ALSO (
    INSERT INTO shipment_log VALUES (NEW.id, 'created; logged');
    INSERT INTO carrier_log VALUES (NEW.carrier, 1)
);

INSERT INTO shipments VALUES (1, 'ups'), (2, 'dhl');

CREATE TABLE checks (
    id int PRIMARY KEY,
    note text CHECK (note <> ';' AND (length(note) > 0 OR note IS NULL)),
    total int GENERATED ALWAYS AS ((id * 2) + (1)) STORED
);
INSERT INTO checks (id, note) VALUES (1, 'a'), (2, (SELECT 'b;' || ';'));

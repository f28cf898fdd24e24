/* Everything that can hide a semicolon: /* nested; comments */ still a comment; */
CREATE TABLE "odd;name" ("col;umn" text, "say ""hi"";" text, plain text);
INSERT INTO "odd;name" VALUES ('semi;colon', 'it''s; fine', E'back\\slash\'; quote');  -- trailing; comment
INSERT INTO "odd;name" VALUES (U&'d\0061t\+000061;', $$dollar; quoted$$, $tag$ with $$ inside; $tag$);
INSERT INTO "odd;name" VALUES (e'\x41;', 'multi
line; string', $_$x;$_$);
INSERT INTO "odd;name" (plain) SELECT 'a'::text || ';' || b'101'::text || x'1f'::text || N'n;';
COMMENT ON TABLE "odd;name" IS 'a comment; with a semicolon';
SELECT 1 +--1; a line comment right after an operator
2;
CREATE TABLE numbers (a numeric DEFAULT 1.5e3, b numeric DEFAULT .5, c int DEFAULT 10);

"""schema_drift: the configuration layer and the live-table layer, each change made outside
the content system named; a database that matches its file has no drift."""

from __future__ import annotations

import psycopg
import pytest
import yaml
from schema_model import blog, field_of


def run_sql(engine, statement):
    with psycopg.connect(engine.url, autocommit=True) as conn:
        conn.execute(statement)


def test_a_database_that_matches_its_file_has_no_drift(dev, prod):
    blog(dev)
    text = dev.export_schema()
    assert dev.schema_drift(text) == {"drift": False, "configuration": [], "live": []}
    prod.apply_schema(text)
    assert prod.schema_drift(text)["drift"] is False


def test_configuration_drift_names_each_difference(dev):
    blog(dev)
    text = dev.export_schema()
    dev.update_field(field_of(dev, "posts", "title")["id"], {"label": "Heading"})
    dev.add_field("posts", "extra", None, "text")
    dev.create_section("pages", "Pages")
    drift = dev.schema_drift(text)
    found = {(op["action"], op["section"], op.get("field")) for op in drift["configuration"]}
    assert found == {("update_field", "posts", "title"), ("keep_field", "posts", "extra"),
                     ("keep_section", "pages", None)}
    assert drift["drift"] is True
    assert {i["kind"] for i in drift["live"]} == {"pending"}  # the added field is not applied
    assert dev.export_schema() != text  # drift wrote nothing back
    document = yaml.safe_load(text)
    assert len(document["sections"]) == 2


@pytest.mark.parametrize("statement, kind", [
    ("ALTER TABLE custom.posts ADD COLUMN sneaky text", "column"),
    ("ALTER TABLE custom.posts DISABLE ROW LEVEL SECURITY", "rls"),
    ("CREATE INDEX posts_sneaky ON custom.posts (views)", "changed_outside"),
    ("CREATE FUNCTION public.noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';"
     "CREATE TRIGGER sneaky BEFORE INSERT ON custom.posts FOR EACH ROW EXECUTE FUNCTION public.noop()",
     "changed_outside"),
    ("ALTER TABLE custom.posts ALTER COLUMN views TYPE varchar(10)", "table"),
])
def test_live_drift_names_a_change_made_outside(dev, statement, kind):
    blog(dev)
    text = dev.export_schema()
    run_sql(dev, statement)
    drift = dev.schema_drift(text)
    assert drift["drift"] is True and drift["configuration"] == []
    assert kind in {i["kind"] for i in drift["live"]}, drift["live"]
    assert all(i["section"] == "posts" for i in drift["live"])


def test_a_dropped_grant_is_drift(dev):
    blog(dev)
    text = dev.export_schema()
    run_sql(dev, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN "
                 "CREATE ROLE anon NOLOGIN; END IF; END $$")
    run_sql(dev, "GRANT SELECT ON custom.posts TO anon")
    assert not [i for i in dev.schema_drift(text)["live"] if i["kind"] == "grant"]
    run_sql(dev, "REVOKE SELECT ON custom.posts FROM anon")
    grants = [i for i in dev.schema_drift(text)["live"] if i["kind"] == "grant"]
    assert grants and "anon lacks SELECT on posts" in grants[0]["message"]

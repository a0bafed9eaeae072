"""The test databases are real, separate PostgreSQL databases."""


def test_each_test_gets_an_empty_database(conn):
    assert conn.execute("SELECT current_database()").fetchone()[0].startswith("ct_")
    tables = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    ).fetchone()[0]
    assert tables == 0
    conn.execute("CREATE TABLE scratch (id int)")


def test_tables_do_not_leak_between_tests(conn):
    assert conn.execute("SELECT to_regclass('public.scratch')").fetchone()[0] is None

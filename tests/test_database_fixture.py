"""The test databases are real, separate PostgreSQL databases."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def test_each_test_gets_an_empty_database(conn):
    assert conn.execute("SELECT current_database()").fetchone()[0].startswith("ct_")
    tables = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    ).fetchone()[0]
    assert tables == 0
    conn.execute("CREATE TABLE scratch (id int)")


def test_tables_do_not_leak_between_tests(conn):
    assert conn.execute("SELECT to_regclass('public.scratch')").fetchone()[0] is None


def test_a_terminated_run_stops_its_embedded_server(tmp_path):
    """`timeout` and CI stop a run with SIGTERM: the embedded server it started goes too."""
    tests_dir = Path(__file__).resolve().parent
    probe = tmp_path / "test_probe.py"
    probe.write_text("import time\n\ndef test_wait(pg_admin_url):\n    print('READY', flush=True)\n    time.sleep(300)\n")
    scratch = Path(tempfile.mkdtemp(prefix="content-sigterm-", dir="/tmp"))
    scratch.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "CONTENT_TEST_DATABASE_URL"}
    env.update(TMPDIR=str(scratch), PYTHONPATH=str(tests_dir))
    run = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "conftest",
                            "--rootdir", str(tmp_path), str(probe)],
                           cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        for line in run.stdout:
            if "READY" in line or time.monotonic() > deadline:
                break
        data_dirs = list(scratch.glob("polysynergy-content-tests-*/pgdata"))
        assert len(data_dirs) == 1 and (data_dirs[0] / "postmaster.pid").exists()
        run.send_signal(signal.SIGTERM)
        run.wait(60)
        assert not data_dirs[0].exists(), "the embedded server's data directory was left behind"
    finally:
        if run.poll() is None:
            run.kill()
        from polysynergy_nodes_content.content_engine.postgres.embedded import stop_embedded

        for left in scratch.glob("polysynergy-content-tests-*/pgdata"):
            stop_embedded(left)
        shutil.rmtree(scratch, ignore_errors=True)

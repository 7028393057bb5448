"""The MySQL path against a real MariaDB server that the test starts itself (Debian's
mariadb-server, temporary data directory, unix socket only, as the current user)."""
import getpass
import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from emulator_helpers import DOCUMENTED_ROWS, RecordingStub, run

MARIADBD = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
INSTALL_DB = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"


@pytest.fixture
def mariadb(tmp_path):
    if not (Path(MARIADBD).exists() and Path(INSTALL_DB).exists()):
        pytest.skip("mariadb-server is not installed")
    datadir = tmp_path / "mysql"
    sock = tmp_path / "mysql.sock"
    user = getpass.getuser()
    subprocess.run([INSTALL_DB, f"--datadir={datadir}", f"--user={user}",
                    "--auth-root-authentication-method=normal", "--skip-test-db",
                    "--skip-name-resolve"], check=True, capture_output=True, timeout=120)
    log = open(tmp_path / "mariadb.log", "wb")
    proc = subprocess.Popen([MARIADBD, "--no-defaults", f"--datadir={datadir}",
                             f"--socket={sock}", "--skip-networking", f"--user={user}",
                             f"--pid-file={tmp_path}/mariadb.pid", "--innodb-buffer-pool-size=64M",
                             ],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail("mariadbd exited:\n" + (tmp_path / "mariadb.log").read_text())
            ok = subprocess.run(["mariadb", f"--socket={sock}", "-uroot", "-e",
                                 "CREATE DATABASE IF NOT EXISTS pinterest"],
                                capture_output=True)
            if ok.returncode == 0:
                break
            time.sleep(0.2)
        else:
            pytest.fail("mariadbd did not start:\n" + (tmp_path / "mariadb.log").read_text())
        yield f"mysql://root@localhost/pinterest?socket={sock}"
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_mysql_init_read_back_and_post(mariadb, tmp_path):
    p = run("db", "init", "--db", mariadb, "--rows", 11154, "--seed", 9)
    assert p.returncode == 0, p.stderr
    assert "mysql://root@localhost" in p.stdout
    # The same seed into SQLite must give identical rows.
    lite = f"sqlite://{tmp_path}/same.db"
    run("db", "init", "--db", lite, "--rows", 11154, "--seed", 9, check=True)
    bodies = {}
    for url in (mariadb, lite):
        with RecordingStub() as stub:
            p = run("emulate", "--db", url, "--api", stub.url, "--count", 15,
                    "--python-compatible", "--no-sleep", "--quiet")
            assert p.returncode == 0, p.stderr
        bodies[url] = [r[3] for r in stub.requests]
    assert bodies[mariadb] == bodies[lite]
    values = [json.loads(b)["records"][0]["value"] for b in bodies[mariadb]]
    assert [v["index"] for v in values[0::3]] == DOCUMENTED_ROWS[:15]
    # Column types as in the original (datetime, int, double).
    cols = subprocess.run(["mariadb", f"--socket={mariadb.split('socket=')[1]}", "-uroot", "-N",
                           "-e", "SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_schema='pinterest' AND table_name='geolocation_data' "
                                 "ORDER BY ordinal_position"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert cols == ["ind", "int", "timestamp", "datetime", "latitude", "double", "longitude",
                    "double", "country", "text"]


def test_mysql_missing_tables_and_bad_password(mariadb):
    p = run("emulate", "--db", mariadb, "--count", 1, "--quiet")
    assert p.returncode != 0 and "has no table pinterest_data" in p.stderr
    bad = mariadb.replace("root@", "nobody:wrong@")
    p = run("db", "init", "--db", bad, "--rows", 10)
    assert p.returncode != 0 and "cannot connect" in p.stderr
    assert "wrong" not in p.stderr  # the password is never printed

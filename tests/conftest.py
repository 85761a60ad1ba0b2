"""Shared fixtures: the seed database built by the ETL once per session, a database with facts for the
dashboard (the seed one when the ETL writes facts, else the synthetic generator's), one app server and one
headless Chromium for all dashboard browser tests."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHOTS = ROOT / "tests" / "screenshots"       # git-ignored


def make_synthetic(n: int, out: Path, seed: int = 5) -> Path:
    spec = importlib.util.spec_from_file_location("make_large_db", ROOT / "bench" / "make_large_db.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_db(n, out, seed=seed)


def has_facts(db: Path) -> bool:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        return {"facts", "indicators", "fact_totals"} <= names and con.execute("SELECT count(*) FROM facts").fetchone()[0] > 0
    finally:
        con.close()


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory) -> Path:
    """`python3 -m etl build --db <tmp>` over data/raw (the seed documents)."""
    db = tmp_path_factory.mktemp("seed") / "yearbook.duckdb"
    out = subprocess.run([sys.executable, "-m", "etl", "build", "--db", str(db)], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    if out.returncode != 0 or not db.exists():
        pytest.fail(f"etl build failed:\n{out.stdout}\n{out.stderr}")
    return db


@pytest.fixture(scope="session")
def seed_facts_db(seed_db) -> Path:
    """The seed database, only when this ETL writes facts (issue 12); the seed examples skip otherwise."""
    if not has_facts(seed_db):
        pytest.skip("this ETL build has no facts table yet (issue 12): the seed examples need it")
    return seed_db


@pytest.fixture(scope="session")
def dash_db(seed_db, tmp_path_factory) -> Path:
    """What the dashboard tests serve: the seed database with facts, else a synthetic one with facts."""
    if has_facts(seed_db):
        return seed_db
    return make_synthetic(3000, tmp_path_factory.mktemp("synthetic") / "synthetic.duckdb")


@pytest.fixture(scope="session")
def dash_sql(dash_db):
    con = duckdb.connect(str(dash_db), read_only=True)
    yield lambda text, params=(): con.execute(text, list(params)).fetchall()
    con.close()


@pytest.fixture(scope="session")
def dash_server(dash_db):
    from tests.browser_support import AppServer
    with AppServer(dash_db, timeout=120) as srv:
        yield srv


@pytest.fixture(scope="session")
def dash_browser():
    from tests.browser_support import chromium
    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def shots() -> Path:
    folder = Path(os.environ.get("DASHBOARD_SHOTS") or SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    return folder

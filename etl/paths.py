"""Every path the project uses, in one place; imports nothing else of the package."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = ROOT / "data" / "raw"
CURATED_DIR = ROOT / "data" / "curated"
DB_PATH = CURATED_DIR / "yearbook.duckdb"
LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
SCHEMA_SQL = Path(__file__).resolve().parent / "schema.sql"
GOLD_PATH = ROOT / "tests" / "gold" / "seeds.jsonl"
SCHEMA_DOC = ROOT / "docs" / "schema.md"

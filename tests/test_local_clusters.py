"""Local clusters from other server binaries than Debian's 15 (PostgreSQL 17 from npm, for
scripts/test-pg17.sh): PostgreSQL refuses to start when a preloaded library is missing."""

from __future__ import annotations

from pathlib import Path

from clubbooking_dev import harness


def server(root: Path, libdir: str, libraries: list[str]) -> Path:
    (root / "bin").mkdir(parents=True)
    (root / libdir).mkdir(parents=True)
    for name in libraries:
        (root / libdir / f"{name}.so").touch()
    return root / "bin"


def test_a_cluster_preloads_only_the_libraries_built_for_its_binaries(tmp_path: Path) -> None:
    debian_15 = server(tmp_path / "15", "lib", ["pg_cron", "pg_stat_statements"])
    npm_17 = server(tmp_path / "17", "lib/postgresql", ["pg_stat_statements", "pgcrypto"])
    assert harness.preload_libraries(debian_15) == "pg_cron,pg_stat_statements"
    assert harness.preload_libraries(npm_17) == "pg_stat_statements"

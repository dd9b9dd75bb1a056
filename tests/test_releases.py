"""Released migrations never change: every manifest in supabase/releases checks with the real
`sha256sum -c` from the repository root, lists only migrations, and no migration is inserted into
released history (a file no release lists sorts after every released one). The same rules run on
a copy of the repository with a released file changed and a file inserted, and fail there."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from clubbooking_dev import releases

ROOT = Path(__file__).resolve().parents[1]
RELEASES = releases.releases(ROOT)


def test_there_is_a_release_and_the_newest_is_the_highest_version() -> None:
    assert RELEASES, "supabase/releases holds no manifest"
    assert releases.newest(ROOT) == max(RELEASES, key=lambda r: releases.version_key(r.version))
    assert releases.version_key("v0.10.0") > releases.version_key("v0.9.1")


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.version)
def test_every_file_a_release_lists_exists_and_sha256sum_c_passes_from_the_repository_root(
        release: releases.Release) -> None:
    missing = [path for path in release.paths() if not (ROOT / path).is_file()]
    assert not missing, f"{release.manifest.name} lists files that are gone: {missing}"
    checked = releases.sha256sum_check(ROOT, release)
    assert checked.returncode == 0, f"a released migration changed:\n{checked.stdout}{checked.stderr}"
    assert checked.stdout.count(": OK\n") == len(release.listed)


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.version)
def test_a_release_lists_only_migrations_each_once(release: releases.Release) -> None:
    paths = release.paths()
    assert paths, f"{release.manifest.name} lists nothing"
    assert all(Path(path).parent == releases.MIGRATIONS and path.endswith(".sql") for path in paths), paths
    assert len(set(paths)) == len(paths)


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.version)
def test_a_release_manifest_is_the_one_its_git_tag_holds(release: releases.Release) -> None:
    """The manifest is released too: editing it to match a changed migration is caught here."""
    path = release.manifest.relative_to(ROOT).as_posix()
    tagged = subprocess.run(["git", "show", f"{release.version}:{path}"], cwd=ROOT, capture_output=True, text=True)
    if tagged.returncode != 0:
        pytest.skip(f"no git tag {release.version} in this checkout ({tagged.stderr.strip()})")
    assert tagged.stdout == release.manifest.read_text()


def test_no_migration_is_inserted_into_released_history() -> None:
    assert releases.inserted_into_history(ROOT) == []


def test_a_later_release_lists_every_migration_an_earlier_one_lists() -> None:
    for older, newer in itertools.pairwise(RELEASES):
        assert set(older.listed) <= set(newer.listed), f"{newer.version} drops or changes files of {older.version}"


def test_the_rules_fail_on_a_changed_released_file_and_an_inserted_one(tmp_path: Path) -> None:
    shutil.copytree(ROOT / releases.RELEASES, tmp_path / releases.RELEASES)
    release = releases.newest(tmp_path)
    (tmp_path / releases.MIGRATIONS).mkdir(parents=True)
    for path in release.paths():  # the released history alone, whatever HEAD adds to it
        shutil.copy(ROOT / path, tmp_path / path)
    first, last = (tmp_path / release.paths()[0]), (tmp_path / release.paths()[-1])
    assert releases.sha256sum_check(tmp_path, release).returncode == 0
    assert releases.inserted_into_history(tmp_path) == []

    (last.parent / f"{int(last.name[:14]) + 100}_after_the_release.sql").write_text("select 1;\n")
    assert releases.inserted_into_history(tmp_path) == [], "a forward migration sorting after the release is fine"
    inserted = first.parent / f"{int(first.name[:14]) + 50}_inserted.sql"
    inserted.write_text("select 1;\n")
    assert releases.inserted_into_history(tmp_path) == [inserted.name]

    first.write_text(first.read_text() + "\n-- a fix folded into a released file\n")
    checked = releases.sha256sum_check(tmp_path, release)
    assert checked.returncode != 0 and f"{release.paths()[0]}: FAILED" in checked.stdout

"""Releases: ``supabase/releases/<version>.sha256`` lists the migrations a release ships.

Each manifest is what ``sha256sum supabase/migrations/...`` prints from the repository root, so
``sha256sum -c`` checks it there. A listed file never changes; every migration added after a
release is a forward migration whose name sorts after every released one (``supabase db push``
refuses a local migration older than the newest one a project has recorded).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

RELEASES = Path("supabase", "releases")
MIGRATIONS = Path("supabase", "migrations")
MANIFEST_LINE = re.compile(r"^(?P<digest>[0-9a-f]{64}) [ *](?P<path>.+)$")


@dataclass(frozen=True)
class Release:
    """One manifest: the version it names and the (digest, path from the root) of each file it lists."""

    version: str
    manifest: Path
    listed: tuple[tuple[str, str], ...]

    def paths(self) -> list[str]:
        return [path for _, path in self.listed]

    def migrations(self, root: Path) -> list[Path]:
        """The listed files, in the order they apply."""
        return sorted((root / path for path in self.paths()), key=lambda p: p.name)


def version_key(version: str) -> tuple[int, ...]:
    """``v0.10.0`` sorts after ``v0.9.1``."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def read(manifest: Path) -> Release:
    listed = []
    for number, line in enumerate(manifest.read_text().splitlines(), 1):
        found = MANIFEST_LINE.match(line)
        if not found:
            raise ValueError(f"{manifest.name}:{number}: not a sha256sum line: {line!r}")
        listed.append((found["digest"], found["path"]))
    return Release(manifest.stem, manifest, tuple(listed))


def releases(root: Path) -> list[Release]:
    """Every release of the repository, oldest first."""
    return sorted((read(path) for path in (root / RELEASES).glob("*.sha256")), key=lambda r: version_key(r.version))


def newest(root: Path) -> Release:
    found = releases(root)
    if not found:
        raise LookupError(f"no release manifest in {root / RELEASES}")
    return found[-1]


def sha256sum_check(root: Path, release: Release) -> subprocess.CompletedProcess[str]:
    """``sha256sum -c --strict <manifest>`` from the repository root, as the docs tell a user to run it."""
    return subprocess.run(["sha256sum", "-c", "--strict", str(release.manifest.relative_to(root))],
                          cwd=root, capture_output=True, text=True)


def inserted_into_history(root: Path) -> list[str]:
    """Migrations no release lists whose names sort before the newest released one: a file
    inserted into released history, which an installed project would never apply."""
    released = {Path(path).name for release in releases(root) for path in release.paths()}
    if not released:
        return []
    last = max(released)
    return [path.name for path in sorted((root / MIGRATIONS).glob("*.sql"))
            if path.name not in released and path.name < last]

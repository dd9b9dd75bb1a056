"""The schema files as a stack: what each file defines, what it uses, and every forward reference.

``supabase/schemas/*.sql`` are applied in lexical order. A file may use only what it or an
earlier file defines; a use of something a later file defines is a forward reference, and
``tests/test_schema_layering.py`` fails on any. Read from the files, statement by statement:

- a statement *defines* the object it creates (``create table|view|type|domain|sequence|
  function|procedure schema.name``);
- it *uses* every other ``public.x`` / ``private.x`` it names outside comments (function bodies
  and dynamic SQL included: a name in a string is a use when the string is run).

``python -m clubbooking_dev.layering [DIR]`` prints each file's size, its functions and any forward
references (the migrations' directory works too).
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

SCHEMAS = ("public", "private")
_DEFINES = re.compile(
    r"^\s*create\s+(?:or\s+replace\s+)?(?:unlogged\s+)?(?:materialized\s+)?"
    r"(table|view|type|domain|sequence|function|procedure)\s+(?:if\s+not\s+exists\s+)?"
    r"(public|private)\.([a-z_][a-z0-9_]*)", re.I)
_NAME = re.compile(r"(?<![\w.\"])(public|private)\.([a-z_][a-z0-9_]*)\b", re.I)
_COMMENT_ON = re.compile(r"^\s*comment\s+on\s+", re.I)


@dataclass
class Statement:
    """One top-level statement of a schema file: where it starts, what it defines and uses."""

    file: str
    line: int
    text: str
    defines: tuple[str, str] | None = None  # (kind, schema.name)
    uses: set[str] = field(default_factory=set)


def split_statements(sql: str) -> list[tuple[int, str]]:
    """Top-level statements with their first line, comments removed (dollar quotes, strings,
    quoted identifiers and nested block comments respected)."""
    out: list[tuple[int, str]] = []
    buf: list[str] = []
    i, n, line, start = 0, len(sql), 1, None
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and sql.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if sql.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif sql.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            line += sql.count("\n", i, j)
            i = j
            continue
        if start is None and not c.isspace():
            start = line
        if c == "$":
            m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", sql[i:])
            if m:
                tag = m.group(0)
                j = sql.find(tag, i + len(tag))
                j = n if j < 0 else j + len(tag)
                buf.append(sql[i:j])
                line += sql.count("\n", i, j)
                i = j
                continue
        if c in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            buf.append(sql[i:j + 1])
            line += sql.count("\n", i, j + 1)
            i = j + 1
            continue
        if c == ";":
            text = "".join(buf).strip()
            if text:
                out.append((start or line, text))
            buf, start = [], None
            i += 1
            continue
        if c == "\n":
            line += 1
        buf.append(c)
        i += 1
    text = "".join(buf).strip()
    if text:
        out.append((start or line, text))
    return out


def read_statements(path: Path) -> list[Statement]:
    """The statements of one schema file, each with what it defines and what it uses."""
    statements = []
    for line, text in split_statements(path.read_text()):
        st = Statement(path.name, line, text)
        m = _DEFINES.match(text)
        if m:
            st.defines = (m.group(1).lower(), f"{m.group(2).lower()}.{m.group(3).lower()}")
        if not _COMMENT_ON.match(text):
            st.uses = {f"{s.lower()}.{nm.lower()}" for s, nm in _NAME.findall(text)}
        statements.append(st)
    return statements


@dataclass
class Stack:
    """The files of a directory in lexical order, and what each defines."""

    files: list[Path]
    statements: dict[str, list[Statement]]
    defined_in: dict[str, str]     # schema.name -> the first file that defines it
    redefined: list[tuple[str, str, str]]  # (name, first file, another file) for functions defined twice

    @classmethod
    def read(cls, folder: Path) -> Stack:
        files = sorted(folder.glob("*.sql"))
        statements = {f.name: read_statements(f) for f in files}
        defined_in: dict[str, str] = {}
        redefined = []
        for f in files:
            for st in statements[f.name]:
                if st.defines:
                    name = st.defines[1]
                    if name in defined_in and defined_in[name] != f.name:
                        redefined.append((name, defined_in[name], f.name))
                    defined_in.setdefault(name, f.name)
        return cls(files, statements, defined_in, redefined)

    def forward_references(self) -> list[tuple[str, int, str, str]]:
        """(file, line, name, the later file that defines it) for every use of a later object."""
        order = {f.name: k for k, f in enumerate(self.files)}
        found = []
        for f in self.files:
            for st in self.statements[f.name]:
                for name in sorted(st.uses):
                    home = self.defined_in.get(name)
                    if home is not None and order[home] > order[f.name]:
                        found.append((f.name, st.line, name, home))
        return found

    def functions(self, file: str) -> list[str]:
        """The functions and procedures a file defines, in order, each once."""
        seen: dict[str, None] = {}
        for st in self.statements[file]:
            if st.defines and st.defines[0] in ("function", "procedure"):
                seen.setdefault(st.defines[1], None)
        return list(seen)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("supabase/schemas")
    stack = Stack.read(folder)
    print(f"{'file':<40} {'lines':>6} {'functions':>9}")
    for f in stack.files:
        print(f"{f.name:<40} {len(f.read_text().splitlines()):>6} {len(stack.functions(f.name)):>9}")
    refs = stack.forward_references()
    pairs = sorted({(a, b) for a, _, _, b in refs})
    print(f"\n{len(refs)} forward references ({len({(a, n) for a, _, n, _ in refs})} distinct file-name pairs), "
          f"{len(pairs)} file pairs")
    for file, line, name, home in refs:
        print(f"  {file}:{line} uses {name} (defined in {home})")
    for name, first, other in stack.redefined:
        print(f"  {name} defined in {first} and again in {other}")
    return 1 if refs or stack.redefined else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The live catalogue (pg_proc) as PostgREST sees it: which function a request names, and why not.

``mismatches`` is the check the client's RPC table and every request it sends must pass:
the function exists in public, every argument sent is one of its arguments, every argument
without a default is sent, the type the client declares (``clubbooking.rpc``) is the SQL
type, and the JSON value converts to that type the way PostgREST converts it
(``json_to_record``). The PostgREST emulator resolves calls with the same code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from clubbooking.rpc import RPCS
from conftest import sql_file
from psycopg import sql


@dataclass(frozen=True)
class Overload:
    signature: str
    args: dict[str, tuple[str, bool]]  # name -> (SQL type, has a default)
    returns_rows: bool

    def name_problems(self, name: str, sent: Mapping[str, Any]) -> list[str]:
        """Why PostgREST would not pick this overload for these argument names (none: it would)."""
        found = [f"{name}: sends unknown argument {a!r} (SQL has {self.signature})"
                 for a in sent if a not in self.args]
        return found + [f"{name}: does not send required argument {a!r}"
                        for a, (_, has_default) in self.args.items() if not has_default and a not in sent]

    def type_problems(self, name: str, sent: Mapping[str, Any]) -> list[str]:
        """Where the client's declared types (clubbooking.rpc) differ from the SQL ones."""
        declared = RPCS.get(name)
        if declared is None:
            return [f"{name}: not in clubbooking.rpc.RPCS"]
        found = [f"{name}.{a}: client says {declared.arg_type(a)}, SQL says {self.args[a][0]}"
                  for a in sent if a in self.args and declared.arg_type(a) != self.args[a][0]]
        if declared.returns_rows != self.returns_rows:
            found.append(f"{name}: client expects {'rows' if declared.returns_rows else 'one value'}")
        return found


def overloads(conn: psycopg.Connection[Any], name: str) -> list[Overload]:
    """The functions of schema public called ``name`` (PostgREST picks one by argument names)."""
    by_signature: dict[str, Overload] = {}
    for signature, arg, typ, has_default, returns_rows in conn.execute(sql_file("rpc_arguments"), {"name": name}):
        found = by_signature.setdefault(signature, Overload(signature, {}, returns_rows))
        if arg is not None:
            found.args[arg] = (typ, has_default)
    return list(by_signature.values())


def json_record_query(overload: Overload, sent: Mapping[str, Any]) -> sql.Composed:
    """``json_to_record(body) as x(arg type, ...)``: how PostgREST turns a JSON body into arguments."""
    columns = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(a), sql.SQL(overload.args[a][0]))
                                 for a in sent)
    return sql.SQL("json_to_record(%(body)s::json) as x({})").format(columns)


def resolve(conn: psycopg.Connection[Any], name: str, body: Mapping[str, Any], *,
            strict: bool = True) -> tuple[Overload | None, list[str]]:
    """The overload a JSON body calls, or None and every reason none fits.

    Not ``strict``: by argument names only, as PostgREST picks. ``strict``: also the client's
    declared types, and the JSON values must convert to the SQL types.
    """
    found = overloads(conn, name)
    if not found:
        return None, [f"{name}: no function public.{name}"]
    reasons: list[str] = []
    for overload in found:
        problems = overload.name_problems(name, body)
        if strict and not problems:
            problems = overload.type_problems(name, body)
        if strict and not problems and body:
            try:
                with conn.transaction():
                    conn.execute(sql.SQL("select 1 from {}").format(json_record_query(overload, body)),
                                 {"body": json.dumps(body)})
            except psycopg.Error as error:
                problems = [f"{name}: the JSON body does not convert to {overload.signature}: {error}"]
        if not problems:
            return overload, []
        reasons += problems
    return None, reasons


def mismatches(conn: psycopg.Connection[Any], requests: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Every reason a captured request (RPC name, JSON body) would not reach its function."""
    return [reason for name, body in requests for reason in resolve(conn, name, body)[1]]

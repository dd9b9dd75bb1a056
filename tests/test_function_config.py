"""supabase/config.toml as the platform reads it for the Edge Functions."""

from __future__ import annotations

import tomllib
from pathlib import Path

SUPABASE = Path(__file__).resolve().parent.parent / "supabase"


def test_every_function_verifies_tokens_itself_with_the_gateway_check_off() -> None:
    """The gateway's legacy check would refuse tokens of a new asymmetric signing key before the
    function runs; each function verifies tokens itself (_shared/auth.ts: JWKS, then the secret)."""
    functions = {p.parent.name for p in (SUPABASE / "functions").glob("*/index.ts")}
    config = tomllib.loads((SUPABASE / "config.toml").read_text())["functions"]
    assert functions == {"availability", "bookings", "stripe-webhook"}
    assert {name: config[name].get("verify_jwt", True) for name in functions} == dict.fromkeys(functions, False)

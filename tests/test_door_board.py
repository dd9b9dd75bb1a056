"""The door board in a real browser: Debian's Chromium driven by Playwright, the page served by
`make serve`'s server (the board's bundle, the local PostgREST rpc, Realtime and sign-in
stand-ins) over this module's database.

A host's board shows another client's hold within 2 s (through the same watchAvailability code
that listens to Supabase Realtime on a project, here fed by the local Realtime stand-in), a
check-in tapped on the board lands in the database, and a guest holds a table from the guest
view and sees the countdown. The timings go to .clubbooking/door-board-timings.json and the
board's screenshot to .clubbooking/door-board.png (docs/img/door-board.png, which the README
shows, when CLUBBOOKING_BOARD_SCREENSHOT names it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import psycopg
import pytest
from clubbooking.client import BookingClient
from clubbooking_dev import leeds

ROOT = Path(__file__).resolve().parent.parent
DENO = ROOT / ".tools/node_modules/.bin/deno"
CHROMIUM = "/usr/bin/chromium"
# docs/img/door-board.png (the README's) is updated with CLUBBOOKING_BOARD_SCREENSHOT=docs/img/door-board.png
SCREENSHOT = ROOT / os.environ.get("CLUBBOOKING_BOARD_SCREENSHOT", ".clubbooking/door-board.png")
TIMINGS = ROOT / ".clubbooking/door-board-timings.json"
NIGHT = leeds.next_open_night(weeks_ahead=3)
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is installed by make bootstrap")

timings: dict[str, float] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(dsn: str, label: str) -> Iterator[str]:
    """The board served as `make serve` serves it, on a port of its own, over ``dsn``."""
    started = time.monotonic()
    subprocess.run(["make", "-s", "board"], cwd=ROOT, check=True)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": dsn, "STRIPE_WEBHOOK_SECRET": "whsec_local",
           "JWT_SECRET": "door-board-test-secret-with-at-least-32-characters"}
    server = subprocess.Popen(
        [str(DENO), "serve", "--quiet", "--allow-env", "--allow-net", "--allow-read", "--host", "127.0.0.1",
         "--port", str(port), "serve.ts"],
        cwd=ROOT / "supabase/functions", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError as error:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the board did not start: {server.stderr and server.stderr.read()}") from error
                time.sleep(0.1)
        timings[f"serve_start_{label}_s"] = round(time.monotonic() - started, 2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a graceful shutdown waits for open sockets
            server.kill()
            server.wait(timeout=5)
        TIMINGS.parent.mkdir(exist_ok=True)
        TIMINGS.write_text(json.dumps(timings, indent=2) + "\n")


@pytest.fixture(scope="module")
def board_url(db_dsn: str) -> Iterator[str]:
    with serve(db_dsn, "board") as url:
        yield url


@pytest.fixture(scope="module")
def door_time_board_url(db_dsn: str) -> Iterator[str]:
    """The same board with the database's clock at 21:30 on the night (check-in opens an hour
    before a booking starts): the server's sessions carry clubbooking.now, which only a
    superuser session may set (private.now())."""
    door_time = dt.datetime.combine(NIGHT, dt.time(21, 30), ZoneInfo("Europe/London")).isoformat()
    clock = urlencode({"clubbooking.now": door_time})
    with serve(f"{db_dsn}{'&' if '?' in db_dsn else '?'}{clock}", "door_time") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    started = time.monotonic()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        timings["browser_launch_s"] = round(time.monotonic() - started, 2)
        yield chromium
        chromium.close()


def open_board(browser: Any, board_url: str, *, who: str, view: str = "door", guest_name: str = "") -> Any:
    """A new page on the board for the night, signed in locally as a staff role or 'guest'."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    started = time.monotonic()
    page.goto(f"{board_url}/?night={NIGHT.isoformat()}&slot=slot_21_00&view={view}")
    page.wait_for_selector("body[data-ready=true]")
    page.select_option("#local-user", "guest" if who == "guest" else str(leeds.STAFF_IDS[who]))
    if guest_name:
        page.fill("#guest-name", guest_name)
    page.click("#sign-in-button")
    page.wait_for_selector("body[data-signed-in]")
    page.wait_for_selector("#link-status[data-status=live]")
    page.wait_for_selector(f"body[data-availability-view={'public' if who == 'guest' else 'staff'}]")
    page.wait_for_function("document.querySelectorAll('#floors [data-table-id]').length === 16")
    timings[f"open_and_sign_in_{who}_s"] = round(time.monotonic() - started, 2)
    return page


def guest_client(conn: psycopg.Connection[Any], name: str) -> BookingClient:
    [claims] = leeds.create_guests(conn, 1, prefix=name)
    return BookingClient.connect(conn.info.dsn, claims=claims, pool_size=1)


def test_another_clients_hold_shows_on_the_board_within_2_seconds(browser: Any, board_url: str,
                                                                    admin: psycopg.Connection[Any]) -> None:
    page = open_board(browser, board_url, who="host")
    tile = f"#floors [data-table-id='{leeds.TABLE_IDS[5]}']"
    assert page.get_attribute(tile, "data-state") == "available"
    with guest_client(admin, "rival") as rival:
        started = time.monotonic()
        rival.hold_tables(leeds.VENUE_ID, NIGHT, "slot_21_00", [leeds.TABLE_IDS[5]], 6)
        page.wait_for_selector(f"{tile}[data-state=held]", timeout=2000)
        timings["hold_to_board_s"] = round(time.monotonic() - started, 3)
    # events carry who by id and role; the board reads the name from the staff snapshot
    page.wait_for_selector(f"{tile}:has-text('Rival 0')", timeout=2000)
    assert "Rival 0" in (page.text_content(tile) or ""), "staff see who changed it, by name"
    page.close()


def test_a_check_in_tapped_on_the_board_lands_in_the_database(browser: Any, door_time_board_url: str,
                                                               admin: psycopg.Connection[Any]) -> None:
    with guest_client(admin, "dana") as dana:
        booking = dana.hold_tables(leeds.VENUE_ID, NIGHT, "slot_21_00", [leeds.TABLE_IDS[3]], 4)
    with BookingClient.connect(admin.info.dsn, claims=leeds.staff_claims("host"), pool_size=1) as host:
        host.record_payment(booking.booking_id, "cash", "deposit paid at the bar")  # submits the hold
    with BookingClient.connect(admin.info.dsn, claims=leeds.staff_claims("manager"), pool_size=1) as manager:
        manager.approve_booking(booking.booking_id)
    page = open_board(browser, door_time_board_url, who="door")
    row = f"#bookings li[data-reference='{booking.reference}']"
    page.wait_for_selector(f"{row}[data-status=confirmed]")
    page.fill("#search", "Dana")
    page.wait_for_selector(f"{row} .check-in")
    started = time.monotonic()
    page.click(f"{row} .check-in")
    deadline = time.monotonic() + 5
    status = None
    while time.monotonic() < deadline:
        status = admin.execute("select status::text from public.bookings where id = %s",
                               (booking.booking_id,)).fetchone()
        if status and status[0] == "checked_in":
            break
        time.sleep(0.02)
    timings["check_in_tap_to_database_s"] = round(time.monotonic() - started, 3)
    assert status == ("checked_in",)
    page.wait_for_selector(f"#floors [data-table-id='{leeds.TABLE_IDS[3]}'][data-state=checked_in]", timeout=2000)
    audit = admin.execute("select actor_role from public.audit_log where entity_id = %s and new_status = 'checked_in'",
                          (booking.booking_id,)).fetchone()
    assert audit == ("door",), "the check-in was made as the door staff signed in on the board"
    page.fill("#search", "")
    page.wait_for_selector(f"{row}[data-status=checked_in]")
    page.close()


def test_the_guest_view_holds_a_table_and_counts_down(browser: Any, board_url: str,
                                                      admin: psycopg.Connection[Any]) -> None:
    page = open_board(browser, board_url, who="guest", view="guest", guest_name="Gina Guest")
    page.fill("#party-size", "2")
    option = page.locator("#guest-options .option").first
    table_ids = (option.get_attribute("data-table-ids") or "").split(",")
    started = time.monotonic()
    option.click()
    page.wait_for_selector("#guest-hold .countdown[data-seconds-left]")
    timings["guest_hold_to_countdown_s"] = round(time.monotonic() - started, 3)
    left = int(page.get_attribute("#guest-hold .countdown", "data-seconds-left") or 0)
    assert 280 <= left <= 300, left
    assert page.text_content("#guest-hold .countdown") == f"{left // 60}:{left % 60:02d}"
    reference = page.get_attribute("#guest-hold .hold", "data-reference")
    held = admin.execute("select b.status::text, array_agg(bt.table_id::text) from public.bookings b "
                         "join public.booking_tables bt on bt.booking_id = b.id "
                         "where b.reference = %s group by b.status", (reference,)).fetchone()
    assert held is not None and held[0] == "held" and sorted(held[1]) == sorted(table_ids)
    page.wait_for_selector(f"#guest-options [data-table-id='{uuid.UUID(table_ids[0])}'][data-state=unavailable]")
    # A deposit is due: the guest gives the PaymentIntent their app paid; the hold then waits for
    # the payment (the stripe-webhook function submits it), and the board says so.
    page.fill("#guest-hold .payment-reference", "pi_board_test")
    page.click("#guest-hold .submit")
    page.wait_for_selector("#guest-hold .hold[data-status=held][data-awaiting-payment=true]")
    assert admin.execute("select status::text, payment_intent_id from public.bookings where reference = %s",
                         (reference,)).fetchone() == ("held", "pi_board_test")
    page.close()


def test_the_board_shows_each_tables_state_and_who_changed_it(browser: Any, board_url: str,
                                                              admin: psycopg.Connection[Any]) -> None:
    """(After the tests above: 5 held by Rival, 3 checked in by the door, the guest's hold.)"""
    with BookingClient.connect(admin.info.dsn, claims=leeds.staff_claims("host"), pool_size=1) as host:
        host.block_tables(leeds.VENUE_ID, NIGHT, [leeds.TABLE_IDS[13]], "slot_21_00", kind="vip_override",
                          reason="DJ guests")
    page = open_board(browser, board_url, who="manager")
    tiles = {int(tile.get_attribute("data-table-number") or 0): tile
             for tile in page.locator("#floors [data-table-id]").all()}
    assert {n: tiles[n].get_attribute("data-state") for n in (3, 5, 13)} == {
        3: "checked_in", 5: "held", 13: "blocked"}
    assert "Dev Door · door" in (tiles[3].text_content() or "")
    assert "Hana Host · host" in (tiles[13].text_content() or "")
    page.wait_for_selector("#bookings li[data-status=checked_in]")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.close()

"""The live floor board that ``clubbooking watch`` draws (both floors, each table's state in colour,
and for staff who changed it), redrawn as ``watch_availability`` yields updates. It renders only:
the CLI imports it, never the other way round."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.columns import Columns
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from clubbooking.models import Availability, AvailabilityEvent
from clubbooking.watch import AvailabilitySource, Listener, Update, watch_availability

STATE_STYLES = {
    "available": "bold green",
    "unavailable": "yellow",
    "held": "yellow",
    "pending_approval": "magenta",
    "confirmed": "bold red",
    "checked_in": "bold blue",
    "blocked": "dim",
}


def actor_label(actor: dict[str, Any] | None) -> str:
    """Who caused an event, as staff read it (seed 003): their name and role."""
    if not actor:
        return ""
    return f"{actor.get('name') or 'someone'} ({actor.get('role') or '?'})"


@dataclass
class Board:
    """What the board shows: the slot as it stands, who last changed each table, the link's state."""

    availability: Availability
    changed_by: dict[uuid.UUID, str] = field(default_factory=dict)
    status: str = "live"
    last_event: AvailabilityEvent | None = None
    # Events carry who by id and role, never a name: names come from staff snapshots.
    names: dict[str, str] = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return self.availability.view == "staff"

    def apply(self, update: Update) -> None:
        if update.kind == "refreshing":
            self.status = f"refreshing ({type(update.error).__name__})"
            return
        self.status = "live"
        if update.availability is not None:
            self.availability = update.availability
        if update.kind == "snapshot":
            self.learn_names(self.availability)
            self.changed_by = {t.table_id: actor_label({"name": t.extra.get("changed_by_name"),
                                                        "role": t.extra.get("changed_by_role")})
                               for t in self.availability.tables if t.extra.get("changed_by_role")}
        if update.event is not None:
            self.last_event = update.event
            actor = update.event.actor
            if actor and not actor.get("name") and str(actor.get("id")) in self.names:
                actor = {**actor, "name": self.names[str(actor.get("id"))]}
            self.changed_by[update.event.section_id] = actor_label(actor)

    def learn_names(self, snapshot: Availability) -> None:
        """The names a staff snapshot gives the people who changed its tables."""
        self.names.update({str(t.extra["changed_by"]): t.extra["changed_by_name"] for t in snapshot.tables
                           if t.extra.get("changed_by") and t.extra.get("changed_by_name")})

    def unnamed(self, event: AvailabilityEvent | None) -> bool:
        """Whether an event names someone by id whom no snapshot has named yet."""
        actor = event.actor if event else None
        return bool(actor and actor.get("id") and not actor.get("name") and str(actor["id"]) not in self.names)


def render(board: Board) -> RenderableType:
    """Both floors side by side (upstairs first), a row per table with its state in colour."""
    snap = board.availability
    floors: dict[str, list[Any]] = {}
    for table in sorted(snap.tables, key=lambda t: t.table_number):
        floors.setdefault(table.floor, []).append(table)
    panels = []
    for floor, tables in floors.items():
        grid = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        grid.add_column("table")
        grid.add_column("seats", justify="right")
        grid.add_column("state")
        if board.is_staff:
            grid.add_column("changed by")
        for table in tables:
            row: list[RenderableType] = [
                f"{table.table_number:>2} {table.name}", f"{table.capacity_min}-{table.capacity_max}",
                Text(table.state.replace("_", " "), style=STATE_STYLES.get(table.state, ""))]
            if board.is_staff:
                row.append(board.changed_by.get(table.table_id, ""))
            grid.add_row(*row)
        panels.append(Panel(grid, title=floor))
    last = board.last_event
    footer = (f"last: table {_number(snap, last.section_id)} {last.previous_state} -> {last.new_state} ({last.reason})"
              if last else "waiting for changes")
    title = Text.assemble((f"{snap.date} {snap.slot_id}", "bold"), f"  version {snap.version}  {snap.view} view  ",
                          (board.status, "green" if board.status == "live" else "yellow"))
    return Group(title, Columns(panels), Text(footer, style="dim"))


def _number(snap: Availability, table_id: uuid.UUID) -> str:
    return next((str(t.table_number) for t in snap.tables if t.table_id == table_id), "?")


def render_text(board: Board, *, width: int = 120, color: bool = False) -> str:
    """The board as a string (plain, or with ANSI colours)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system="standard" if color else None)
    console.print(render(board))
    return buffer.getvalue()


async def run_board(source: AvailabilitySource, venue_id: uuid.UUID, date: dt.date, slot_id: str, *,
                    listen: Callable[[], Listener], console: Console, updates: int | None = None,
                    idle_resync: float = 2.0) -> Board | None:
    """Draw the board live until interrupted (or after ``updates`` updates); returns the last board."""
    board: Board | None = None
    seen = 0
    with Live(console=console, auto_refresh=False, transient=False) as live:
        async for update in watch_availability(source, venue_id, date, slot_id, listen=listen,
                                               idle_resync=idle_resync):
            if board is None:
                if update.availability is None:
                    continue
                board = Board(update.availability)
            if board.is_staff and board.unnamed(update.event):
                board.learn_names(await source.get_availability(venue_id, date, slot_id))
            board.apply(update)
            live.update(render(board), refresh=True)
            seen += 1
            if updates is not None and seen >= updates:
                break
    return board

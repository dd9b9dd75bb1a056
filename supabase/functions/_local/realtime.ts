// A local stand-in for Supabase Realtime's Broadcast, for `make serve` and the TypeScript client's
// tests, where no Realtime server runs. It speaks the Phoenix socket protocol as supabase-js 2
// speaks it (vsn 1.0.0: JSON objects; vsn 2.0.0, supabase-js's default: JSON arrays, and user
// broadcasts as binary frames), and delivers a database broadcast in exactly the frame Realtime
// sends for a realtime.send() row (lib/realtime/tenants/replication_connection.ex,
// lib/realtime_web/socket/v2_serializer.ex and user_broadcast.ex upstream): the row's id in the
// metadata, and in the payload too (realtime.send() has added it there since 2025-11). Never
// deployed: Supabase projects have the real thing.

/** A channel a client joined: its name without `realtime:` and whether it asked for a private one. */
export interface Topic {
  name: string;
  private: boolean;
}

/** One broadcast: a realtime.messages row (`id`, `event`, `payload`). */
export interface BroadcastMessage {
  id: string;
  event: string;
  payload: Record<string, unknown>;
}

/** Where joins are decided and what a joined channel hears. */
export interface RealtimeBackend {
  /** May the caller with this access token (null: the anon key) join the topic? Public: anyone. */
  authorize(topic: Topic, accessToken: string | null): Promise<boolean>;
  /** Start delivering the topic's broadcasts to `deliver`; returns the function that stops it. */
  subscribe(topic: Topic, accessToken: string | null, deliver: (message: BroadcastMessage) => void): () => void;
}

type Vsn = "1.0.0" | "2.0.0";

interface Inbound {
  joinRef: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: Record<string, unknown>;
}

const USER_BROADCAST = 4;

function decode(vsn: Vsn, data: string): Inbound {
  const raw = JSON.parse(data);
  if (vsn === "2.0.0") {
    const [joinRef, ref, topic, event, payload] = raw as [string | null, string | null, string, string, unknown];
    return { joinRef, ref, topic, event, payload: (payload ?? {}) as Record<string, unknown> };
  }
  return {
    joinRef: raw.join_ref ?? null,
    ref: raw.ref ?? null,
    topic: raw.topic,
    event: raw.event,
    payload: raw.payload ?? {},
  };
}

function encodeReply(vsn: Vsn, to: Inbound, status: "ok" | "error", response: Record<string, unknown>): string {
  const payload = { status, response };
  return vsn === "2.0.0"
    ? JSON.stringify([to.joinRef, to.ref, to.topic, "phx_reply", payload])
    : JSON.stringify({ topic: to.topic, event: "phx_reply", payload, ref: to.ref, join_ref: to.joinRef });
}

/**
 * The frame Realtime pushes for a broadcast from the database on a joined topic
 * (`realtime:<name>`): vsn 2.0.0 a binary user broadcast (kind 4, sizes of topic, event and
 * metadata, encoding 1 = JSON, then the bytes), vsn 1.0.0 the JSON broadcast it converts to.
 */
export function broadcastFrame(vsn: Vsn, joinTopic: string, message: BroadcastMessage): string | Uint8Array {
  const payload = { ...message.payload, id: message.id };
  const meta = { id: message.id };
  if (vsn === "1.0.0") {
    return JSON.stringify({
      topic: joinTopic,
      event: "broadcast",
      payload: { event: message.event, payload, type: "broadcast", meta },
      ref: null,
      join_ref: null,
    });
  }
  const encoder = new TextEncoder();
  const [topic, event, metadata, body] = [joinTopic, message.event, JSON.stringify(meta), JSON.stringify(payload)]
    .map((part) => encoder.encode(part));
  const frame = new Uint8Array(5 + topic.length + event.length + metadata.length + body.length);
  frame.set([USER_BROADCAST, topic.length, event.length, metadata.length, 1]);
  let offset = 5;
  for (const part of [topic, event, metadata, body]) {
    frame.set(part, offset);
    offset += part.length;
  }
  return frame;
}

/** One client socket: its joined topics and their feeds. */
class Connection {
  private readonly joined = new Map<string, () => void>();
  private accessToken: string | null = null;

  constructor(
    private readonly socket: WebSocket,
    private readonly vsn: Vsn,
    private readonly backend: RealtimeBackend,
  ) {}

  async receive(data: string): Promise<void> {
    const message = decode(this.vsn, data);
    switch (message.event) {
      case "heartbeat":
        return this.send(encodeReply(this.vsn, message, "ok", {}));
      case "phx_join":
        return await this.join(message);
      case "access_token":
        this.accessToken = typeof message.payload.access_token === "string" ? message.payload.access_token : null;
        return;
      case "phx_leave":
        this.leave(message.topic);
        return this.send(encodeReply(this.vsn, message, "ok", {}));
      default:
        return this.send(encodeReply(this.vsn, message, "error", { reason: `${message.event} is not supported here` }));
    }
  }

  private async join(message: Inbound): Promise<void> {
    const config = (message.payload.config ?? {}) as { private?: boolean };
    const token = typeof message.payload.access_token === "string" ? message.payload.access_token : this.accessToken;
    const topic: Topic = { name: message.topic.replace(/^realtime:/, ""), private: config.private === true };
    if (!(await this.backend.authorize(topic, token))) {
      return this.send(encodeReply(this.vsn, message, "error", {
        reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${topic.name}`,
      }));
    }
    this.leave(message.topic);
    this.send(encodeReply(this.vsn, message, "ok", {}));
    this.joined.set(
      message.topic,
      this.backend.subscribe(
        topic,
        token,
        (broadcast) => this.send(broadcastFrame(this.vsn, message.topic, broadcast)),
      ),
    );
  }

  private leave(joinTopic: string): void {
    this.joined.get(joinTopic)?.();
    this.joined.delete(joinTopic);
  }

  private send(frame: string | Uint8Array): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
  }

  close(): void {
    for (const topic of [...this.joined.keys()]) this.leave(topic);
  }
}

/**
 * Upgrade a request for `/realtime/v1/websocket` to a Realtime socket over `backend`; `sockets`
 * (tests) collects the open sockets, so a test can drop them as a network would.
 */
export function acceptRealtimeSocket(req: Request, backend: RealtimeBackend, sockets?: Set<WebSocket>): Response {
  const vsn: Vsn = new URL(req.url).searchParams.get("vsn") === "2.0.0" ? "2.0.0" : "1.0.0";
  const { socket, response } = Deno.upgradeWebSocket(req);
  sockets?.add(socket);
  const connection = new Connection(socket, vsn, backend);
  socket.onmessage = (event) => {
    if (typeof event.data !== "string") return; // client-sent broadcasts are not supported locally
    connection.receive(event.data).catch((error) => {
      console.error("local realtime:", error);
      socket.close(1011, "internal error");
    });
  };
  socket.onclose = () => {
    sockets?.delete(socket);
    connection.close();
  };
  return response;
}

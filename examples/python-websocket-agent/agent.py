#!/usr/bin/env python3
"""A websocket agent for Agent Arena, standard library only.

It speaks docs/PROTOCOL.md through the small RFC 6455 client below, so it
runs on any Python 3.8+ with nothing to install (the `websockets` package
is often missing, and renamed its header argument between versions):

    ARENA_AGENT_KEY=ara_... python3 agent.py --server http://localhost:8080 --arena connect4

It follows a 421 answer to the leader, queues after hello and after every
contest (and again later when the arena refuses a queue for a reason time
can mend, such as a wallet that cannot pay the stake yet; it stops for an
arena that does not exist), plays every turn it is sent, and reconnects with backoff and
jitter, to the next of several nodes (--server http://a:8080,http://b:8080)
each time, so it finds the new leader after the old one dies. connect4:
win, else block, else the centre-most column; prompt and verifiable: one
short honest `final` answer (python-webhook-agent solves verifiable tasks).
"""

import argparse
import base64
import hashlib
import json
import os
import random
import select
import re
import socket
import struct
import sys
import time
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
CONT, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
READ_TIMEOUT = 90  # seconds; longer than the server's ping period (54 s)
MAX_MESSAGE = 16 << 20  # refuse absurd lengths rather than allocate them
VERBOSE = False  # -v: log every frame
QUEUE_RETRY = 30.0  # --queue-retry: seconds before a refused queue is sent again


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


class Refused(Exception):
    """The upgrade was answered with an HTTP status, not 101 (args: status, headers, body)."""

    def __str__(self):
        return "HTTP %d: %s" % (self.args[0], self.args[2])


class Closed(Exception):
    """The server closed the websocket (args: code, reason)."""


class Fatal(Exception):
    """Retrying cannot help: a wrong key, a deleted agent."""


# --- websocket client (RFC 6455) ---------------------------------------------

class WebSocket:
    def __init__(self, sock, buffered):
        self.sock, self.buf, self.closing = sock, bytearray(buffered), False

    @classmethod
    def connect(cls, url, headers):
        u = urlsplit(url)
        port = u.port or (443 if u.scheme == "wss" else 80)
        sock = socket.create_connection((u.hostname, port), timeout=10)
        if u.scheme == "wss":
            import ssl  # only needed behind TLS
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=u.hostname)
        # The key is random per connection; the server proves it speaks
        # websocket (and is not a cache replaying an old answer) by hashing it.
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % (u.path or "/"), "Host: %s" % u.netloc, "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: " + key]
        lines += ["%s: %s" % kv for kv in headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk or len(data) > 65536:
                raise ConnectionError("no complete HTTP answer to the upgrade")
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        got = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            got[name.strip().lower()] = value.strip()
        if status != 101:  # the JSON error body says why: read (the start of) it for the log
            if len(rest) < int(got.get("content-length") or 0):
                rest += sock.recv(4096)
            sock.close()
            raise Refused(status, got, rest[:300].decode("utf-8", "replace"))
        want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if got.get("sec-websocket-accept") != want:
            sock.close()
            raise ConnectionError("bad Sec-WebSocket-Accept: the server did not answer our key")
        sock.settimeout(READ_TIMEOUT)
        return cls(sock, rest)  # rest: frames that came with the headers

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed without a close frame")
            self.buf += chunk
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def _read_frame(self):
        b0, b1 = self._read(2)
        fin, opcode, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
        if b1 & 0x80:
            raise ConnectionError("the server masked a frame; only clients mask")
        if n == 126:  # 16-bit length follows
            n = struct.unpack("!H", self._read(2))[0]
        elif n == 127:  # 64-bit length follows
            n = struct.unpack("!Q", self._read(8))[0]
        if n > MAX_MESSAGE:
            raise ConnectionError("frame of %d bytes is too large" % n)
        return bool(fin), opcode, self._read(n)

    def _send(self, opcode, payload):
        # Client frames are always masked (section 5.3) with a fresh key,
        # so a proxy cannot be tricked into caching what the client sends.
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        # XOR with the repeated mask as one big integer: fast without numpy.
        key = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
        self.sock.sendall(head + mask + masked)

    def send_text(self, text):
        self._send(TEXT, text.encode())

    def ready(self, timeout):
        """Whether a frame has started to arrive within timeout seconds.
        recv then reads the whole message; waiting here instead of in
        recv never leaves a frame half read."""
        # Behind TLS the socket may hold decrypted bytes select cannot see.
        if self.buf or getattr(self.sock, "pending", lambda: 0)():
            return True
        readable, _, _ = select.select([self.sock], [], [], timeout)
        return bool(readable)

    def recv(self):
        """The next text message; answers pings and closes on the way."""
        parts = []  # the fragments of a message so far
        while True:
            fin, opcode, payload = self._read_frame()
            if opcode == PING:  # may arrive between the parts of a message
                self._send(PONG, payload)
            elif opcode == PONG:
                pass
            elif opcode == CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                reason = payload[2:].decode("utf-8", "replace")
                self.close(code if len(payload) >= 2 else 1000)  # echo it, as section 5.5.1 asks
                raise Closed(code, reason)
            elif opcode in (TEXT, BINARY, CONT):  # the arena sends only text
                if (opcode == CONT) != bool(parts):
                    raise ConnectionError("continuation frame out of place")
                parts.append(payload)
                if sum(map(len, parts)) > MAX_MESSAGE:
                    raise ConnectionError("message too large")
                if fin:
                    return b"".join(parts).decode("utf-8")
            else:
                raise ConnectionError("unknown opcode %#x" % opcode)

    def close(self, code=1000, reason=""):
        if not self.closing:
            self.closing = True
            try:
                self._send(CLOSE, struct.pack("!H", code) + reason.encode()[:120])
            except OSError:
                pass
        self.sock.close()


# --- connecting -----------------------------------------------------------

def connect_url(base):
    """http://host:port -> ws://host:port/v1/agents/connect (https -> wss)."""
    if not base.startswith(("http://", "https://")):
        raise Fatal("a server URL must start with http:// or https://: %r" % base)
    return "ws" + base.rstrip("/")[len("http"):] + "/v1/agents/connect"


def dial(server, key):
    """Open a session with the leader, following 421 X-Arena-Leader."""
    target = server
    for _ in range(5):  # a few hops: leadership can move while we dial
        try:
            return WebSocket.connect(connect_url(target), {"Authorization": "Bearer " + key})
        except Refused as e:
            status, headers, _ = e.args
            leader = headers.get("x-arena-leader")
            if status == 421 and leader:
                log("redirected to the leader", leader)
                target = leader
            elif status in (401, 403):
                raise Fatal("the key was refused (%s); fix the key" % e)
            else:
                raise  # 421 without a leader (an election), 503, 429: retry later
    raise ConnectionError("too many redirects")


# --- playing --------------------------------------------------------------

def wins(board, col, seat):
    """Whether seat's disc dropped in col makes four in a row.

    board[row][col]; row 0 is the TOP row, so a disc lands in the lowest
    empty row, the one with the highest index. Cells are -1 or a seat."""
    rows, cols = len(board), len(board[0])
    row = next((r for r in range(rows - 1, -1, -1) if board[r][col] == -1), None)
    if row is None:
        return False

    def mine(r, c):
        return (r, c) == (row, col) or (0 <= r < rows and 0 <= c < cols and board[r][c] == seat)

    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):  # the four lines through a cell
        n = 1
        for sign in (1, -1):  # count both ways from the new disc
            k = 1
            while k < 4 and mine(row + sign * k * dr, col + sign * k * dc):
                n, k = n + 1, k + 1
        if n >= 4:
            return True
    return False


def choose_column(view):
    """Win if we can, else block the opponent's win, else the centre-most legal column."""
    legal, board, me = view["legal"], view["board"], view["you"]
    if not legal:
        return None  # not our move
    for seat in (me, 1 - me):
        for col in legal:
            if wins(board, col, seat):
                return col
    centre = (len(board[0]) - 1) / 2
    return min(legal, key=lambda c: abs(c - centre))


def prompt_answer(view):
    """A short answer using the terms the prompt quotes as required.

    Prompts quote required words ("Mention 'quorum'") and forbidden ones
    ("Do not use the word 'simply'"), so sentences with a "not" are
    skipped. A real agent would ask a language model here."""
    terms = []
    for sentence in view["prompt"].split(". "):
        if "not " not in sentence.lower():
            terms += re.findall(r"'([^']{1,40})'", sentence)
    text = ("Here is a short answer in plain prose. The idea is easiest to see through one small "
            "example, and the general rule follows from it. Each step builds on the one before it, "
            "and the result holds because every part agrees on the same facts.")
    if terms:
        text += " The key terms are " + " and ".join(terms) + "."
    return text


def verifiable_answer(view):
    """An honest guess in the task's answer format, so it is read, not a
    format error: the text ends by naming the format with an example
    ("... e.g. ANSWER: 42.") or the options ("exactly one of: A, B, equal.")."""
    text = view["task"]["text"]
    example = re.search(r"e\.g\. ANSWER: (.+?)\. Anything", text)
    options = re.search(r"exactly one of: (.+?)\. Anything", text)
    value = example.group(1) if example else options.group(1).split(", ")[0] if options else "{}"
    people = view["task"].get("data", {}).get("people")
    if view["task"].get("answer_kind") == "order" and people:  # the example's names are not the task's
        value = json.dumps(people)
    return ("I have not solved this; my guess, in the format the task asks for:\nANSWER: " + value)


def play(ws, turn):
    view = turn["view"]
    game = view.get("game")
    if game == "connect4":
        col = choose_column(view)
        if col is not None:  # a move quotes the turn's seq (stale_turn otherwise)
            send(ws, {"type": "move", "contest": turn["contest"], "seq": turn["seq"], "move": col})
    elif game in ("prompt", "verifiable"):
        if not view.get("final"):  # other seats advance seq, so final takes none
            text = prompt_answer(view) if game == "prompt" else verifiable_answer(view)
            # The whole answer, with what a reconnect shows was accepted
            # before ("answer"), must fit max_answer_bytes, or it is refused.
            room = view.get("max_answer_bytes", 4096) - len(view.get("answer", "").encode())
            text = text.encode()[:max(room, 0)].decode("utf-8", "ignore")
            send(ws, {"type": "final", "contest": turn["contest"], "text": text})
    else:
        # Resign rather than time out, and stop: queueing again would lose
        # a stake per contest of a game this agent cannot play.
        send(ws, {"type": "resign", "contest": turn["contest"]})
        raise Fatal("this agent plays connect4, prompt and verifiable, not %r" % game)


def send(ws, frame):
    if VERBOSE:
        log("send", json.dumps(frame)[:200])
    ws.send_text(json.dumps(frame))


def outcome(end):
    """contest_end's rank in words: ranks are places, 0 first, ties shared."""
    rank, ranks = end.get("rank", -1), end.get("ranks") or []
    if rank <= 0:
        return "no result" if rank < 0 else "won" if ranks.count(0) == 1 else "drew"
    return "lost" if len(ranks) == 2 else "placed %d of %d" % (rank + 1, len(ranks))


def session(ws, arena):
    """Read frames until the connection ends; every frame is answered in
    order, so this loop is the connection's only writer. A refused queue
    that time can mend (the owner's wallet cannot pay the stake yet, too
    many of the owner's agents wait, the cluster could not commit) is sent
    again after QUEUE_RETRY seconds; one for an arena that does not exist
    ends the agent."""
    requeue_at = None
    while True:
        if requeue_at is not None and not ws.ready(max(0.0, requeue_at - time.monotonic())):
            requeue_at = None
            send(ws, {"type": "queue", "arena": arena})
            continue
        frame = json.loads(ws.recv())
        kind = frame.get("type")
        if VERBOSE:
            log("recv", json.dumps(frame)[:200])
        if kind == "hello":
            log("connected as %s (%s) to %s; seated in %s" % (frame.get("name"), frame.get("agent_id"),
                                                            frame.get("node"), frame.get("contests")))
            send(ws, {"type": "queue", "arena": arena})
        elif kind == "turn":
            try:
                play(ws, frame)  # answers re-sent turns too: no state to keep
            except (KeyError, TypeError, ValueError) as e:
                log("cannot read turn:", repr(e))
        elif kind == "contest_end":
            now = "" if frame.get("rating") is None else " to %.2f" % frame["rating"]  # absent: no rating moved
            log("contest %s %s: %s (%s), rating %+.2f%s, payout %s" % (
                frame.get("contest"), frame.get("status"), outcome(frame), frame.get("reason"),
                frame.get("rating_delta", 0), now, frame.get("payout")))
            send(ws, {"type": "queue", "arena": arena})  # a ticket is used up by one contest
        elif kind == "error":
            code = frame.get("code")
            log("error frame: %s: %s (ref %s)" % (code, frame.get("message"), frame.get("ref")))
            if frame.get("ref") != "queue" or code == "conflict":
                continue  # conflict: we still hold a seat here; its contest_end requeues
            if code == "not_found":
                raise Fatal("arena %r does not exist (arenactl arena list names the arenas)" % arena)
            if code in ("bad_frame", "forbidden"):
                raise Fatal("the arena refused to queue this agent: %s" % frame.get("message"))
            log("queue refused (%s); queueing again in %gs" % (code, QUEUE_RETRY))
            requeue_at = time.monotonic() + QUEUE_RETRY


def main():
    global VERBOSE, QUEUE_RETRY
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--server", default=os.environ.get("ARENA_SERVER", "http://localhost:8080"),
                   help="base URL of any arena node, or several separated by commas [ARENA_SERVER]")
    p.add_argument("--key", default=os.environ.get("ARENA_AGENT_KEY", ""), help="agent key, ara_... [ARENA_AGENT_KEY]")
    p.add_argument("--arena", default="connect4", help="arena to queue in")
    p.add_argument("--queue-retry", type=float, default=QUEUE_RETRY,
                   help="seconds to wait before queueing again when the arena refused the queue "
                        "(e.g. the owner's wallet cannot pay the stake)")
    p.add_argument("-v", "--verbose", action="store_true", help="log every frame")
    args = p.parse_args()
    VERBOSE, QUEUE_RETRY = args.verbose, args.queue_retry
    if not args.key:
        sys.exit("an agent key is required: --key ara_... or ARENA_AGENT_KEY")
    servers = [s.strip() for s in args.server.split(",") if s.strip()] or ["http://localhost:8080"]
    try:
        [connect_url(s) for s in servers]  # a mistyped URL fails now, not on its turn
    except Fatal as e:
        sys.exit(str(e))
    nxt, backoff = 0, 0.5
    while True:
        started = time.monotonic()
        try:
            ws = dial(servers[nxt], args.key)
            try:
                session(ws, args.arena)
            finally:
                ws.close()
        except Fatal as e:
            sys.exit("giving up: %s" % e)
        except Closed as e:
            code, reason = e.args
            log("server closed the connection: %s %s" % (code, reason))
            if reason == "agent deleted" or reason.startswith("agent is now a"):
                sys.exit("giving up: the agent cannot connect any more")
        except (OSError, ValueError, Refused) as e:  # OSError: refused, reset, timeout
            log("disconnected:", e)
        if time.monotonic() - started > 60:
            backoff = 0.5  # it was a good connection: come back quickly
        # The next server: the one we used may be the dead old leader.
        nxt = (nxt + 1) % len(servers)
        wait = backoff / 2 + random.uniform(0, backoff / 2)  # jitter: agents do not reconnect in step
        log("reconnecting in %.1fs to %s" % (wait, servers[nxt]))
        time.sleep(wait)
        backoff = min(backoff * 2, 30)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # Ctrl-C: the session was closed on the way out
        pass

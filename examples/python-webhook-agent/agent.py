#!/usr/bin/env python3
"""A webhook agent for Agent Arena, standard library only.

The arena POSTs every turn frame (JSON, see docs/PROTOCOL.md) to this
server and plays the "move" of the reply:

    connect4  ->  {"move": 3}                                  (a column 0-6)
    prompt    ->  {"move": {"text": "...", "final": true}}     (the whole answer)

The request must be answered before the turn's "deadline"; the arena
drops the request then and the arena's forfeit rule applies.

Run it:

    python3 agent.py --port 9000

Register it as a webhook agent with your owner key (aro_...) and queue it
(webhook agents cannot queue themselves; their owner does):

    export ARENA_SERVER=http://127.0.0.1:8080 ARENA_KEY=aro_...
    arenactl agent create --name py --kind webhook --webhook-url http://127.0.0.1:9000/turn
    curl -X POST $ARENA_SERVER/v1/agents/{id}/queue \\
         -H 'Authorization: Bearer aro_...' \\
         -H 'Content-Type: application/json' \\
         -d '{"arena":"connect4"}'

The queue ticket is used up by the contest it leads to: queue again after
every contest to keep playing (for example from a cron job or a loop).
"""

import argparse
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMPTY = -1
MAX_BODY = 1 << 20


def wins(board, col, seat):
    """Whether dropping seat's disc in col makes four in a row.

    board[row][col], row 0 is the top row; a cell is -1 or a seat number.
    """
    rows, cols = len(board), len(board[0])
    row = next((r for r in range(rows - 1, -1, -1) if board[r][col] == EMPTY), None)
    if row is None:
        return False

    def mine(r, c):
        return (r, c) == (row, col) or (0 <= r < rows and 0 <= c < cols and board[r][c] == seat)

    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        n = 1
        for sign in (1, -1):
            k = 1
            while k < 4 and mine(row + sign * k * dr, col + sign * k * dc):
                n += 1
                k += 1
        if n >= 4:
            return True
    return False


def choose_column(view):
    """Win if possible, else block, else the legal column nearest the centre."""
    legal, board, me = view["legal"], view["board"], view["you"]
    if not legal:
        return None
    for seat in (me, 1 - me):
        for col in legal:
            if wins(board, col, seat):
                return col
    centre = (len(board[0]) - 1) / 2
    return min(legal, key=lambda c: abs(c - centre))


def answer(view):
    """A short answer that uses the terms the prompt quotes as required.

    Prompts quote required words ("Mention 'quorum'") and forbidden ones
    ("Do not use the word 'simply'"); sentences with a "not" are skipped.
    A real agent would ask a language model here.
    """
    terms = []
    for sentence in view["prompt"].split(". "):
        if "not " not in sentence.lower():
            terms += re.findall(r"'([^']{1,40})'", sentence)
    text = ("Here is a short answer in plain prose. The idea is easiest to see through one "
            "small example, and then the general rule follows from it. Each step builds on "
            "the one before it, and the result holds because every part agrees on the same facts.")
    if terms:
        text += " The key terms are " + " and ".join(terms) + "."
    room = view.get("max_answer_bytes", 4096) - len(view.get("answer", "").encode())
    return text.encode()[:max(room, 0)].decode(errors="ignore")


def move_for(turn):
    """The move for a turn frame, or None when there is nothing to play."""
    view = turn["view"]
    game = view.get("game")
    if game == "connect4":
        return choose_column(view)
    if game == "prompt":
        return {"text": answer(view), "final": True}
    return None


class Handler(BaseHTTPRequestHandler):
    server_version = "arena-python-webhook/1"

    def do_POST(self):
        try:
            n = int(self.headers.get("Content-Length", "0"))
            if n <= 0 or n > MAX_BODY:
                return self.reply(400, {"error": "body must be 1 byte to 1 MiB of JSON"})
            turn = json.loads(self.rfile.read(n))
            move = move_for(turn)
        except (ValueError, KeyError, TypeError, IndexError) as e:
            return self.reply(400, {"error": "bad turn frame: %s" % e})
        if move is None:
            return self.reply(422, {"error": "no move for this turn"})
        self.log_message("contest %s seq %s seat %s -> %s", turn.get("contest"), turn.get("seq"),
                         turn.get("seat"), json.dumps(move)[:60])
        self.reply(200, {"move": move})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9000)
    args = p.parse_args()
    srv = ThreadingHTTPServer((args.host, args.port), Handler)
    print("webhook agent listening on http://%s:%d/turn" % (args.host, args.port), file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

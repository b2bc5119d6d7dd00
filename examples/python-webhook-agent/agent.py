#!/usr/bin/env python3
"""A webhook agent for Agent Arena, standard library only.

The arena POSTs every turn frame (JSON, see docs/PROTOCOL.md) to this
server and plays the "move" of the reply:

    connect4    ->  {"move": 3}                                  (a column 0-6)
    verifiable  ->  {"move": {"text": "...\\nANSWER: 42", "final": true}}
    prompt      ->  {"move": {"text": "...", "final": true}}     (the whole answer)

and POSTs a contest_end frame when a contest is over (answered with 204).
Every call is signed with the agent's webhook secret; calls whose
signature does not verify, or whose timestamp is more than five minutes
off, are refused with 401 (docs/PROTOCOL.md, "Verifying webhook calls").

The request must be answered before the turn's "deadline"; the arena
drops the request then and the arena's forfeit rule applies.

Run it with the webhook secret the arena showed when the agent was
created (or rotated):

    ARENA_WEBHOOK_SECRET=whsec_... python3 agent.py --port 9000

Register it as a webhook agent with your owner key (aro_...) and keep it
queued (webhook agents cannot queue themselves; their owner does, once):

    export ARENA_SERVER=http://127.0.0.1:8080 ARENA_KEY=aro_...
    arenactl agent create --name py --kind webhook --webhook-url http://127.0.0.1:9000/turn
    arenactl agent queue ag_... --arena verifiable --keep

--keep has the arena queue the agent again after every contest until
`arenactl agent unqueue` (or a forfeit) stops it.
"""

import argparse
import datetime
import hashlib
import hmac
import itertools
import json
import os
import re
import sys
import time
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EMPTY = -1
MAX_BODY = 1 << 20
TOLERANCE = 300  # seconds a signed timestamp may be off


# --- signatures --------------------------------------------------------------

def verify(secret, header, body, now=None, tolerance=TOLERANCE):
    """Whether an X-Arena-Signature header signs body under secret.

    The header is "t=<unix seconds>,v1=<hex>"; v1 is the HMAC-SHA256, keyed
    with the whole secret, of "<t>." followed by the raw body. Several v1
    entries may be present (a rotation); one match is enough.
    """
    t, sigs = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            t = int(value)
        elif key == "v1":
            sigs.append(value)
    now = time.time() if now is None else now
    if t is None or not sigs or abs(now - t) > tolerance:
        return False
    want = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(s, want) for s in sigs)


# --- connect4 ------------------------------------------------------------------

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


# --- verifiable tasks -----------------------------------------------------------
#
# Every task carries its inputs as structured data (view["task"]["data"]);
# the solvers below compute the answer from it exactly, as a careful model
# would from the text. The answer must end with one line "ANSWER: <value>"
# in the format the task names (docs/PROTOCOL.md, "verifiable answers").

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def decimal(x):
    """A rational with a denominator dividing 10^6 as a bare decimal: 12.5, 3, -0.25."""
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    scaled = x * 10 ** 6
    sign = "-" if scaled < 0 else ""
    n = abs(int(scaled))
    whole, frac = divmod(n, 10 ** 6)
    return f"{sign}{whole}.{frac:06d}".rstrip("0").rstrip(".")


def js(v):
    return json.dumps(v, ensure_ascii=False)


def obj(pairs):
    """A JSON object with the keys in the task's order; values are pre-rendered."""
    return "{" + ", ".join(f"{js(k)}: {v}" for k, v in pairs) + "}"


def solve_arithmetic(d):
    a, b, c = d.get("a", 0), d.get("b", 0), d.get("c", 0)
    v = {
        "boxes": lambda: Fraction(a * b + c),
        "stock": lambda: Fraction(a - b + c),
        "minutes": lambda: Fraction(a * 60 + b + c),
        "metres": lambda: Fraction(a * 100 + b, 100),
        "flour": lambda: Fraction(a * b, 1000),
        "fuel": lambda: Fraction(a * b, 1000),
        "train": lambda: Fraction(a * c, b or 1),
        "discount": lambda: Fraction(a * b * (100 - c), 10000),
    }[d["template"]]()
    return decimal(v)


def solve_counting(d):
    mode, text = d["mode"], d.get("text", "")
    if mode == "letter":
        return str(text.count(d["letters"][0]))
    if mode == "long_words":
        return str(sum(1 for w in text.split() if len(w.encode()) >= d["min_len"]))
    if mode == "compare":
        a = Fraction(d["a"][0], d["a"][1] or 1)
        b = Fraction(d["b"][0], d["b"][1] or 1)
        return "A" if a > b else "B" if b > a else "equal"
    return obj((l, str(text.count(l))) for l in d["letters"])


def solve_dates(d):
    mode = d["mode"]
    if mode == "after":
        start = datetime.date.fromisoformat(d["start"])
        return (start + datetime.timedelta(days=d["days"])).isoformat()
    if mode == "before_weekday":
        day = datetime.date.fromisoformat(d["start"]) - datetime.timedelta(days=d["days"])
        return obj([("date", js(day.isoformat())), ("weekday", js(WEEKDAYS[day.weekday()]))])
    fmt = "%Y-%m-%d %H:%M"
    start = datetime.datetime.strptime(d["start"], fmt)
    if mode == "land":
        return (start + datetime.timedelta(hours=d["hours"], minutes=d["mins"])).strftime(fmt)
    end = datetime.datetime.strptime(d["end"], fmt)
    return str(int((end - start).total_seconds() // 60))


def solve_extract(d):
    mode = d["mode"]
    if mode == "person":
        return obj([("name", js(d["name"])), ("city", js(d["city"])), ("age", str(d["age"]))])
    if mode == "order":
        return obj([("order_id", js(d["order_id"])), ("customer", js(d["name"])), ("quantity", str(d["quantity"])),
                    ("unit_price", decimal(Fraction(d["cents"], 100))), ("order_date", js(d["date"]))])
    nights = d["nights"]
    total = d["cents"] * nights + (1250 * nights if d.get("extra") else 0)  # breakfast: 12.50 a night
    return obj([("guest", js(d["name"])), ("room", str(d["room"])), ("check_in", js(d["date"])),
                ("nights", str(nights)), ("breakfast", "true" if d.get("extra") else "false"),
                ("total", decimal(Fraction(total, 100)))])


def solve_lists(d):
    mode = d["mode"]
    if mode == "sort":
        return js(sorted(d["numbers"]))
    if mode == "dedupe":
        return js(list(dict.fromkeys(d["words"])))
    if mode == "sort_words":
        return js(sorted(set(d["words"]), reverse=True))
    even = d["parity"] == "even"
    keep = {n for n in d["numbers"] if n > d.get("above", 0) and (n % 2 == 0) == even}
    return js(sorted(keep, reverse=True))


def solve_strings(d):
    s, shift = d["text"], d.get("shift", 0)
    for op in d["ops"]:
        if op == "reverse":
            s = s[::-1]
        elif op == "upper":
            s = s.upper()
        elif op == "caesar":
            k = shift % 26
            s = "".join(chr(ord("a") + (ord(c) - ord("a") + k) % 26) if "a" <= c <= "z" else c for c in s)
        elif op == "snake":
            s = "_".join(s.split())
        elif op == "reverse_words":
            s = " ".join(reversed(s.split(" ")))
        elif op == "title":
            s = " ".join(w[:1].upper() + w[1:] for w in s.split(" "))
        elif op == "vowels":
            s = "".join("*" if c in "aeiou" else c for c in s)
        else:
            raise ValueError("unknown string operation %r" % op)
    return js(s)


def clue_holds(clue, at):
    a, b = at.get(clue["a"]), at.get(clue.get("b"))
    kind = clue["kind"]
    if kind == "before":
        return a < b
    if kind == "adjacent":
        return abs(a - b) == 1
    if kind == "not_adjacent":
        return abs(a - b) != 1
    if kind == "position":
        return a == clue["pos"] - 1
    if kind == "not_position":
        return a != clue["pos"] - 1
    return False


def solve_logic(d):
    for order in itertools.permutations(d["people"]):
        at = {name: i for i, name in enumerate(order)}
        if all(clue_holds(c, at) for c in d["clues"]):
            return js(list(order))
    raise ValueError("no order fits the clues")


SOLVERS = {
    "arithmetic": solve_arithmetic, "counting": solve_counting, "dates": solve_dates,
    "extract": solve_extract, "lists": solve_lists, "strings": solve_strings, "logic": solve_logic,
    # A form holds an extraction's facts as labelled lines: same data, same answer.
    "forms": solve_extract,
}


def solve_task(task):
    """The text of a whole verifiable answer, ending in its ANSWER: line.

    A family this agent does not know yet still gets a well-formed reply
    (it scores 0 rather than leaving the seat to miss its deadline).
    """
    solver = SOLVERS.get(task.get("family"))
    if solver is None:
        return "I cannot solve %s tasks yet.\nANSWER: unknown" % task.get("family")
    return "Worked out from the task's data.\nANSWER: " + solver(task["data"])


# --- prompt ---------------------------------------------------------------------

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
    if game == "verifiable":
        if view.get("final"):
            return None
        return {"text": solve_task(view["task"]), "final": True}
    if game == "prompt":
        return {"text": answer(view), "final": True}
    return None


# --- HTTP -----------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    server_version = "arena-python-webhook/2"
    secret = ""  # set by main (or a test) before serving

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or "0")
        if n <= 0 or n > MAX_BODY:
            return self.reply(400, {"error": "body must be 1 byte to 1 MiB of JSON"})
        body = self.rfile.read(n)
        # Verify before parsing: the signature covers the raw bytes.
        if not verify(self.secret, self.headers.get("X-Arena-Signature"), body):
            return self.reply(401, {"error": "bad or stale X-Arena-Signature"})
        try:
            frame = json.loads(body)
            if frame.get("type") == "contest_end":
                self.log_message("contest %s ended: %s, rank %s, rating %+.2f, payout %s",
                                 frame.get("contest"), frame.get("status"), frame.get("rank"),
                                 frame.get("rating_delta", 0), frame.get("payout"))
                return self.reply(204, None)
            move = move_for(frame)
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
            return self.reply(400, {"error": "bad turn frame: %s" % e})
        if move is None:
            return self.reply(422, {"error": "no move for this turn"})
        self.log_message("contest %s seq %s seat %s -> %s", frame.get("contest"), frame.get("seq"),
                         frame.get("seat"), json.dumps(move)[:60])
        self.reply(200, {"move": move})

    def reply(self, status, body):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=9000)
    args = p.parse_args()
    Handler.secret = os.environ.get("ARENA_WEBHOOK_SECRET", "")
    if not Handler.secret.startswith("whsec_"):
        sys.exit("set ARENA_WEBHOOK_SECRET to the agent's webhook secret (whsec_..., shown when the agent "
                 "was created; arenactl agent webhook-secret ID makes a new one)")
    srv = ThreadingHTTPServer((args.host, args.port), Handler)
    print("webhook agent listening on http://%s:%d/turn" % (args.host, args.port), file=sys.stderr, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

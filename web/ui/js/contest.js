// Live contest: the state first, then every event from the node's stream as
// it commits. The page remembers the last event's seq; after a dropped
// connection it reconnects with ?since=<seq> and the node sends exactly
// the events it missed (or the full state when they are gone).
import { h, fill, morph, link, getJSON, LiveStream, vs, fmtTime, fmtMoney, onCluster, reportDown, reportUp, notice } from './util.js';
import { C4, Answers, seatLegend, verdictPanel } from './games.js';

export function render(main, { id }) {
  document.title = 'Contest — Agent Arena';
  let stream = null, gone = false, unwatch = null;
  const page = { id, lastSeq: null, contest: null, leaderless: false, moves: 0, logged: new Map() };
  main.append(h('p', { class: 'loading', text: 'Loading contest…' }));

  getJSON(`/v1/contests/${encodeURIComponent(id)}`).then((d) => {
    if (gone) return;
    build(main, page, d);
    page.lastSeq = d.contest.seq;
    stream = new LiveStream({
      key: 'contest', what: 'contest',
      url: () => `/v1/contests/${encodeURIComponent(id)}/stream` + (page.lastSeq === null ? '' : `?since=${page.lastSeq}`),
      onFrame: (f) => onFrame(page, f, () => { page.lastSeq = null; stream.ws?.close(); }),
    });
    unwatch = onCluster((st) => watchLeader(page, st));
  }).catch((e) => {
    main.replaceChildren(h('h1', { text: 'Contest' }), h('p', { class: 'err', role: 'alert', text: e.status === 404 ? `No contest ${id} on this node.` : `Could not load the contest: ${e.message}` }),
      h('p', {}, link('/', 'Back to the arenas')));
  });
  return () => { gone = true; stream?.close(); unwatch?.(); reportUp('leader'); };
}

// watchLeader pauses the page while the cluster has no leader: nothing
// commits then, and the next leader re-arms every deadline (the `resumed`
// event), so no seat's clock runs. Watching on a follower is where this
// shows: its stream stays open while the game is frozen.
function watchLeader(page, st) {
  const was = page.leaderless;
  page.leaderless = !st.leader;
  if (page.leaderless === was) return;
  if (page.leaderless) {
    page.pausedAt = new Date();
    if (page.contest.status === 'running') {
      reportDown('leader', 'Paused — no leader; clocks are stopped. No move can be made until the cluster elects a leader; no seat loses time meanwhile.');
    }
  } else {
    reportUp('leader', `A leader is back (${st.leader}): play resumes with every deadline re-armed.`);
  }
  paintStatus(page);
}

function build(main, page, d) {
  const c = d.contest;
  page.contest = c;
  document.title = `${vs(c)} — Agent Arena`;
  page.status = h('span', { id: 'contest-status' });
  page.seqEl = h('span', { class: 'small muted', id: 'seq' });
  page.log = h('ol', { class: 'movelist', id: 'events' });
  page.announce = h('p', { class: 'visually-hidden', 'aria-live': 'polite' });
  page.verdict = h('div', { id: 'verdict-slot' });
  page.replay = h('p', { id: 'replay-slot' });
  let stage;
  if (c.game === 'connect4') {
    page.board = new C4(c.seats);
    stage = h('div', { class: 'c4-wrap' }, page.board.el,
      h('section', { class: 'card', 'aria-labelledby': 'h-moves' }, h('h2', { id: 'h-moves', text: 'Moves' }), page.log));
  } else {
    page.answers = new Answers(c);
    stage = h('div', {},
      h('section', { class: 'card', 'aria-labelledby': 'h-prompt' }, h('h2', { id: 'h-prompt', text: 'Prompt' }),
        page.promptEl = h('p', { class: 'prompt-text' })),
      page.answers.note, page.answers.el,
      h('details', {}, h('summary', { text: 'Event log' }), page.log));
  }
  fill(main,
    h('p', { class: 'small' }, link(`/arenas/${encodeURIComponent(c.arena)}`, `← ${c.arena}`)),
    h('h1', { text: vs(c) }),
    h('div', { class: 'row' }, page.status, page.seqEl, h('span', { class: 'small muted', text: `started ${fmtTime(c.created_at)}` }),
      potNote(d),
      page.pauseEl = h('span', { class: 'small', id: 'contest-pause', 'aria-live': 'polite' })),
    page.legend = seatLegend(c), stage, page.announce, page.verdict, page.replay);
  fromSnapshot(page, d.contest, d.view, d.events);
}

// potNote says what is at stake: the pot the seats paid in and how the
// winner's share is set (the terms fixed when the contest started). The
// places share what the house fee leaves, so a fee is named before them:
// "100% to first place" under a 20% fee would promise the whole pot.
function potNote(d) {
  const c = d.contest;
  const stakes = c.stakes;
  if (!stakes?.length) return null;
  const pot = stakes.reduce((a, b) => a + b, 0);
  const parts = [`pot ${fmtMoney(pot)}`];
  if (c.terms) {
    const fee = c.terms.house_fee_bps || 0;
    const first = c.terms.rewards?.[0];
    if (fee) parts.push(`house fee ${(fee / 100).toFixed(fee % 100 ? 2 : 0)}%`);
    parts.push(first !== undefined ? `${first}% ${fee ? 'of the rest ' : ''}to first place` : 'no place is paid');
  }
  return h('span', { class: 'small muted', id: 'contest-pot' }, parts.join(', '));
}

// fromSnapshot paints a whole contest (first load, a state frame, or the
// refreshed contest once it ends).
function fromSnapshot(page, c, view, events) {
  page.contest = c;
  paintSeats(page);
  paintStatus(page);
  if (page.board && view?.board) {
    if (page.board.count !== view.moves) page.board.reset(view.board, view.moves, view.last_move);
    page.moves = view.moves;
    if (view.winning_cells?.length) page.board.win(view.winning_cells);
  }
  if (page.answers && view) {
    if (page.promptEl) page.promptEl.textContent = view.prompt || '';
    page.answers.fromView(view);
    if (c.status === 'settled') page.answers.paint(c.ranks, c.verdict?.scores);
  }
  if (events) relog(page, events);
  fill(page.verdict, verdictPanel(c));
  fill(page.replay, c.status === 'settled' || c.status === 'aborted'
    ? link(`/contests/${encodeURIComponent(c.id)}/replay`, 'Step through the replay →') : null);
}

// paintSeats names the seats as the contest now has them: an agent deleted
// since the page opened is named unlinked, marked "(deleted)", in the
// legend and on its answer.
function paintSeats(page) {
  const c = page.contest;
  morph(page.legend, [...seatLegend(c).childNodes]);
  if (page.answers) page.answers.contest = c;
}

// relog replaces the event log with events, in seq order.
function relog(page, events) {
  page.log.replaceChildren();
  page.moves = 0;
  page.logged = new Map();
  for (const ev of [...events].sort((a, b) => a.seq - b.seq)) logEvent(page, ev, true);
}

// refillLog completes the log after a state frame, which carries no
// events: the ones the page missed (the gap that made it ask for the
// state) come from the contest's record, merged with those the stream
// has delivered meanwhile.
function refillLog(page) {
  getJSON(`/v1/contests/${encodeURIComponent(page.id)}`).then((d) => {
    const all = new Map(page.logged);
    for (const ev of d.events || []) if (ev.seq <= page.lastSeq && !all.has(ev.seq)) all.set(ev.seq, ev);
    relog(page, all.values());
  }).catch(() => {});
}

function paintStatus(page) {
  const c = page.contest;
  // A running contest without a leader is frozen: say so rather than show
  // it live.
  const status = c.status === 'running' && page.leaderless ? 'paused' : c.status;
  page.status.replaceChildren(h('span', { class: `badge ${status}` },
    status === 'running' ? h('span', { class: 'live-dot', 'aria-hidden': 'true' }) : null,
    status === 'paused' ? 'paused — no leader; clocks are stopped' : status));
  page.status.dataset.status = status;
  page.seqEl.textContent = `event ${page.lastSeq ?? c.seq}`;
  if (status === 'paused') page.pauseEl.textContent = `paused since ${page.pausedAt.toLocaleTimeString()}`;
  else if (page.resumedAt) page.pauseEl.textContent = `resumed ${page.resumedAt.toLocaleTimeString()} after a leader change`;
  else page.pauseEl.textContent = '';
}

function onFrame(page, f, resync) {
  if (f.type === 'state') {
    page.lastSeq = f.seq;
    fromSnapshot(page, f.contest, f.view, null);
    refillLog(page);
    return;
  }
  if (f.type !== 'event') return;
  const ev = f.event;
  if (page.lastSeq !== null && ev.seq <= page.lastSeq) return; // already shown
  if (page.lastSeq !== null && ev.seq !== page.lastSeq + 1) { resync(); return; } // a gap: ask for the state
  page.lastSeq = ev.seq;
  apply(page, ev);
  paintStatus(page);
}

function apply(page, ev) {
  logEvent(page, ev);
  const c = page.contest;
  switch (ev.type) {
    case 'move':
      if (page.board) page.board.drop(Number(ev.move), ev.seat);
      if (page.answers) page.answers.move(ev.seat, ev.move);
      break;
    case 'forfeit':
      page.answers?.forfeit(ev.seat);
      // An agent deleted by its owner forfeits at once: read the seats
      // again, so its name stops linking to a page that is gone.
      getJSON(`/v1/contests/${encodeURIComponent(c.id)}`).then((d) => {
        const now = page.contest;
        for (const [i, s] of d.contest.seats.entries()) if (now.seats[i]) now.seats[i].deleted = s.deleted;
        paintSeats(page);
        if (now.status === 'running') page.answers?.paint();
      }).catch(() => {});
      break;
    case 'resumed':
      page.resumedAt = new Date(ev.at);
      page.leaderless = false; // a leader committed this event
      reportUp('leader', 'Resumed: a new leader re-armed every deadline; play goes on.');
      notice('Resumed: a new leader re-armed every deadline; play goes on.');
      break;
    case 'judging': case 'settled': case 'aborted':
      c.status = ev.type === 'judging' ? 'judging' : ev.type;
      // The answers become public and the verdict exists: read the whole
      // contest once rather than rebuild it from events.
      getJSON(`/v1/contests/${encodeURIComponent(c.id)}`).then((d) => fromSnapshot(page, d.contest, d.view, null)).catch(() => {});
      break;
  }
}

// logEvent adds one event to the log. Moves are numbered from 1 as chess
// sites number them; other events are listed unnumbered between them.
function logEvent(page, ev, quiet) {
  page.logged.set(ev.seq, ev);
  const name = ev.seat !== undefined && ev.seat !== null ? page.contest.seats[ev.seat]?.name : '';
  let text;
  switch (ev.type) {
    case 'created': text = 'contest started'; break;
    case 'move':
      if (page.board) text = `${name}: column ${Number(ev.move) + 1}${ev.auto ? ' (auto, deadline missed)' : ''}`;
      else if (ev.move?.hidden) text = `${name}: +${ev.move.bytes} bytes${ev.move.final ? ', final' : ''}`;
      else text = `${name}: +${new TextEncoder().encode(ev.move?.text || '').length} bytes${ev.move?.final ? ', final' : ''}`;
      break;
    case 'strike': text = `${name}: strike (${ev.reason})`; break;
    case 'forfeit': text = `${name} forfeits: ${ev.reason}`; break;
    case 'resumed': text = 'resumed after a leader change: every deadline re-armed'; break;
    case 'judging': text = 'all answers final; the judges are ranking'; break;
    case 'settled': text = `settled: ${ev.reason}`; break;
    case 'aborted': text = `aborted: ${ev.reason}`; break;
    default: text = ev.type;
  }
  const li = h('li', { dataset: { seq: ev.seq, type: ev.type }, text });
  if (ev.type === 'move') {
    // connect4 events carry the turn they were played at; prompt chunks
    // are counted.
    page.moves = page.board ? (ev.turn || 0) + 1 : page.moves + 1;
    li.value = page.moves;
  } else li.className = 'unnumbered';
  // Follow the newest event only while the reader is at the end: a
  // reader scrolled up to an earlier move was thrown back to the bottom
  // at every move.
  const log = page.log, atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
  log.append(li);
  if (atEnd || quiet) log.scrollTop = log.scrollHeight;
  if (ev.type !== 'created' && !quiet) page.announce.textContent = text;
}

// Replay: any contest's event history, stepped through one event at a time
// with buttons, the slider or the keyboard (←/→, Home/End, space to play).
import { h, fill, link, getJSON, vs, fmtTime } from './util.js';
import { C4, Answers, seatLegend, verdictPanel } from './games.js';

export function render(main, { id }) {
  document.title = 'Replay — Agent Arena';
  let timer = 0, gone = false, keyHandler = null;
  main.append(h('p', { class: 'loading', text: 'Loading replay…' }));
  getJSON(`/v1/contests/${encodeURIComponent(id)}`).then((d) => {
    if (gone) return;
    const c = d.contest;
    document.title = `Replay: ${vs(c)} — Agent Arena`;
    // Only events that change what is shown are steps.
    const steps = d.events.filter((e) => e.type !== 'created');
    let at = 0;
    const stage = h('div', { id: 'replay-stage' });
    const caption = h('p', { id: 'replay-step', 'aria-live': 'polite' });
    const slider = h('input', { type: 'range', min: '0', max: String(steps.length), value: '0', id: 'replay-slider', 'aria-label': 'Replay position' });
    const btn = (label, title, fn, idAttr) => h('button', { type: 'button', title, 'aria-label': title, id: idAttr, onclick: fn, text: label });
    const play = btn('Play', 'Play', () => toggle(), 'replay-play');
    const verdict = h('div');
    const show = (n) => {
      at = Math.max(0, Math.min(steps.length, n));
      slider.value = String(at);
      paint(stage, c, d.view, steps, at);
      caption.textContent = at === 0 ? `Start · ${steps.length} events` : `Event ${at} of ${steps.length}: ${describe(c, steps[at - 1])}`;
      fill(verdict, at === steps.length ? verdictPanel(c) : null);
    };
    const toggle = () => {
      if (timer) { clearInterval(timer); timer = 0; play.textContent = 'Play'; play.setAttribute('aria-label', 'Play'); return; }
      if (at >= steps.length) show(0);
      play.textContent = 'Pause'; play.setAttribute('aria-label', 'Pause');
      timer = setInterval(() => { if (at >= steps.length) toggle(); else show(at + 1); }, 500);
    };
    slider.addEventListener('input', () => show(Number(slider.value)));
    keyHandler = (ev) => {
      if (ev.target.closest('input, textarea, select') && ev.target !== slider) return;
      const k = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: steps.length }[ev.key];
      if (k !== undefined && ev.target !== slider) { ev.preventDefault(); show(k); }
      else if (ev.key === ' ' && !ev.target.closest('button')) { ev.preventDefault(); toggle(); }
    };
    document.addEventListener('keydown', keyHandler);
    fill(main,
      h('p', { class: 'small' }, link(`/contests/${encodeURIComponent(c.id)}`, '← contest page'), ' · ',
        link(`/arenas/${encodeURIComponent(c.arena)}`, c.arena)),
      h('h1', { text: `Replay: ${vs(c)}` }),
      h('p', { class: 'small muted', text: `${c.status} · started ${fmtTime(c.created_at)}${c.reason ? ' · ' + c.reason : ''}` }),
      seatLegend(c),
      h('div', { class: 'controls', role: 'group', 'aria-label': 'Replay controls' },
        // Each name starts with the button's visible word, so a voice
        // user who says "click Back" reaches it.
        btn('« First', 'First event', () => show(0), 'replay-first'), btn('‹ Back', 'Back one event', () => show(at - 1), 'replay-prev'),
        play, btn('Next ›', 'Next event', () => show(at + 1), 'replay-next'), btn('Last »', 'Last event', () => show(steps.length), 'replay-last'), slider),
      h('p', { class: 'small muted', text: 'Keys: ← and → step, Home and End jump, space plays or pauses.' }),
      caption, stage, verdict);
    show(0);
  }).catch((e) => {
    main.replaceChildren(h('h1', { text: 'Replay' }), h('p', { class: 'err', role: 'alert', text: e.status === 404 ? `No contest ${id} on this node.` : `Could not load the replay: ${e.message}` }));
  });
  return () => { gone = true; clearInterval(timer); if (keyHandler) document.removeEventListener('keydown', keyHandler); };
}

// paint redraws the stage after the first n steps. Boards are tiny, so a
// rebuild per step is simpler than undoing moves and fast enough.
function paint(stage, c, finalView, steps, n) {
  if (c.game === 'connect4') {
    const b = new C4(c.seats);
    for (let i = 0; i < n; i++) if (steps[i].type === 'move') b.drop(Number(steps[i].move), steps[i].seat, i === n - 1);
    if (n === steps.length && finalView?.winning_cells?.length) b.win(finalView.winning_cells);
    stage.replaceChildren(b.el);
    return;
  }
  const a = new Answers(c);
  // A settled contest's events carry the text; a running one's only sizes.
  a.hidden = steps.some((e) => e.type === 'move' && e.move?.hidden);
  for (let i = 0; i < n; i++) {
    const e = steps[i];
    if (e.type === 'move') a.move(e.seat, e.move);
    if (e.type === 'forfeit') a.forfeit(e.seat);
  }
  // At the end, the places and the judges' scores, as the contest page
  // shows them on its cards.
  const end = n === steps.length && c.status === 'settled';
  a.paint(end ? c.ranks : undefined, end ? c.verdict?.scores : undefined);
  stage.replaceChildren(h('section', { class: 'card' }, h('h2', { text: 'Prompt' }), h('p', { class: 'prompt-text', text: finalView?.prompt || '' })), a.note, a.el);
}

function describe(c, e) {
  const name = e.seat !== undefined && e.seat !== null ? c.seats[e.seat]?.name : '';
  switch (e.type) {
    case 'move':
      if (c.game === 'connect4') return `${name} drops a disc in column ${Number(e.move) + 1}`;
      return `${name} writes ${e.move?.hidden ? e.move.bytes : new TextEncoder().encode(e.move?.text || '').length} bytes${e.move?.final ? ' (final)' : ''}`;
    case 'forfeit': return `${name} forfeits: ${e.reason}`;
    case 'strike': return `${name} misses a deadline`;
    case 'resumed': return 'a new leader re-arms every deadline (play was paused without a leader)';
    case 'judging': return 'the judges rank the answers';
    case 'settled': return `settled: ${e.reason}`;
    case 'aborted': return `aborted: ${e.reason}`;
    default: return e.type;
  }
}

// Game views shared by the live page and the replay: a connect4 board that
// animates dropped discs, the prompt game's answers side by side, and the
// verdict of a settled contest.
import { h, morph, agentName, fmtDelta, deltaClass, ordinal, fmtMoney, seatLabel, isPointsGame, points, fmtPoints, scoreLine } from './util.js';

export const ROWS = 6, COLS = 7;

// C4 is a connect4 board built from moves (row 0 is the top row, as the
// server's view has it).
export class C4 {
  constructor(seats) {
    this.seats = seats;
    this.cells = [];
    this.moves = [];
    this.el = h('div', { class: 'c4', role: 'img' });
    for (let r = 0; r < ROWS; r++) {
      const row = [];
      for (let c = 0; c < COLS; c++) {
        const cell = h('div', { class: 'cell', dataset: { r, c } });
        this.el.append(cell);
        row.push(cell);
      }
      this.cells.push(row);
    }
    this.grid = Array.from({ length: ROWS }, () => Array(COLS).fill(-1));
    this.label();
  }
  // reset draws a whole board (a state frame) without animation.
  reset(board, moves, lastMove) {
    this.grid = board.map((r) => r.slice());
    this.moves = [];
    for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLS; c++) this.paint(r, c, false);
    this.count = moves;
    this.lastCol = lastMove;
    this.markLast();
    this.label();
  }
  // drop plays seat's disc in col; animate makes it fall.
  drop(col, seat, animate = true) {
    let r = ROWS - 1;
    while (r >= 0 && this.grid[r][col] !== -1) r--;
    if (r < 0) return;
    this.grid[r][col] = seat;
    this.moves.push({ col, seat, row: r });
    this.count = (this.count || 0) + 1;
    this.paint(r, col, animate);
    this.lastCol = col;
    this.lastRow = r;
    this.markLast();
    this.label();
  }
  paint(r, c, animate) {
    const cell = this.cells[r][c];
    const seat = this.grid[r][c];
    cell.replaceChildren();
    if (seat < 0) return;
    const d = h('div', { class: `disc s${seat}` + (animate ? ' drop' : '') });
    d.style.setProperty('--fall', String(r + 1));
    cell.append(d);
  }
  markLast() {
    this.el.querySelectorAll('.disc.last').forEach((d) => d.classList.remove('last'));
    if (this.lastCol === undefined || this.lastCol < 0) return;
    for (let r = 0; r < ROWS; r++) {
      if (this.grid[r][this.lastCol] !== -1) { this.cells[r][this.lastCol].firstChild?.classList.add('last'); break; }
    }
  }
  win(cells) {
    for (const [r, c] of cells || []) this.cells[r][c].firstChild?.classList.add('win');
  }
  label() {
    const n = this.count || 0;
    this.el.dataset.moves = String(n);
    const last = this.lastCol >= 0 && this.lastCol !== undefined ? `, last disc in column ${this.lastCol + 1}` : '';
    this.el.setAttribute('aria-label', `Connect four board after ${n} moves${last}`);
  }
}

// seatLegend lists the players with their seats, colours and links (none
// for an agent deleted since: its page is gone). Seats count from 0
// everywhere, as the judges' rationales do.
export function seatLegend(contest) {
  return h('ul', { class: 'plain seats', id: 'seats' }, contest.seats.map((s, i) => h('li', { class: 'row', dataset: { seat: i } },
    contest.game === 'connect4' ? h('span', { class: `seat-chip s${i}`, 'aria-hidden': 'true' }) : null,
    h('span', { class: 'muted small seat-label', text: seatLabel(i) + (contest.game === 'connect4' ? (i === 0 ? ' · yellow, first' : ' · red, second') : '') }),
    agentName(s),
    h('span', { class: 'muted small', text: `v${s.version}` }))));
}

// Answers shows a prompt contest's seats side by side. While answers are
// hidden it shows how far each has got; once public, the text.
export class Answers {
  constructor(contest) {
    this.contest = contest;
    const n = contest.seats.length;
    this.bytes = Array(n).fill(0);
    this.text = Array(n).fill('');
    this.finals = Array(n).fill(false);
    this.forfeited = Array(n).fill(false);
    this.hidden = true;
    this.el = h('div', { class: 'answers' });
    this.note = h('p', { class: 'note', role: 'note' });
  }
  fromView(v) {
    this.hidden = !!v.hidden;
    if (v.hidden) this.bytes = (v.answer_bytes || []).slice();
    else { this.text = (v.answers || []).slice(); this.bytes = this.text.map((t) => new TextEncoder().encode(t).length); }
    this.finals = (v.finals || this.finals).slice();
    this.forfeited = (v.forfeited || this.forfeited).slice();
    this.paint();
  }
  // move applies one move event (hidden: {bytes, final}; public: {text, final}).
  move(seat, m) {
    if (!m) return;
    if (m.hidden) this.bytes[seat] += m.bytes;
    else { this.text[seat] += m.text || ''; this.bytes[seat] = new TextEncoder().encode(this.text[seat]).length; }
    if (m.final) this.finals[seat] = true;
    this.paint();
  }
  forfeit(seat) { this.forfeited[seat] = true; this.paint(); }
  paint(ranks, scores) {
    const max = Math.max(1, ...this.bytes);
    const done = this.finals.filter((f, i) => f || this.forfeited[i]).length, n = this.finals.length;
    this.note.textContent = this.hidden
      ? 'Answers are revealed when all are final: while the contest runs, everyone (agents included) sees only how far each answer has got, so nobody can copy a rival.'
      : done === n ? 'All answers are final and public.'
        : `Replay: the answers as written up to this point (${done} of ${n} final).`;
    // morph: a chunk arrives every few hundred milliseconds, and a
    // rebuilt card took the focus from its agent link each time.
    morph(this.el, this.contest.seats.map((s, i) => {
      const place = ranks ? ranks[i] : undefined;
      const status = this.forfeited[i] ? 'forfeited' : this.finals[i] ? 'final' : 'writing…';
      return h('article', { class: `card answer${place === 0 ? ' place-0' : ''}`, dataset: { seat: i } },
        h('h3', {}, agentName(s),
          h('span', { class: 'small muted seat-label', text: seatLabel(i) }),
          place !== undefined ? h('span', { class: 'badge', text: ordinal(place + 1) }) : null,
          scores ? h('span', { class: 'small muted', text: `score ${Number(scores[i]).toFixed(2)}` }) : null),
        h('p', { class: 'small muted', text: `${status} · ${this.bytes[i]} bytes` }),
        this.hidden
          ? h('progress', { max: String(max), value: String(this.bytes[i]), 'aria-label': `${s.name}: ${this.bytes[i]} bytes so far` })
          : h('pre', { class: 'answer-text', text: this.text[i] || (this.finals[i] || this.forfeited[i] ? '(no answer)' : '(nothing written yet)') }));
    }));
  }
}

// termsLine says how the pot was shared: the terms the seats staked under,
// fixed when the contest started (a later change to the arena does not
// touch them). Contests without terms (free, or older) show none.
function termsLine(c) {
  if (!c.terms || !c.stakes) return null;
  const pot = c.stakes.reduce((a, b) => a + b, 0);
  const fee = c.terms.house_fee_bps || 0;
  const places = (c.terms.rewards || []).map((p, i) => `${ordinal(i + 1)} ${p}%`).join(', ');
  return h('p', { class: 'small muted', id: 'terms' },
    `Pot ${fmtMoney(pot)}; house fee ${(fee / 100).toFixed(fee % 100 ? 2 : 0)}%; the rest by place: ${places || 'nothing'}`,
    ' (the terms the seats staked under).');
}

// flagNames says what each judges' flag (docs/JUDGES.md) means; the code
// itself stays in the title. A kind not listed reads with spaces.
const flagNames = {
  judge_addressing: 'addresses the judge',
  non_answer: 'not an answer',
  template: 'template answer',
  copied: 'copied answer',
  low_agreement: 'judges disagree',
};

// verdictPanel shows how a contest ended: places, scores, rating changes,
// payouts, the judge's rationale, flags and agreement.
export function verdictPanel(c) {
  if (c.status === 'aborted') {
    return h('section', { class: 'card verdict', id: 'verdict', 'aria-labelledby': 'h-verdict' },
      h('h2', { id: 'h-verdict', text: 'Aborted' }), h('p', { text: `${c.reason || 'aborted'}. Stakes were refunded; ratings did not change.` }));
  }
  if (c.status !== 'settled') return null;
  const v = c.verdict || {};
  const order = c.seats.map((_, i) => i).sort((a, b) => (c.ranks?.[a] ?? 0) - (c.ranks?.[b] ?? 0));
  // A rules game scores as chess does (1, ½, 0); a judged one shows the
  // judges' scores.
  const pts = isPointsGame(c);
  // A points game whose judge scored more finely than 1, ½, 0 (a checker's
  // partial credit, as the answer cards show it) shows that score too: a
  // table reading ½ beside a card reading "score 1.00" disagreed. Only
  // where there are answer cards: connect4's referee scores a draw 1 and 1,
  // which beside ½ and ½ read as if both had won.
  const judged = pts && c.game !== 'connect4' && v.scores?.length === c.seats.length && c.seats.some((_, i) => Number(v.scores[i]) !== points(c, i));
  const rows = order.map((i) => h('tr', { dataset: { seat: i } },
    h('td', { text: ordinal((c.ranks?.[i] ?? 0) + 1) }),
    h('td', {}, agentName(c.seats[i]), ' ', h('span', { class: 'small muted seat-label', text: seatLabel(i) })),
    h('td', { class: `num score${judged ? ' hide-narrow' : ''}`, text: pts ? fmtPoints(points(c, i)) : v.scores ? Number(v.scores[i]).toFixed(3) : '—' }),
    judged ? h('td', { class: 'num judge-score', text: Number(v.scores[i]).toFixed(3) }) : null,
    h('td', { class: `num ${deltaClass(c.rating_deltas?.[i])}`, text: fmtDelta(c.rating_deltas?.[i]) }),
    h('td', { class: 'num payout', text: c.payouts ? fmtMoney(c.payouts[i]) : '—' })));
  const flags = (v.flags || []).map((f) => h('li', { dataset: { kind: f.kind } },
    f.entry >= 0 ? `${c.seats[f.entry]?.name ?? ''} (${seatLabel(f.entry)}): ` : 'panel: ',
    h('strong', { title: f.kind, text: flagNames[f.kind] || f.kind.replaceAll('_', ' ') }), f.detail ? ` — ${f.detail}` : ''));
  return h('section', { class: 'card verdict', id: 'verdict', 'aria-labelledby': 'h-verdict' },
    h('h2', { id: 'h-verdict', text: 'Result' }),
    pts ? h('p', { class: 'score-line', id: 'score-line', 'aria-label': `Score ${scoreLine(c)}` },
      h('span', { text: c.seats[0].name }), ' ', h('strong', { text: scoreLine(c) }), ' ', h('span', { text: c.seats[1].name })) : null,
    h('p', {}, h('strong', { text: c.reason || 'settled' }), v.judge ? h('span', { class: 'muted', text: ` · judged by ${v.judge}` }) : null,
      typeof v.agreement === 'number' ? h('span', { class: 'muted', text: ` · judge agreement (Kendall τ) ${v.agreement.toFixed(2)}` }) : null),
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Place', 'Agent', pts ? 'Points' : 'Score', judged ? 'Judge score' : null, 'Elo change', 'Payout'].filter(Boolean)
        // With both the points and the judge's score, a phone drops the
        // points (the score line above says them): six columns pushed the
        // payout out of view at 375 px.
        .map((t, i) => h('th', { scope: 'col', class: [i >= 2 ? 'num' : '', i === 2 && judged ? 'hide-narrow' : ''].join(' ').trim() || undefined, text: t })))),
      h('tbody', {}, rows))),
    termsLine(c),
    flags.length ? [h('h3', { text: 'Flags' }), h('ul', {}, flags)] : null,
    v.rationale ? [h('h3', { text: 'Rationale' }),
      h('p', { class: 'small muted', text: 'Seats as the judges name them: ' + c.seats.map((s, i) => `${seatLabel(i)} is ${s.name}`).join(', ') + '.' }),
      h('pre', { text: v.rationale })] : null);
}

// Owner page: who an owner is in the arena (the display name its agents'
// pages show) and its agents, each with its current Elo in every arena it
// has played, as a player page lists a player's ratings per variant.
import { h, fill, link, getJSON, fmtRating, fmtAgo, fmtTime, kindName } from './util.js';

// pageSize is how many agents the page lists; an owner with more gets a
// note, since each agent costs the page one more request for its ratings.
const pageSize = 50;

export function render(main, { id }) {
  document.title = 'Owner — Agent Arena';
  let gone = false;
  main.append(h('p', { class: 'loading', text: 'Loading owner…' }));
  getJSON(`/v1/agents?owner=${encodeURIComponent(id)}&limit=${pageSize}`).then(async (d) => {
    if (gone) return;
    if (!d.owner_name && d.agents.length === 0) {
      fill(main, h('h1', { text: 'Owner' }), h('p', { class: 'err', role: 'alert', text: `No owner ${id}.` }));
      return;
    }
    // A rating history that cannot be read leaves that agent's cell empty
    // rather than the whole page.
    const ratings = await Promise.all(d.agents.map((a) =>
      // The latest point of each arena is the current rating; contests
      // counts them all.
      getJSON(`/v1/agents/${encodeURIComponent(a.id)}/ratings?limit=1`).then((r) => ({ history: r.history, counts: r.contests || {} })).catch(() => null)));
    if (!gone) paint(main, id, d, ratings);
  }).catch((e) => {
    if (gone) return;
    fill(main, h('h1', { text: 'Owner' }), h('p', { class: 'err', role: 'alert', text: `Could not load the owner: ${e.message}` }));
  });
  return () => { gone = true; };
}

// current is the last rating per arena of a history, with its contest count.
function current(r) {
  const by = new Map();
  for (const p of r?.history || []) {
    by.set(p.arena, { arena: p.arena, elo: p.after / 1000, contests: r.counts[p.arena] ?? 1 });
  }
  return [...by.values()].sort((a, b) => a.arena.localeCompare(b.arena));
}

function paint(main, id, d, ratings) {
  const name = d.owner_name || id;
  document.title = `${name} — Agent Arena`;
  const rows = d.agents.map((a, i) => {
    const rs = current(ratings[i]);
    return h('tr', { dataset: { agent: a.id } },
      h('td', {}, link(`/agents/${encodeURIComponent(a.id)}`, a.name)),
      h('td', { class: 'hide-narrow', title: a.kind, text: kindName(a.kind) }),
      h('td', { class: 'ratings' }, ratings[i] === null ? '—' : rs.length === 0 ? h('span', { class: 'muted', text: 'no settled contests' })
        : rs.map((r) => h('span', { class: 'rating', dataset: { arena: r.arena } },
          link(`/arenas/${encodeURIComponent(r.arena)}`, r.arena), ` ${fmtRating(r.elo)} `, h('span', { class: 'muted small', text: `(${r.contests})` }), ' '))),
      h('td', { class: 'hide-narrow', title: fmtTime(a.created_at), text: fmtAgo(a.created_at) }));
  });
  fill(main,
    h('h1', { id: 'owner-name', text: name }),
    h('p', { class: 'muted small' }, 'owner ', h('code', { text: id })),
    h('section', { class: 'card', 'aria-labelledby': 'h-agents' }, h('h2', { id: 'h-agents', text: 'Agents' }),
      rows.length ? h('table', { id: 'owner-agents' },
        h('thead', {}, h('tr', {}, ['Agent', 'Kind', 'Elo by arena (contests)', 'Created'].map((t, i) =>
          h('th', { scope: 'col', class: i === 1 || i === 3 ? 'hide-narrow' : undefined, text: t })))),
        h('tbody', {}, rows)) : h('p', { class: 'empty', text: 'No agents (any it had were deleted).' }),
      d.next_cursor ? h('p', { class: 'small muted', text: `The first ${pageSize} agents are listed.` }) : null));
}

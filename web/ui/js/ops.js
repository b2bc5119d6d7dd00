// Operator page: every member's own view (role, term, indexes, state hash)
// and the recent leader changes. The operator token is typed in here and
// kept in this tab's sessionStorage only; it is sent as a Bearer header to
// this node, which asks the other members on the operator's behalf.
import { h, morph, getJSON, poll, fmtTime } from './util.js';

const KEY = 'arena.operatorToken';

export function render(main) {
  document.title = 'Operator — Agent Arena';
  let stop = null;
  const out = h('div', { id: 'ops-out' });
  const input = h('input', { type: 'password', id: 'ops-token', name: 'token', autocomplete: 'off', required: true, 'aria-describedby': 'ops-token-help' });
  const form = h('form', { class: 'inline', id: 'ops-form' },
    h('label', { for: 'ops-token', text: 'Operator token' }), input,
    h('button', { type: 'submit', class: 'primary', text: 'Show cluster' }),
    h('button', { type: 'button', id: 'ops-forget', text: 'Forget token', onclick: () => { sessionStorage.removeItem(KEY); input.value = ''; start(); } }));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); sessionStorage.setItem(KEY, input.value.trim()); input.value = ''; start(); });
  main.append(h('h1', { text: 'Cluster operations' }), form,
    h('p', { class: 'small muted', id: 'ops-token-help', text: 'The token stays in this browser tab (sessionStorage) and is sent only to this node.' }), out);

  function start() {
    stop?.(); stop = null;
    const token = sessionStorage.getItem(KEY);
    if (!token) { out.replaceChildren(h('p', { class: 'empty', text: 'Enter the operator token to see the cluster.' })); return; }
    stop = poll('ops', 3000, async () => {
      try {
        paint(out, await getJSON('/v1/ui/cluster', { token }));
      } catch (e) {
        if (e.status === 401 || e.status === 403) {
          stop?.(); stop = null;
          out.replaceChildren(h('p', { class: 'err', role: 'alert', text: `The node refused the token (${e.message}).` }));
          return;
        }
        throw e;
      }
    });
  }
  start();
  return () => stop?.();
}

function paint(out, d) {
  const self = d.self;
  // Hashes only compare between nodes at the same applied index.
  const byIndex = new Map();
  for (const n of d.nodes) if (n.ok) {
    const k = n.status.applied_index;
    if (!byIndex.has(k)) byIndex.set(k, new Set());
    byIndex.get(k).add(n.status.state_hash);
  }
  const rows = d.nodes.map((n) => {
    const s = n.status;
    if (!n.ok) {
      return h('tr', { dataset: { node: n.id } }, h('th', { scope: 'row', text: n.id }),
        h('td', { colspan: '7', class: 'err', text: `unreachable: ${n.error}` }), h('td', { class: 'small mono hide-narrow', text: n.http_addr }));
    }
    const agree = byIndex.get(s.applied_index).size === 1;
    return h('tr', { dataset: { node: n.id } },
      h('th', { scope: 'row' }, n.id, n.id === d.node_id ? h('div', { class: 'small muted', text: 'this node' }) : null),
      h('td', { text: s.state }), h('td', { class: 'hide-narrow', text: n.suffrage }),
      h('td', { class: 'num', text: String(s.term) }), h('td', { class: 'num hide-narrow', text: String(s.commit_index) }),
      h('td', { class: 'num', text: String(s.applied_index) }), h('td', { class: 'num hide-narrow', text: String(s.last_log_index) }),
      h('td', { class: 'mono small' }, h('span', { title: s.state_hash, text: s.state_hash.slice(0, 12) }), ' ',
        h('span', { class: agree ? 'hash-ok' : 'hash-bad', text: agree ? '✓' : '✗ differs' })),
      h('td', { class: 'small mono hide-narrow', text: n.http_addr }));
  });
  const changes = (self.leader_changes || []).slice().reverse();
  // morph: an operator copying a state hash keeps the selection across
  // the three-second repaints.
  morph(out,
    h('p', {}, 'Leader: ', h('strong', { id: 'ops-leader', text: self.leader ? self.leader.id : 'none (election in progress?)' }),
      ` · term ${self.term} · ${d.nodes.length} ${d.nodes.length === 1 ? 'member' : 'members'} · as seen by `, h('code', { text: d.node_id })),
    h('div', { class: 'table-wrap' }, h('table', { id: 'ops-nodes' },
      h('caption', { class: 'visually-hidden', text: 'Cluster members, each as it reports itself' }),
      h('thead', {}, h('tr', {}, ['Node', 'Role', 'Suffrage', 'Term', 'Commit', 'Applied', 'Last log', 'State hash', 'HTTP'].map((t, i) =>
        h('th', { scope: 'col', class: [i >= 3 && i <= 6 ? 'num' : '', [2, 4, 6, 8].includes(i) ? 'hide-narrow' : ''].join(' ').trim() || undefined, text: t })))),
      h('tbody', {}, rows))),
    h('p', { class: 'small muted', text: 'Nodes at the same applied index must have the same state hash; ✗ marks a divergence.' }),
    h('h2', { text: 'Recent leader changes' }),
    changes.length ? h('ol', { reversed: true, id: 'ops-changes' }, changes.map((c) => h('li', {}, h('code', { text: c.node_id }), ` became leader in term ${c.term} · ${fmtTime(c.at)}`)))
      : h('p', { class: 'empty', text: 'No leader changes recorded.' }));
}

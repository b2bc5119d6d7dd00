// Tiny SVG charts: no chart library, nothing fetched from elsewhere.
import { s } from './util.js';

// sparkline draws a rating trend; the last point is marked.
export function sparkline(points, label) {
  const w = 100, ht = 28, pad = 3;
  const svg = s('svg', { class: 'spark', viewBox: `0 0 ${w} ${ht}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' });
  if (!points || points.length < 2) return svg;
  const lo = Math.min(...points), hi = Math.max(...points), span = hi - lo || 1;
  const x = (i) => pad + (i * (w - 2 * pad)) / (points.length - 1);
  const y = (v) => ht - pad - ((v - lo) * (ht - 2 * pad)) / span;
  const d = points.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
  const up = points[points.length - 1] >= points[0];
  svg.append(s('path', { d, fill: 'none', stroke: up ? 'var(--ok)' : 'var(--bad)', 'stroke-width': 1.6, 'vector-effect': 'non-scaling-stroke' }),
    s('circle', { cx: x(points.length - 1), cy: y(points[points.length - 1]), r: 2.2, fill: 'currentColor' }));
  return svg;
}

// intervalBar draws a Bradley–Terry rating with its 95% interval on a
// scale shared by the whole table [lo, hi].
export function intervalBar(bt, lo, hi, label) {
  const w = 120, ht = 16;
  const svg = s('svg', { class: 'bt-bar', viewBox: `0 0 ${w} ${ht}`, role: 'img', 'aria-label': label, preserveAspectRatio: 'none' });
  if (!bt) return svg;
  const span = hi - lo || 1;
  const x = (v) => 4 + ((v - lo) * (w - 8)) / span;
  svg.append(
    s('line', { x1: 0, x2: w, y1: ht / 2, y2: ht / 2, stroke: 'var(--line)', 'stroke-width': 1, 'vector-effect': 'non-scaling-stroke' }),
    s('rect', { x: x(bt.lower), y: 4, width: Math.max(1, x(bt.upper) - x(bt.lower)), height: ht - 8, rx: 2, fill: 'var(--bar)', stroke: 'var(--accent)', 'vector-effect': 'non-scaling-stroke' }),
    s('rect', { x: x(bt.rating) - 1, y: 2, width: 2.5, height: ht - 4, fill: 'var(--accent)' }));
  return svg;
}

const palette = ['var(--seatc-0)', 'var(--seatc-1)', 'var(--seatc-2)', 'var(--seatc-3)'];

// lineChart draws one or more series of {x, y} points with axes; fmtX
// labels the two ends of the x axis. w is the width it is drawn for, in
// CSS pixels (see fitChart), so its text is drawn at the size CSS gives it.
export function lineChart(series, label, fmtX = (x) => new Date(x).toLocaleTimeString(), w = 640) {
  const ht = 220, l = 44, r = 10, t = 10, b = 24;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${w} ${ht}`, role: 'img', 'aria-label': label });
  const all = series.flatMap((x) => x.points);
  if (all.length === 0) return svg;
  let lo = Math.min(...all.map((p) => p.y)), hi = Math.max(...all.map((p) => p.y));
  if (hi - lo < 20) { lo -= 10; hi += 10; }
  const x0 = Math.min(...all.map((p) => p.x)), x1 = Math.max(...all.map((p) => p.x));
  const X = (v) => l + ((v - x0) * (w - l - r)) / (x1 - x0 || 1);
  const Y = (v) => ht - b - ((v - lo) * (ht - t - b)) / (hi - lo);
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    svg.append(s('line', { class: 'axis', x1: l, x2: w - r, y1: Y(v), y2: Y(v) }),
      s('text', { x: l - 6, y: Y(v) + 4, 'text-anchor': 'end', text: Math.round(v) }));
  }
  svg.append(s('text', { x: l, y: ht - 6, text: fmtX(x0) }),
    s('text', { x: w - r, y: ht - 6, 'text-anchor': 'end', text: fmtX(x1) }));
  series.forEach((ser, i) => {
    const d = ser.points.map((p, j) => `${j ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join('');
    svg.append(s('path', { d, fill: 'none', stroke: palette[i % palette.length], 'stroke-width': 2 }));
  });
  return svg;
}
// fitChart redraws a chart whenever its box changes width, at that width:
// a chart drawn for 640 px and scaled down to a phone shrank its 11 px axis
// labels to 6.
export function fitChart(draw) {
  const box = document.createElement('div');
  box.className = 'chart-fit';
  let drawn = 0;
  const paint = () => {
    const w = Math.round(box.clientWidth);
    if (w <= 0 || w === drawn) return;
    drawn = w;
    box.replaceChildren(draw(Math.max(240, w)));
  };
  new ResizeObserver(paint).observe(box);
  box.append(draw(640)); // until it is laid out
  return box;
}
export function seriesColor(i) { return palette[i % palette.length]; }

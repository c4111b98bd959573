// Small accessible SVG charts for the console (violations over time, budget bars): each chart has a
// text alternative, and the numbers are also in a table next to it.
import { html } from './html.js';

/** Stacked bars of BLOCK / PAUSE / THROTTLE / other per minute. */
export function ViolationsChart({ buckets }) {
  const width = 600;
  const height = 120;
  const max = Math.max(1, ...buckets.map((b) => b.block + b.pause + b.throttle + b.other));
  const bw = width / Math.max(1, buckets.length);
  const total = buckets.reduce((n, b) => n + b.block + b.pause + b.throttle + b.other, 0);
  const label = `Refused or paused requests per minute over the last ${buckets.length} minutes: ${total} in total, at most ${max === 1 && total === 0 ? 0 : max} in one minute.`;
  const bars = [];
  buckets.forEach((b, i) => {
    let y = height;
    for (const [kind, n] of [
      ['block', b.block],
      ['pause', b.pause],
      ['throttle', b.throttle],
      ['other', b.other],
    ]) {
      if (n === 0) continue;
      const h = (n / max) * (height - 4);
      y -= h;
      bars.push(
        html`<rect class=${`bar ${kind}`} x=${i * bw + 1} y=${y} width=${Math.max(1, bw - 2)} height=${h}><title>${`${b.minute.slice(11, 16)} ${kind}: ${n}`}</title></rect>`,
      );
    }
  });
  return html`<svg class="chart" viewBox=${`0 0 ${width} ${height}`} role="img" aria-label=${label}>
    <line class="axis" x1="0" y1=${height - 0.5} x2=${width} y2=${height - 0.5} />
    ${bars}
  </svg>`;
}

/** A budget bar: role=meter semantics through <meter>, with the figures in words. */
export function BudgetBar({ used, limit, unit }) {
  if (!limit) return html`<span>${format(used, unit)} (no limit)</span>`;
  const ratio = used / limit;
  const level = ratio >= 1 ? 'over' : ratio >= 0.8 ? 'high' : 'ok';
  return html`<span class=${`budget ${level}`}>
    <meter min="0" max=${limit} low=${limit * 0.8} high=${limit * 0.95} optimum="0" value=${Math.min(used, limit)}
      aria-label=${`${format(used, unit)} of ${format(limit, unit)}`}></meter>
    <span>${format(used, unit)} / ${format(limit, unit)} (${Math.round(ratio * 100)}%)</span>
  </span>`;
}

export function format(n, unit) {
  if (unit === 'usd') {
    if (n === 0) return '$0';
    // Single requests cost fractions of a cent: keep two significant digits instead of showing $0.0000.
    return `$${n < 0.01 ? n.toPrecision(2) : n.toFixed(2)}`;
  }
  return Math.round(n).toLocaleString('en-US');
}

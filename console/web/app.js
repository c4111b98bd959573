// The SemaMesh console page: paused agents with approve/terminate, recent decisions, agents, spend
// against budgets, violations over time and policies, kept live by the server's event stream.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, adoptTokenFromUrl, clearToken, follow, getToken, request, setToken } from './api.js';
import { BudgetBar, format, ViolationsChart } from './charts.js';
import { html } from './html.js';

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString('en-GB', { hour12: false }) : '');
const OPEN = new Set(['Pending', 'Paused']);

function Login({ error, onToken }) {
  const input = useRef(null);
  useEffect(() => input.current?.focus(), []);
  const submit = (e) => {
    e.preventDefault();
    const t = input.current.value.trim();
    if (t) onToken(t);
  };
  return html`<main id="main" class="login">
    <h1>SemaMesh console</h1>
    <form onSubmit=${submit}>
      <label for="token">Kubernetes bearer token</label>
      <p id="token-help" class="help">
        In a cluster: <code>kubectl create token &lt;service-account&gt;</code> or your own credentials' token;
        RBAC decides what you may see and do. Locally: the token <code>semamesh up</code> printed.
      </p>
      <input id="token" ref=${input} type="password" autocomplete="off" aria-describedby="token-help" required />
      <button type="submit">Sign in</button>
      ${error && html`<p role="alert" class="error">${error}</p>`}
    </form>
  </main>`;
}

function Section({ id, title, count, children }) {
  return html`<section aria-labelledby=${id}>
    <h2 id=${id}>${title}${count !== undefined ? html` <span class="count">(${count})</span>` : ''}</h2>
    ${children}
  </section>`;
}

function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

function Incidents({ items, onDecide, busy }) {
  if (items.length === 0) return html`<${Empty}>No paused agents.<//>`;
  return html`<table>
    <caption class="sr-only">Paused agents and past incidents</caption>
    <thead><tr><th scope="col">Agent</th><th scope="col">Rule</th><th scope="col">Reason</th><th scope="col">Detected</th><th scope="col">State</th><th scope="col">Decision</th></tr></thead>
    <tbody>
      ${items.map(
        (i) => html`<tr key=${`${i.namespace}/${i.name}`} data-incident=${i.name}>
          <th scope="row">${i.agent}</th>
          <td>${i.policy}/${i.rule}</td>
          <td>${i.reason}</td>
          <td><time datetime=${i.detectedAt}>${time(i.detectedAt)}</time></td>
          <td><span class=${`phase ${i.phase.toLowerCase()}`}>${i.phase}</span></td>
          <td>
            ${
              OPEN.has(i.phase)
                ? html`<button type="button" disabled=${busy} aria-label=${`Approve ${i.agent}`} onClick=${() => onDecide(i, 'approve')}>Approve</button>
                  <button type="button" class="danger" disabled=${busy} aria-label=${`Terminate ${i.agent}`} onClick=${() => onDecide(i, 'terminate')}>Terminate</button>`
                : html`<span>${i.decidedBy ? `by ${i.decidedBy}` : ''}</span>`
            }
          </td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Decisions({ items }) {
  if (items.length === 0) return html`<${Empty}>No decisions yet: point an agent at the waypoint.<//>`;
  return html`<table>
    <caption class="sr-only">Most recent decisions, newest first</caption>
    <thead><tr><th scope="col">Time</th><th scope="col">Agent</th><th scope="col">Model</th><th scope="col">Action</th><th scope="col">Why</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead>
    <tbody>
      ${items.map(
        (d) => html`<tr key=${d.id} data-action=${d.action}>
          <td><time datetime=${d.time}>${time(d.time)}</time></td>
          <td>${d.agent.id}</td>
          <td>${d.model}</td>
          <td><span class=${`action ${d.action.toLowerCase()}`}>${d.action}</span></td>
          <td>${d.reasons.join('; ') || d.intents.join(', ')}</td>
          <td class="num">${format(d.tokens.prompt + d.tokens.completion)}</td>
          <td class="num">${format(d.costUSD, 'usd')}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Agents({ items }) {
  if (items.length === 0) return html`<${Empty}>No agents seen yet.<//>`;
  return html`<table>
    <caption class="sr-only">Agents seen by the waypoints</caption>
    <thead><tr><th scope="col">Agent</th><th scope="col">Namespace</th><th scope="col">Requests</th><th scope="col">Last action</th><th scope="col">Last seen</th></tr></thead>
    <tbody>
      ${items.map(
        (a) => html`<tr key=${a.id}>
          <th scope="row">${a.name}</th><td>${a.namespace || '—'}</td><td class="num">${a.requests}</td>
          <td><span class=${`action ${a.lastAction.toLowerCase()}`}>${a.lastAction}</span></td>
          <td><time datetime=${a.lastSeen}>${time(a.lastSeen)}</time></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Spend({ rows, budgets }) {
  const byNamespace = new Map();
  for (const r of rows)
    byNamespace.set(
      r.namespace || '(no namespace)',
      (byNamespace.get(r.namespace || '(no namespace)') ?? 0) + r.costUSD,
    );
  return html`
    <h3>Budgets</h3>
    ${
      budgets.length === 0
        ? html`<${Empty}>No SemaQuota applies.<//>`
        : html`<table>
          <caption class="sr-only">Usage against each quota's limits</caption>
          <thead><tr><th scope="col">Quota</th><th scope="col">Window</th><th scope="col">Cost</th><th scope="col">Tokens</th><th scope="col">Requests</th></tr></thead>
          <tbody>${budgets.map(
            (b) => html`<tr key=${`${b.quota}/${b.window}`} data-quota=${b.quota}>
              <th scope="row">${b.quota}</th><td>${b.window}</td>
              <td><${BudgetBar} used=${b.used.costUSD} limit=${b.limit.costUSD} unit="usd" /></td>
              <td><${BudgetBar} used=${b.used.tokens} limit=${b.limit.tokens} /></td>
              <td><${BudgetBar} used=${b.used.requests} limit=${b.limit.requests} /></td>
            </tr>`,
          )}</tbody>
        </table>`
    }
    <h3>Spend by namespace, agent and model</h3>
    ${
      rows.length === 0
        ? html`<${Empty}>Nothing spent yet.<//>`
        : html`<ul class="totals">${[...byNamespace].map(([ns, usd]) => html`<li key=${ns}><strong>${ns}</strong> ${format(usd, 'usd')}</li>`)}</ul>
          <table>
            <caption class="sr-only">Spend since the console started</caption>
            <thead><tr><th scope="col">Namespace</th><th scope="col">Agent</th><th scope="col">Model</th><th scope="col">Requests</th><th scope="col">Tokens</th><th scope="col">Cost</th></tr></thead>
            <tbody>${rows.map(
              (r) => html`<tr key=${`${r.agent}/${r.model}`}>
                <td>${r.namespace || '—'}</td><td>${r.agent}</td><td>${r.model || '—'}</td>
                <td class="num">${r.requests}</td><td class="num">${format(r.tokens)}</td><td class="num">${format(r.costUSD, 'usd')}</td>
              </tr>`,
            )}</tbody>
          </table>`
    }`;
}

function Policies({ items }) {
  if (items.length === 0) return html`<${Empty}>No policies loaded.<//>`;
  return html`<table>
    <caption class="sr-only">Policies with their status and source</caption>
    <thead><tr><th scope="col">Policy</th><th scope="col">Rules</th><th scope="col">Enforcement</th><th scope="col">Ready</th><th scope="col">Source commit</th></tr></thead>
    <tbody>${items.map(
      (p) => html`<tr key=${`${p.kind}/${p.namespace}/${p.name}`}>
        <th scope="row">${p.namespace ? `${p.namespace}/` : ''}${p.name}</th>
        <td class="num">${p.rules}</td><td>${p.enforcement}</td>
        <td><span class=${`ready ${p.ready.toLowerCase()}`} title=${p.message}>${p.ready}</span>${p.ready !== 'True' && p.message ? html` <small>${p.message}</small>` : ''}</td>
        <td>${p.sourceCommit ? html`<code title=${p.source ?? ''}>${p.sourceCommit.slice(0, 12)}</code>` : '—'}</td>
      </tr>`,
    )}</tbody>
  </table>`;
}

function Console({ onSignOut }) {
  const [snap, setSnap] = useState(null);
  const [live, setLive] = useState('connecting');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const ac = new AbortController();
    let delay = 500;
    void (async () => {
      while (!ac.signal.aborted) {
        try {
          setLive('connecting');
          await follow((s) => {
            delay = 500;
            setLive('live');
            setSnap(s);
          }, ac.signal);
        } catch (err) {
          if (ac.signal.aborted) return;
          if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
            onSignOut(`${err.code}: ${err.message}`);
            return;
          }
        }
        setLive('reconnecting');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 10_000);
      }
    })();
    return () => ac.abort();
  }, []);

  const decide = async (incident, action) => {
    if (
      action === 'terminate' &&
      !confirm(`Terminate ${incident.agent}? Its processes are killed; the evidence is kept.`)
    )
      return;
    setBusy(true);
    try {
      const r = await request(
        'POST',
        `/console/api/incidents/${encodeURIComponent(incident.namespace)}/${encodeURIComponent(incident.name)}/${action}`,
      );
      // The notice comes with the redrawn list, so the page never says "Approved" beside live buttons.
      const next = await request('GET', '/console/api/snapshot');
      setSnap(next);
      setNotice(`${action === 'approve' ? 'Approved' : 'Terminated'} ${incident.agent} as ${r.by}.`);
    } catch (err) {
      setNotice(`Could not ${action} ${incident.agent}: ${err.code ?? ''} ${err.message}`);
    } finally {
      setBusy(false);
    }
  };

  if (!snap) return html`<main id="main"><p role="status">Connecting…</p></main>`;
  const open = snap.incidents.filter((i) => OPEN.has(i.phase));
  return html`<header>
      <h1>SemaMesh console</h1>
      <p class="meta">
        <span class="mode">${snap.mode}</span>
        <span role="status" class=${`live ${live}`}>${live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}</span>
        <span>Signed in as <strong>${snap.user}</strong></span>
        <button type="button" class="link" onClick=${() => onSignOut('')}>Sign out</button>
      </p>
    </header>
    <main id="main">
      <p aria-live="polite" class="notice">${notice}</p>
      ${snap.warnings.map((w) => html`<p class="warning" role="alert">${w}</p>`)}
      <${Section} id="paused" title="Paused agents" count=${open.length}>
        <${Incidents} items=${snap.incidents} onDecide=${decide} busy=${busy} />
      <//>
      <${Section} id="decisions" title="Recent decisions">
        <${Decisions} items=${snap.decisions} />
      <//>
      <${Section} id="violations" title="Violations over time">
        <${ViolationsChart} buckets=${snap.violations} />
      <//>
      <${Section} id="spend" title="Spend and budgets">
        <${Spend} rows=${snap.spend} budgets=${snap.budgets} />
      <//>
      <${Section} id="agents" title="Agents" count=${snap.agents.length}>
        <${Agents} items=${snap.agents} />
      <//>
      <${Section} id="policies" title="Policies" count=${snap.policies.length}>
        <${Policies} items=${snap.policies} />
      <//>
    </main>`;
}

function App() {
  const [token, setTok] = useState(getToken());
  const [error, setError] = useState('');
  if (!token)
    return html`<${Login} error=${error} onToken=${(t) => {
      setToken(t);
      setError('');
      setTok(t);
    }} />`;
  return html`<${Console} onSignOut=${(why) => {
    clearToken();
    setError(why);
    setTok('');
  }} />`;
}

adoptTokenFromUrl();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);

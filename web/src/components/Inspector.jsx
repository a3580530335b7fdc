// The inspector: what the wasm module holds right now, from kl.stats() once a second.
import { useContext, useEffect, useState } from 'react';
import { KubeliveContext } from '../../../js/src/react.js';
import { bytes, number } from '../format.js';
import { Icon, Pill } from './bits.jsx';

const HISTORY = 60;

/** useStats polls kl.stats() every second and derives events/s from messagesIn deltas. */
function useStats() {
  const kl = useContext(KubeliveContext);
  const [state, setState] = useState(() => ({ stats: kl.stats(), rate: 0, history: [], total: null, at: performance.now() }));
  useEffect(() => {
    const t = setInterval(() => {
      setState((prev) => {
        const stats = kl.stats();
        const at = performance.now();
        const total = eventsIn(stats);
        // Sockets that closed take their counts with them: never show a negative rate.
        const rate = prev.total == null ? 0 : Math.max(0, (total - prev.total) / ((at - prev.at) / 1000));
        return { stats, rate, total, at, history: [...prev.history, rate].slice(-HISTORY) };
      });
    }, 1000);
    return () => clearInterval(t);
  }, [kl]);
  return state;
}

const isMuxSocket = (s) => s.key.url.includes('wsMultiplexer');

/** eventsIn counts watch messages: per-URL sockets' messages plus the multiplexer's (not its frames). */
function eventsIn(stats) {
  const direct = stats.sockets.filter((s) => !isMuxSocket(s)).reduce((n, s) => n + s.messagesIn, 0);
  return direct + (stats.multiplexer?.messagesIn ?? 0);
}

function muxMode(m) {
  if (!m || m.mode !== 'mux') return 'per-URL sockets';
  return [`multiplexed`, m.protocol?.includes('msgpack') ? 'msgpack' : m.protocol ? 'JSON' : '', m.state].filter(Boolean).join(' · ');
}

export function Inspector({ onClose }) {
  const { stats, rate, history } = useStats();
  const reconnects = stats.sockets.reduce((n, s) => n + s.reconnects, 0);
  const mux = stats.multiplexer;
  const unlisted = (stats.browserSockets?.live ?? 0) - stats.sockets.length;
  return (
    <aside className="inspector" data-testid="inspector">
      <header className="inspector-head">
        <h2>Inspector</h2>
        <button type="button" className="icon-btn" onClick={onClose} aria-label="Close inspector">
          <Icon name="close" />
        </button>
      </header>
      <div className="inspector-body">
        <div className="metric-hero">
          <div>
            <div className="metric-label">Events per second</div>
            <div className="metric-big" data-testid="events-per-second">
              {rate.toFixed(rate < 10 ? 1 : 0)}
            </div>
          </div>
          <Sparkline values={history} />
        </div>
        <dl className="metrics">
          <Metric label="Mode" value={muxMode(mux)} testid="mux-mode" />
          <Metric label="Browser sockets" value={stats.browserSockets?.live ?? 0} testid="socket-count" />
          <Metric label="Reconnects" value={reconnects} />
          <Metric label="Streams" value={stats.streams ?? 0} />
          <Metric label="Cache entries" value={stats.cache?.entries ?? 0} />
          <Metric label="Watching" value={stats.cache?.watching ?? 0} />
          <Metric label="Views" value={stats.cache?.views ?? 0} />
          <Metric label="Watchers" value={stats.cache?.watchers ?? 0} />
          <Metric label="Resyncs" value={stats.cache?.resyncs ?? 0} />
          <Metric label="Sockets opened" value={stats.browserSockets?.created ?? 0} />
          {mux?.mode === 'mux' && <Metric label="Mux keys" value={mux.keys} />}
          {mux?.mode === 'mux' && <Metric label="Mux frames in" value={number(mux.framesIn)} />}
          <Metric label="JS→Go wakes" value={number(stats.browserSockets?.wakes)} />
          <Metric label="Live js.Funcs" value={stats.funcs ?? 0} />
        </dl>
        <h3 className="inspector-sub">Sockets</h3>
        <ul className="sockets" data-testid="sockets">
          {stats.sockets.map((s, i) => (
            <li key={`${s.key.cluster}|${s.key.url}|${s.key.type}|${i}`} className="socket" data-state={s.state}>
              <div className="socket-top">
                <span className="socket-url mono" title={s.key.url}>
                  {s.key.cluster && <span className="muted">{s.key.cluster}/</span>}
                  {shortURL(s.key.url)}
                </span>
                <Pill value={s.state} toneOf={s.state === 'open' ? 'live' : s.state} />
              </div>
              <div className="socket-meta">
                <span>{s.listeners} listener{s.listeners === 1 ? '' : 's'}</span>
                <span>{number(s.messagesIn)} msgs</span>
                <span>{bytes(s.bytesIn)}</span>
                <span>{s.reconnects} reconnect{s.reconnects === 1 ? '' : 's'}</span>
              </div>
              {s.lastError && <div className="socket-error">{s.lastError}</div>}
            </li>
          ))}
          {unlisted > 0 && (
            <li className="socket socket-note muted">
              {unlisted} more browser socket{unlisted === 1 ? '' : 's'} (list watches) not itemised by stats()
            </li>
          )}
          {!stats.sockets.length && unlisted <= 0 && <li className="muted">No sockets open.</li>}
        </ul>
      </div>
    </aside>
  );
}

function Metric({ label, value, testid }) {
  return (
    <div className="metric">
      <dt>{label}</dt>
      <dd data-testid={testid}>{value}</dd>
    </div>
  );
}

function shortURL(url) {
  const [path, query = ''] = url.split('?');
  const q = new URLSearchParams(query);
  const keep = ['watch', 'fieldSelector', 'labelSelector', 'follow', 'container'].filter((k) => q.has(k)).map((k) => `${k}=${q.get(k)}`);
  return keep.length ? `${path}?${keep.join('&')}` : path;
}

function Sparkline({ values }) {
  const w = 120;
  const h = 36;
  if (values.length < 2) return <svg className="spark" width={w} height={h} />;
  const max = Math.max(1, ...values);
  const step = w / (HISTORY - 1);
  const x0 = w - (values.length - 1) * step;
  const pts = values.map((v, i) => `${(x0 + i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`);
  return (
    <svg className="spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-hidden="true">
      <polyline points={`${x0},${h} ${pts.join(' ')} ${w},${h}`} className="spark-fill" />
      <polyline points={pts.join(' ')} className="spark-line" />
    </svg>
  );
}

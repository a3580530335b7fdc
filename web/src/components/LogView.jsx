// A pod's followed log: bounded, with a container picker (init containers
// too), the previous instance, follow, pause, wrap, download and a filter.
import { memo, useLayoutEffect, useRef, useState } from 'react';
import { useLogs } from '../../../js/src/react.js';
import { localDate } from '../format.js';
import { Icon } from './bits.jsx';
import { ErrorBanner } from './ErrorBanner.jsx';
import { save } from './Yaml.jsx';

const MAX_LINES = 2000;
const ids = new WeakMap();
let nextId = 0;
const idOf = (line) => {
  let id = ids.get(line);
  if (id === undefined) ids.set(line, (id = ++nextId));
  return id;
};

/** The stream's states as a person reads them; an unknown state reads as itself, capitalised. */
const STATUS = { connecting: 'Connecting…', open: 'Streaming', 'waiting-to-retry': 'Reconnecting…', closed: 'Ended', failed: 'Failed' };
export const statusLabel = (s) => STATUS[s] ?? (s ? s.charAt(0).toUpperCase() + s.slice(1).replace(/-/g, ' ') : '');

/** containersOf lists a pod's containers, then its init containers (marked init). */
export function containersOf(spec) {
  return [...(spec?.containers ?? []).map((c) => ({ name: c.name, init: false })), ...(spec?.initContainers ?? []).map((c) => ({ name: c.name, init: true }))];
}

/** localClock is a line's time as local HH:MM:SS.mmm. */
function localClock(ts) {
  const t = Date.parse(ts ?? '');
  if (!Number.isFinite(t)) return '';
  const d = new Date(t);
  return `${d.toLocaleTimeString([], { hourCycle: 'h23' })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function LogView({ cluster, namespace, pod, spec }) {
  const containers = containersOf(spec);
  const [container, setContainer] = useState(containers[0]?.name ?? '');
  const [previous, setPrevious] = useState(false);
  const [wrap, setWrap] = useState(true);
  const { lines, dropped, status, error } = useLogs({ cluster, namespace, pod, container, previous, tailLines: 500, maxLines: MAX_LINES });
  const [frozen, setFrozen] = useState(null);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [stamps, setStamps] = useState(true);
  const box = useRef(null);

  const received = dropped + lines.length;
  const shown = frozen ? frozen.lines : lines;
  const needle = query.trim().toLowerCase();
  const visible = needle ? shown.filter((l) => l.text.toLowerCase().includes(needle)) : shown;

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [visible, follow]);

  const onScroll = () => {
    const b = box.current;
    const atBottom = b.scrollHeight - b.scrollTop - b.clientHeight < 24;
    if (atBottom !== follow) setFollow(atBottom);
  };

  return (
    <div className="logs" data-testid="logs">
      {error && status !== 'open' && <ErrorBanner errors={[error]} bad={status === 'failed'} />}
      <div className="toolbar">
        <select value={container} onChange={(e) => setContainer(e.target.value)} aria-label="Container" data-testid="log-container">
          {containers.map((c) => (
            <option key={c.name} value={c.name}>
              {c.init ? `${c.name} (init)` : c.name}
            </option>
          ))}
        </select>
        <label className="search search-dark">
          <Icon name="search" size={15} />
          <input type="search" placeholder="Filter lines…" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="log-filter" />
        </label>
        <button type="button" className={`btn ${frozen ? 'btn-accent' : ''}`} onClick={() => setFrozen(frozen ? null : { lines, received })} data-testid="log-pause">
          <Icon name={frozen ? 'play' : 'pause'} size={14} />
          {frozen ? `Resume${received > frozen.received ? ` (${received - frozen.received} new)` : ''}` : 'Pause'}
        </button>
        <button type="button" className={`btn ${follow ? 'btn-on' : ''}`} onClick={() => setFollow(!follow)} aria-pressed={follow}>
          <Icon name="down" size={14} />
          Follow
        </button>
        <label className="check">
          <input type="checkbox" checked={stamps} onChange={(e) => setStamps(e.target.checked)} /> Timestamps
        </label>
        <label className="check">
          <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} data-testid="log-wrap" /> Wrap
        </label>
        <label className="check" title="The log of the container's previous instance, the one that crashed or was restarted">
          <input type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} data-testid="log-previous" /> Previous
        </label>
        <button type="button" className="btn" onClick={() => save(`${pod}-${container}${previous ? '-previous' : ''}.log`, visible.map((l) => (l.time ? `${l.time} ${l.text}` : l.text)).join('\n') + '\n', 'text/plain')} data-testid="log-download">
          <Icon name="download" size={14} />
          Download
        </button>
        <span className="spacer" />
        <span className={`log-status log-status-${status}`} data-testid="log-status" data-status={status}>
          {statusLabel(status)}
        </span>
        <span className="muted small">
          {needle ? `${visible.length} of ${shown.length}` : shown.length} lines{dropped > 0 ? ` · ${dropped} older dropped` : ''}
        </span>
      </div>
      <div className={`log-box ${wrap ? 'log-wrap' : 'log-nowrap'}`} ref={box} onScroll={onScroll} data-testid="log-lines">
        {visible.map((l) => (
          <LogLine key={idOf(l)} line={l} needle={needle} stamps={stamps} />
        ))}
        {!visible.length && <div className="log-empty">{needle ? 'No line matches the filter.' : status === 'open' ? 'Waiting for output…' : statusLabel(status)}</div>}
      </div>
    </div>
  );
}

const LogLine = memo(function LogLine({ line, needle, stamps }) {
  return (
    <div className={`log-line ${level(line.text)}`}>
      {stamps && (
        <time className="log-ts" dateTime={line.time} title={localDate(line.time)}>
          {localClock(line.time)}
        </time>
      )}
      <span className="log-text">{needle ? highlight(line.text, needle) : line.text}</span>
    </div>
  );
});

function level(text) {
  if (/\b(ERROR|ERR|FATAL|PANIC)\b|"level":"(error|fatal)"/i.test(text)) return 'lvl-error';
  if (/\bWARN(ING)?\b|"level":"warn/i.test(text)) return 'lvl-warn';
  if (/\bDEBUG\b|"level":"debug"/i.test(text)) return 'lvl-debug';
  return '';
}

function highlight(text, needle) {
  const parts = [];
  const lower = text.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(needle); i !== -1; i = lower.indexOf(needle, at)) {
    parts.push(text.slice(at, i), <mark key={i}>{text.slice(i, i + needle.length)}</mark>);
    at = i + needle.length;
  }
  parts.push(text.slice(at));
  return parts;
}

// A pod's followed log: bounded, with follow, pause and a search filter.
import { memo, useLayoutEffect, useRef, useState } from 'react';
import { useLogs } from '../../../js/src/react.js';
import { Icon } from './bits.jsx';
import { ErrorBanner } from './ErrorBanner.jsx';

const MAX_LINES = 2000;
const ids = new WeakMap();
let nextId = 0;
const idOf = (line) => {
  let id = ids.get(line);
  if (id === undefined) ids.set(line, (id = ++nextId));
  return id;
};

const STATUS = { connecting: 'Connecting…', open: 'Streaming', 'waiting-to-retry': 'Reconnecting…', closed: 'Ended', failed: 'Failed' };

export function LogView({ cluster, namespace, pod, containers }) {
  const [container, setContainer] = useState(containers[0] ?? '');
  const { lines, dropped, status, error } = useLogs({ cluster, namespace, pod, container, tailLines: 500, maxLines: MAX_LINES });
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
        {containers.length > 1 && (
          <select value={container} onChange={(e) => setContainer(e.target.value)} aria-label="Container">
            {containers.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        )}
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
        <span className="spacer" />
        <span className={`log-status log-status-${status}`} data-testid="log-status" data-status={status}>
          {STATUS[status] ?? status}
        </span>
        <span className="muted small">
          {needle ? `${visible.length} of ${shown.length}` : shown.length} lines{dropped > 0 ? ` · ${dropped} older dropped` : ''}
        </span>
      </div>
      <div className="log-box" ref={box} onScroll={onScroll} data-testid="log-lines">
        {visible.map((l) => (
          <LogLine key={idOf(l)} line={l} needle={needle} stamps={stamps} />
        ))}
        {!visible.length && <div className="log-empty">{needle ? 'No line matches the filter.' : status === 'open' ? 'Waiting for output…' : STATUS[status]}</div>}
      </div>
    </div>
  );
}

const LogLine = memo(function LogLine({ line, needle, stamps }) {
  return (
    <div className={`log-line ${level(line.text)}`}>
      {stamps && <span className="log-ts">{line.time ? line.time.slice(11, 23) : ''}</span>}
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

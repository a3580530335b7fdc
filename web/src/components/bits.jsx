// Small presentational pieces shared by every view.
import { useNow } from '../clock.js';
import { age, tone } from '../format.js';

/** Pill shows a status word coloured by its tone. */
export function Pill({ value, toneOf = value, title }) {
  return (
    <span className={`pill pill-${tone(toneOf)}`} title={title}>
      <span className="pill-dot" />
      {value}
    </span>
  );
}

/** Age is a relative time that re-renders itself every second. */
export function Age({ ts }) {
  const now = useNow();
  const iso = typeof ts === 'string' ? ts : ts ? new Date(ts).toISOString() : '';
  return (
    <time className="age" dateTime={iso} title={iso}>
      {age(ts, now)}
    </time>
  );
}

/** Empty is what a table shows when it has nothing (or nothing matching). */
export function Empty({ children }) {
  return <div className="empty">{children}</div>;
}

/** Icon draws one of a few line icons (24x24 viewBox, currentColor). */
export function Icon({ name, size = 16 }) {
  const d = ICONS[name];
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {d.map((p, i) => (
        <path key={i} d={p} />
      ))}
    </svg>
  );
}

const ICONS = {
  pods: ['M12 3l8 4.5v9L12 21l-8-4.5v-9z', 'M12 12l8-4.5', 'M12 12v9', 'M12 12L4 7.5'],
  deployments: ['M4 6h16v4H4z', 'M4 14h16v4H4z', 'M8 8h.01', 'M8 16h.01'],
  configmaps: ['M6 3h9l4 4v14H6z', 'M14 3v5h5', 'M9 13h7', 'M9 17h5'],
  events: ['M13 2L4 14h7l-1 8 9-12h-7z'],
  inspector: ['M3 12h4l3-8 4 16 3-8h4'],
  back: ['M15 18l-6-6 6-6'],
  search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M20 20l-4-4'],
  close: ['M6 6l12 12', 'M18 6L6 18'],
  pause: ['M8 5v14', 'M16 5v14'],
  play: ['M7 4l13 8-13 8z'],
  down: ['M12 4v14', 'M6 12l6 6 6-6'],
  terminal: ['M4 5h16v14H4z', 'M8 10l3 2-3 2', 'M13 15h4'],
  logs: ['M5 6h14', 'M5 10h14', 'M5 14h10', 'M5 18h7'],
  info: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 11v5', 'M12 8h.01'],
};

// Small presentational pieces shared by every view.
import { useNow } from '../clock.js';
import { age, localDate, tone } from '../format.js';

/** Pill shows a status word coloured by its tone. */
export function Pill({ value, toneOf = value, title }) {
  return (
    <span className={`pill pill-${tone(toneOf)}`} title={title ?? value}>
      <span className="pill-dot" />
      <span className="pill-text">{value}</span>
    </span>
  );
}

/** Age is a relative time that re-renders itself every second; its title is the local date and time. */
export function Age({ ts }) {
  const now = useNow();
  const iso = typeof ts === 'string' ? ts : ts ? new Date(ts).toISOString() : '';
  return (
    <time className="age" dateTime={iso} title={localDate(ts)}>
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
  menu: ['M4 6h16', 'M4 12h16', 'M4 18h16'],
  sun: ['M12 17a5 5 0 1 0 0-10 5 5 0 0 0 0 10z', 'M12 1v2', 'M12 21v2', 'M4.2 4.2l1.4 1.4', 'M18.4 18.4l1.4 1.4', 'M1 12h2', 'M21 12h2', 'M4.2 19.8l1.4-1.4', 'M18.4 5.6l1.4-1.4'],
  moon: ['M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z'],
  scale: ['M4 12h16', 'M8 8l-4 4 4 4', 'M16 8l4 4-4 4'],
  restart: ['M3 12a9 9 0 1 0 3-6.7', 'M3 4v5h5'],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
  download: ['M12 4v11', 'M7 10l5 5 5-5', 'M5 20h14'],
  yaml: ['M8 6l-5 6 5 6', 'M16 6l5 6-5 6'],
  secrets: ['M6 11h12v10H6z', 'M8 11V7a4 4 0 0 1 8 0v4'],
  services: ['M12 5a2 2 0 1 0 0-.01', 'M5 19a2 2 0 1 0 0-.01', 'M19 19a2 2 0 1 0 0-.01', 'M12 7v5', 'M12 12l-6 5', 'M12 12l6 5'],
  nodes: ['M3 5h18v6H3z', 'M3 13h18v6H3z', 'M7 8h.01', 'M7 16h.01'],
  namespaces: ['M3 7l9-4 9 4-9 4z', 'M3 12l9 4 9-4', 'M3 17l9 4 9-4'],
  jobs: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 7v5l3 3'],
  crds: ['M5 4h14v16H5z', 'M9 8h6', 'M9 12h6', 'M9 16h3'],
  info: ['M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z', 'M12 11v5', 'M12 8h.01'],
};

// One object of any kind: a live header with its actions, then tabs. Pods
// have logs, a terminal and details; Secrets their keys; every object its
// YAML and its events.
import { useState } from 'react';
import { useKubeList, useKubeObject } from '../../../js/src/react.js';
import { nodeStatus, podStatus } from '../format.js';
import { ALL, href } from '../route.js';
import { BUILTIN_BY_ID } from '../resources.jsx';
import { viewRows } from '../view.js';
import { Actions } from './Actions.jsx';
import { Icon, Pill } from './bits.jsx';
import { ConnectionBadge } from './ConnectionBadge.jsx';
import { ErrorBanner } from './ErrorBanner.jsx';
import { useSort } from './ListPage.jsx';
import { LogView } from './LogView.jsx';
import { PodDetails, PodSummary } from './Pod.jsx';
import { ResourceTable } from './ResourceTable.jsx';
import { TerminalTab } from './Terminal.jsx';
import { YamlView } from './Yaml.jsx';

const TAB = {
  logs: { title: 'Logs', icon: 'logs' },
  terminal: { title: 'Terminal', icon: 'terminal' },
  details: { title: 'Details', icon: 'info' },
  data: { title: 'Data', icon: 'secrets' },
  yaml: { title: 'YAML', icon: 'yaml' },
  events: { title: 'Events', icon: 'events' },
};

function tabsOf(resource) {
  if (resource.id === 'pods') return ['logs', 'terminal', 'details', 'yaml', 'events'];
  return resource.tabs ?? ['yaml', 'events'];
}

function statusOf(resource, o) {
  if (resource.id === 'pods') return podStatus(o);
  if (resource.id === 'nodes') return nodeStatus(o);
  return o.status?.phase ?? '';
}

export function ObjectPage({ resource, route }) {
  const { cluster, name } = route;
  const namespace = resource.namespaced && route.namespace !== ALL ? route.namespace : '';
  const tabs = tabsOf(resource);
  const tab = tabs.includes(route.tab) ? route.tab : tabs[0];
  const snap = useKubeObject({ cluster, namespace, name, endpoint: resource.endpoint });
  const o = snap?.object;
  const status = o ? statusOf(resource, o) : '';
  const what = resource.kind.toLowerCase();
  const isPod = resource.id === 'pods';
  return (
    <section className={`page object-page ${isPod ? 'pod-page' : ''}`} data-testid={isPod ? 'pod-page' : 'object-page'}>
      <a className="back" href={href({ resource: resource.id, name: '', tab: '' }, route)}>
        <Icon name="back" size={14} /> {resource.title}
      </a>
      <header className="page-head">
        <div className="page-title">
          <h1 className="object-name" title={name}>
            {name}
          </h1>
          {status && <Pill value={status} />}
          <ConnectionBadge snapshot={snap} />
        </div>
        {o && <Actions resource={resource} object={o} route={route} />}
      </header>
      {snap?.deleted ? (
        <div className="banner banner-warn" data-testid="gone">
          This {what} no longer exists.{isPod ? ' Its logs and terminal are closed.' : ''}
        </div>
      ) : snap?.errors?.some((e) => e.code === 404) ? (
        <div className="banner banner-bad" role="alert" data-testid="not-found">
          {resource.kind} {namespace ? `${namespace}/` : ''}
          {name} not found.
        </div>
      ) : (
        <>
          <ErrorBanner errors={snap?.errors} bad={snap?.status === 'error'} />
          {o && isPod && <PodSummary pod={o} />}
        </>
      )}
      {o && (
        <>
          <nav className="tabs" role="tablist">
            {tabs.map((t) => (
              <a key={t} role="tab" aria-selected={tab === t} className={`tab ${tab === t ? 'active' : ''}`} href={href({ tab: t }, route)} data-testid={`tab-${t}`}>
                <Icon name={TAB[t].icon} size={15} />
                {TAB[t].title}
              </a>
            ))}
          </nav>
          <div className="tab-panel">
            {tab === 'logs' && <LogView key={`${namespace}/${name}`} cluster={cluster} namespace={namespace} pod={name} spec={o.spec} />}
            {tab === 'terminal' && <TerminalTab key={`${namespace}/${name}`} cluster={cluster} namespace={namespace} pod={name} containers={(o.spec?.containers ?? []).map((c) => c.name)} />}
            {tab === 'details' && <PodDetails pod={o} />}
            {tab === 'data' && <SecretData secret={o} />}
            {tab === 'yaml' && <YamlView object={withKind(o, resource)} />}
            {tab === 'events' && <ObjectEvents cluster={cluster} object={o} kind={resource.kind} />}
          </div>
        </>
      )}
    </section>
  );
}

/** withKind fills apiVersion and kind, which list items may lack. */
function withKind(o, resource) {
  const { group, version } = resource.endpoint;
  return { apiVersion: o.apiVersion ?? (group ? `${group}/${version}` : version), kind: o.kind ?? resource.kind, ...o };
}

/** ObjectEvents is the live events whose involved object is this one, last seen first. */
function ObjectEvents({ cluster, object, kind }) {
  const events = BUILTIN_BY_ID.events;
  const snap = useKubeList({ lists: [object.metadata.namespace ? { cluster, namespace: object.metadata.namespace } : { cluster }], endpoint: events.endpoint });
  const [sort, onSort] = useSort(events);
  const mine = (snap?.items ?? []).filter((e) => {
    const io = e.involvedObject ?? e.regarding ?? {};
    return io.uid ? io.uid === object.metadata.uid : io.kind === kind && io.name === object.metadata.name;
  });
  const rows = viewRows(mine, { column: events.columns.find((c) => c.id === sort.id), dir: sort.dir });
  return (
    <div className="card" data-testid="object-events">
      {!snap || snap.status === 'loading' ? (
        <div className="empty">Loading events…</div>
      ) : (
        <ResourceTable resource={{ ...events, columns: events.columns.filter((c) => c.id !== 'object') }} items={rows} showNamespace={false} sort={sort} onSort={onSort} emptyText={`No events for this ${kind.toLowerCase()}.`} />
      )}
    </div>
  );
}

/** SecretData lists a Secret's keys; each value stays hidden until its Show is clicked. */
function SecretData({ secret }) {
  const [shown, setShown] = useState({});
  const keys = Object.keys(secret.data ?? {});
  if (!keys.length) return <div className="card empty">This secret holds no data.</div>;
  return (
    <div className="card" data-testid="secret-data">
      <table className="table">
        <thead>
          <tr>
            <th>Key</th>
            <th>Value</th>
            <th className="col-num" />
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k} data-key={k}>
              <td className="mono nowrap">{k}</td>
              <td className="mono secret-value" data-testid="secret-value">
                {shown[k] ? decode(secret.data[k]) : <span className="muted">•••••••• ({decodedLength(secret.data[k])} bytes)</span>}
              </td>
              <td className="col-num">
                <button type="button" className="btn" onClick={() => setShown({ ...shown, [k]: !shown[k] })} data-testid="secret-toggle">
                  {shown[k] ? 'Hide' : 'Show'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function decode(b64) {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    return `(not base64: ${b64.length} characters)`;
  }
}

const decodedLength = (b64) => Math.floor(((b64 ?? '').replace(/=+$/, '').length * 3) / 4);

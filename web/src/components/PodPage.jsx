// One pod: a live header, then its logs, a terminal, or its details.
import { useKubeObject } from '../../../js/src/react.js';
import { href } from '../route.js';
import { RESOURCE_BY_ID } from '../resources.jsx';
import { podStatus, readyCount, restarts } from '../format.js';
import { Age, Icon, Pill } from './bits.jsx';
import { ConnectionBadge } from './ConnectionBadge.jsx';
import { ErrorBanner } from './ErrorBanner.jsx';
import { LogView } from './LogView.jsx';
import { TerminalTab } from './Terminal.jsx';

const TABS = [
  { id: 'logs', title: 'Logs', icon: 'logs' },
  { id: 'terminal', title: 'Terminal', icon: 'terminal' },
  { id: 'details', title: 'Details', icon: 'info' },
];

export function PodPage({ route }) {
  const { cluster, namespace, name } = route;
  const tab = TABS.some((t) => t.id === route.tab) ? route.tab : 'logs';
  const snap = useKubeObject({ cluster, namespace, name, endpoint: RESOURCE_BY_ID.pods.endpoint });
  const pod = snap?.object;
  const containers = (pod?.spec?.containers ?? []).map((c) => c.name);
  const props = { cluster, namespace, pod: name, containers };
  return (
    <section className="page pod-page" data-testid="pod-page">
      <a className="back" href={href({ resource: 'pods', name: '' }, route)}>
        <Icon name="back" size={14} /> Pods
      </a>
      <header className="page-head">
        <div className="page-title">
          <h1 className="pod-name">{name}</h1>
          {pod && <Pill value={podStatus(pod)} />}
          <ConnectionBadge snapshot={snap} />
        </div>
      </header>
      {snap?.deleted ? (
        <div className="banner banner-warn">This pod no longer exists. Its logs and terminal are closed.</div>
      ) : snap?.errors?.some((e) => e.code === 404) ? (
        <div className="banner banner-bad" role="alert" data-testid="not-found">
          Pod {namespace}/{name} not found.
        </div>
      ) : (
        <>
          <ErrorBanner errors={snap?.errors} bad={snap?.status === 'error'} />
          {pod && <Summary pod={pod} />}
        </>
      )}
      {pod && (
        <>
          <nav className="tabs" role="tablist">
            {TABS.map((t) => (
              <a key={t.id} role="tab" aria-selected={tab === t.id} className={`tab ${tab === t.id ? 'active' : ''}`} href={href({ tab: t.id }, route)} data-testid={`tab-${t.id}`}>
                <Icon name={t.icon} size={15} />
                {t.title}
              </a>
            ))}
          </nav>
          <div className="tab-panel">
            {tab === 'logs' && <LogView key={`${namespace}/${name}`} {...props} />}
            {tab === 'terminal' && <TerminalTab key={`${namespace}/${name}`} {...props} />}
            {tab === 'details' && <Details pod={pod} />}
          </div>
        </>
      )}
    </section>
  );
}

function Summary({ pod }) {
  const { ready, total } = readyCount(pod);
  const fields = [
    ['Namespace', pod.metadata.namespace],
    ['Node', pod.spec?.nodeName ?? '—'],
    ['Pod IP', pod.status?.podIP ?? '—'],
    ['Ready', `${ready}/${total}`],
    ['Restarts', restarts(pod)],
    ['QoS', pod.status?.qosClass ?? '—'],
    ['Age', <Age key="age" ts={pod.metadata.creationTimestamp} />],
  ];
  return (
    <dl className="summary card">
      {fields.map(([k, v]) => (
        <div key={k} className="summary-item">
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Details({ pod }) {
  const labels = Object.entries(pod.metadata.labels ?? {});
  return (
    <div className="details">
      <section className="card detail-card">
        <h3>Containers</h3>
        <table className="table compact">
          <thead>
            <tr>
              <th>Name</th>
              <th>Image</th>
              <th>State</th>
              <th className="col-num">Restarts</th>
            </tr>
          </thead>
          <tbody>
            {(pod.spec?.containers ?? []).map((c) => {
              const st = (pod.status?.containerStatuses ?? []).find((s) => s.name === c.name);
              const state = st ? Object.keys(st.state ?? {})[0] ?? 'unknown' : 'unknown';
              return (
                <tr key={c.name}>
                  <td className="obj-name">{c.name}</td>
                  <td className="mono muted">{c.image}</td>
                  <td>
                    <Pill value={state} toneOf={state === 'running' ? 'Running' : state === 'waiting' ? 'Pending' : 'Terminated'} />
                  </td>
                  <td className="col-num">{st?.restartCount ?? 0}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
      <section className="card detail-card">
        <h3>Conditions</h3>
        <div className="chips">
          {(pod.status?.conditions ?? []).map((c) => (
            <Pill key={c.type} value={c.type} toneOf={c.status} title={c.message || c.reason || c.status} />
          ))}
        </div>
        <h3>Labels</h3>
        <div className="chips">
          {labels.length ? labels.map(([k, v]) => <span className="chip mono" key={k}>{`${k}=${v}`}</span>) : <span className="muted">none</span>}
        </div>
      </section>
    </div>
  );
}

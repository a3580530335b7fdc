// A pod's summary strip and its details tab (containers, conditions, labels).
import { readyCount, restarts } from '../format.js';
import { Age, Pill } from './bits.jsx';

export function PodSummary({ pod }) {
  const { ready, total } = readyCount(pod);
  const fields = [
    ['Namespace', pod.metadata.namespace],
    ['Node', pod.spec?.nodeName ?? '—'],
    ['Pod IP', <span key="ip" className="mono nowrap">{pod.status?.podIP ?? '—'}</span>],
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

export function PodDetails({ pod }) {
  const labels = Object.entries(pod.metadata.labels ?? {});
  return (
    <div className="details">
      <section className="card detail-card">
        <h3>Containers</h3>
        <div className="table-wrap">
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
              {[...(pod.spec?.initContainers ?? []).map((c) => ({ ...c, init: true })), ...(pod.spec?.containers ?? [])].map((c) => {
                const st = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === c.name);
                const state = st ? Object.keys(st.state ?? {})[0] ?? 'unknown' : 'unknown';
                return (
                  <tr key={c.name}>
                    <td className="obj-name">
                      {c.name}
                      {c.init && <span className="muted small"> (init)</span>}
                    </td>
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
        </div>
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

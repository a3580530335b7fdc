// The resource kinds the dashboard shows: where they live and how their rows read.
import { Age, Pill } from './components/bits.jsx';
import { podStatus, readyCount, restarts } from './format.js';

export const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };

const name = { id: 'name', title: 'Name', className: 'col-name', cell: (o) => <span className="obj-name" title={o.metadata.name}>{o.metadata.name}</span> };
const namespace = { id: 'namespace', title: 'Namespace', className: 'col-ns', allNamespacesOnly: true, cell: (o) => <span className="muted">{o.metadata.namespace}</span> };
const created = { id: 'age', title: 'Age', className: 'col-age', cell: (o) => <Age ts={o.metadata.creationTimestamp} /> };

function Ready({ ready, total }) {
  const cls = total > 0 && ready === total ? 'ratio ratio-ok' : ready === 0 && total > 0 ? 'ratio ratio-bad' : 'ratio ratio-warn';
  return (
    <span className={cls}>
      {ready}/{total}
    </span>
  );
}

export const RESOURCES = [
  {
    id: 'pods',
    title: 'Pods',
    icon: 'pods',
    endpoint: { group: '', version: 'v1', resource: 'pods' },
    linkToDetail: true,
    columns: [
      name,
      namespace,
      { id: 'ready', title: 'Ready', className: 'col-num', cell: (o) => <Ready {...readyCount(o)} /> },
      { id: 'status', title: 'Status', className: 'col-status', cell: (o) => <Pill value={podStatus(o)} /> },
      { id: 'restarts', title: 'Restarts', className: 'col-num', cell: (o) => <span className={restarts(o) ? 'restarts-hot' : 'muted'}>{restarts(o)}</span> },
      created,
      { id: 'node', title: 'Node', className: 'col-node', cell: (o) => <span className="muted">{o.spec?.nodeName ?? '—'}</span> },
    ],
  },
  {
    id: 'deployments',
    title: 'Deployments',
    icon: 'deployments',
    endpoint: { group: 'apps', version: 'v1', resource: 'deployments' },
    columns: [
      name,
      namespace,
      { id: 'ready', title: 'Ready', className: 'col-num', cell: (o) => <Ready ready={o.status?.readyReplicas ?? 0} total={o.spec?.replicas ?? 0} /> },
      { id: 'uptodate', title: 'Up-to-date', className: 'col-num', cell: (o) => o.status?.updatedReplicas ?? 0 },
      { id: 'available', title: 'Available', className: 'col-num', cell: (o) => o.status?.availableReplicas ?? 0 },
      { id: 'images', title: 'Images', className: 'col-wide', cell: (o) => <span className="mono muted">{(o.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(', ')}</span> },
      created,
    ],
  },
  {
    id: 'configmaps',
    title: 'Config Maps',
    icon: 'configmaps',
    endpoint: { group: '', version: 'v1', resource: 'configmaps' },
    columns: [
      name,
      namespace,
      { id: 'count', title: 'Data', className: 'col-num', cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length },
      { id: 'keys', title: 'Keys', className: 'col-wide', cell: (o) => <Keys keys={[...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {})]} /> },
      created,
    ],
  },
  {
    id: 'events',
    title: 'Events',
    icon: 'events',
    endpoint: { group: '', version: 'v1', resource: 'events' },
    columns: [
      { id: 'type', title: 'Type', className: 'col-status', cell: (o) => <Pill value={o.type ?? 'Normal'} /> },
      { id: 'reason', title: 'Reason', className: 'col-reason', cell: (o) => <strong className="reason">{o.reason}</strong> },
      { id: 'object', title: 'Object', className: 'col-object', cell: (o) => <span className="mono">{`${(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`}</span> },
      namespace,
      { id: 'message', title: 'Message', className: 'col-message', cell: (o) => <span className="message">{o.message}</span> },
      { id: 'count', title: 'Count', className: 'col-num', cell: (o) => o.count ?? 1 },
      { id: 'age', title: 'Last seen', className: 'col-age', cell: (o) => <Age ts={o.lastTimestamp || o.eventTime || o.metadata.creationTimestamp} /> },
    ],
  },
];

export const RESOURCE_BY_ID = Object.fromEntries(RESOURCES.map((r) => [r.id, r]));

function Keys({ keys }) {
  if (!keys.length) return <span className="muted">—</span>;
  const shown = keys.slice(0, 4);
  return (
    <span className="chips">
      {shown.map((k) => (
        <span className="chip" key={k}>
          {k}
        </span>
      ))}
      {keys.length > shown.length && <span className="muted">+{keys.length - shown.length}</span>}
    </span>
  );
}

/** listQuery is the cache query of one resource in one cluster and namespace ('' = all). */
export function listQuery(resource, cluster, namespace) {
  return cluster ? { lists: [{ cluster, namespace }], endpoint: resource.endpoint } : null;
}

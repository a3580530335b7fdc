// The resource kinds the dashboard knows by heart (their columns read like
// kubectl get), and the generic kind made for anything else a cluster's
// discovery lists, custom resources with their CRD's printer columns.
import { Age, Pill } from './components/bits.jsx';
import { nodeStatus, podStatus, readyCount, restarts, time } from './format.js';
import { viewPath } from './view.js';

export const NAMESPACES = { group: '', version: 'v1', resource: 'namespaces' };
export const CRDS = { group: 'apiextensions.k8s.io', version: 'v1', resource: 'customresourcedefinitions' };

const text = (v) => v ?? '';
const name = { id: 'name', title: 'Name', className: 'col-name', sort: (o) => o.metadata.name, cell: (o) => <span className="obj-name" title={o.metadata.name}>{o.metadata.name}</span> };
const namespace = { id: 'namespace', title: 'Namespace', className: 'col-ns', priority: 3, allNamespacesOnly: true, sort: (o) => o.metadata.namespace, cell: (o) => <span className="muted">{o.metadata.namespace}</span> };
const created = { id: 'age', title: 'Age', className: 'col-age', desc: true, sort: (o) => time(o.metadata.creationTimestamp), cell: (o) => <Age ts={o.metadata.creationTimestamp} /> };
const num = (id, title, get, priority) => ({ id, title, className: 'col-num', priority, sort: get, cell: (o) => get(o) ?? 0 });
const mono = (id, title, get, priority) => ({ id, title, className: 'col-mono', priority, sort: get, cell: (o) => <span className="mono muted nowrap">{get(o) || '—'}</span> });

// The same columns for a kind shown as a live view (resource.view): each
// reads its value from the view's row, the column of that name computed in Go.
const vName = { ...name, view: { by: 'name', cell: (r) => <span className="obj-name" title={r.name}>{r.name}</span> } };
const vNamespace = { ...namespace, view: { by: 'namespace', cell: (r) => <span className="muted">{r.namespace}</span> } };
const vCreated = { ...created, view: { by: 'age', cell: (r) => <Age ts={r.age} /> } };
const vNum = (id, title, get, priority) => ({ ...num(id, title, get, priority), view: { by: id, cell: (r) => r[id] ?? 0 } });
const vMono = (id, title, get, priority) => ({ ...mono(id, title, get, priority), view: { by: id, cell: (r) => <span className="mono muted nowrap">{r[id] || '—'}</span> } });
const vText = (id, title, get, priority, className = 'col-ns') => ({ id, title, className, priority, sort: get, cell: (o) => text(get(o)), view: { by: id, cell: (r) => text(r[id]) } });

function Ready({ ready, total }) {
  const cls = total > 0 && ready === total ? 'ratio ratio-ok' : ready === 0 && total > 0 ? 'ratio ratio-bad' : 'ratio ratio-warn';
  return (
    <span className={cls}>
      {ready}/{total}
    </span>
  );
}
const ready = (get, priority) => ({ id: 'ready', title: 'Ready', className: 'col-num', priority, sort: (o) => get(o).ready, cell: (o) => <Ready {...get(o)} /> });
/** vReady reads ready and total from the view's columns of those names. */
const vReady = (get, priority, total = 'total') => ({ ...ready(get, priority), view: { by: 'ready', cell: (r) => <Ready ready={r.ready ?? 0} total={r[total] ?? 0} /> } });

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
const dataKeys = (o) => [...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {})];
/** rowKeys reads the keys of data and binaryData from a view's row (columns keys, binkeys). */
const rowKeys = (r) => [...(r.keys ? r.keys.split(',') : []), ...(r.binkeys ? r.binkeys.split(',') : [])];
// A ConfigMap's or Secret's keys as columns (the values never leave Go).
const KEY_COLUMNS = { count: 'data.keys()|count', bincount: 'binaryData.keys()|count', keys: 'data.keys()|join', binkeys: 'binaryData.keys()|join' };
const vDataCount = { ...num('count', 'Data', (o) => dataKeys(o).length), view: { by: 'count', cell: (r) => (r.count ?? 0) + (r.bincount ?? 0) } };
/** wide is a column that takes the room left, shown above 1000 px. */
const wide = (id, title, sort, cell) => ({ id, title, className: 'col-wide', priority: 3, sort, cell });
const vKeys = {
  ...wide('keys', 'Keys', (o) => dataKeys(o).join(','), (o) => <Keys keys={dataKeys(o)} />),
  view: { by: 'keys', cell: (r) => <Keys keys={rowKeys(r)} /> },
};
const imageList = (o) => (o.spec?.template?.spec?.containers ?? []).map((c) => c.image);
// One image a line, whole or ellipsised (the full list on hover), never broken inside.
const images_ = wide(
  'images',
  'Images',
  (o) => imageList(o).join(','),
  (o) => (
    <span className="images mono muted" title={imageList(o).join('\n')}>
      {imageList(o).map((img, i) => (
        <span key={i}>{img}</span>
      ))}
    </span>
  ),
);
const podsReady = (o) => ({ ready: o.status?.readyReplicas ?? 0, total: o.spec?.replicas ?? 0 });
const vImages = {
  ...images_,
  view: {
    by: 'images',
    cell: (r) => {
      const list = r.images ? r.images.split(',') : [];
      return (
        <span className="images mono muted" title={list.join('\n')}>
          {list.map((img, i) => (
            <span key={i}>{img}</span>
          ))}
        </span>
      );
    },
  },
};
const IMAGES = 'spec.template.spec.containers[*].image|join';
const AGE = 'metadata.creationTimestamp';

export const eventTime = (o) => o.lastTimestamp || o.eventTime || o.series?.lastObservedTime || o.metadata.creationTimestamp;

const core = (resource) => ({ group: '', version: 'v1', resource });
const apps = (resource) => ({ group: 'apps', version: 'v1', resource });

/** The built-in kinds, in sidebar order; section groups them. */
export const BUILTINS = [
  {
    id: 'pods',
    title: 'Pods',
    kind: 'Pod',
    section: 'Workloads',
    icon: 'pods',
    endpoint: core('pods'),
    namespaced: true,
    columns: [
      vName,
      vNamespace,
      vReady(readyCount, 2, 'containers'),
      {
        id: 'status',
        title: 'Status',
        className: 'col-status',
        sort: podStatus,
        cell: (o) => <Pill value={podStatus(o)} />,
        view: { by: 'status', cell: (r) => <Pill value={r.deleting ? 'Terminating' : (r.status ?? 'Unknown')} /> },
      },
      {
        id: 'restarts',
        title: 'Restarts',
        className: 'col-num',
        priority: 2,
        sort: restarts,
        cell: (o) => <span className={restarts(o) ? 'restarts-hot' : 'muted'}>{restarts(o)}</span>,
        view: { by: 'restarts', cell: (r) => <span className={r.restarts ? 'restarts-hot' : 'muted'}>{r.restarts}</span> },
      },
      vCreated,
      vMono('ip', 'IP', (o) => o.status?.podIP, 3),
      {
        id: 'node',
        title: 'Node',
        className: 'col-node',
        priority: 4,
        sort: (o) => o.spec?.nodeName,
        cell: (o) => <span className="muted">{o.spec?.nodeName ?? '—'}</span>,
        view: { by: 'node', cell: (r) => <span className="muted">{r.node ?? '—'}</span> },
      },
    ],
    // The table is a live view computed in Go (filter, sort, window and
    // these columns, read from each pod's JSON there): only the rows in
    // sight cross to the page, so it scrolls 100,000 pods.
    view: {
      columns: {
        ready: 'status.containerStatuses[*].ready|count',
        containers: 'spec.containers[*]|count',
        status: 'status.containerStatuses[*].state.waiting.reason|first ?? status.reason ?? status.phase',
        deleting: 'metadata.deletionTimestamp',
        restarts: 'status.containerStatuses[*].restartCount|sum',
        age: AGE,
        ip: 'status.podIP',
        node: 'spec.nodeName',
      },
      countBy: 'status.phase',
    },
  },
  {
    id: 'deployments',
    title: 'Deployments',
    kind: 'Deployment',
    section: 'Workloads',
    icon: 'deployments',
    endpoint: apps('deployments'),
    namespaced: true,
    columns: [vName, vNamespace, vReady(podsReady), vNum('uptodate', 'Up-to-date', (o) => o.status?.updatedReplicas, 2), vNum('available', 'Available', (o) => o.status?.availableReplicas, 2), vImages, vCreated],
    view: {
      columns: { ready: 'status.readyReplicas', total: 'spec.replicas', uptodate: 'status.updatedReplicas', available: 'status.availableReplicas', images: IMAGES, age: AGE },
    },
  },
  {
    id: 'replicasets',
    title: 'Replica Sets',
    kind: 'ReplicaSet',
    section: 'Workloads',
    icon: 'deployments',
    endpoint: apps('replicasets'),
    namespaced: true,
    columns: [vName, vNamespace, vNum('desired', 'Desired', (o) => o.spec?.replicas, 2), vNum('current', 'Current', (o) => o.status?.replicas, 2), vReady(podsReady), vCreated],
    view: {
      columns: { desired: 'spec.replicas', current: 'status.replicas', ready: 'status.readyReplicas', total: 'spec.replicas', age: AGE },
    },
  },
  {
    id: 'statefulsets',
    title: 'Stateful Sets',
    kind: 'StatefulSet',
    section: 'Workloads',
    icon: 'deployments',
    endpoint: apps('statefulsets'),
    namespaced: true,
    columns: [vName, vNamespace, vReady(podsReady), vImages, vCreated],
    view: { columns: { ready: 'status.readyReplicas', total: 'spec.replicas', images: IMAGES, age: AGE } },
  },
  {
    id: 'daemonsets',
    title: 'Daemon Sets',
    kind: 'DaemonSet',
    section: 'Workloads',
    icon: 'deployments',
    endpoint: apps('daemonsets'),
    namespaced: true,
    columns: [
      vName,
      vNamespace,
      vNum('desired', 'Desired', (o) => o.status?.desiredNumberScheduled, 2),
      vNum('current', 'Current', (o) => o.status?.currentNumberScheduled, 3),
      vReady((o) => ({ ready: o.status?.numberReady ?? 0, total: o.status?.desiredNumberScheduled ?? 0 }), undefined, 'desired'),
      vNum('available', 'Available', (o) => o.status?.numberAvailable, 3),
      vCreated,
    ],
    view: {
      columns: {
        desired: 'status.desiredNumberScheduled',
        current: 'status.currentNumberScheduled',
        ready: 'status.numberReady',
        available: 'status.numberAvailable',
        age: AGE,
      },
    },
  },
  {
    id: 'jobs',
    title: 'Jobs',
    kind: 'Job',
    section: 'Workloads',
    icon: 'jobs',
    endpoint: { group: 'batch', version: 'v1', resource: 'jobs' },
    namespaced: true,
    columns: [
      vName,
      vNamespace,
      vReady((o) => ({ ready: o.status?.succeeded ?? 0, total: o.spec?.completions ?? 1 }), 2),
      { id: 'status', title: 'Status', className: 'col-status', sort: jobStatus, cell: (o) => <Pill value={jobStatus(o)} />, view: { by: 'status', cell: (r) => <Pill value={r.status} /> } },
      vCreated,
    ],
    // jobStatus in Go: a Complete or Failed condition that is True, else Running while pods are active.
    view: {
      columns: {
        ready: 'status.succeeded ?? 0',
        total: 'spec.completions ?? 1',
        status:
          'each(status.conditions[type=Complete,status=True], "Completed")|first ?? each(status.conditions[type=Failed,status=True], "Failed")|first ?? each(status[active], "Running")|first ?? "Pending"',
        age: AGE,
      },
      countBy: 'status',
    },
  },
  {
    id: 'services',
    title: 'Services',
    kind: 'Service',
    section: 'Network',
    icon: 'services',
    endpoint: core('services'),
    namespaced: true,
    columns: [
      vName,
      vNamespace,
      vText('type', 'Type', (o) => o.spec?.type, 2, 'col-status'),
      vMono('clusterip', 'Cluster IP', (o) => o.spec?.clusterIP, 2),
      vMono('ports', 'Ports', (o) => (o.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(', '), 3),
      vCreated,
    ],
    view: {
      columns: {
        type: 'spec.type',
        clusterip: 'spec.clusterIP',
        // port[:nodePort]/protocol per port, as kubectl prints them.
        ports: String.raw`each(spec.ports[*], "{port}:{nodePort}/{protocol ?? \"TCP\"}" ?? "{port}/{protocol ?? \"TCP\"}")|join(", ")`,
        age: AGE,
      },
    },
  },
  {
    id: 'configmaps',
    title: 'Config Maps',
    kind: 'ConfigMap',
    section: 'Config',
    icon: 'configmaps',
    endpoint: core('configmaps'),
    namespaced: true,
    columns: [vName, vNamespace, vDataCount, vKeys, vCreated],
    view: { columns: { ...KEY_COLUMNS, age: AGE } },
  },
  {
    id: 'secrets',
    title: 'Secrets',
    kind: 'Secret',
    section: 'Config',
    icon: 'secrets',
    endpoint: core('secrets'),
    namespaced: true,
    tabs: ['data', 'yaml', 'events'],
    columns: [
      vName,
      vNamespace,
      {
        id: 'type',
        title: 'Type',
        className: 'col-type',
        priority: 3,
        sort: (o) => o.type,
        cell: (o) => <span className="mono muted nowrap">{o.type}</span>,
        view: { by: 'type', cell: (r) => <span className="mono muted nowrap">{r.type}</span> },
      },
      vDataCount,
      vKeys,
      vCreated,
    ],
    view: { columns: { type: 'type', ...KEY_COLUMNS, age: AGE } },
  },
  {
    id: 'nodes',
    title: 'Nodes',
    kind: 'Node',
    section: 'Cluster',
    icon: 'nodes',
    endpoint: core('nodes'),
    namespaced: false,
    columns: [
      vName,
      {
        id: 'status',
        title: 'Status',
        className: 'col-status',
        sort: nodeStatus,
        cell: (o) => <Pill value={nodeStatus(o)} />,
        view: { by: 'status', cell: (r) => <Pill value={r.unschedulable ? `${r.status},SchedulingDisabled` : r.status} /> },
      },
      {
        id: 'roles',
        title: 'Roles',
        className: 'col-ns',
        priority: 2,
        sort: roles,
        cell: (o) => <span className="muted">{roles(o)}</span>,
        view: { by: 'roles', cell: (r) => <span className="muted">{r.roles || '<none>'}</span> },
      },
      vMono('version', 'Version', (o) => o.status?.nodeInfo?.kubeletVersion, 3),
      vCreated,
    ],
    // nodeStatus and roles in Go: the Ready condition, and the node-role.kubernetes.io/ label keys.
    view: {
      columns: {
        status: 'each(status.conditions[type=Ready,status=True], "Ready")|first ?? each(status.conditions[type=Ready,status=False], "NotReady")|first ?? "Unknown"',
        unschedulable: 'spec.unschedulable',
        roles: 'metadata.labels.keys("node-role.kubernetes.io/")|join(", ")',
        version: 'status.nodeInfo.kubeletVersion',
        age: AGE,
      },
      countBy: 'status',
    },
  },
  {
    id: 'namespaces',
    title: 'Namespaces',
    kind: 'Namespace',
    section: 'Cluster',
    icon: 'namespaces',
    endpoint: NAMESPACES,
    namespaced: false,
    columns: [
      vName,
      {
        id: 'status',
        title: 'Status',
        className: 'col-status',
        sort: (o) => o.status?.phase,
        cell: (o) => <Pill value={o.status?.phase ?? 'Unknown'} />,
        view: { by: 'status', cell: (r) => <Pill value={r.status ?? 'Unknown'} /> },
      },
      vCreated,
    ],
    view: { columns: { status: 'status.phase', age: AGE }, countBy: 'status' },
  },
  {
    id: 'events',
    title: 'Events',
    kind: 'Event',
    section: 'Cluster',
    icon: 'events',
    endpoint: core('events'),
    namespaced: true,
    defaultSort: { id: 'lastseen', dir: 'desc' },
    // kubectl's order: last seen first, the message last, taking the room that is left.
    columns: [
      { id: 'lastseen', title: 'Last seen', className: 'col-age', desc: true, sort: (o) => time(eventTime(o)), cell: (o) => <Age ts={eventTime(o)} />, view: { by: 'lastseen', cell: (r) => <Age ts={r.lastseen} /> } },
      {
        id: 'type',
        title: 'Type',
        className: 'col-status',
        sort: (o) => o.type ?? 'Normal',
        cell: (o) => <Pill value={o.type ?? 'Normal'} toneOf={`event:${o.type ?? 'Normal'}`} />,
        view: { by: 'type', cell: (r) => <Pill value={r.type} toneOf={`event:${r.type}`} /> },
      },
      {
        id: 'reason',
        title: 'Reason',
        className: 'col-reason',
        sort: (o) => o.reason,
        cell: (o) => <strong className="reason" title={o.reason}>{o.reason}</strong>,
        view: { by: 'reason', cell: (r) => <strong className="reason" title={r.reason}>{r.reason}</strong> },
      },
      {
        id: 'object',
        title: 'Object',
        className: 'col-object',
        priority: 2,
        sort: involved,
        cell: (o) => <span className="mono nowrap obj-ref" title={involved(o)}>{involved(o)}</span>,
        view: { by: 'object', cell: (r) => <span className="mono nowrap obj-ref" title={r.object}>{r.object}</span> },
      },
      vNamespace,
      vNum('count', 'Count', (o) => o.count ?? o.series?.count ?? 1, 4),
      { id: 'message', title: 'Message', className: 'col-message', priority: 3, sort: (o) => o.message, cell: (o) => <span className="message">{o.message}</span>, view: { by: 'message', cell: (r) => <span className="message" title={r.message}>{r.message}</span> } },
    ],
    // The filter box matches the reason and the message too.
    textIn: ['reason', 'message'],
    // eventTime and involved in Go: core/v1 events and events.k8s.io alike.
    view: {
      columns: {
        lastseen: 'lastTimestamp ?? eventTime ?? series.lastObservedTime ?? metadata.creationTimestamp',
        type: 'type ?? "Normal"',
        reason: 'reason',
        object: '"{involvedObject.kind|lower}/{involvedObject.name}" ?? "{regarding.kind|lower}/{regarding.name}"',
        count: 'count ?? series.count ?? 1',
        message: 'message',
      },
      countBy: 'type',
    },
  },
  {
    id: 'customresourcedefinitions',
    title: 'Custom Resource Definitions',
    short: 'CRDs',
    kind: 'CustomResourceDefinition',
    section: 'Cluster',
    icon: 'crds',
    endpoint: CRDS,
    namespaced: false,
    columns: [
      vName,
      vMono('group', 'Group', (o) => o.spec?.group, 3),
      vText('kind', 'Kind', (o) => o.spec?.names?.kind, 2),
      vText('scope', 'Scope', (o) => o.spec?.scope, 3),
      vCreated,
    ],
    view: { columns: { group: 'spec.group', kind: 'spec.names.kind', scope: 'spec.scope', age: AGE } },
  },
];

export const BUILTIN_BY_ID = Object.fromEntries(BUILTINS.map((r) => [r.id, r]));
const builtinKey = new Set(BUILTINS.map((r) => `${r.endpoint.group}/${r.endpoint.resource}`));

function jobStatus(o) {
  const c = (o.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (c) return c.type === 'Complete' ? 'Completed' : 'Failed';
  return o.status?.active ? 'Running' : 'Pending';
}

function roles(o) {
  const r = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length));
  return r.length ? r.join(', ') : '<none>';
}

function involved(o) {
  return `${(o.involvedObject?.kind ?? o.regarding?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? o.regarding?.name ?? ''}`;
}

/** jsonPath reads a printer column's simple path (.spec.size, .status.conditions[0].type). */
export function jsonPath(o, path) {
  let v = o;
  for (const part of path.replace(/^\./, '').split(/\.|\[(\d+)\]/).filter(Boolean)) {
    if (v == null) return undefined;
    v = v[part];
  }
  return v;
}

/**
 * customKind is the generic kind of a discovered resource the dashboard does
 * not know: name, namespace, age, and the CRD's additionalPrinterColumns
 * (for its served version) when a CRD defines it. It is a live view when
 * every printer column's path reads as a view expression (viewPath).
 */
export function customKind(d, crd) {
  const version = crd?.spec?.versions?.find((v) => v.name === d.version);
  const printer = (version?.additionalPrinterColumns ?? crd?.spec?.additionalPrinterColumns ?? []).filter((c) => c.jsonPath !== '.metadata.creationTimestamp');
  const exprs = printer.map((c) => viewPath(c.jsonPath));
  const viewed = exprs.every((e) => e !== null);
  const columns = viewed ? [vName, ...(d.namespaced ? [vNamespace] : [])] : [name, ...(d.namespaced ? [namespace] : [])];
  printer.forEach((c, i) => {
    const get = (o) => jsonPath(o, c.jsonPath);
    const id = `p${i}`;
    const view = (cell) => (viewed ? { view: { by: id, cell: (r) => cell(r[id]) } } : {});
    if (c.type === 'date') columns.push({ id, title: c.name, className: 'col-age', sort: (o) => time(get(o)), cell: (o) => <Age ts={get(o)} />, ...view((v) => <Age ts={v} />) });
    else if (c.type === 'integer' || c.type === 'number') columns.push({ id, title: c.name, className: 'col-num', priority: prio(i), sort: get, cell: (o) => get(o) ?? '', ...view((v) => v ?? '') });
    else columns.push({ id, title: c.name, className: 'col-ns', priority: prio(i), sort: (o) => fmt(get(o)), cell: (o) => fmt(get(o)), ...view(fmt) });
  });
  columns.push(viewed ? vCreated : created);
  const plural = crd?.spec?.names?.plural ?? d.resource;
  return {
    id: d.group ? `${d.resource}.${d.group}` : d.resource,
    title: titleCase(plural),
    kind: d.kind,
    section: 'Custom Resources',
    icon: 'crds',
    endpoint: { group: d.group, version: d.version, resource: d.resource },
    namespaced: d.namespaced,
    custom: true,
    columns,
    ...(viewed ? { view: { columns: { ...Object.fromEntries(exprs.map((e, i) => [`p${i}`, e])), age: AGE } } } : {}),
  };
}

/** prio keeps a CRD's first printer column on phones, its second above 700 px, the rest above 1000 px. */
const prio = (i) => (i === 0 ? undefined : i === 1 ? 2 : 3);
const fmt = (v) => (v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const titleCase = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * kindsOf joins discovery with the built-ins: the built-ins the cluster
 * serves (all of them while discovery is unknown), then every custom
 * resource (one a CRD defines, or of a group outside Kubernetes' own) as a
 * generic kind; the CRD, once known, adds its printer columns.
 */
export function kindsOf(discovered, crds) {
  if (!discovered) return BUILTINS;
  const served = new Set(discovered.map((d) => `${d.group}/${d.resource}`));
  const byGroup = new Map((crds ?? []).map((c) => [`${c.spec?.group}/${c.spec?.names?.plural}`, c]));
  const isCustom = (d) => !builtinKey.has(`${d.group}/${d.resource}`) && (byGroup.has(`${d.group}/${d.resource}`) || (d.group.includes('.') && !d.group.endsWith('k8s.io')));
  const custom = discovered.filter(isCustom).map((d) => customKind(d, byGroup.get(`${d.group}/${d.resource}`)));
  return [...BUILTINS.filter((r) => served.has(`${r.endpoint.group}/${r.endpoint.resource}`)), ...custom];
}

/** listQuery is the cache query of one kind in one cluster and namespace ('' = all); cluster-scoped kinds ignore the namespace. */
export function listQuery(resource, cluster, namespace) {
  if (!cluster) return null;
  return { lists: [resource.namespaced && namespace ? { cluster, namespace } : { cluster }], endpoint: resource.endpoint };
}

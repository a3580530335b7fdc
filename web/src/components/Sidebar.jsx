// Sidebar: brand, cluster and namespace pickers, every kind the cluster
// serves by section, with live counts. Below 760 px it is a drawer.
import { useKubeList, useKubeView } from '../../../js/src/react.js';
import { number } from '../format.js';
import { ALL, href, navigate } from '../route.js';
import { NAMESPACES, listQuery } from '../resources.jsx';
import { Icon } from './bits.jsx';

export function Sidebar({ route, clusters, kinds, discoveryError, inspectorOpen, onToggleInspector }) {
  const sections = [...new Set(kinds.map((k) => k.section))];
  const namespaces = useKubeList(route.cluster ? { lists: [{ cluster: route.cluster }], endpoint: NAMESPACES } : null);
  return (
    <aside className="sidebar" data-testid="sidebar">
      <div className="brand">
        <span className="brand-mark" />
        <span className="brand-name">kubelive</span>
      </div>
      <div className="pickers">
        <label className="picker">
          <span className="picker-label">Cluster</span>
          <select data-testid="cluster-picker" value={route.cluster} onChange={(e) => navigate({ cluster: e.target.value, namespace: ALL, name: '' }, route)}>
            {clusters.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="picker">
          <span className="picker-label">Namespace</span>
          <select data-testid="namespace-picker" value={route.namespace} onChange={(e) => navigate({ namespace: e.target.value, name: '' }, route)}>
            <option value={ALL}>All namespaces</option>
            {(namespaces?.items ?? []).map((n) => (
              <option key={n.metadata.uid} value={n.metadata.name}>
                {n.metadata.name}
              </option>
            ))}
            {route.namespace !== ALL && !namespaces?.items?.some((n) => n.metadata.name === route.namespace) && <option value={route.namespace}>{route.namespace}</option>}
          </select>
        </label>
      </div>
      <nav className="nav">
        {discoveryError && <div className="nav-error" role="status">{discoveryError} Showing the built-in kinds.</div>}
        {sections.map((s) => (
          <div key={s} className="nav-group">
            <div className="nav-section">{s}</div>
            {kinds
              .filter((k) => k.section === s)
              .map((r) => (
                <NavItem key={r.id} resource={r} route={route} />
              ))}
          </div>
        ))}
        <div className="nav-section">Diagnostics</div>
        <button type="button" className={`nav-item ${inspectorOpen ? 'active' : ''}`} onClick={onToggleInspector} data-testid="inspector-toggle">
          <Icon name="inspector" />
          <span>Inspector</span>
        </button>
      </nav>
      <div className="sidebar-foot">live data via WebAssembly</div>
    </aside>
  );
}

/** NavItem is one kind with its live count: from a one-row view for a kind with a view (its objects stay in Go), else from the list. */
function NavItem(props) {
  return props.resource.view ? <ViewNavItem {...props} /> : <ListNavItem {...props} />;
}

function ListNavItem({ resource, route }) {
  const snap = useKubeList(listQuery(resource, route.cluster, route.namespace === ALL ? '' : route.namespace));
  return <NavLink resource={resource} route={route} count={snap ? snap.items.length : null} />;
}

function ViewNavItem({ resource, route }) {
  const q = listQuery(resource, route.cluster, route.namespace === ALL ? '' : route.namespace);
  const snap = useKubeView(q && { ...q, window: { limit: 1 } });
  return <NavLink resource={resource} route={route} count={snap ? snap.count : null} />;
}

function NavLink({ resource, route, count }) {
  const active = route.resource === resource.id;
  return (
    <a className={`nav-item ${active ? 'active' : ''}`} href={href({ resource: resource.id, name: '' }, route)} data-testid={`nav-${resource.id}`}>
      <Icon name={resource.icon} />
      <span className="nav-title">{resource.short ?? resource.title}</span>
      <span className="nav-count">{count === null ? '…' : number(count)}</span>
    </a>
  );
}

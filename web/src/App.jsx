// The shell: sidebar, top bar, the routed page and the inspector drawer.
import { useEffect, useState } from 'react';
import { Icon } from './components/bits.jsx';
import { Inspector } from './components/Inspector.jsx';
import { ListPage } from './components/ListPage.jsx';
import { PodPage } from './components/PodPage.jsx';
import { Sidebar } from './components/Sidebar.jsx';
import { ALL, navigate, useRoute } from './route.js';
import { RESOURCE_BY_ID } from './resources.jsx';

/** useClusters reads the backend's /config once: [{ name, source }]. */
function useClusters() {
  const [state, setState] = useState({ clusters: null, error: '' });
  useEffect(() => {
    let live = true;
    fetch('/config')
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`GET /config: HTTP ${r.status}`))))
      .then((c) => live && setState({ clusters: c.clusters ?? [], error: '' }))
      .catch((e) => live && setState({ clusters: [], error: e.message }));
    return () => {
      live = false;
    };
  }, []);
  return state;
}

function useInspectorOpen() {
  const [open, setOpen] = useState(() => localStorage.getItem('kubelive.inspector') === '1');
  const toggle = () => {
    localStorage.setItem('kubelive.inspector', open ? '0' : '1');
    setOpen(!open);
  };
  return [open, toggle];
}

export function App() {
  const route = useRoute();
  const { clusters, error } = useClusters();
  const [inspector, toggleInspector] = useInspectorOpen();

  useEffect(() => {
    if (clusters?.length && !clusters.some((c) => c.name === route.cluster)) navigate({ cluster: clusters[0].name, namespace: ALL, resource: 'pods', name: '' });
  }, [clusters, route.cluster]);

  if (!clusters) return <div className="boot"><div className="boot-text">Reading clusters…</div></div>;
  if (!clusters.length) return <div className="boot"><div className="boot-text boot-error">{error || 'The backend serves no clusters.'}</div></div>;
  if (!route.cluster) return null;

  const resource = RESOURCE_BY_ID[route.resource] ?? RESOURCE_BY_ID.pods;
  return (
    <div className={`app ${inspector ? 'with-inspector' : ''}`}>
      <Sidebar route={route} clusters={clusters} inspectorOpen={inspector} onToggleInspector={toggleInspector} />
      <div className="main">
        <header className="topbar">
          <nav className="crumbs" aria-label="Breadcrumb">
            <span className="crumb">{route.cluster}</span>
            <span className="crumb-sep">/</span>
            <span className="crumb">{route.namespace === ALL ? 'All namespaces' : route.namespace}</span>
            <span className="crumb-sep">/</span>
            <span className="crumb crumb-current">{route.name ? `${resource.title} / ${route.name}` : resource.title}</span>
          </nav>
          <button type="button" className="btn btn-ghost" onClick={toggleInspector}>
            <Icon name="inspector" size={15} />
            {inspector ? 'Hide inspector' : 'Inspector'}
          </button>
        </header>
        <main className="content">{route.name && resource.id === 'pods' ? <PodPage key={`${route.namespace}/${route.name}`} route={route} /> : <ListPage key={resource.id} resource={resource} route={route} />}</main>
      </div>
      {inspector && <Inspector onClose={toggleInspector} />}
    </div>
  );
}

// The shell: sidebar, top bar, the routed page and the inspector panel.
import { useEffect, useState } from 'react';
import { useKubeList } from '../../js/src/react.js';
import { Icon } from './components/bits.jsx';
import { Inspector } from './components/Inspector.jsx';
import { ListPage } from './components/ListPage.jsx';
import { NotFound } from './components/NotFound.jsx';
import { ObjectPage } from './components/ObjectPage.jsx';
import { Sidebar } from './components/Sidebar.jsx';
import { useDiscovery } from './discovery.js';
import { useKeyboard } from './keyboard.js';
import { BUILTIN_BY_ID, CRDS, kindsOf } from './resources.jsx';
import { ALL, navigate, useRoute } from './route.js';
import { useTheme } from './theme.js';

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
  const set = (next) => {
    localStorage.setItem('kubelive.inspector', next ? '1' : '0');
    setOpen(next);
  };
  return [open, set];
}

/** useKinds is the kinds the route's cluster serves and whether that is known yet. */
function useKinds(cluster) {
  const discovery = useDiscovery(cluster);
  const crds = useKubeList(cluster ? { lists: [{ cluster }], endpoint: CRDS } : null);
  const kinds = kindsOf(discovery.error ? null : discovery.resources, crds?.items);
  return { kinds, known: discovery.resources !== null, error: discovery.error };
}

export function App() {
  const route = useRoute();
  const { clusters, error } = useClusters();
  const [inspector, setInspector] = useInspectorOpen();
  const [menu, setMenu] = useState(false);
  const [theme, toggleTheme] = useTheme();
  const { kinds, known, error: discoveryError } = useKinds(route.cluster);

  useEffect(() => {
    if (clusters?.length && !clusters.some((c) => c.name === route.cluster)) navigate({ cluster: clusters[0].name, namespace: ALL, resource: 'pods', name: '' });
  }, [clusters, route.cluster]);
  // A new page closes the phone menu.
  useEffect(() => setMenu(false), [route.resource, route.name, route.namespace]);
  useKeyboard({ onEscape: () => (menu ? setMenu(false) : inspector ? setInspector(false) : false) });

  if (!clusters) return <div className="boot"><div className="boot-text">Reading clusters…</div></div>;
  if (!clusters.length) return <div className="boot"><div className="boot-text boot-error">{error || 'The backend serves no clusters.'}</div></div>;
  if (!route.cluster) return null;

  const resource = kinds.find((k) => k.id === route.resource) ?? (known ? null : BUILTIN_BY_ID[route.resource]);
  let page;
  if (!resource) page = known || discoveryError ? <NotFound route={route} /> : <div className="empty">Reading the cluster’s resource kinds…</div>;
  else if (route.name) page = <ObjectPage key={`${resource.id}/${route.namespace}/${route.name}`} resource={resource} route={route} />;
  else page = <ListPage key={resource.id} resource={resource} route={route} />;
  const title = resource ? (route.name ? `${resource.title} / ${route.name}` : resource.title) : 'Not found';
  return (
    <div className={`app ${inspector ? 'with-inspector' : ''} ${menu ? 'menu-open' : ''}`}>
      <Sidebar route={route} clusters={clusters} kinds={kinds} discoveryError={discoveryError} inspectorOpen={inspector} onToggleInspector={() => setInspector(!inspector)} />
      {menu && <button type="button" className="scrim" aria-label="Close menu" onClick={() => setMenu(false)} />}
      <div className="main">
        <header className="topbar">
          <button type="button" className="icon-btn menu-btn" onClick={() => setMenu(!menu)} aria-label="Menu" aria-expanded={menu} data-testid="menu-toggle">
            <Icon name="menu" size={18} />
          </button>
          <nav className="crumbs" aria-label="Breadcrumb">
            <span className="crumb crumb-extra">{route.cluster}</span>
            <span className="crumb-sep crumb-extra">/</span>
            <span className="crumb crumb-extra">{route.namespace === ALL ? 'All namespaces' : route.namespace}</span>
            <span className="crumb-sep crumb-extra">/</span>
            <span className="crumb crumb-current">{title}</span>
          </nav>
          <div className="topbar-actions">
            <button type="button" className="btn btn-ghost" onClick={toggleTheme} data-testid="theme-toggle" aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
              <Icon name={theme === 'dark' ? 'sun' : 'moon'} size={15} />
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setInspector(!inspector)}>
              <Icon name="inspector" size={15} />
              <span className="btn-label">{inspector ? 'Hide inspector' : 'Inspector'}</span>
            </button>
          </div>
        </header>
        <div className="work">
          <main className="content">{page}</main>
          {inspector && <Inspector onClose={() => setInspector(false)} />}
        </div>
      </div>
    </div>
  );
}

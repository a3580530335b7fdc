// A third-party React app as the README shows it: load() from the installed
// package, the hooks from kubelive/react, and the app's own Pod type (with no
// cluster field). The page's query string names the backend (?backend=URL) and,
// to exercise the override, where kubelive.wasm is (?wasm=URL); without ?wasm
// load() fetches the kubelive.wasm copied next to the bundle.
import { createRoot } from 'react-dom/client';
import { load, type ListQuery } from 'kubelive';
import { KubeliveContext, useConnectionState, useKubeList } from 'kubelive/react';

interface Pod {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  status?: { phase?: string };
}

const pods: ListQuery = { lists: [{ cluster: 'demo' }], endpoint: { version: 'v1', resource: 'pods' } };

function Pods() {
  const snap = useKubeList<Pod>(pods);
  const { state } = useConnectionState(snap);
  if (!snap) return <p id="status" data-state="loading">Loading…</p>;
  return (
    <section>
      <p id="status" data-state={state} data-errors={snap.errors.map((e) => e.message).join('; ')}>
        {snap.items.length} pods, {state}
      </p>
      <table id="pods">
        <tbody>
          {snap.items.map((p) => (
            <tr key={p.metadata.uid} data-row={`${p.metadata.namespace}/${p.metadata.name}@${p.metadata.resourceVersion}`}>
              <td>{p.metadata.namespace}</td>
              <td>{p.metadata.name}</td>
              <td>{p.status?.phase ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const params = new URLSearchParams(location.search);
const root = createRoot(document.getElementById('root')!);
try {
  const kl = await load({ baseURL: params.get('backend') ?? location.origin, wasmURL: params.get('wasm') ?? undefined });
  root.render(
    <KubeliveContext.Provider value={kl}>
      <Pods />
    </KubeliveContext.Provider>,
  );
} catch (err) {
  root.render(<p id="status" data-state="load-error">{String(err)}</p>);
}

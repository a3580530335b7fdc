// A third-party React app as the README shows it: load() from the installed
// package, the hooks from kubelive/react, and the app's own Pod type (with no
// cluster field). The page's query string names the backend (?backend=URL) and,
// to exercise the override, where kubelive.wasm is (?wasm=URL); without ?wasm
// load() fetches the kubelive.wasm copied next to the bundle; ?host= picks the
// host (default: auto, a SharedWorker running kubelive-worker.js from next to the bundle).
import { createRoot } from 'react-dom/client';
import { load, type ListQuery, type LoadOptions } from 'kubelive';
import { KubeliveContext, useConnectionState, useKubeList, useLogs } from 'kubelive/react';

interface Pod {
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  status?: { phase?: string };
}

const pods: ListQuery = { lists: [{ cluster: 'demo' }], endpoint: { version: 'v1', resource: 'pods' } };

// Log follows one container's log, as the README's Log component does.
function Log({ namespace, pod }: { namespace: string; pod: string }) {
  const { lines, status } = useLogs({ cluster: 'demo', namespace, pod, maxLines: 500 });
  return (
    <pre id="log" data-pod={`${namespace}/${pod}`} data-status={status} data-lines={lines.length}>
      {lines.map((l) => l.text).join('\n')}
    </pre>
  );
}

function Pods() {
  const snap = useKubeList<Pod>(pods);
  const { state } = useConnectionState(snap);
  if (!snap) return <p id="status" data-state="loading">Loading…</p>;
  // The log of a pod the list shows Running: a name from the live data, never a guess.
  const running = snap.items.find((p) => p.status?.phase === 'Running');
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
      {running && <Log namespace={running.metadata.namespace} pod={running.metadata.name} />}
    </section>
  );
}

const params = new URLSearchParams(location.search);
const root = createRoot(document.getElementById('root')!);
try {
  const host = (params.get('host') ?? undefined) as LoadOptions['host'];
  const kl = await load({ baseURL: params.get('backend') ?? location.origin, wasmURL: params.get('wasm') ?? undefined, host });
  Object.assign(window, { kubelive: kl }); // for the test to read stats().host
  root.render(
    <KubeliveContext.Provider value={kl}>
      <Pods />
    </KubeliveContext.Provider>,
  );
} catch (err) {
  root.render(<p id="status" data-state="load-error">{String(err)}</p>);
}

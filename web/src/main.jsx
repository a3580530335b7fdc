// Boot: load the wasm module, expose the client as window.kubelive, render the app.
import { createRoot } from 'react-dom/client';
import { load } from '../../js/src/index.js';
import { KubeliveContext } from '../../js/src/react.js';
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { App } from './App.jsx';

async function boot() {
  const started = performance.now();
  // ?multiplexer=on|off|auto picks the transport of list watches (default: auto).
  // ?host=page|auto|shared-worker|worker picks where the client runs (default: auto, a SharedWorker where the browser has one).
  // ?persist=1 keeps the lists in IndexedDB and starts the next load from them.
  const params = new URLSearchParams(location.search);
  const multiplexer = params.get('multiplexer') ?? 'auto';
  const kl = await load({ wasmURL: 'kubelive.wasm', baseURL: location.origin, multiplexer, host: params.get('host') ?? 'auto', persist: params.get('persist') === '1' });
  window.kubelive = kl;
  window.kubeliveLoadMs = Math.round(performance.now() - started);
  createRoot(document.getElementById('root')).render(
    <KubeliveContext.Provider value={kl}>
      <App />
    </KubeliveContext.Provider>,
  );
}

boot().catch((err) => {
  const text = document.getElementById('boot-text');
  if (text) {
    text.className = 'boot-text boot-error';
    text.textContent = `kubelive could not start: ${err.message}`;
  }
  document.querySelector('.boot-bar')?.remove();
  console.error(err);
});

// A terminal into a pod: xterm.js on top of useExec, resized with its box.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal as XTerm } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'react';
import { useExec } from '../../../js/src/react.js';

const THEME = { background: '#0d1117', foreground: '#d6dde8', cursor: '#7aa2ff', selectionBackground: '#2b3a55' };

export function TerminalTab({ cluster, namespace, pod, containers }) {
  const [container, setContainer] = useState(containers[0] ?? '');
  const [session, setSession] = useState(0);
  return (
    <div className="terminal-tab">
      <div className="toolbar">
        <select value={container} onChange={(e) => setContainer(e.target.value)} aria-label="Container" data-testid="terminal-container">
          {containers.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
        <span className="muted small mono">
          exec {pod} -c {container} -- sh
        </span>
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => setSession(session + 1)}>
          New session
        </button>
      </div>
      <Terminal key={`${container}#${session}`} cluster={cluster} namespace={namespace} pod={pod} container={container} onRestart={() => setSession(session + 1)} />
    </div>
  );
}

function Terminal({ cluster, namespace, pod, container, onRestart }) {
  const box = useRef(null);
  const term = useRef(null);
  const early = useRef([]);
  const { session, exit, status } = useExec(
    { cluster, namespace, pod, container, command: ['sh'], tty: true, stdin: true, stdout: true, stderr: true },
    (_, text) => (term.current ? term.current.write(text) : early.current.push(text)),
  );
  const live = useRef(null);
  live.current = exit ? null : session;

  useEffect(() => {
    const t = new XTerm({ cursorBlink: true, fontSize: 13, fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace', theme: THEME, scrollback: 5000 });
    const fit = new FitAddon();
    t.loadAddon(fit);
    t.open(box.current);
    term.current = t;
    early.current.splice(0).forEach((s) => t.write(s));
    const input = t.onData((d) => live.current?.write(d));
    const resized = t.onResize(({ cols, rows }) => live.current?.resize(cols, rows));
    const ro = new ResizeObserver(() => box.current?.offsetParent && fit.fit());
    ro.observe(box.current);
    fit.fit();
    t.focus();
    return () => {
      ro.disconnect();
      input.dispose();
      resized.dispose();
      term.current = null;
      t.dispose();
    };
  }, []);

  // The session starts after the terminal: tell it the size the terminal already has.
  useEffect(() => {
    if (session && term.current) session.resize(term.current.cols, term.current.rows);
  }, [session]);

  useEffect(() => {
    if (exit && term.current) term.current.write(`\r\n\x1b[2m[process exited with code ${exit.code}]\x1b[0m\r\n`);
  }, [exit]);

  return (
    <div className="terminal-wrap">
      <div className="terminal" ref={box} data-testid="terminal" data-state={exit ? 'ended' : status} />
      {exit && (
        <div className="terminal-exit" data-testid="exit" data-code={exit.code}>
          <span>
            Session ended with exit code <strong>{exit.code}</strong>
            {exit.error ? ` — ${exit.error.message}` : ''}
          </span>
          <button type="button" className="btn btn-accent" onClick={onRestart}>
            Reconnect
          </button>
        </div>
      )}
    </div>
  );
}

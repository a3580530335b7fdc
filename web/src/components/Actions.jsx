// The actions on one object, each confirmed in a dialog and sent through the
// real API: delete (any kind), scale and rollout restart (deployments).
import { useState } from 'react';
import { objectPath, write } from '../api.js';
import { navigate } from '../route.js';
import { Icon } from './bits.jsx';
import { Dialog } from './Dialog.jsx';

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

export function Actions({ resource, object, route }) {
  const [open, setOpen] = useState('');
  const scalable = resource.id === 'deployments';
  const path = objectPath(route.cluster, resource.endpoint, object.metadata.namespace ?? '', object.metadata.name);
  const label = `${resource.kind.toLowerCase()} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
  const close = () => setOpen('');
  return (
    <div className="actions">
      {scalable && (
        <>
          <button type="button" className="btn" onClick={() => setOpen('scale')} data-testid="action-scale" title="Scale">
            <Icon name="scale" size={14} /> <span className="btn-label">Scale</span>
          </button>
          <button type="button" className="btn" onClick={() => setOpen('restart')} data-testid="action-restart" title="Restart the rollout">
            <Icon name="restart" size={14} /> <span className="btn-label">Restart</span>
          </button>
        </>
      )}
      <button type="button" className="btn btn-danger-ghost" onClick={() => setOpen('delete')} data-testid="action-delete" title="Delete">
        <Icon name="trash" size={14} /> <span className="btn-label">Delete</span>
      </button>
      {open === 'delete' && (
        <Confirm
          title={`Delete ${label}?`}
          verb="Delete"
          danger
          onClose={close}
          run={async () => {
            await write('DELETE', path, `delete ${label}`);
            navigate({ resource: resource.id, name: '', tab: '' }, route);
          }}
        >
          <p>The object is removed from the cluster. This cannot be undone.</p>
        </Confirm>
      )}
      {open === 'restart' && (
        <Confirm
          title={`Restart ${label}?`}
          verb="Restart"
          onClose={close}
          run={() => write('PATCH', path, `restart ${label}`, { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: new Date().toISOString() } } } } })}
        >
          <p>Its pods are replaced one by one, as kubectl rollout restart does.</p>
        </Confirm>
      )}
      {open === 'scale' && <Scale label={label} path={path} current={object.spec?.replicas ?? 0} onClose={close} />}
    </div>
  );
}

/** Confirm runs `run` on confirmation; the dialog stays open with the error sentence if it fails. */
function Confirm({ title, verb, danger, run, onClose, children }) {
  const [state, setState] = useState({ busy: false, error: '' });
  const submit = async (e) => {
    e.preventDefault();
    setState({ busy: true, error: '' });
    try {
      await run();
      onClose();
    } catch (err) {
      setState({ busy: false, error: err.message });
    }
  };
  return (
    <Dialog title={title} onClose={onClose} testid="dialog">
      <form onSubmit={submit} noValidate>
        {children}
        {state.error && (
          <div className="banner banner-bad" role="alert" data-testid="action-error">
            {state.error}
          </div>
        )}
        <div className="dialog-buttons">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={`btn ${danger ? 'btn-danger' : 'btn-accent'}`} disabled={state.busy} data-testid="confirm">
            {state.busy ? `${verb}…` : verb}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Scale({ label, path, current, onClose }) {
  const [value, setValue] = useState(String(current));
  const run = async () => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 1000) throw new Error(`Replicas must be a whole number from 0 to 1000, not “${value}”.`);
    await write('PATCH', `${path}/scale`, `scale ${label}`, { spec: { replicas: n } });
  };
  return (
    <Confirm title={`Scale ${label}`} verb="Scale" run={run} onClose={onClose}>
      <label className="field">
        <span>Replicas (now {current})</span>
        <input type="number" min="0" max="1000" step="1" value={value} onChange={(e) => setValue(e.target.value)} data-testid="replicas" />
      </label>
    </Confirm>
  );
}

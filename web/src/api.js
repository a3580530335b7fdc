// Same-origin reads and writes of the Kubernetes API the backend proxies.
// Writes carry a JSON or merge-patch Content-Type (the server's CSRF rule);
// a refusal becomes an Error whose message is a sentence a person can read.

/** objectPath is the API path of a collection (name '') or of one object. */
export function objectPath(cluster, endpoint, namespace, name = '') {
  const { group, version, resource } = endpoint;
  const root = group ? `/clusters/${enc(cluster)}/apis/${enc(group)}/${enc(version)}` : `/clusters/${enc(cluster)}/api/${enc(version)}`;
  const ns = namespace ? `/namespaces/${enc(namespace)}` : '';
  return `${root}${ns}/${enc(resource)}${name ? `/${enc(name)}` : ''}`;
}

const enc = encodeURIComponent;

/** getJSON reads one API path; it rejects with a sentence naming what failed. */
export async function getJSON(path, what) {
  let r;
  try {
    r = await fetch(path, { headers: { Accept: 'application/json' } });
  } catch (e) {
    throw new Error(`Could not read ${what}: the server did not answer (${e.message}).`);
  }
  if (!r.ok) throw await refusal(r, `read ${what}`);
  return r.json();
}

/**
 * write sends one change: method DELETE, or PATCH with a merge patch.
 * `what` names the action for the error sentence ("delete pod default/web-1").
 */
export async function write(method, path, what, patch) {
  const init = { method, headers: { Accept: 'application/json' } };
  if (patch !== undefined) {
    init.headers['Content-Type'] = 'application/merge-patch+json';
    init.body = JSON.stringify(patch);
  } else {
    init.headers['Content-Type'] = 'application/json';
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new Error(`Could not ${what}: the server did not answer (${e.message}).`);
  }
  if (!r.ok) throw await refusal(r, what);
  return r.json().catch(() => null);
}

/** refusal turns a failed response (a Kubernetes Status or plain text) into an Error with a sentence. */
async function refusal(r, what) {
  const text = await r.text().catch(() => '');
  let status = null;
  try {
    status = JSON.parse(text);
  } catch {
    // Not JSON: the text itself is the reason.
  }
  const reason = (status?.message || text.trim() || r.statusText || 'no reason given').replace(/\.$/, '');
  const err = new Error(`Could not ${what}: ${reason} (HTTP ${r.status}${status?.reason ? ` ${status.reason}` : ''}).`);
  err.code = r.status;
  err.reason = status?.reason ?? '';
  return err;
}

export { load } from './load.js';
export { KubeliveClient } from './client.js';

// Every module the package's modules import, named here as well: a page
// that loads js/src unbundled fetches them all at once with this file's
// own imports (one round of requests) instead of one level of the graph
// after another (four). A bundler merges them as before.
import './wasm_exec.js';
import './lazy.js';
import './remote.js';
import './key.js';
import './listwire.js';
import './beat.js';
import './prefetch.js';

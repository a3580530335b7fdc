export { load } from './load.js';
export { KubeliveClient } from './client.js';

// e2e/freshness.test.mjs with the client in a SharedWorker: never "live"
// when it is not holds in the worker host too.
process.env.FRESHNESS_HOST ??= 'shared-worker';
await import('./freshness.test.mjs');

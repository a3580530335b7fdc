// e2e/persist.test.mjs with the client in a SharedWorker: the persisted cache
// lives with the shared client, and the warm start holds there too.
process.env.PERSIST_HOST ??= 'shared-worker';
await import('./persist.test.mjs');

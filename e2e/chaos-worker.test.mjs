// e2e/chaos.test.mjs with both pages' clients in SharedWorkers (bare.html?host=shared-worker).
process.env.CHAOS_HOST ??= 'shared-worker';
await import('./chaos.test.mjs');

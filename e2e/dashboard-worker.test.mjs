// e2e/dashboard.test.mjs with the dashboard's client in a SharedWorker (?host=shared-worker).
process.env.DASHBOARD_HOST ??= 'shared-worker';
await import('./dashboard.test.mjs');

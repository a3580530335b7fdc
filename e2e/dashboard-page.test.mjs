// e2e/dashboard.test.mjs with the dashboard's client in the page (?host=page): the dashboard's
// default host is auto (a SharedWorker in Chromium), so this keeps the page host covered too.
process.env.DASHBOARD_HOST ??= 'page';
await import('./dashboard.test.mjs');

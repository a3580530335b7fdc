// Package live serves the cache's lists and the page's streams over a
// backend: the per-URL lister-watcher (LIST over a Fetcher, WATCH over one
// socket per list), the multiplexed lister-watcher (every WATCH a
// subscription of one mux.Client) and the 'auto' choice between them, the
// dialers that track sockets for stats and kick reachability, the probes
// of failed pod streams, the refcounted views that share one cache
// subscription between watchers, and the encoding of snapshots for the
// page, with Overall, the one ranking of a query's list statuses.
//
// Nothing here touches the browser: the Fetcher and the transport.Dialer
// are injected (the browser's fetch and WebSocket in wasm/, fakes in
// tests), as is the clock, so every line runs natively under -race.
package live

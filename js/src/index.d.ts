export interface LoadOptions {
  /**
   * URL of kubelive.wasm. Default: new URL('./kubelive.wasm', import.meta.url), the copy shipped
   * next to this module; after bundling, next to the bundle (esbuild) or emitted as an asset
   * (Vite, webpack 5).
   */
  wasmURL?: string | URL;
  /**
   * Where the wasm module runs: 'shared-worker' (one SharedWorker for every tab of the origin;
   * tabs with equal configurations share one client), 'worker' (a dedicated Worker), 'page'
   * (this thread), or 'auto' (default: a SharedWorker where the browser has one, else a Worker,
   * else the page; a worker that cannot start falls back to the page). stats().host says which.
   * The worker hosts need a secure context (https, or http on localhost): elsewhere 'auto' picks
   * the page and the others reject.
   */
  host?: 'auto' | 'shared-worker' | 'worker' | 'page';
  /**
   * @internal A hook for tests: a worker host's page acts as if it had no Web Locks (its lifetime
   * and its worker's are then told by heartbeats, as in a browser without Web Locks).
   */
  _noLocks?: boolean;
  /** URL of the worker host's script. Default: new URL('./kubelive-worker.js', import.meta.url). */
  workerURL?: string | URL;
  /** The backend, http(s) or ws(s). Default: the page's origin. */
  baseURL?: string;
  /** Bearer token, sent only inside a WebSocket subprotocol, never in a URL. */
  token?: string;
  /** Headlamp's user id (letters, digits, '-' and '_'). */
  userId?: string;
  /**
   * Watches over one multiplexed socket: 'auto' (default: when the backend serves
   * /wsMultiplexer), 'on' (msgpack framing when offered, else JSON), 'json' (Headlamp's
   * JSON framing only) or 'off' (one socket per watch).
   */
  multiplexer?: 'auto' | 'on' | 'json' | 'off';
  /**
   * The largest frame any socket takes in, in bytes (default 16 MiB; negative: no cap).
   * A bigger frame closes its socket with 1009 and an error saying how big it was; lists
   * resume from their last resourceVersion, so nothing is lost.
   */
  maxFrameBytes?: number;
  /** A live list that nothing (event, bookmark, resume) confirmed for this long turns 'stale' (default 150000). */
  staleAfterMs?: number;
  /** Keep metadata.managedFields in listed objects (default false: they are cut while reading, as Headlamp's list hook removes them). */
  keepManagedFields?: boolean;
  /**
   * Keep each watched list in IndexedDB (default false) and start later loads from it: a list
   * with a persisted copy shows it at once as 'stale' (lists[i].lastEvent: when it was saved)
   * and resumes its watch from the saved resourceVersion; 'live' once the server confirmed it.
   * Stored per backend and credentials (a salted hash, never the token); a new token clears
   * the old one's data. Secrets are never persisted, nor the resources of exclude
   * ("configmaps", "deployments.apps").
   */
  persist?: boolean | { exclude?: string[] };
}

/** An error as kubelive reports it: a sentence, with the raw HTTP code and Status reason when there are any. */
export interface KubeliveError {
  message: string;
  code?: number;
  reason?: string;
}

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SocketStatus {
  state: SocketState;
  /** Why the socket left 'open' (never holds a token). */
  error?: string;
}

export interface SubscribeOptions<T = unknown> {
  /** Cluster name; '' or absent for a URL without /clusters/. */
  cluster?: string;
  /** Path and query below the cluster, e.g. 'api/v1/pods?watch=1'. */
  url: string;
  /** 'json' (default) parses every frame; 'binary' hands Uint8Array. */
  type?: 'json' | 'binary';
  /** Extra subprotocols, after base64.binary.k8s.io. */
  protocols?: string | string[];
  /** Each message, in order. A throw is reported to onError and isolated. */
  onMessage: (message: T) => void;
  /** Bad frames (with their length, not their content), listener throws, socket errors. */
  onError?: (error: Error) => void;
  /** State changes; called at once with the current state. */
  onStatus?: (status: SocketStatus) => void;
}

export interface SocketStats {
  key: { cluster: string; url: string; protocols: string[]; type: 'json' | 'binary' };
  state: SocketState;
  listeners: number;
  messagesIn: number;
  bytesIn: number;
  reconnects: number;
  lastError?: string;
}

export interface Stats {
  sockets: SocketStats[];
  /** Browser WebSockets created, still live, and JS->Go wake-ups (one per burst of frames). */
  browserSockets: { created: number; live: number; wakes: number };
  /** Live streams (stream(), logs(), exec(), attach()). */
  streams: number;
  cache: { entries: number; watching: number; lists: number; resyncs: number; views: number; watchers: number };
  /** Live views (watchView): the cache entries with views, the distinct views (windows of one spec share one), the watchView calls. */
  views: { groups: number; views: number; watchers: number };
  /** Which strategy the lists use, and the mux socket's counters. */
  multiplexer: { mode: 'mux' | 'per-url'; reason: string; protocol?: string; state?: string; keys: number; listeners: number; reconnects: number; framesIn: number; messagesIn: number; bytesIn: number };
  /** Live js.Funcs held by the module (returns to its start value after cleanups). */
  funcs: number;
  /**
   * The module's Go heap and collector: completed collections, their CPU time (ms), bytes and objects
   * allocated (all cumulative since the module started: subtract two reads), the live heap after the last
   * collection, the heap size the next one is due at, and all memory the runtime uses (bytes).
   */
  go: { gcCycles: number; gcCpuMs: number; allocBytes: number; allocObjects: number; heapLive: number; heapGoal: number; mapped: number };
  /** Armed timers of the module (backoffs, debounces, the cache's gcTime sweep); 0 when idle and nothing is cached. */
  timers: number;
  /** Where the module runs. */
  host: 'shared-worker' | 'worker' | 'page';
  /** Bytes of the module's linear memory (Go's heap and runtime), in the worker for a worker host; 0 once closed. */
  wasmBytes?: number;
  /** Worker hosts: when the worker made this report (ms since the epoch); stats() returns the last one and asks for the next. */
  reportedAt?: number;
  /** Worker hosts: workers that died and were replaced. */
  restarts?: number;
  /** Worker hosts: operations (subscriptions, streams, watches) this page holds open. */
  pageOps?: number;
  /** Worker hosts: list batches the worker sent this page, and the applies (at most one per animation frame) that gave their snapshots. */
  pageBatches?: { received: number; applies: number };
  /**
   * Worker hosts: false while the worker's module starts (load() has resolved, calls are queued
   * in the worker; most other fields are absent until then), true once it runs.
   */
  ready?: boolean;
  /** Worker hosts: why the module did not start, after load() resolved (every list says so too). */
  failed?: string;
  /**
   * Worker hosts: the first LISTs' pages fetched while the module started, those the module took
   * as its own, and the rest; held: the module's snapshots not sent because the page showed more
   * of that list already (its first page while it read the prefetched others).
   */
  prefetch?: { started: number; taken: number; unused: number; held: number };
  /**
   * Worker hosts: the client's start, in ms since the epoch (performance.timeOrigin + now, comparable
   * with a page's): marks by name, each the first time it happened (worker: the worker's creation;
   * script: its script ran; init: the first configuration came; wasm, compiled: the module's fetch
   * and compile; op: the first prefetched watchList; go: Go's start; ready; postedN: page N of a
   * prefetched LIST sent to a page; lists: the first list batch sent), and per prefetched page when it
   * was asked for, its headers came and its body was in.
   */
  start?: { marks: Record<string, number>; pages: { asked: number; headers: number; body: number }[] };
}

/**
 * What stream().getSocket() returns in a worker host, where the WebSocket lives in the worker:
 * send and close are forwarded (they return '' once sent, or why not), readyState and protocol
 * are as the worker last reported them.
 */
export interface WorkerSocket {
  send(data: string | ArrayBuffer | Uint8Array): string;
  close(code?: number, reason?: string): string;
  readonly readyState: number;
  readonly protocol: string;
}

export interface ListRef {
  cluster: string;
  /** '' or absent: all namespaces (or a cluster-scoped resource). */
  namespace?: string;
}

export interface ResourceEndpoint {
  /** '' for the core group (/api/v1). */
  group?: string;
  version: string;
  resource: string;
}

export interface ListQuery {
  lists: ListRef[];
  endpoint: ResourceEndpoint;
  /** labelSelector, fieldSelector, ...; never resourceVersion (the cache owns it). */
  queryParams?: Record<string, string | number | boolean>;
  onError?: (error: Error) => void;
}

export interface ObjectQuery {
  cluster: string;
  namespace?: string;
  name: string;
  endpoint: ResourceEndpoint;
  onError?: (error: Error) => void;
}

export type ListPhase = 'loading' | 'live' | 'reconnecting' | 'stale' | 'error';

export interface ListState {
  cluster: string;
  namespace: string;
  status: ListPhase;
  /** ms since the epoch when status began. */
  since?: number;
  /** ms since the epoch of the last event or bookmark. */
  lastEvent?: number;
  resourceVersion: string;
  error?: KubeliveError;
  /** The last error this list went through, kept after it recovered, and when (ms since the epoch). */
  lastError?: KubeliveError;
  lastErrorAt?: number;
  deleted?: boolean;
}

/** A Kubernetes object as the API server sent it, tagged with its cluster. */
export type KubeObject = { cluster: string; metadata: { name: string; namespace?: string; uid: string; resourceVersion: string; [k: string]: unknown }; [k: string]: unknown };

export interface ListSnapshot<T = KubeObject> {
  key: string;
  version: number;
  /** Ordered by namespace, then name. Unchanged objects keep their identity across snapshots. */
  items: readonly T[];
  /** The resume point of a single list ('' for several: see resourceVersions). */
  resourceVersion: string;
  resourceVersions: Record<string, string>;
  /** The worst status of the lists. */
  status: ListPhase;
  errors: readonly ({ cluster: string; namespace: string } & KubeliveError)[];
  lists: readonly ListState[];
  /** ms since the epoch. */
  updatedAt: number;
  /** watchObject only: the object, or null once deleted. */
  object?: T | null;
  deleted?: boolean;
  /**
   * Worker hosts: true for a first snapshot made on the page from the LIST pages the worker fetched
   * while its module started (status 'loading', or 'error' if a page failed; never 'live'; key '').
   */
  prefetched?: boolean;
}

/**
 * The view part of a ViewQuery. Paths are like status.phase, spec.containers[*].name,
 * metadata.labels["app.kubernetes.io/name"], status.conditions[type=Ready].status (a filter:
 * the elements, or the object, whose members hold those texts; [m] for a truthy member) or
 * metadata.labels.keys("node-role.kubernetes.io/") (the keys of an object, prefix cut off).
 */
export interface ViewQuery extends ListQuery {
  where?: {
    /** Kubernetes syntax: app=web,tier!=db,env in (a,b) */
    labelSelector?: string;
    /** path -> the value or values it may have */
    fields?: Record<string, string | string[]>;
    /** case-insensitive substring of the name, the namespace, a label value or a value of textIn */
    text?: string;
    /** columns or expressions whose values text also searches, e.g. ['reason', 'message'] */
    textIn?: string[];
  };
  /** ties are broken by namespace, then name, then cluster */
  sort?: { by: string; desc?: boolean } | { by: string; desc?: boolean }[];
  /** limit defaults to 100 when absent, at most 10,000; 0 gives no rows (the counts alone) */
  window?: { offset?: number; limit?: number };
  /**
   * name -> expression. A term is a path, a literal ("Normal", 1), a template ("{kind|lower}/{name}",
   * absent when a part is) or each(path, expr) (expr on every value at path); then optionally a
   * reducer: |sum, |count, |join, |join(", "), |first or |lower (required after [*], a filter,
   * keys() or each). Alternatives joined by "??": the first with a value wins.
   */
  columns?: Record<string, string>;
  /** an expression or a column: snapshot.countBy counts the rows that pass the filter per value */
  countBy?: string;
}

export type ViewRow = { readonly uid: string; readonly cluster: string; readonly namespace: string; readonly name: string; readonly [column: string]: string | number | boolean | null };

export interface ViewSnapshot {
  readonly key: string;
  readonly rows: readonly ViewRow[];
  /** rows after the filter */
  readonly total: number;
  /** rows before the filter */
  readonly count: number;
  readonly offset: number;
  readonly version: number;
  readonly status: ListPhase;
  readonly lastError: KubeliveError | null;
  readonly countBy: Readonly<Record<string, number>> | null;
  /** each list's state, as in ListSnapshot */
  readonly lists: readonly ListState[];
}

export interface ViewWatch {
  (): void;
  /**
   * a new where, sort, window, columns or countBy for the same lists; '' or why it was refused.
   * In a worker host, '' once sent (or why not, when the lists or the endpoint changed); other refusals reach the query's onError.
   */
  update(query: ViewQuery): string;
  /** the whole object of a row, parsed now, or null: the object in the page host, a Promise of it in a worker host */
  getObject<T = KubeObject>(cluster: string, uid: string): T | null | Promise<T | null>;
}

export interface StreamOptions {
  isJson?: boolean;
  additionalProtocols?: string[];
  connectCb?: () => void;
  failCb?: (error: Error) => void;
  /** Default: !failCb. */
  reconnectOnFailure?: boolean;
  cluster?: string;
  /** Frames that are not valid JSON (isJson), callbacks that throw. */
  onError?: (error: Error) => void;
}

export interface LogLine {
  text: string;
  /** RFC 3339 timestamp from the server. */
  time?: string;
}

/** The state of a log, exec or attach stream; 'closed' and 'failed' are final. */
export type StreamState = 'connecting' | 'open' | 'waiting-to-retry' | 'closed' | 'failed';

export interface LogOptions {
  cluster?: string;
  namespace: string;
  pod: string;
  container?: string;
  tailLines?: number;
  previous?: boolean;
  /** Bound of the buffer (oldest lines dropped, counted). */
  maxLines?: number;
  onError?: (error: Error & KubeliveError) => void;
  /** error: why the last attempt failed, until a socket opens again. */
  onStatus?: (state: StreamState, error: (Error & KubeliveError) | null) => void;
}

export interface ExecOptions {
  cluster?: string;
  namespace: string;
  pod: string;
  container?: string;
  /** exec only; default ['sh']. */
  command?: string[];
  tty?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  onOutput?: (channel: 1 | 2, text: string) => void;
  onExit?: (code: number, error: (Error & KubeliveError) | null) => void;
  onStatus?: (state: 'connecting' | 'open' | 'closed' | 'failed') => void;
}

export interface ExecSession {
  /** Returns '' when sent, or why not. */
  write(data: string | Uint8Array): string;
  resize(cols: number, rows: number): string;
  closeStdin(): string;
  close(): void;
  onOutput: ((channel: 1 | 2, text: string) => void) | null;
  onExit: ((code: number, error: Error | null) => void) | null;
}

export interface Multiplexer {
  /** The shape of Headlamp's WebSocketManager.subscribe: resolves to an idempotent cleanup. */
  subscribe(cluster: string, path: string, query: string, onMessage: (event: unknown) => void, onError?: (error: Error) => void): Promise<() => void>;
}

export declare class KubeliveClient {
  readonly mux: Multiplexer;
  /** Subscribe to a shared WebSocket; returns an idempotent cleanup. */
  subscribe<T = unknown>(options: SubscribeOptions<T>): () => void;
  /** getSocket(): the WebSocket in the page host, a WorkerSocket in a worker host. */
  stream(url: string, cb: (frame: unknown) => void, options?: StreamOptions): { cancel(): void; getSocket(): WebSocket | WorkerSocket | null };
  logs(options: LogOptions, onLines: (lines: LogLine[], dropped: number) => void): { cancel(): void };
  exec(options: ExecOptions): ExecSession;
  attach(options: Omit<ExecOptions, 'command'>): ExecSession;
  watchList<T = KubeObject>(query: ListQuery, onChange: (snapshot: ListSnapshot<T>) => void): () => void;
  watchObject<T = KubeObject>(query: ObjectQuery, onChange: (snapshot: ListSnapshot<T>) => void): () => void;
  /** Synchronous. In a worker host, only the lists this page watches (others: null). */
  getList<T = KubeObject>(keyOrQuery: string | ListQuery | ObjectQuery): ListSnapshot<T> | null;
  /** In a worker host, this page's key of the query (snapshot.key is the worker's canonical key; both find the list). */
  listKey(query: ListQuery | ObjectQuery): string;
  watchView(query: ViewQuery, onChange: (snapshot: ViewSnapshot) => void): ViewWatch;
  /** Synchronous. In a worker host, only the views this page watches (by snapshot.key or viewKey()). */
  getView(key: string): ViewSnapshot | null;
  /** '' if the query is refused; in a worker host, this page's key of the query, which cannot tell a refused query (watchView's onError does). */
  viewKey(query: ViewQuery): string;
  stats(): Stats;
  /** Every list, stream and socket waiting out a backoff tries again now (spread over half a second). */
  retry(): void;
  /** Delete every list persisted in this browser profile (every identity); false when this client does not persist. */
  clearPersisted(): Promise<boolean>;
  /** Write every list waiting to be persisted now; false when this client does not persist. */
  flushPersisted(): Promise<boolean>;
  close(): void;
  readonly closed: boolean;
}

export declare function load(options?: LoadOptions): Promise<KubeliveClient>;

export interface LoadOptions {
  /** URL of kubelive.wasm. Default: 'kubelive.wasm' next to the page. */
  wasmURL?: string;
  /** The backend, http(s) or ws(s). Default: the page's origin. */
  baseURL?: string;
  /** Bearer token, sent only inside a WebSocket subprotocol, never in a URL. */
  token?: string;
  /** Headlamp's user id (letters, digits, '-' and '_'). */
  userId?: string;
  /** Reserved for the multiplexer: 'auto' (default), 'on' or 'off'. */
  multiplexer?: 'auto' | 'on' | 'off';
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
  /** Live js.Funcs held by the module (returns to its start value after cleanups). */
  funcs: number;
}

export declare class KubeliveClient {
  /** Subscribe to a shared WebSocket; returns an idempotent cleanup. */
  subscribe<T = unknown>(options: SubscribeOptions<T>): () => void;
  stats(): Stats;
  close(): void;
  readonly closed: boolean;
}

export declare function load(options?: LoadOptions): Promise<KubeliveClient>;

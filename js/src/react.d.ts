import type { Context } from 'react';
import type { ExecOptions, ExecSession, KubeliveClient, KubeliveError, KubeObject, ListQuery, ListPhase, ListSnapshot, LogLine, LogOptions, ObjectQuery, SocketStatus, StreamState, ViewQuery, ViewSnapshot } from './index.js';

export declare const KubeliveContext: Context<KubeliveClient | null>;
export declare function stableKey(value: unknown): string;
export declare function useKubeList<T = KubeObject>(query: ListQuery | null, client?: KubeliveClient): ListSnapshot<T> | null;
export declare function useKubeView(query: ViewQuery | null, client?: KubeliveClient): ViewSnapshot | null;
/** push(value): the first value of a frame is sent at once, the last of the later ones on the next frame; send runs at most once per frame. */
export declare function perFrame<T>(send: (value: T) => void, frame?: (f: () => void) => unknown, cancel?: (handle: unknown) => void): ((value: T) => void) & { cancel(): void };
export declare function useKubeObject<T = KubeObject>(query: ObjectQuery | null, client?: KubeliveClient): ListSnapshot<T> | null;
export declare function useWebSocket<T = unknown>(options: { cluster?: string; url: string; type?: 'json' | 'binary'; protocols?: string | string[]; enabled?: boolean; onMessage: (m: T) => void; onError?: (e: Error) => void }, client?: KubeliveClient): SocketStatus | null;
export declare function useWebSockets<T = unknown>(options: { connections: { cluster?: string; url: string; onMessage: (m: T) => void }[]; type?: 'json' | 'binary'; protocols?: string | string[]; enabled?: boolean; onError?: (e: Error) => void }, client?: KubeliveClient): (SocketStatus | null)[];
export declare function useLogs(options: (LogOptions & { enabled?: boolean }) | null, client?: KubeliveClient): { lines: LogLine[]; dropped: number; status: StreamState; error: KubeliveError | null };
export declare function useExec(options: (ExecOptions & { enabled?: boolean }) | null, onOutput: (channel: 1 | 2, text: string) => void, client?: KubeliveClient): { session: ExecSession | null; exit: { code: number; error: KubeliveError | null } | null; status: StreamState };
/** The snapshot's own status (staleness is decided in Go), with its first error. */
export interface ConnectionState { state: ListPhase; since: number; lastEvent: number; error: KubeliveError | null }
export declare function useConnectionState(snapshot: ListSnapshot<unknown> | null): ConnectionState;
export declare function connectionState(snapshot: ListSnapshot<unknown> | null): ConnectionState;

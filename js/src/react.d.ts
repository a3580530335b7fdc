import type { Context } from 'react';
import type { ExecOptions, ExecSession, KubeliveClient, KubeliveError, KubeObject, ListQuery, ListSnapshot, LogLine, LogOptions, ObjectQuery, SocketStatus } from './index';

export declare const KubeliveContext: Context<KubeliveClient | null>;
export declare function stableKey(value: unknown): string;
export declare function useKubeList<T = KubeObject>(query: ListQuery | null, client?: KubeliveClient): ListSnapshot<T> | null;
export declare function useKubeObject<T = KubeObject>(query: ObjectQuery | null, client?: KubeliveClient): ListSnapshot<T> | null;
export declare function useWebSocket<T = unknown>(options: { cluster?: string; url: string; type?: 'json' | 'binary'; protocols?: string | string[]; enabled?: boolean; onMessage: (m: T) => void; onError?: (e: Error) => void }, client?: KubeliveClient): SocketStatus | null;
export declare function useWebSockets(options: { connections: { cluster?: string; url: string; onMessage: (m: unknown) => void }[]; type?: 'json' | 'binary'; protocols?: string | string[]; enabled?: boolean; onError?: (e: Error) => void }, client?: KubeliveClient): (SocketStatus | null)[];
export declare function useLogs(options: (LogOptions & { enabled?: boolean }) | null, client?: KubeliveClient): { lines: LogLine[]; dropped: number; status: string; error: KubeliveError | null };
export declare function useExec(options: (ExecOptions & { enabled?: boolean }) | null, onOutput: (channel: 1 | 2, text: string) => void, client?: KubeliveClient): { session: ExecSession | null; exit: { code: number; error: KubeliveError | null } | null; status: string };
/** The snapshot's own status (staleness is decided in Go), with its first error. */
export interface ConnectionState { state: 'loading' | 'live' | 'reconnecting' | 'stale' | 'error'; since: number; lastEvent: number; error: KubeliveError | null }
export declare function useConnectionState(snapshot: ListSnapshot | null): ConnectionState;
export declare function connectionState(snapshot: ListSnapshot | null): ConnectionState;

// Every export of kubelive/react, used with the app's own object and message
// types. The consumer tier type-checks this file (tsc --noEmit) under
// moduleResolution bundler and nodenext; it is never bundled or run.
import type { ReactNode } from 'react';
import type { ExecSession, KubeliveClient, ListPhase, ListQuery, LogLine, ObjectQuery, SocketStatus, StreamState } from 'kubelive';
import {
  KubeliveContext,
  connectionState,
  stableKey,
  useConnectionState,
  useExec,
  useKubeList,
  useKubeObject,
  useLogs,
  useWebSocket,
  useWebSockets,
} from 'kubelive/react';

export interface Deployment {
  metadata: { name: string; namespace: string };
  spec: { replicas: number };
}

export interface DeploymentEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Deployment;
}

const endpoint = { group: 'apps', version: 'v1', resource: 'deployments' };
const deployments: ListQuery = { lists: [{ cluster: 'demo', namespace: 'default' }], endpoint };
const web: ObjectQuery = { cluster: 'demo', namespace: 'default', name: 'web', endpoint };

export function Everything({ client }: { client: KubeliveClient }): ReactNode {
  const list = useKubeList<Deployment>(deployments);
  const replicas: number | undefined = list?.items[0]?.spec.replicas;
  const listState: ListPhase = useConnectionState(list).state;

  const one = useKubeObject<Deployment>(web, client);
  const object: Deployment | null | undefined = one?.object;
  const objectState = useConnectionState(useKubeObject<Deployment>(web)).state;

  const socket: SocketStatus | null = useWebSocket<DeploymentEvent>({
    cluster: 'demo',
    url: 'apis/apps/v1/deployments?watch=1',
    onMessage: (event) => {
      const kind: 'ADDED' | 'MODIFIED' | 'DELETED' = event.type;
      const n: number = event.object.spec.replicas;
      void kind, n;
    },
  });
  const sockets: (SocketStatus | null)[] = useWebSockets<DeploymentEvent>({
    connections: [{ cluster: 'demo', url: 'apis/apps/v1/deployments?watch=1', onMessage: (event) => void event.object.metadata.name }],
  });

  const logs = useLogs({ cluster: 'demo', namespace: 'default', pod: 'web', maxLines: 100 });
  const logState: StreamState = logs.status;
  const lines: LogLine[] = logs.lines;

  const shell = useExec({ cluster: 'demo', namespace: 'default', pod: 'web', command: ['sh'], tty: true }, (channel: 1 | 2, text: string) => void [channel, text]);
  const session: ExecSession | null = shell.session;
  const exitCode: number | undefined = shell.exit?.code;

  const now = connectionState(list);
  const key: string = stableKey(deployments);

  return (
    <KubeliveContext.Provider value={client}>
      <pre>
        {[replicas, listState, object?.metadata.name, objectState, socket?.state, sockets.length, logState, lines.length, session ? 'session' : '', exitCode, now.state, key].join(' ')}
      </pre>
    </KubeliveContext.Provider>
  );
}

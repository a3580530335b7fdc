// Deliberate type errors: the consumer tier runs tsc on this file and expects
// exactly the error on each line marked "error TSnnnn", no other. Each passes
// if the declarations degrade to `any` or loosen a status union.
import { load } from 'kubelive';
import { useKubeList, useLogs, useWebSocket } from 'kubelive/react';
import type { Deployment, DeploymentEvent } from './hooks.js';

export function Bad() {
  const list = useKubeList<Deployment>({ lists: [{ cluster: 'demo' }], endpoint: { group: 'apps', version: 'v1', resource: 'deployments' } });
  const name: number | undefined = list?.items[0]?.metadata.name; // error TS2322
  const logs = useLogs({ namespace: 'default', pod: 'web' });
  const waiting = logs.status === 'waiting'; // error TS2367
  useWebSocket<DeploymentEvent>({ url: 'apis/apps/v1/deployments?watch=1', onMessage: (e) => e.object.spec.replica }); // error TS2551
  void load({ multiplexer: 'yes' }); // error TS2322
  return [name, waiting];
}

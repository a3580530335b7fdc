// T: the transport alone. Opens the same watch and counts frames; parses
// nothing. Its rate is the ceiling of one event per frame on this machine.
import { ctl, main, mode, now, release, watchURL } from './common.js';

main(async () => {
  const run = await ctl('/ctl/run');
  const total = run.events;
  const times = mode === 'latency' ? new Float64Array(total) : null;
  let count = 0;
  let first = 0;
  let done;
  const finished = new Promise((r) => (done = r));
  const ws = new WebSocket(watchURL(run.meta.listRV), ['base64.binary.k8s.io']);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = () => {
    const t = now();
    if (count === 0) first = t;
    if (times) times[count] = t;
    if (++count === total) done(t);
  };
  ws.onopen = () => release();
  const end = await finished;
  ws.close();
  // Frame i is event i: its "callback" is its arrival.
  return { done: end, first, frames: count, times: times ? Array.from(times) : null, ok: count === total };
});

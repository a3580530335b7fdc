// A: "the original". Written the way Headlamp's KubeList.applyUpdate works:
// JSON.parse each frame, a numeric
// resourceVersion guard, copy the items array, find the uid by a linear
// scan, replace/push/splice a new KubeObject, a new list object and one
// subscriber notification per event. Generous to the original: no React
// Query combine (a flatMap over every list per event), no re-render, and
// no socket reopen per event.
import { LIST_PATH, Tracker, ctl, main, mode, now, release, render, verify, watchURL } from './common.js';

class KubeObject {
  constructor(json, cluster) {
    this.jsonData = json;
    this._clusterName = cluster;
  }
  get metadata() {
    return this.jsonData.metadata;
  }
}

function applyUpdate(list, update, itemClass, cluster) {
  if (
    list.metadata.resourceVersion &&
    update.object.metadata.resourceVersion &&
    parseInt(update.object.metadata.resourceVersion) <= parseInt(list.metadata.resourceVersion)
  ) {
    return list;
  }
  const newItems = [...list.items];
  const index = newItems.findIndex((item) => item.metadata.uid === update.object.metadata.uid);
  switch (update.type) {
    case 'ADDED':
    case 'MODIFIED':
      if (index !== -1) newItems[index] = new itemClass(update.object, cluster);
      else newItems.push(new itemClass(update.object, cluster));
      break;
    case 'DELETED':
      if (index !== -1) newItems.splice(index, 1);
      break;
    case 'ERROR':
      console.error('Error in update', update);
      break;
    default:
      console.error('Unknown update type', update);
  }
  return {
    ...list,
    metadata: { ...list.metadata, resourceVersion: update.object.metadata.resourceVersion },
    items: newItems,
  };
}

main(async () => {
  const run = await ctl('/ctl/run');
  const tracker = new Tracker(run);
  const body = JSON.parse(await (await fetch(LIST_PATH)).text());
  let list = { ...body, items: body.items.map((it) => new KubeObject(it, 'bench')) };
  if (mode === 'first') {
    await render(list.items, (o) => o.metadata.name);
    return { firstList: performance.now(), items: list.items.length };
  }
  const subscribers = [
    (l) =>
      tracker.seen(l.metadata.resourceVersion, l.items.length, (uid) =>
        l.items.find((o) => o.metadata.uid === uid)?.metadata.resourceVersion,
      ),
  ];
  const ws = new WebSocket(watchURL(list.metadata.resourceVersion), ['base64.binary.k8s.io']);
  ws.binaryType = 'arraybuffer';
  ws.onmessage = (ev) => {
    const update = JSON.parse(ev.data);
    const next = applyUpdate(list, update, KubeObject, 'bench');
    if (next === list) return;
    list = next;
    for (const fn of subscribers) fn(list);
  };
  ws.onopen = () => release();
  const end = await tracker.finished;
  ws.close();
  const check = mode === 'throughput' ? await verify(list.items, (o) => o.metadata.uid, (o) => o.metadata.resourceVersion) : { ok: true };
  window.benchHold = list; // keep the state alive for the heap measurement
  return { done: end, calls: tracker.calls, notifications: tracker.notifications, ...check, finishedAt: now() };
});

// Presentation helpers: how a Kubernetes object reads in a table cell.

/** age formats the time since ts the way kubectl does: 42s, 5m, 3h, 2d. */
export function age(ts, now) {
  const t = typeof ts === 'number' ? ts : Date.parse(ts ?? '');
  if (!Number.isFinite(t)) return '—';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${m < 10 && s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${h < 10 && m % 60 ? `${m % 60}m` : ''}`;
  const d = Math.floor(h / 24);
  return `${d}d${d < 10 && h % 24 ? `${h % 24}h` : ''}`;
}

// One formatter each, made once: toLocaleString with options builds a new
// Intl formatter per call, which at a table's 100-odd Age cells per render
// was the page's largest cost (7.5 s of a profile of typing in a filter box).
const DATE_TIME = new Intl.DateTimeFormat([], { dateStyle: 'medium', timeStyle: 'medium' });
const CLOCK = new Intl.DateTimeFormat([], { hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
const NUMBER = new Intl.NumberFormat('en-US');

/** localDate formats a timestamp (ms or RFC 3339) as the local date and time, for a hover title. */
export function localDate(ts) {
  const t = typeof ts === 'number' ? ts : Date.parse(ts ?? '');
  return Number.isFinite(t) ? DATE_TIME.format(t) : '';
}

/** clockTime formats ms since the epoch as local HH:MM:SS. */
export function clockTime(ms) {
  return ms ? CLOCK.format(ms) : '—';
}

/** time is ms since the epoch of an RFC 3339 timestamp, or undefined. */
export function time(ts) {
  const t = Date.parse(ts ?? '');
  return Number.isFinite(t) ? t : undefined;
}

/** nodeStatus is the STATUS column of kubectl get nodes: Ready, NotReady or Unknown (plus SchedulingDisabled). */
export function nodeStatus(node) {
  const c = (node.status?.conditions ?? []).find((x) => x.type === 'Ready');
  const s = !c ? 'Unknown' : c.status === 'True' ? 'Ready' : c.status === 'False' ? 'NotReady' : 'Unknown';
  return node.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
}

/** podStatus is the STATUS column of kubectl get pods. */
export function podStatus(pod) {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  let reason = pod.status?.reason || pod.status?.phase || 'Unknown';
  const inits = pod.spec?.initContainers ?? [];
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  for (const [i, c] of initStatuses.entries()) {
    if (c.state?.terminated?.exitCode === 0) continue;
    if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') return `Init:${c.state.waiting.reason}`;
    if (c.state?.terminated) return `Init:${c.state.terminated.reason || `ExitCode:${c.state.terminated.exitCode}`}`;
    return `Init:${i}/${inits.length}`;
  }
  for (const c of pod.status?.containerStatuses ?? []) {
    const st = c.state ?? {};
    if (st.waiting?.reason) return st.waiting.reason;
    if (st.terminated) reason = st.terminated.reason || (st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`);
  }
  return reason;
}

const TONES = {
  ok: ['Running', 'Completed', 'Succeeded', 'Active', 'True', 'live', 'Ready', 'Bound', 'event:Normal'],
  warn: ['event:Warning', 'Pending', 'ContainerCreating', 'PodInitializing', 'Warning', 'reconnecting', 'connecting', 'loading'],
  bad: ['NotReady', 'Failed', 'Error', 'CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'OOMKilled', 'Evicted', 'error', 'False'],
  muted: ['Normal', 'Terminating', 'Unknown', 'stale', 'closed', 'Terminated'],
};

/** tone maps a status word to ok | warn | bad | muted | info. */
export function tone(word) {
  for (const [t, words] of Object.entries(TONES)) if (words.includes(word)) return t;
  if (/^(ExitCode|Signal):|^Init:.*(Err|BackOff|Exit)/.test(word)) return 'bad';
  if (/^Init:/.test(word)) return 'warn';
  if (/BackOff|Err/.test(word)) return 'bad';
  return 'info';
}

/** readyCount is "ready/total" of a pod's containers. */
export function readyCount(pod) {
  const total = pod.spec?.containers?.length ?? 0;
  const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready).length;
  return { ready, total };
}

export function restarts(pod) {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** bytes formats a byte count: 912 B, 14.2 kB, 3.1 MB. */
export function bytes(n) {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function number(n) {
  return NUMBER.format(n ?? 0);
}

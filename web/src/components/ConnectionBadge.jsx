// The connection state of one view's list: live / reconnecting / stale / error, and since when.
// It renders the snapshot's status: staleness is decided in Go.
import { useConnectionState } from '../../../js/src/react.js';
import { useNow } from '../clock.js';
import { age, clockTime } from '../format.js';

const LABEL = { loading: 'Connecting', live: 'Live', reconnecting: 'Reconnecting', stale: 'Stale', error: 'Error' };

export function ConnectionBadge({ snapshot }) {
  const { state, since, lastEvent } = useConnectionState(snapshot);
  const now = useNow();
  const error = snapshot?.errors?.[0]?.message;
  // The last error outlives a recovery (a resume can succeed within one frame).
  const last = (snapshot?.lists ?? []).reduce((a, l) => (l.lastErrorAt > (a?.lastErrorAt ?? 0) ? l : a), null);
  const title = [
    `${LABEL[state] ?? state} since ${clockTime(since)}`,
    lastEvent ? `last event ${clockTime(lastEvent)}` : '',
    error ? `error: ${error}` : '',
    !error && last ? `last error ${clockTime(last.lastErrorAt)}: ${last.lastError?.message}` : '',
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <span className={`conn conn-${state}`} data-testid="conn" data-state={state} data-last-error={last?.lastError?.message ?? ''} title={title}>
      <span className="conn-dot" />
      <span className="conn-label">{LABEL[state] ?? state}</span>
      {since > 0 && <span className="conn-since">for {age(since, now)}</span>}
    </span>
  );
}

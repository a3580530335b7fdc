// Why a view is not live: each error's sentence, its raw code and reason, and a Retry action
// that sends every waiting retry now (kl.retry()).
import { useContext } from 'react';
import { KubeliveContext } from '../../../js/src/react.js';

/** errors: [{ cluster?, namespace?, message, code?, reason? }]; bad: an error (not a reconnect). */
export function ErrorBanner({ errors, bad, prefix = '' }) {
  const kl = useContext(KubeliveContext);
  if (!errors?.length) return null;
  return (
    <div className={`banner banner-row ${bad ? 'banner-bad' : 'banner-warn'}`} role={bad ? 'alert' : 'status'} data-testid="error-banner">
      <div className="banner-text">
        {prefix}
        {errors.map((e, i) => (
          <div key={i} className="banner-error" data-code={e.code ?? ''} data-reason={e.reason ?? ''}>
            {e.cluster !== undefined && <strong>{`${e.cluster}/${e.namespace || 'all'}: `}</strong>}
            {e.message}
            {(e.code || e.reason) && <span className="banner-raw">{[e.code, e.reason].filter(Boolean).join(' ')}</span>}
          </div>
        ))}
      </div>
      {kl && (
        <button type="button" className="btn" onClick={() => kl.retry()} data-testid="retry">
          Retry
        </button>
      )}
    </div>
  );
}

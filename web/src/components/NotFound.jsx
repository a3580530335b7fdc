// What an unknown route shows: never another page in its place.
import { href } from '../route.js';

export function NotFound({ route }) {
  return (
    <section className="page" data-testid="not-found-page">
      <div className="card notfound">
        <h1>Page not found</h1>
        <p className="muted">
          Cluster <strong>{route.cluster}</strong> serves no resource kind called <code className="mono">{route.resource}</code>.
        </p>
        <a className="btn btn-accent" href={href({ resource: 'pods', name: '' }, route)}>
          Go to Pods
        </a>
      </div>
    </section>
  );
}

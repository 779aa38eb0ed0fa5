import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <div className="page">
      <div className="state">
        <h1>Page not found</h1>
        <p>There is nothing at this address. It may have moved, or the link is mistyped.</p>
        <div className="actions"><Link className="btn btn-primary" to="/">Go to the dashboard</Link></div>
      </div>
    </div>
  );
}

// Run graphql-http's server audit against a running relay-graph and print the results as JSON.
// Usage: node audit.mjs URL; the admin token comes from RELAY_AUDIT_TOKEN.
import { auditServer } from 'graphql-http';

const [url] = process.argv.slice(2);
const token = process.env.RELAY_AUDIT_TOKEN;
if (!url || !token) {
  console.error('usage: RELAY_AUDIT_TOKEN=<token> node audit.mjs <url>');
  process.exit(2);
}

// The audit sends anonymous requests; our endpoint needs a bearer token on each of them.
const fetchWithToken = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn: fetchWithToken });
const summary = results.map((result) => ({
  id: result.id,
  name: result.name,
  status: result.status,
  reason: result.status === 'ok' ? null : result.reason,
}));
console.log(JSON.stringify(summary));

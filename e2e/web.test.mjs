// The web app in Debian's chromium, driven by playwright-core: each step of the Contacts flows
// in English and Spanish, form errors, the delete confirmation, the technician's view, the
// company switcher, and axe on every page. Screenshots go to $REACH_SCREENSHOTS.
// Usage: REACH_URL=... REACH_TOKEN=... REACH_ADMIN_EMAIL=... REACH_ADMIN_PASSWORD=... node --test
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { Webhook } from 'standardwebhooks';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
// Evaluated through the DevTools protocol: a <script> tag would be (rightly) refused by the
// pages' Content-Security-Policy.
const axeSource = readFileSync(axePath, 'utf8');
// Whatever the pages' Content-Security-Policy refused: there must be nothing.
const cspErrors = [];
function watchCsp(page) {
  page.on('console', (m) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) cspErrors.push(`${page.url()}: ${m.text()}`);
  });
}
const base = process.env.REACH_URL;
const token = process.env.REACH_TOKEN;
const admin = { email: process.env.REACH_ADMIN_EMAIL, password: process.env.REACH_ADMIN_PASSWORD };
const tech = { email: 'tess.e2e@example.com', password: 'technician password 1' };
const shots = process.env.REACH_SCREENSHOTS || '../target/e2e';
const smtpSink = process.env.REACH_SMTP_SINK_DIR;
mkdirSync(shots, { recursive: true });

let browser;
let northwind;
let contoso;

async function api(method, path, body) {
  const response = await fetch(base + '/api/v1' + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = response.status === 204 ? null : await response.json();
  assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

before(async () => {
  assert.ok(base && token && admin.email && admin.password, 'REACH_URL, REACH_TOKEN and the admin credentials are needed');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  await api('PATCH', '/account', { default_region: 'ES' });
  northwind = await api('POST', '/companies', { name: 'Northwind E2E' });
  contoso = await api('POST', '/companies', { name: 'Contoso E2E' });
  await api('POST', '/users', { name: 'Tess Técnica', email: tech.email, role: 'technician', companies: [northwind.id], password: tech.password });
  await api('POST', '/contacts', { name: 'Carl Contoso', companies: [contoso.id] });
  await api('POST', '/contacts', { name: 'Nora Northwind', companies: [northwind.id] });
});

after(async () => {
  await browser?.close();
});

/** A signed-in page in a fresh browser context with the given language. */
async function signIn(who, locale) {
  const context = await browser.newContext({ locale, extraHTTPHeaders: { 'accept-language': locale } });
  const page = await context.newPage();
  watchCsp(page);
  await page.goto(base + '/');
  await page.locator('#f-email').fill(who.email);
  await page.locator('#f-password').fill(who.password);
  await page.locator('button[type=submit]').click();
  await page.waitForURL('**/configure/contacts');
  return page;
}

/** Runs axe and fails on serious or critical violations; saves a screenshot. */
async function check(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  await page.evaluate(axeSource);
  assert.deepEqual(cspErrors, [], `nothing on ${name} is refused by the Content-Security-Policy`);
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${name}`);
}

const words = {
  en: {
    addContact: 'Add a Contact', addMethod: 'Add Contact Method', save: 'Save', edit: 'Edit', delete: 'Delete',
    ok: 'OK', cancel: 'Cancel', name: 'Name', address: 'Address', type: 'Type', added: 'The contact was added.',
    methodAdded: 'The contact method was added.', badEmail: 'Enter a valid email address', badPhone: 'Enter a valid phone number',
    sms: 'Text message', contacts: 'Contacts', configure: 'Configure', account: 'My Account', chosen: 'Chosen companies',
    deleted: 'The contact was deleted.', methodDeleted: 'The contact method was deleted.',
  },
  es: {
    addContact: 'Añadir un contacto', addMethod: 'Añadir método de contacto', save: 'Guardar', edit: 'Editar', delete: 'Eliminar',
    ok: 'Aceptar', cancel: 'Cancelar', name: 'Nombre', address: 'Dirección', type: 'Tipo', added: 'Se ha añadido el contacto.',
    methodAdded: 'Se ha añadido el método de contacto.', badEmail: 'Introduce una dirección de correo válida', badPhone: 'Introduce un número de teléfono válido',
    sms: 'Mensaje de texto', contacts: 'Contactos', configure: 'Configurar', account: 'Mi cuenta', chosen: 'Empresas elegidas',
    deleted: 'Se ha eliminado el contacto.', methodDeleted: 'Se ha eliminado el método de contacto.',
  },
};

for (const lang of ['en', 'es']) {
  const w = words[lang];
  test(`the Contacts flows, in ${lang}`, async () => {
    const page = await signIn(admin, lang === 'en' ? 'en-US' : 'es-ES');
    const name = lang === 'en' ? 'Marta Ruiz' : 'Marta Núñez';
    await check(page, `${lang}-contacts`);
    await assert.doesNotReject(page.getByRole('link', { name: w.configure }).or(page.getByText(w.configure, { exact: true })).first().waitFor());

    // Add a Contact: name and chosen companies, Save, a confirmation at the top.
    const add = page.locator('section', { has: page.getByRole('heading', { name: w.addContact }) });
    await add.getByLabel(w.name, { exact: true }).fill(name);
    await add.getByLabel(w.chosen).check();
    await add.getByLabel('Northwind E2E').check();
    await add.getByRole('button', { name: w.save }).click();
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: w.added }).waitFor());
    const entry = page.locator('li.contact', { has: page.getByRole('heading', { name }) });
    await assert.doesNotReject(entry.waitFor());

    // A blank name is refused next to the field, nothing stored.
    await add.getByRole('button', { name: w.save }).click();
    assert.equal(await page.locator('#f-name').getAttribute('aria-invalid'), 'true');

    // Add Contact Method: a bad email, then a bad phone number, then good ones.
    await entry.getByRole('link', { name: w.addMethod }).click();
    await check(page, `${lang}-method-form`);
    await page.getByLabel(w.type).selectOption('email');
    await page.getByLabel(w.address).fill('marta@@example');
    await page.getByRole('button', { name: w.save }).click();
    assert.equal(await page.locator('#f-address').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#f-address-error').textContent(), w.badEmail);
    assert.equal(await page.locator('#f-address').inputValue(), 'marta@@example', 'the typed value is kept');
    await page.screenshot({ path: `${shots}/${lang}-method-form-error.png`, fullPage: true });
    await page.getByLabel(w.type).selectOption('sms');
    await page.getByLabel(w.address).fill('12');
    await page.getByRole('button', { name: w.save }).click();
    assert.equal(await page.locator('#f-address-error').textContent(), w.badPhone);
    await page.getByLabel(w.address).fill('612 34 56 78');
    await page.getByRole('button', { name: w.save }).click();
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: w.methodAdded }).waitFor());
    await entry.getByRole('link', { name: w.addMethod }).click();
    await page.getByLabel(w.type).selectOption('email');
    await page.getByLabel(w.address).fill('Marta@Example.COM');
    await page.getByRole('button', { name: w.save }).click();
    const methods = entry.locator('li.method');
    assert.deepEqual(await methods.locator('.address').allTextContents(), ['+34612345678', 'Marta@example.com']);
    assert.equal(await methods.first().locator('.type').textContent(), w.sms);

    // The contact's own Edit and Delete come before those of its methods.
    const links = await entry.getByRole('link').allTextContents();
    assert.deepEqual(links.slice(0, 2), [w.edit, w.delete]);

    // Edit the contact.
    await entry.getByRole('link', { name: w.edit }).first().click();
    await check(page, `${lang}-contact-edit`);
    await page.getByLabel(w.name, { exact: true }).fill(name + ' Gil');
    await page.getByRole('button', { name: w.save }).click();
    const edited = page.locator('li.contact', { has: page.getByRole('heading', { name: name + ' Gil' }) });
    await assert.doesNotReject(edited.waitFor());

    // Delete a method: Cancel keeps it, OK removes it.
    await edited.locator('li.method').first().getByRole('link', { name: w.delete }).click();
    await check(page, `${lang}-confirm`);
    await page.getByRole('link', { name: w.cancel }).click();
    assert.equal(await edited.locator('li.method').count(), 2);
    await edited.locator('li.method').first().getByRole('link', { name: w.delete }).click();
    await page.getByRole('button', { name: w.ok }).click();
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: w.methodDeleted }).waitFor());
    assert.equal(await edited.locator('li.method').count(), 1);

    // Delete the contact: Cancel keeps, OK removes.
    await edited.getByRole('link', { name: w.delete }).first().click();
    await page.getByRole('link', { name: w.cancel }).click();
    await assert.doesNotReject(edited.waitFor());
    await edited.getByRole('link', { name: w.delete }).first().click();
    await page.getByRole('button', { name: w.ok }).click();
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: w.deleted }).waitFor());
    assert.equal(await page.getByRole('heading', { name: name + ' Gil' }).count(), 0);

    // The other pages, for screenshots and axe.
    for (const path of ['account', 'companies', 'users', 'settings']) {
      await page.goto(`${base}/configure/${path}`);
      await check(page, `${lang}-${path}`);
      if (path === 'companies' || path === 'users') {
        await page.getByRole('link', { name: w.edit }).first().click();
        await check(page, `${lang}-${path}-edit`);
      }
    }
    const missing = await page.goto(`${base}/configure/contacts/no-such-contact/edit`);
    assert.equal(missing.status(), 404);
    await check(page, `${lang}-error`);
    await page.context().close();
  });
}

test('the sign-in page, in both languages', async () => {
  for (const [lang, locale, button] of [['en', 'en-US', 'Sign in'], ['es', 'es-ES', 'Iniciar sesión']]) {
    const context = await browser.newContext({ locale, extraHTTPHeaders: { 'accept-language': locale } });
    const page = await context.newPage();
    await page.goto(base + '/');
    await assert.doesNotReject(page.getByRole('button', { name: button }).waitFor());
    assert.equal(await page.locator('input[type=password]').count(), 1);
    await check(page, `${lang}-sign-in`);
    await page.locator('#f-email').fill(admin.email);
    await page.locator('#f-password').fill('not the password');
    await page.getByRole('button', { name: button }).click();
    await assert.doesNotReject(page.getByRole('alert').waitFor());
    await context.close();
  }
});

test("the technician's view: their companies, no add, edit or delete, their own methods", async () => {
  const page = await signIn(tech, 'en-US');
  assert.equal(await page.locator('input[type=password]').count(), 0, 'no password field after sign-in');
  await check(page, 'en-contacts-technician');
  assert.equal(await page.getByRole('heading', { name: 'Add a Contact' }).count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Carl Contoso' }).count(), 0, 'Contoso is not theirs');
  const nora = page.locator('li.contact', { has: page.getByRole('heading', { name: 'Nora Northwind' }) });
  await assert.doesNotReject(nora.waitFor());
  assert.equal(await nora.getByRole('link').count(), 0, 'no controls on other contacts');
  await page.goto(base + '/configure/account');
  await page.getByRole('link', { name: 'Add Contact Method' }).click();
  await page.getByLabel('Type').selectOption('sms');
  await page.getByLabel('Address').fill('699 11 22 33');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL('**/configure/account**');
  await assert.doesNotReject(page.getByText('+34699112233').waitFor());
  // Admin-only pages refuse them.
  const response = await page.goto(base + '/configure/users');
  assert.equal(response.status(), 403);
  assert.equal((await page.goto(base + '/audit')).status(), 403);
  await page.context().close();
});

test('the company switcher filters the contacts list', async () => {
  const page = await signIn(admin, 'en-US');
  await page.getByLabel('Current company').selectOption({ label: 'Contoso E2E' });
  await page.getByRole('button', { name: 'Switch' }).click();
  await assert.doesNotReject(page.getByRole('heading', { name: 'Carl Contoso' }).waitFor());
  assert.equal(await page.getByRole('heading', { name: 'Nora Northwind' }).count(), 0);
  await check(page, 'en-contacts-switched');
  await page.getByLabel('Current company').selectOption({ label: 'All companies' });
  await page.getByRole('button', { name: 'Switch' }).click();
  await assert.doesNotReject(page.getByRole('heading', { name: 'Nora Northwind' }).waitFor());
  await page.context().close();
});

/** Polls `read` until `ok` holds of its value, or fails after `seconds`. */
async function eventually(what, read, ok, seconds = 15) {
  const deadline = Date.now() + seconds * 1000;
  let value;
  while (Date.now() < deadline) {
    value = await read();
    if (ok(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${what}: ${JSON.stringify(value)?.slice(0, 500)}`);
}

/** The messages the test SMTP server (tests/support/smtp_sink.py) received so far. */
function mails() {
  return readdirSync(smtpSink)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(`${smtpSink}/${f}`, 'utf8')));
}

test('alerts reach the right people by severity; the email link acknowledges; the pages show it', async () => {
  assert.ok(smtpSink, 'REACH_SMTP_SINK_DIR: the folder of the test SMTP server');
  // A webhook receiver that verifies every request with the Standard Webhooks library.
  const hooks = [];
  let secret;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      try {
        hooks.push(new Webhook(secret).verify(body, req.headers));
        res.writeHead(204).end();
      } catch (e) {
        hooks.push({ error: String(e) });
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const nuria = await api('POST', '/contacts', { name: 'Nuria Alertas', companies: [northwind.id], locale: 'es' });
    const carla = await api('POST', '/contacts', { name: 'Carla Contoso', companies: [contoso.id] });
    await api('POST', `/contacts/${nuria.id}/methods`, { type: 'email', address: 'nuria@northwind.example', min_severity: 'warning' });
    const hook = await api('POST', `/contacts/${nuria.id}/methods`, { type: 'webhook', address: `http://127.0.0.1:${server.address().port}/hook`, min_severity: 'critical' });
    secret = hook.secret;
    assert.match(secret, /^whsec_/);
    const again = await api('GET', `/contacts/${nuria.id}/methods/${hook.id}`);
    assert.equal(again.secret, undefined, 'the secret is shown once');
    await api('POST', `/contacts/${carla.id}/methods`, { type: 'email', address: 'carla@contoso.example', min_severity: 'info' });

    const [warning, critical] = await api('POST', '/alerts', [
      { company_id: northwind.id, key: 'disk:srv-12', severity: 'warning', title: 'Disk 85% on srv-12' },
      { company_id: northwind.id, key: 'down:db-1', severity: 'critical', title: 'db-1 is down', body: 'No answer to ping for 3 minutes.', labels: { host: 'db-1' } },
    ]);
    const toNuria = await eventually('two emails to Nuria', () => mails().filter((m) => m.rcpt_tos.includes('nuria@northwind.example')), (m) => m.length === 2);
    assert.deepEqual(toNuria.map((m) => m.headers.subject).sort(), ['[AVISO] Northwind E2E: Disk 85% on srv-12', '[CRÍTICA] Northwind E2E: db-1 is down']);
    await eventually('the critical webhook', () => hooks, (h) => h.length === 1);
    assert.equal(hooks[0].id, critical.id, `verified by the Standard Webhooks library: ${JSON.stringify(hooks[0])}`);
    assert.equal(hooks[0].severity, 'critical');
    assert.equal(mails().filter((m) => m.rcpt_tos.includes('carla@contoso.example')).length, 0, 'Contoso people hear nothing of Northwind');

    // Nuria opens the acknowledge link of the critical email (no sign-in) and acknowledges.
    const mail = toNuria.find((m) => m.headers.subject.startsWith('[CRÍTICA]'));
    assert.equal(mail.headers['content-language'], 'es');
    const link = mail.text.match(/https?:\/\/\S+\/ack\/\S+/)[0];
    const context = await browser.newContext({ locale: 'en-US' });
    const visitor = await context.newPage();
    await visitor.goto(link);
    await assert.doesNotReject(visitor.getByRole('heading', { name: 'db-1 is down' }).waitFor());
    await check(visitor, 'es-ack-link');
    await visitor.getByRole('button', { name: 'Confirmar recepción' }).click();
    await assert.doesNotReject(visitor.getByText('Confirmada.').first().waitFor());
    await check(visitor, 'es-ack-link-done');
    await context.close();
    const acked = await api('GET', `/alerts/${critical.id}`);
    assert.equal(acked.acknowledged_by, nuria.id);

    for (const [lang, locale] of [['en', 'en-US'], ['es', 'es-ES']]) {
      const page = await signIn(admin, locale);
      await page.goto(base + '/alerts');
      await assert.doesNotReject(page.getByRole('link', { name: 'db-1 is down' }).waitFor());
      await check(page, `${lang}-alerts`);
      await page.getByRole('link', { name: 'db-1 is down' }).click();
      await assert.doesNotReject(page.getByText(lang === 'en' ? 'Acknowledged by Nuria Alertas' : 'Confirmada por Nuria Alertas').first().waitFor());
      assert.equal(await page.getByRole('button', { name: lang === 'en' ? 'Acknowledge' : 'Confirmar recepción' }).count(), 0, 'already acknowledged');
      await assert.doesNotReject(page.locator('.entry.state-sent').first().waitFor());
      await page.locator('.entry.state-sent details summary').first().click();
      await check(page, `${lang}-alert`);
      await page.goto(base + '/delivery?state=sent');
      await assert.doesNotReject(page.locator('.entry.state-sent').first().waitFor());
      assert.equal(await page.locator('.entry:not(.state-sent)').count(), 0, 'filtered by state');
      await check(page, `${lang}-delivery`);
      await page.context().close();
    }

    // The warning is acknowledged from its page by the admin.
    const page = await signIn(admin, 'en-US');
    await page.goto(`${base}/alerts/${warning.id}`);
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await assert.doesNotReject(page.getByText('Acknowledged. Pending escalations are stopped.').waitFor());

    // Maintenance on the company page: an end before the start is a field error, then added.
    await page.goto(`${base}/configure/companies/${northwind.id}/edit`);
    await page.getByLabel('Starts').fill('2030-01-10T22:00');
    await page.getByLabel('Ends').fill('2030-01-10T21:00');
    await page.getByRole('button', { name: 'Add a maintenance window' }).click();
    await assert.doesNotReject(page.getByText('Must be after the start').waitFor());
    await check(page, 'en-company-maintenance-error');
    await page.getByLabel('Ends').fill('2030-01-11T02:00');
    await page.getByLabel('Reason').fill('Database upgrade');
    await page.getByRole('button', { name: 'Add a maintenance window' }).click();
    await assert.doesNotReject(page.getByText('Maintenance window added.').waitFor());
    await assert.doesNotReject(page.getByRole('cell', { name: 'Database upgrade' }).waitFor());
    await check(page, 'en-company-maintenance');
    const windows = await api('GET', `/companies/${northwind.id}/maintenance`);
    assert.equal(windows.items.length, 1);
    // The audit log shows it, newest first.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await assert.doesNotReject(page.getByRole('cell', { name: /Created · maintenance/ }).first().waitFor());
    await check(page, 'en-audit');
    await page.context().close();
  } finally {
    server.close();
  }
});

/** The requests the SMS/voice provider stand-in (tests/support/provider_standin.py) received. */
function providerRequests() {
  const log = process.env.REACH_PROVIDER_LOG;
  let text = '';
  try { text = readFileSync(log, 'utf8'); } catch { return []; }
  const requests = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.deepEqual(requests.filter((r) => r.violation), [], 'every request follows the provider API');
  return requests;
}

test('verify an SMS by code, send a test, and flood control with its digest', async () => {
  assert.ok(process.env.REACH_PROVIDER_LOG, 'REACH_PROVIDER_LOG: the provider stand-in log');
  const victor = await api('POST', '/contacts', { name: 'Víctor Verifica', companies: [northwind.id], locale: 'es' });
  const sms = await api('POST', `/contacts/${victor.id}/methods`, { type: 'sms', address: '+34 699 00 11 22' });
  const page = await signIn(admin, 'es-ES');
  await page.goto(`${base}/configure/contacts?q=Víctor`);
  const entry = page.locator('li.method', { hasText: '+34699001122' });
  await entry.getByRole('button', { name: 'Verificar' }).click();
  await page.waitForURL('**/verify?sent=1');
  const code = (await eventually('the code by SMS', () => providerRequests().filter((r) => r.form.To === '+34699001122'), (r) => r.length === 1))[0]
    .form.Body.match(/\d{6}/)[0];
  await check(page, 'es-verify');
  await page.getByLabel('Código').fill(code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Verificar' }).click();
  await assert.doesNotReject(page.getByText('Este código no es correcto').waitFor());
  assert.equal(await page.getByLabel('Código').getAttribute('aria-invalid'), 'true');
  await check(page, 'es-verify-error');
  await page.getByLabel('Código').fill(code);
  await page.getByRole('button', { name: 'Verificar' }).click();
  await assert.doesNotReject(page.getByText('El método de contacto está verificado.').waitFor());
  assert.equal((await api('GET', `/contacts/${victor.id}/methods/${sms.id}`)).verified, true);

  // Send test within a minute of the code: refused, nothing sent (one message per method per minute).
  await page.goto(`${base}/configure/contacts?q=Víctor`);
  await page.locator('li.method', { hasText: '+34699001122' }).getByRole('button', { name: 'Enviar prueba' }).click();
  await assert.doesNotReject(page.getByText('Demasiados mensajes de prueba y de verificación a esta dirección').waitFor());
  await check(page, 'es-test-too-soon');
  // A second method to the same number is a method of its own: its test goes out (the number
  // may take five an hour), and the delivery log shows it.
  const second = await api('POST', `/contacts/${victor.id}/methods`, { type: 'sms', address: '+34699001122', label: 'segundo' });
  await page.goto(`${base}/configure/contacts?q=Víctor`);
  await page.locator('li.method', { hasText: 'segundo' }).getByRole('button', { name: 'Enviar prueba' }).click();
  await assert.doesNotReject(page.getByText('Hay un mensaje de prueba en camino').waitFor());
  await eventually('the test SMS', () => providerRequests().filter((r) => r.form.To === '+34699001122'), (r) => r.length === 2);
  await check(page, 'es-contacts-verify-test');
  await api('DELETE', `/contacts/${victor.id}/methods/${second.id}`);

  // Twelve quick criticals to one number: ten messages, two held back, one digest queued.
  await api('POST', '/alerts', Array.from({ length: 12 }, (_, i) => ({ company_id: northwind.id, key: `flood-${i}`, severity: 'critical', title: `Flood ${i}` })));
  const texts = await eventually('ten alert SMS', () => providerRequests().filter((r) => r.form.To === '+34699001122' && r.form.Body.startsWith('[CRÍTICA]')), (r) => r.length >= 10);
  const log = await eventually('two held back and a digest', async () => (await api('GET', `/notifications?contact=${victor.id}`)).items, (items) => items.filter((n) => n.reason === 'rate limited').length === 2);
  // One number's notifications go in order, so once two are held back the ten are done.
  assert.equal(providerRequests().filter((r) => r.form.To === '+34699001122' && r.form.Body.startsWith('[CRÍTICA]')).length, 10, `exactly ten: ${texts.length}`);
  assert.equal(log.filter((n) => n.state === 'queued').length, 1, 'one digest waits for the window to reopen');
  await page.goto(`${base}/delivery`);
  await assert.doesNotReject(page.getByText('Resumen de alertas retenidas').first().waitFor());
  await assert.doesNotReject(page.getByText('límite de envíos').first().waitFor());
  await check(page, 'es-delivery-flood');

  // The same buttons in English: Send test on the admin's own email.
  const en = await signIn(admin, 'en-US');
  await en.goto(`${base}/configure/account`);
  await en.locator('li.method', { hasText: 'admin@live.example' }).getByRole('button', { name: 'Send test' }).click();
  await assert.doesNotReject(en.getByText('A test message is on its way').waitFor());
  assert.ok(await en.locator('li.method', { hasText: 'admin@live.example' }).getByRole('button', { name: 'Verify' }).count() <= 1);
  await check(en, 'en-account-send-test');
  await en.context().close();

  // Flood limits on the Settings page.
  await page.goto(`${base}/configure/settings`);
  await page.getByLabel('Mensaje de texto').fill('0');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await assert.doesNotReject(page.locator('#f-flood_sms-error').waitFor());
  await check(page, 'es-settings-flood-error');
  await page.context().close();
});

test('reports: defined on the page, Run now, one email of each kind rendered and looked at', async () => {
  const page = await signIn(admin, 'en-US');
  await page.goto(`${base}/configure/reports`);
  await check(page, 'en-reports');
  // A bad schedule is a field error; then a good one is saved.
  await page.getByLabel('Name', { exact: true }).fill('Weekly coverage');
  await page.getByLabel('Kind').selectOption('coverage');
  await page.getByLabel('At').fill('');
  await page.locator('input[name=recipients]').first().check();
  await page.getByRole('button', { name: 'Save' }).click();
  await assert.doesNotReject(page.locator('#f-at-error').waitFor());
  await page.getByLabel('At').fill('07:30');
  await page.getByRole('button', { name: 'Save' }).click();
  await assert.doesNotReject(page.getByText('The report was saved.').waitFor());
  await assert.doesNotReject(page.getByRole('cell', { name: 'Weekly coverage' }).waitFor());
  await page.getByRole('link', { name: 'Edit' }).first().click();
  await page.getByRole('button', { name: 'Run now' }).click();
  await assert.doesNotReject(page.getByText('The report ran').waitFor());
  await check(page, 'en-report-runs');
  await page.context().close();

  // One report of each kind to Nuria (Spanish, Northwind only), run through the API.
  const nuria = (await api('GET', '/contacts?q=Nuria')).items[0];
  const seen = [];
  for (const kind of ['alert_summary', 'delivery_summary', 'coverage']) {
    const report = await api('POST', '/reports', { name: `E2E ${kind}`, kind, companies: 'all', schedule: { every: 'day', at: '06:00', timezone: 'Europe/Madrid' }, recipients: [nuria.id] });
    const run = await api('POST', `/reports/${report.id}/run`);
    assert.equal(run.state, 'done');
    assert.equal(run.deliveries.length, 1);
    const runs = await api('GET', `/reports/${report.id}/runs`);
    assert.equal(runs.items[0].id, run.id);
    const mail = (await eventually(`the ${kind} email`, () => mails().filter((m) => m.headers.subject === `Informe: E2E ${kind}`), (m) => m.length === 1))[0];
    assert.equal(mail.attachments.length, 1);
    assert.match(mail.attachments[0].filename, new RegExp(`^${kind}-\\d{8}\\.csv$`));
    for (const part of [mail.text, mail.html, mail.attachments[0].content]) {
      assert.ok(!part.includes('Contoso'), `Nuria sees nothing of Contoso in the ${kind} report`);
    }
    // Open it as a person would: the HTML part in the browser.
    const context = await browser.newContext();
    const view = await context.newPage();
    // The mail client shows the inline chart: its cid becomes the image itself here.
    let html = mail.html;
    for (const image of mail.images) {
      html = html.replace(`cid:${image.content_id.replace(/[<>]/g, '')}`, `data:${image.content_type};base64,${image.base64}`);
    }
    assert.equal(mail.images.length, kind === 'alert_summary' ? 1 : 0, 'the alert summary has its chart');
    await view.setContent(html);
    await view.screenshot({ path: `${shots}/es-report-${kind}.png`, fullPage: true });
    seen.push(await view.locator('h1').innerText());
    await context.close();
  }
  assert.deepEqual(seen, ['Informe: E2E alert_summary', 'Informe: E2E delivery_summary', 'Informe: E2E coverage']);

  // The same pages in Spanish: Reports, and maintenance windows on a company.
  const es = await signIn(admin, 'es-ES');
  await es.goto(`${base}/configure/reports`);
  await assert.doesNotReject(es.getByRole('heading', { name: 'Añadir un informe' }).waitFor());
  await assert.doesNotReject(es.getByRole('cell', { name: 'Cobertura' }).first().waitFor());
  await check(es, 'es-reports');
  await es.goto(`${base}/configure/companies/${northwind.id}/edit`);
  await assert.doesNotReject(es.getByRole('heading', { name: 'Ventanas de mantenimiento' }).waitFor());
  await assert.doesNotReject(es.getByRole('cell', { name: 'Database upgrade' }).waitFor());
  await check(es, 'es-company-maintenance');
  await es.context().close();
});

test('a chat method, with help on where its address is found (es)', async () => {
  const room = await api('POST', '/contacts', { name: 'Sala de guardia', companies: 'all' });
  const page = await signIn(admin, 'es-ES');
  await page.goto(`${base}/configure/contacts/${room.id}/methods/new`);
  await page.getByText('Dónde encontrar la dirección').click();
  await assert.doesNotReject(page.getByText('Ajustes de la sala, Avanzado').waitFor());
  await check(page, 'es-method-form-chat-help');
  await page.getByLabel('Tipo', { exact: true }).selectOption('matrix');
  await page.getByLabel('Dirección', { exact: true }).fill('#guardia:example.org');
  await page.getByRole('button', { name: 'Guardar' }).click();
  assert.equal(await page.locator('#f-address').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#f-address-error').textContent(), /id de sala de Matrix/);
  assert.equal(await page.getByLabel('Tipo', { exact: true }).inputValue(), 'matrix', 'the type is kept');
  await page.screenshot({ path: `${shots}/es-method-form-chat-error.png`, fullPage: true });
  await page.getByLabel('Tipo', { exact: true }).selectOption('ntfy');
  await page.getByLabel('Dirección', { exact: true }).fill('https://ntfy.sh/reach-e2e-guardia');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await assert.doesNotReject(page.getByRole('status').filter({ hasText: 'Se ha añadido el método de contacto.' }).waitFor());
  const methods = await api('GET', `/contacts/${room.id}`);
  assert.deepEqual(methods.methods.map((m) => [m.type, m.address, m.min_severity]), [['ntfy', 'https://ntfy.sh/reach-e2e-guardia', 'warning']]);
  await page.context().close();
});

test('the Schedules page, in Spanish (axe)', async () => {
  const who = await api('POST', '/contacts', { name: 'Guardia Uno', companies: 'all' });
  await api('POST', '/schedules', {
    name: 'Guardia E2E', timezone: 'Europe/Madrid', members: [who.id],
    shift: { every: 'week', handoff: '09:00' }, starts_on: '2026-11-02',
  });
  const page = await signIn(admin, 'es-ES');
  await page.goto(`${base}/configure/schedules`);
  await assert.doesNotReject(page.getByRole('heading', { name: 'Calendarios de guardia', level: 1 }).waitFor());
  await assert.doesNotReject(page.getByText('Guardia Uno').first().waitFor());
  await check(page, 'es-schedules');
  await page.context().close();
});

const oncallWords = {
  en: {
    add: 'Add a schedule', member: 'Member', saved: 'The schedule was saved.', who: 'Who', starts: 'Starts', ends: 'Ends',
    addOverride: 'Add an override', overrideAdded: 'The override was added.', save: 'Save', policies: 'Escalation policies',
    step: 'Step 1', oncallIn: 'On call in', policySaved: 'The escalation policy was saved.', policyField: 'Escalation policy',
    companySaved: 'The company was saved.', switch: 'Switch', onCall: 'On call', badHandoff: 'Enter a time as HH:MM',
  },
  es: {
    add: 'Añadir un calendario de guardia', member: 'Miembro', saved: 'Se ha guardado el calendario de guardia.', who: 'Quién',
    starts: 'Inicio', ends: 'Fin', addOverride: 'Añadir una sustitución', overrideAdded: 'Se ha añadido la sustitución.',
    save: 'Guardar', policies: 'Políticas de escalado', step: 'Paso 1', oncallIn: 'De guardia en',
    policySaved: 'Se ha guardado la política de escalado.', policyField: 'Política de escalado',
    companySaved: 'Se ha guardado la empresa.', switch: 'Cambiar', onCall: 'De guardia', badHandoff: 'Introduce una hora como HH:MM',
  },
};

/** A `datetime-local` value `days` from now (a day's margin covers any reader's zone). */
function localInput(days) {
  return new Date(Date.now() + days * 86400000).toISOString().slice(0, 16);
}

for (const lang of ['en', 'es']) {
  const w = oncallWords[lang];
  test(`a rotation, an override and an escalation policy set up on the pages, in ${lang}`, async () => {
    const [first, second] = [await api('POST', '/contacts', { name: `Primera ${lang}`, companies: 'all' }),
      await api('POST', '/contacts', { name: `Segunda ${lang}`, companies: 'all' })];
    const company = await api('POST', '/companies', { name: `Guardias ${lang}` });
    const name = `Rotación ${lang}`;
    const page = await signIn(admin, lang === 'en' ? 'en-US' : 'es-ES');
    await page.goto(`${base}/configure/schedules`);
    const form = page.locator('form[action="/configure/schedules"]');
    await form.getByLabel(lang === 'en' ? 'Name' : 'Nombre', { exact: true }).fill(name);
    await form.getByLabel(`${w.member} 1`, { exact: true }).selectOption(first.id);
    await form.getByLabel(`${w.member} 2`, { exact: true }).selectOption(second.id);
    await form.locator('#f-handoff').fill('');
    await form.getByRole('button', { name: w.save }).click();
    assert.match(await page.locator('#f-handoff-error').textContent(), new RegExp(w.badHandoff));
    await page.locator('#f-handoff').fill('09:00');
    await page.locator('form[action="/configure/schedules"]').getByRole('button', { name: w.save }).click();
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: w.saved }).waitFor());
    const schedule = (await api('GET', '/schedules')).items.find((s) => s.name === name);
    assert.deepEqual(schedule.members, [first.id, second.id]);

    const override = page.getByRole('form', { name: `${w.addOverride}: ${name}` });
    await override.getByLabel(w.who, { exact: true }).selectOption(second.id);
    await override.getByLabel(w.starts, { exact: true }).fill(localInput(-1));
    await override.getByLabel(w.ends, { exact: true }).fill(localInput(2));
    await override.getByRole('button', { name: w.addOverride }).click();
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: w.overrideAdded }).waitFor());
    const now = await api('GET', `/schedules/${schedule.id}/oncall`);
    assert.deepEqual([now.contact_id, now.override], [second.id, true]);
    await check(page, `${lang}-schedules-override`);

    await page.goto(`${base}/configure/escalation-policies`);
    await page.locator('#f-name').fill(`Política ${lang}`);
    await page.getByRole('group', { name: w.step, exact: true }).getByLabel(`${w.oncallIn} ${name}`, { exact: true }).check();
    await page.getByRole('button', { name: w.save }).click();
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: w.policySaved }).waitFor());
    await check(page, `${lang}-escalation-policies`);
    const policy = (await api('GET', '/escalation-policies')).items.find((p) => p.name === `Política ${lang}`);
    assert.deepEqual(policy.steps, [{ targets: [{ type: 'schedule', id: schedule.id }], wait_minutes: 5 }]);

    await page.goto(`${base}/configure/companies/${company.id}/edit`);
    await page.getByLabel(w.policyField, { exact: true }).selectOption(policy.id);
    await page.getByRole('button', { name: w.save }).click();
    await assert.doesNotReject(page.getByRole('status').filter({ hasText: w.companySaved }).waitFor());
    assert.equal((await api('GET', `/companies/${company.id}`)).escalation_policy_id, policy.id);
    await page.locator('#company-switcher').selectOption(company.id);
    await page.getByRole('button', { name: w.switch }).click();
    await assert.doesNotReject(page.locator('.oncall-bar').filter({ hasText: `${w.onCall}: Segunda ${lang}` }).waitFor());
    await check(page, `${lang}-oncall-top-bar`);
    await page.context().close();
  });
}

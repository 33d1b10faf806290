// Helpers shared by the per-service renderers: escaping, URL and entity checks, the page frame,
// the HTML sanitizer (Telegram, Matrix) and the placeholder trick the markdown renderers use.

export const esc = (s) => String(s ?? '')
  .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  .replace(/"/g, '&quot;').replace(/'/g, '&#39;');

// A URL that may go into an href: only these schemes, otherwise null.
export function safeUrl(url, schemes = ['http:', 'https:', 'mailto:']) {
  try {
    const u = new URL(String(url));
    return schemes.includes(u.protocol) ? u.href : null;
  } catch { return null; }
}

// Emoji short codes the samples and the services commonly use (ntfy tags, Slack :codes:).
export const EMOJI = {
  rotating_light: '🚨', warning: '⚠️', information_source: 'ℹ️', white_check_mark: '✅',
  envelope: '✉️', heavy_check_mark: '✔️', x: '❌', bell: '🔔', fire: '🔥', tada: '🎉',
  red_circle: '🔴', large_green_circle: '🟢', large_yellow_circle: '🟡', skull: '💀',
  loudspeaker: '📢', no_entry: '⛔', '+1': '👍', '-1': '👎', key: '🔑', lock: '🔒',
};
export const shortcodes = (s) => String(s).replace(/:([a-z0-9_+-]+):/g, (m, c) => EMOJI[c] ?? m);

export const NAMED_ENTITIES = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  aacute: 'á', eacute: 'é', iacute: 'í', oacute: 'ó', uacute: 'ú', ntilde: 'ñ', uuml: 'ü',
  Aacute: 'Á', Eacute: 'É', Iacute: 'Í', Oacute: 'Ó', Uacute: 'Ú', Ntilde: 'Ñ', Uuml: 'Ü',
  iexcl: '¡', iquest: '¿', ordf: 'ª', ordm: 'º', laquo: '«', raquo: '»', middot: '·',
  hellip: '…', mdash: '—', ndash: '–', euro: '€', copy: '©', deg: '°',
};
export function decodeEntity(body) {
  if (body[0] === '#') {
    const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
    if (Number.isFinite(cp) && cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) return String.fromCodePoint(cp);
    return undefined;
  }
  return NAMED_ENTITIES[body];
}

export const TIME = '11:02'; // fixed, so screenshots are repeatable
export const FONT = `"Lato", "Liberation Sans", Arial, "DejaVu Sans", sans-serif, "Noto Color Emoji"`;
export const MONO = `"DejaVu Sans Mono", "Liberation Mono", monospace, "Noto Color Emoji"`;

export function page(title, css, body) {
  return `<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src data:">
<title>${esc(title)}</title>
<style>
*{box-sizing:border-box}
html,body{margin:0;padding:0}
html{min-height:100%}
body{min-height:100vh}
body{font-family:${FONT};overflow-wrap:anywhere;word-break:normal}
#frame{width:100%}
.meta{font:12px ${FONT};color:#777;padding:6px 16px 12px;white-space:pre-wrap}
${css}
</style></head>
<body>${body}</body></html>
`;
}

// ---------------------------------------------------------------------------------------------
// HTML sanitizer for services whose format is HTML by design (Telegram, Matrix).
// allowed: {tag: {attr: check(value) -> kept value | null}}. Disallowed tags are dropped, their text
// kept; every drop, bad entity, stray '<' or '&' and bad nesting is reported in problems.

const TAG_RE = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>\/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*)\s*(\/?)>/g;
const ATTR_RE = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
const VOID = new Set(['br', 'hr', 'img']);
// Dropped together with their content (as Element's and most sanitizers do), never shown as text.
const DROP_CONTENT = new Set(['script', 'style', 'textarea', 'noscript', 'mx-reply', 'title', 'head']);

export function sanitizeHtml(input, { service, allowed, namedEntities }) {
  const problems = [];
  const note = (m) => { if (!problems.includes(m)) problems.push(m); };
  let out = '';
  let plain = '';
  const stack = [];

  const text = (raw) => {
    const decoded = raw.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);|&/g, (m, body) => {
      if (!body) { note(`${service}: bare "&" in HTML text (should be &amp;)`); return '&'; }
      if (body[0] !== '#' && !namedEntities.includes(body)) {
        note(`${service}: named entity &${body}; is not supported (shows literally)`);
        return m;
      }
      const d = decodeEntity(body);
      if (d === undefined) { note(`${service}: invalid entity ${m}`); return m; }
      return d;
    });
    if (raw.includes('<')) note(`${service}: bare "<" in HTML text (should be &lt;)`);
    plain += decoded;
    return esc(decoded);
  };

  let last = 0;
  const re = new RegExp(TAG_RE.source, 'g');
  for (let m = re.exec(input); m; m = re.exec(input)) {
    if (m.index < last) continue;
    out += text(input.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[0].startsWith('<!--')) { note(`${service}: HTML comment dropped`); continue; }
    const closing = m[1] === '/';
    const tag = m[2].toLowerCase();
    const rules = allowed[tag];
    if (!rules && DROP_CONTENT.has(tag) && !closing) {
      note(`${service}: <${tag}> and its content dropped`);
      const end = input.toLowerCase().indexOf(`</${tag}`, last);
      if (end >= 0) {
        const close = input.indexOf('>', end);
        last = close >= 0 ? close + 1 : input.length;
      } else last = input.length;
      re.lastIndex = last;
      continue;
    }
    if (!rules) {
      note(`${service}: tag <${tag}> is not allowed and was dropped (its text kept)`);
      continue;
    }
    if (closing) {
      const at = stack.lastIndexOf(tag);
      if (at < 0) { note(`${service}: stray </${tag}> dropped`); continue; }
      if (at !== stack.length - 1) note(`${service}: <${tag}> closed across other open tags`);
      while (stack.length > at) out += `</${stack.pop()}>`;
      continue;
    }
    let attrs = '';
    for (const a of (m[3] || '').matchAll(ATTR_RE)) {
      const name = a[1].toLowerCase();
      const rawValue = a[2] ?? a[3] ?? a[4] ?? '';
      const value = rawValue.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);/g, (e, b) => decodeEntity(b) ?? e);
      const check = rules[name];
      const kept = check ? check(value) : null;
      if (kept == null) { note(`${service}: attribute ${name}="${value.slice(0, 60)}" on <${tag}> dropped`); continue; }
      attrs += ` ${name}="${esc(kept)}"`;
    }
    if (tag === 'a' && !/ href=/.test(attrs)) note(`${service}: <a> without a usable href`);
    out += `<${tag}${attrs}>`;
    if (VOID.has(tag)) { if (tag === 'br') plain += '\n'; continue; }
    if (m[4] === '/') { out += `</${tag}>`; continue; }
    stack.push(tag);
  }
  out += text(input.slice(last));
  if (stack.length) note(`${service}: unclosed tag(s) ${stack.map((t) => `<${t}>`).join(' ')}`);
  while (stack.length) out += `</${stack.pop()}>`;
  return { html: out, problems, plain };
}

// Markdown renderers (Slack mrkdwn, Discord) cut code spans and links out first, escape the rest,
// apply bold/italic/strike, then put the cut-outs back.
export const PH = (i) => `\uE000${i}\uE001`;
export const restore = (s, held) => s.replace(/\uE000(\d+)\uE001/g, (m, i) => held[+i]);

export const hrefCheck = (schemes) => (v) => safeUrl(v, schemes);

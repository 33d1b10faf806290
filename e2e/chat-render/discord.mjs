// Discord (webhook content + embeds) with its markdown.
import { esc, safeUrl, MONO, TIME, page, PH, restore } from './shared.mjs';

function discordMarkdown(raw) {
  const held = [];
  let s = String(raw);
  // A backslash before punctuation shows the character itself, as Discord does.
  s = s.replace(/\\([^0-9A-Za-z\s])/g, (m, c) => PH(held.push(esc(c)) - 1));
  s = s.replace(/```(?:[a-z0-9]+\n)?([\s\S]*?)```/g, (m, c) => PH(held.push(`<pre>${esc(c)}</pre>`) - 1));
  s = s.replace(/`([^`\n]+)`/g, (m, c) => PH(held.push(`<code>${esc(c)}</code>`) - 1));
  s = s.replace(/\[([^\]\n]+)\]\(<?([^\s)>]+)>?\)/g, (m, label, url) => {
    const href = safeUrl(url, ['http:', 'https:']);
    return PH(held.push(href ? `<a href="${esc(href)}">${esc(label)}</a>` : esc(m)) - 1);
  });
  s = esc(s);
  s = s.replace(/\*\*([^*\n]+?)\*\*/g, '<b>$1</b>')
    .replace(/__([^_\n]+?)__/g, '<u>$1</u>')
    .replace(/~~([^~\n]+?)~~/g, '<s>$1</s>')
    .replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, '$1<i>$2</i>')
    .replace(/(^|[^\w_])_(?!\s)([^_\n]+?)_(?!\w)/g, '$1<i>$2</i>');
  s = s.replace(/(^|[\s(])(https?:\/\/[^\s<]+)/g, (m, pre, url) => `${pre}<a href="${url}">${url}</a>`);
  return restore(s, held);
}

export function renderDiscord(sample) {
  const problems = [];
  const body = sample.json ?? {};
  const content = body.content ?? '';
  if (content.length > 2000) problems.push(`discord: content ${content.length} characters (limit 2000)`);
  const embeds = body.embeds ?? [];
  if (embeds.length > 10) problems.push(`discord: ${embeds.length} embeds (limit 10)`);
  if (!content && !embeds.length) problems.push('discord: neither content nor embeds');
  if (!body.allowed_mentions) problems.push('discord: no allowed_mentions: @everyone/@here/role text in alerts would ping');
  let total = 0;
  const embedHtml = embeds.map((em, k) => {
    const w = `embed ${k}`;
    const lim = (v, n, what) => { const l = (v ?? '').length; total += l; if (l > n) problems.push(`discord: ${w} ${what} ${l} characters (limit ${n})`); };
    lim(em.title, 256, 'title'); lim(em.description, 4096, 'description'); lim(em.footer?.text, 2048, 'footer');
    lim(em.author?.name, 256, 'author');
    const fields = em.fields ?? [];
    if (fields.length > 25) problems.push(`discord: ${w} ${fields.length} fields (limit 25)`);
    fields.forEach((f, j) => {
      lim(f.name, 256, `field ${j} name`); lim(f.value, 1024, `field ${j} value`);
      if (!f.name || !f.value) problems.push(`discord: ${w} field ${j} has an empty name or value (rejected)`);
    });
    const color = Number.isInteger(em.color) && em.color >= 0 && em.color <= 0xffffff
      ? `#${em.color.toString(16).padStart(6, '0')}` : '#1e1f22';
    if (em.color !== undefined && color === '#1e1f22') problems.push(`discord: ${w} color ${em.color} is not 0..0xFFFFFF`);
    const titleHref = em.url ? safeUrl(em.url, ['http:', 'https:']) : null;
    if (em.url && !titleHref) problems.push(`discord: ${w} url is not http(s)`);
    if (em.title && content && em.title.trim() === content.trim()) problems.push(`discord: note: content repeats ${w} title word for word (shown twice)`);
    // Inline fields sit up to three a row; a non-inline field takes a whole row.
    let rows = '';
    let row = [];
    const flush = () => { if (row.length) rows += `<div class="frow">${row.join('')}</div>`; row = []; };
    for (const f of fields) {
      const cell = `<div class="field"><div class="fname">${discordMarkdown(f.name)}</div><div class="fvalue">${discordMarkdown(f.value)}</div></div>`;
      if (!f.inline) { flush(); row.push(cell); flush(); continue; }
      row.push(cell);
      if (row.length === 3) flush();
    }
    flush();
    return `<div class="embed" style="border-left-color:${color}">
${em.author?.name ? `<div class="author">${esc(em.author.name)}</div>` : ''}
${em.title ? `<div class="etitle">${titleHref ? `<a href="${esc(titleHref)}">${discordMarkdown(em.title)}</a>` : discordMarkdown(em.title)}</div>` : ''}
${em.description ? `<div class="desc">${discordMarkdown(em.description)}</div>` : ''}
${rows ? `<div class="fields">${rows}</div>` : ''}
${em.footer?.text ? `<div class="footer">${esc(em.footer.text)}</div>` : ''}
</div>`;
  }).join('\n');
  if (total > 6000) problems.push(`discord: embeds total ${total} characters (limit 6000)`);
  const css = `
body{background:#313338;color:#dbdee1;font-size:16px;line-height:1.375}
.msg{display:flex;gap:16px;padding:16px 16px 16px 16px}
.avatar{flex:0 0 40px;height:40px;border-radius:50%;background:#5865f2;color:#fff;font-weight:700;font-size:18px;display:flex;align-items:center;justify-content:center}
.content{flex:1;min-width:0}
.who{display:flex;align-items:center;gap:6px}
.who b{color:#f2f3f5;font-weight:500}
.badge{font-size:10px;font-weight:600;background:#5865f2;color:#fff;border-radius:3px;padding:1px 4px;line-height:1.3}
.time{font-size:12px;color:#949ba4}
.text{white-space:pre-wrap}
.embed{margin-top:4px;max-width:520px;background:#2b2d31;border-left:4px solid;border-radius:4px;padding:8px 16px 16px 12px}
.author{font-size:14px;font-weight:600;color:#f2f3f5;margin-top:8px}
.etitle{font-weight:600;color:#f2f3f5;margin-top:8px}
.etitle a{color:#00a8fc}
.desc{font-size:14px;white-space:pre-wrap;margin-top:8px}
.fields{margin-top:8px}
.frow{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px;margin-top:8px}
.frow:has(> .field:only-child){grid-template-columns:1fr}
.fname{font-size:14px;font-weight:600;color:#f2f3f5;margin-bottom:2px}
.fvalue{font-size:14px;white-space:pre-wrap}
.footer{font-size:12px;color:#b5bac1;margin-top:8px}
a{color:#00a8fc;text-decoration:none}
code{font-family:${MONO};font-size:85%;background:#1e1f22;border-radius:4px;padding:.2em;color:#dbdee1}
pre{font-family:${MONO};background:#1e1f22;border:1px solid #1e1f22;border-radius:4px;padding:7px;white-space:pre-wrap}
.meta{color:#949ba4}`;
  const html = `<main id="frame"><div class="msg"><div class="avatar">R</div><div class="content">
<div class="who"><b>${esc(body.username ?? 'Reach')}</b><span class="badge">APP</span><span class="time">hoy a las ${TIME}</span></div>
${content ? `<div class="text">${discordMarkdown(content)}</div>` : ''}
${embedHtml}
</div></div>${body.username ? '' : '<div class="meta">(no "username" in the payload: Discord shows the name and avatar set on the webhook)</div>'}</main>`;
  return { html: page('Discord', css, html), problems };
}

// Slack (Block Kit) with its mrkdwn.
import { esc, safeUrl, shortcodes, TIME, MONO, page, PH, restore } from './shared.mjs';

function slackMrkdwn(raw, problems, where) {
  const held = [];
  let s = String(raw);
  s = s.replace(/`([^`\n]+)`/g, (m, c) => PH(held.push(`<code>${esc(unescapeSlack(c))}</code>`) - 1));
  s = s.replace(/<([^<>|\s]+)(?:\|([^<>]+))?>/g, (m, target, label) => {
    if (/^[@#!]/.test(target)) return PH(held.push(`<span class="mention">${esc(label ?? target)}</span>`) - 1);
    const href = safeUrl(unescapeSlack(target), ['http:', 'https:', 'mailto:']);
    if (!href) {
      problems.push(`slack: ${where}: "${m.slice(0, 40)}" reads as a link/mention to "${target}" (escape < > as &lt; &gt;)`);
      return PH(held.push(esc(unescapeSlack(label ?? target))) - 1);
    }
    return PH(held.push(`<a href="${esc(href)}">${esc(unescapeSlack(label ?? target))}</a>`) - 1);
  });
  if (/[<>]/.test(s)) problems.push(`slack: ${where}: unescaped < or > in mrkdwn`);
  if (/&(?!(amp|lt|gt);)/.test(s)) problems.push(`slack: ${where}: unescaped & in mrkdwn`);
  s = esc(unescapeSlack(s));
  const edge = (ch) => new RegExp(`(^|[\\s(\\uE001])\\${ch}(?!\\s)([^${ch}\\n]+?)(?<!\\s)\\${ch}(?=$|[\\s.,:;!?)\\uE000])`, 'g');
  s = s.replace(edge('*'), '$1<b>$2</b>').replace(edge('_'), '$1<i>$2</i>').replace(edge('~'), '$1<s>$2</s>');
  return restore(s, held);
}
function unescapeSlack(s) { return String(s).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'); }

export function renderSlack(sample) {
  const problems = [];
  const body = sample.json ?? {};
  const blocks = Array.isArray(body.blocks) ? body.blocks : [];
  if (!blocks.length) problems.push('slack: no blocks');
  if (blocks.length > 50) problems.push(`slack: ${blocks.length} blocks (limit 50)`);
  if (!body.text) problems.push('slack: no top-level "text": notifications show "This content can\'t be displayed"');
  const textObj = (t, where) => {
    if (!t) return '';
    if (t.type === 'plain_text') return esc(t.emoji === false ? t.text : shortcodes(t.text));
    if (t.type === 'mrkdwn') return slackMrkdwn(t.text, problems, where);
    problems.push(`slack: ${where}: unknown text type ${t.type}`);
    return esc(t.text);
  };
  const out = blocks.map((b, i) => {
    const where = `block ${i} (${b.type})`;
    switch (b.type) {
      case 'header':
        if (b.text?.type !== 'plain_text') problems.push(`slack: ${where}: header text must be plain_text`);
        if ((b.text?.text ?? '').length > 150) problems.push(`slack: ${where}: header longer than 150 characters`);
        return `<div class="header">${textObj(b.text, where)}</div>`;
      case 'context': {
        const els = b.elements ?? [];
        if (els.length > 10) problems.push(`slack: ${where}: ${els.length} elements (limit 10)`);
        return `<div class="context">${els.map((e) => (e.type === 'image'
          ? `<span class="ctx-img" title="${esc(e.alt_text)}">▣</span>`
          : `<span>${textObj(e, where)}</span>`)).join('')}</div>`;
      }
      case 'section': {
        let html = '';
        if (!b.text && !b.fields) problems.push(`slack: ${where}: needs text or fields`);
        if (b.text) {
          if ((b.text.text ?? '').length > 3000) problems.push(`slack: ${where}: text longer than 3000 characters`);
          html += `<div class="section-text">${textObj(b.text, where)}</div>`;
        }
        if (b.fields) {
          if (b.fields.length > 10) problems.push(`slack: ${where}: ${b.fields.length} fields (limit 10)`);
          b.fields.forEach((f, j) => { if ((f.text ?? '').length > 2000) problems.push(`slack: ${where}: field ${j} longer than 2000 characters`); });
          html += `<div class="fields">${b.fields.map((f, j) => `<div class="field">${textObj(f, `${where} field ${j}`)}</div>`).join('')}</div>`;
        }
        if (b.accessory) problems.push(`slack: ${where}: accessory ${b.accessory.type} not rendered here`);
        return `<div class="section">${html}</div>`;
      }
      case 'actions': {
        const els = b.elements ?? [];
        if (els.length > 25) problems.push(`slack: ${where}: ${els.length} elements (limit 25)`);
        return `<div class="actions">${els.map((e, j) => {
          if (e.type !== 'button') { problems.push(`slack: ${where}: element ${e.type} not rendered`); return ''; }
          const label = e.text?.text ?? '';
          if (label.length > 75) problems.push(`slack: ${where}: button ${j} text longer than 75 characters`);
          if ((e.url ?? '').length > 3000) problems.push(`slack: ${where}: button ${j} url longer than 3000 characters`);
          const href = e.url ? safeUrl(e.url) : null;
          if (e.url && !href) problems.push(`slack: ${where}: button ${j} has an unusable url`);
          if (!e.url && !e.value) problems.push(`slack: ${where}: button ${j} has neither url nor value (needs an interactivity endpoint)`);
          const style = ['primary', 'danger'].includes(e.style) ? ` ${e.style}` : '';
          return `<a class="btn${style}"${href ? ` href="${esc(href)}"` : ''}>${textObj(e.text, where)}</a>`;
        }).join('')}</div>`;
      }
      case 'divider':
        return '<hr class="divider">';
      default:
        problems.push(`slack: ${where}: block type not rendered here`);
        return '';
    }
  }).join('\n');
  const css = `
body{background:#fff;color:#1d1c1d;font-size:15px;line-height:1.46668}
.msg{display:flex;gap:8px;padding:16px 20px}
.avatar{flex:0 0 36px;height:36px;border-radius:6px;background:#4a154b;color:#fff;font-weight:900;font-size:18px;display:flex;align-items:center;justify-content:center}
.content{flex:1;min-width:0}
.who{display:flex;align-items:baseline;gap:6px;margin-bottom:2px}
.who b{font-weight:900}
.badge{font-size:10px;font-weight:700;color:#616061;background:rgba(29,28,29,.13);padding:0 3px;border-radius:2px;line-height:1.5}
.time{font-size:12px;color:#616061}
.header{font-size:18px;font-weight:900;line-height:1.33;margin:4px 0}
.context{font-size:13px;color:#616061;margin:4px 0;display:flex;flex-wrap:wrap;gap:8px}
.section{margin:8px 0;white-space:pre-wrap}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 16px;margin-top:4px}
.field{white-space:pre-wrap}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0 8px}
.btn{display:inline-block;font-size:15px;font-weight:700;line-height:1.2;padding:7px 12px;border-radius:4px;border:1px solid rgba(29,28,29,.3);color:#1d1c1d;background:#fff;text-decoration:none;max-width:100%}
.btn.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.btn.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
code{font-family:${MONO};font-size:12px;color:#e01e5a;background:rgba(29,28,29,.04);border:1px solid rgba(29,28,29,.13);border-radius:3px;padding:2px 3px}
a{color:#1264a3;text-decoration:none}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.divider{border:0;border-top:1px solid #ddd}
.notif{margin:0 20px 16px;padding:8px 12px;border:1px dashed #ccc;border-radius:6px;font-size:12px;color:#616061}`;
  const html = `<main id="frame"><div class="msg"><div class="avatar">R</div><div class="content">
<div class="who"><b>Reach</b><span class="badge">APP</span><span class="time">${TIME}</span></div>
${out}
</div></div>
<div class="notif">Notification / fallback text: ${body.text ? esc(shortcodes(body.text)) : '<i>(none)</i>'}</div></main>`;
  return { html: page('Slack', css, html), problems };
}

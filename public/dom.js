// DOM helpers. Every element is built with createElement and text nodes, never innerHTML,
// so nothing from a response or the API description can become markup.

/** h('a', {href: '#x', class: 'c', onclick: fn}, 'text', child) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** The descriptions' light Markdown: `code` and **bold**, paragraphs on blank lines. */
export function prose(text, tag = 'div') {
  const container = h(tag, { class: 'prose' });
  for (const paragraph of String(text || '').trim().split(/\n\s*\n/)) {
    if (!paragraph) continue;
    const p = h('p');
    for (const piece of paragraph.replace(/\s*\n\s*/g, ' ').split(/(`[^`]+`|\*\*[^*]+\*\*)/)) {
      if (piece.startsWith('`') && piece.endsWith('`') && piece.length > 1) p.append(h('code', {}, piece.slice(1, -1)));
      else if (piece.startsWith('**') && piece.endsWith('**') && piece.length > 3) p.append(h('strong', {}, piece.slice(2, -2)));
      else if (piece) p.append(piece);
    }
    container.append(p);
  }
  return container;
}

/** Copies text, with a fallback for browsers without the async clipboard. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
  area.value = text;
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

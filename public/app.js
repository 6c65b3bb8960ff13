// The playground: reads /openapi.json, shows every operation grouped by tag with a form
// generated from its description, sends requests with the API key from the top field,
// and shows each answer with the equivalent curl command.
import { copyText, h, prose } from './dom.js';
import { buildForm } from './forms.js';
import { buildRequest, curlCommand, send, shellQuote } from './http.js';
import { pollJob, renderFailure, renderLocation, renderResult } from './render.js';
import { resumableUploader } from './resumable.js';
import { groupByTag, loadSpec, operations } from './spec.js';

const KEY_STORAGE = 'playground.apiKey';
const keyInput = document.getElementById('api-key');

function apiKey() {
  return keyInput.value.trim();
}

function setUpKeyField() {
  keyInput.value = localStorage.getItem(KEY_STORAGE) || '';
  keyInput.addEventListener('input', () => localStorage.setItem(KEY_STORAGE, apiKey()));
  document.getElementById('key-form').addEventListener('submit', (event) => event.preventDefault());
  const show = document.getElementById('key-show');
  show.addEventListener('click', () => {
    const visible = keyInput.type === 'text';
    keyInput.type = visible ? 'password' : 'text';
    show.textContent = visible ? 'Show' : 'Hide';
    show.setAttribute('aria-pressed', String(!visible));
  });
  document.getElementById('key-forget').addEventListener('click', () => {
    localStorage.removeItem(KEY_STORAGE);
    keyInput.value = '';
    keyInput.focus();
  });
}

function sectionId(op) {
  return `op-${op.id}`;
}

function tableOfContents(groups) {
  return h('ul', {}, groups.map((group) => h('li', {},
    h('a', { href: `#tag-${group.name}`, class: 'toc-tag' }, group.name),
    h('ul', {}, group.operations.map((op) => h('li', {},
      h('a', { href: `#${sectionId(op)}` }, h('span', { class: `method m-${op.method.toLowerCase()}` }, op.method), ' ', op.summary)))))));
}

function operationSection(spec, op, context) {
  const result = h('section', { class: 'result', 'aria-live': 'polite', 'aria-label': `Answer of ${op.method} ${op.path}` });
  const curl = h('pre', { class: 'code curl-command', tabindex: '0', 'aria-label': 'curl command' });
  const copy = h('button', { type: 'button', class: 'small-button' }, 'Copy curl with my key');
  const curlBox = h('div', { class: 'curl', hidden: true },
    h('div', { class: 'curl-head' }, h('span', {}, 'curl'), copy), curl);
  let lastRequest = null;
  copy.addEventListener('click', async () => {
    if (!lastRequest) return;
    await copyText(curlCommand(lastRequest, location.origin, { withKey: true, apiKey: apiKey() }));
    copy.textContent = 'Copied';
    setTimeout(() => { copy.textContent = 'Copy curl with my key'; }, 1500);
  });

  const { form, read } = buildForm(spec, op, {
    onSubmit: async () => {
      let request;
      try {
        request = buildRequest(op, read(), apiKey());
      } catch (error) {
        renderFailure(result, error.message);
        return;
      }
      if (op.needsKey && !apiKey()) {
        renderFailure(result, 'No API key: put yours in the field at the top (the request is sent anyway, expect 401).');
      }
      lastRequest = request;
      curl.textContent = curlCommand(request, location.origin);
      curlBox.hidden = false;
      const button = form.querySelector('button.send');
      button.disabled = true;
      result.setAttribute('aria-busy', 'true');
      try {
        const answer = await send(request);
        answer.expectedRedirect = Object.keys(op.responses).find((status) => status.startsWith('3'));
        renderResult(result, answer, { followJob: context.followJob });
        if (answer.opaqueRedirect && context.variantLocation && request.pathValues.variantName) {
          const { url, note } = await context.variantLocation(request.pathValues);
          renderLocation(result, url, note);
        }
        const media = firstMedia(answer.body);
        if (media) result.append(useMediaButton(media, context));
        if (answer.body && answer.body.uploadUrl) {
          result.append(presignedNextStep(answer.body));
          context.share({ id: answer.body.mediaId });
        } else if (answer.body && answer.body.uploadId && Array.isArray(answer.body.parts)) {
          result.append(multipartNextStep(answer.body));
          context.share({ id: answer.body.mediaId });
        }
      } catch (error) {
        renderFailure(result, error.message);
      } finally {
        button.disabled = false;
        result.removeAttribute('aria-busy');
      }
    },
  });

  // tus creation also gets a whole upload: chunks, a progress bar, pause and resume.
  const uploader = op.id === 'createResumableUpload'
    ? resumableUploader(op.path, apiKey, (media) => context.share({ id: media.id, mediaId: media.id }))
    : null;
  return h('details', { class: 'op', id: sectionId(op), 'data-method': op.method, 'data-path': op.path },
    h('summary', {},
      h('span', { class: `method m-${op.method.toLowerCase()}` }, op.method),
      h('code', { class: 'path' }, op.path),
      h('span', { class: 'summary' }, op.summary)),
    h('div', { class: 'op-body' },
      prose(op.description),
      op.needsKey ? null : h('p', { class: 'note' }, 'No API key needed.'),
      uploader, form, result, curlBox));
}

/** The first object in an answer that looks like a media (has id and objectKey). */
function firstMedia(body) {
  if (!body || typeof body !== 'object') return null;
  if (typeof body.id === 'string' && typeof body.objectKey === 'string') return body;
  for (const value of Array.isArray(body) ? body : Object.values(body)) {
    const found = firstMedia(value);
    if (found) return found;
  }
  return null;
}

/** After starting a presigned upload: the PUT that sends the bytes, then complete. */
function presignedNextStep(ticket) {
  const put = [`curl -sS -X ${ticket.method} ${shellQuote(ticket.uploadUrl)}`,
    ...Object.entries(ticket.headers || {}).map(([name, value]) => `-H ${shellQuote(`${name}: ${value}`)}`),
    '--data-binary @YOUR_FILE'].join(' \\\n  ');
  return h('div', { class: 'next-step' },
    h('p', {}, 'Next: send the bytes straight to S3 (before ', h('code', {}, ticket.expiresAt), '), then call ',
      h('a', { href: '#op-completePresignedUpload' }, 'complete'), ' with mediaId ', h('code', {}, ticket.mediaId), '.'),
    h('pre', { class: 'code', tabindex: '0', 'aria-label': 'curl command for the upload' }, put));
}

/** After starting a presigned multipart upload: PUT each part, keep its ETag, complete. */
function multipartNextStep(upload) {
  const first = (upload.parts || [])[0];
  return h('div', { class: 'next-step' },
    h('p', {}, `Next: PUT each of the ${upload.partCount} parts (${upload.partSize} bytes each, the last what remains) `,
      'straight to S3 at its URL and keep the ETag each PUT answers; ',
      h('a', { href: '#op-signMultipartUploadParts' }, 'sign more parts'), ' when needed, then ',
      h('a', { href: '#op-completeMultipartUpload' }, 'complete'), ' with every part\'s number and ETag.'),
    first ? h('pre', { class: 'code', tabindex: '0', 'aria-label': 'curl command for the first part' },
      [`curl -sS -i -X PUT ${shellQuote(first.url)}`, '--data-binary @PART_1_OF_YOUR_FILE'].join(' \\\n  ')) : null);
}

/** Fills this media's id, key, bucket and folder into the other forms. */
function useMediaButton(media, context) {
  const button = h('button', { type: 'button', class: 'small-button use-media' }, 'Use this media in the other forms');
  button.addEventListener('click', () => {
    context.share({
      id: media.id, mediaId: media.id, objectKey: media.objectKey, bucket: media.bucket,
      bucketName: media.bucket, folder: media.objectKey.split('/').slice(0, 2).join('/'),
    });
    button.textContent = 'Filled in';
  });
  return h('div', { class: 'actions left' }, button);
}

function share(values) {
  for (const input of document.querySelectorAll('[data-share]')) {
    const value = values[input.dataset.share];
    if (value !== undefined && input.tagName !== 'SELECT') input.value = value;
  }
  for (const area of document.querySelectorAll('textarea[name="body"]')) {
    try {
      const body = JSON.parse(area.value);
      if (!body || typeof body !== 'object' || Array.isArray(body)) continue;
      for (const key of ['id', 'objectKey']) if (key in body) body[key] = values[key];
      if (Array.isArray(body.ids)) body.ids = [values.id];
      area.value = JSON.stringify(body, null, 2);
    } catch { /* leave what the user typed */ }
  }
}

function openFromHash() {
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.tagName === 'DETAILS') {
    target.open = true;
    target.querySelector('summary').focus();
  }
}

async function main() {
  setUpKeyField();
  const main = document.getElementById('operations');
  let spec;
  try {
    spec = await loadSpec('openapi.json');
  } catch (error) {
    document.getElementById('loading').textContent = `Could not load the API description: ${error.message}`;
    return;
  }
  const list = operations(spec);
  const groups = groupByTag(spec, list);
  const jobOp = list.find((op) => op.method === 'GET' && /\/job\/\{[^}]+\}$/.test(op.path));
  const variantsOp = list.find((op) => op.method === 'GET' && /^\/api\/v1\/media\/\{id\}\/variants$/.test(op.path));
  const context = {
    share,
    // The variant redirect's Location is the variant's public URL: shown from the media's variants.
    variantLocation: variantsOp && (async ({ folder, variantName }) => {
      const id = String(folder || '').split('/').pop();
      const answer = await send(buildRequest(variantsOp, { path: { id }, query: {}, header: {}, body: null }, apiKey()));
      const variant = answer.body && (answer.body.variants || []).find((v) => v.name === variantName);
      if (!variant) return { url: null, note: `No ${variantName} variant found for media ${id}.` };
      if (!variant.url) return { url: null, note: 'Private media: the Location is a short-lived presigned URL, shown by curl.' };
      return { url: variant.url, note: 'the variant\'s URL' };
    }),
    followJob: (jobId, container) => pollJob(jobId, container, (id) => {
      const name = jobOp.parameters.find((p) => p.in === 'path').name;
      return send(buildRequest(jobOp, { path: { [name]: id }, query: {}, header: {}, body: null }, apiKey()));
    }),
  };
  document.getElementById('toc').append(h('h2', { class: 'offscreen' }, 'Endpoints'), tableOfContents(groups));
  main.replaceChildren(
    h('div', { class: 'intro' }, h('h2', {}, spec.info.title, ' ', h('span', { class: 'muted' }, spec.info.version)),
      h('p', {}, spec.info.summary || '')),
    ...groups.map((group) => h('section', { class: 'tag', 'aria-labelledby': `tag-${group.name}` },
      h('h2', { id: `tag-${group.name}` }, group.name),
      group.description ? prose(group.description) : null,
      group.operations.map((op) => operationSection(spec, op, context)))));
  document.body.dataset.operations = String(list.length);
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
}

main();

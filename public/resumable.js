// The resumable upload form: tus 1.0.0 against /api/v1/media/upload/resumable with a
// progress bar, pause and resume. The file goes in PATCH chunks; Pause lets the chunk on
// the wire finish and stops before the next (nothing is lost: the server keeps every byte it
// counted), Resume asks the server for its offset (HEAD) and goes on from there, so it also
// resumes after a dropped connection or an error.
import { h } from './dom.js';

const TUS = { 'Tus-Resumable': '1.0.0' };
const MiB = 1 << 20;

/** base64 of a UTF-8 string (tus Upload-Metadata values). */
function base64(text) {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

function metadata(fields) {
  return Object.entries(fields).filter(([, value]) => value !== '').map(([key, value]) => `${key} ${base64(value)}`).join(',');
}

async function problem(response) {
  try {
    const body = await response.json();
    return `${response.status}: ${body.error.message}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

/**
 * The form, for the section of `createResumableUpload`. `apiKey()` reads the key field;
 * `onDone(media)` is called with `{id, status}` once the last byte is in.
 */
export function resumableUploader(creationPath, apiKey, onDone) {
  const id = 'resumable';
  const file = h('input', { id: `${id}-file`, type: 'file', class: 'file-input' });
  const org = h('input', { id: `${id}-orgSlug`, type: 'text', value: 'demo', 'data-share': 'orgSlug', autocomplete: 'off' });
  const chunk = h('input', { id: `${id}-chunk`, type: 'number', min: '1', max: '100', value: '5' });
  const start = h('button', { type: 'button', id: `${id}-start`, class: 'send' }, 'Upload');
  const pause = h('button', { type: 'button', id: `${id}-pause`, disabled: true }, 'Pause');
  const resume = h('button', { type: 'button', id: `${id}-resume`, disabled: true }, 'Resume');
  const progress = h('progress', { id: `${id}-progress`, max: '1', value: '0', 'aria-label': 'Upload progress' });
  const state = h('p', { id: `${id}-state`, class: 'status', role: 'status', 'aria-live': 'polite' }, 'Choose a file.');
  const where = h('p', { id: `${id}-location`, class: 'note' });

  let upload = null;   // { location, size, file }
  let pausing = false;
  let running = false;

  function show(text, offset) {
    state.textContent = text;
    if (upload && offset !== undefined) {
      progress.max = String(upload.size);
      progress.value = String(offset);
      progress.dataset.offset = String(offset);
    }
  }

  function headers(extra) {
    return { ...TUS, Authorization: `Bearer ${apiKey()}`, ...extra };
  }

  async function create(chosen) {
    const response = await fetch(creationPath, {
      method: 'POST', cache: 'no-store',
      headers: headers({
        'Upload-Length': String(chosen.size),
        'Upload-Metadata': metadata({ orgSlug: org.value.trim(), filename: chosen.name, filetype: chosen.type }),
      }),
    });
    if (response.status !== 201) throw new Error(await problem(response));
    return response.headers.get('Location');
  }

  async function serverOffset() {
    const response = await fetch(upload.location, { method: 'HEAD', cache: 'no-store', headers: headers() });
    if (response.status !== 200) throw new Error(`HEAD answered ${response.status}: the upload is gone, start again`);
    return Number(response.headers.get('Upload-Offset'));
  }

  /** PATCHes from `offset` until the end, or until Pause; the media once the last byte is in. */
  async function carry(offset) {
    const size = Math.max(1, Number(chunk.value) || 5) * MiB;
    while (offset < upload.size) {
      if (pausing) return null;
      const body = upload.file.slice(offset, Math.min(upload.size, offset + size));
      const response = await fetch(upload.location, {
        method: 'PATCH', cache: 'no-store', body,
        headers: headers({ 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' }),
      });
      if (response.status !== 204) throw new Error(await problem(response));
      offset = Number(response.headers.get('Upload-Offset'));
      show(`Uploading: ${offset} of ${upload.size} bytes.`, offset);
      const mediaId = response.headers.get('Media-Id');
      if (offset === upload.size && mediaId) return { id: mediaId, status: response.headers.get('Media-Status') };
    }
    return null;
  }

  async function run(begin) {
    running = true;
    pausing = false;
    start.disabled = true;
    resume.disabled = true;
    pause.disabled = false;
    try {
      const offset = await begin();
      const media = await carry(offset);
      if (media) {
        show(`Done: media ${media.id} is ${media.status}.`, upload.size);
        state.dataset.mediaId = media.id;
        state.dataset.mediaStatus = media.status;
        pause.disabled = true;
        start.disabled = false;
        upload = null;
        onDone(media);
        return;
      }
      show(`Paused at ${progress.value} of ${progress.max} bytes. Resume goes on from there.`);
      state.dataset.paused = 'true';
      resume.disabled = false;
    } catch (error) {
      show(`Stopped: ${error.message}. Resume asks the server where to go on.`);
      resume.disabled = !(upload && upload.location);
      start.disabled = false;
    } finally {
      running = false;
      pause.disabled = true;
    }
  }

  start.addEventListener('click', () => {
    const chosen = file.files && file.files[0];
    if (!chosen) { show('Choose a file first.'); return; }
    if (!apiKey()) { show('No API key: put yours in the field at the top.'); return; }
    delete state.dataset.mediaId;
    delete state.dataset.paused;
    run(async () => {
      upload = { location: null, size: chosen.size, file: chosen };
      show('Creating the upload…', 0);
      upload.location = await create(chosen);
      where.textContent = `Upload URL: ${upload.location}`;
      return 0;
    });
  });

  pause.addEventListener('click', () => {
    if (!running) return;
    pausing = true;
    pause.disabled = true;
    show('Pausing after the chunk on its way…');
  });

  resume.addEventListener('click', () => {
    if (!upload || running) return;
    delete state.dataset.paused;
    run(async () => {
      const offset = await serverOffset();
      show(`Resuming at ${offset} of ${upload.size} bytes.`, offset);
      return offset;
    });
  });

  return h('fieldset', { class: 'resumable', id: `${id}-form` },
    h('legend', {}, 'Resumable upload (tus) ', h('span', { class: 'type' }, 'PATCH chunks, pause and resume')),
    h('div', { class: 'field' }, h('label', { for: file.id }, h('span', { class: 'name' }, 'file')), file),
    h('div', { class: 'field' }, h('label', { for: org.id }, h('span', { class: 'name' }, 'orgSlug')), org),
    h('div', { class: 'field' }, h('label', { for: chunk.id }, h('span', { class: 'name' }, 'chunk size'), h('span', { class: 'type' }, ' MiB')), chunk),
    h('div', { class: 'actions left' }, start, pause, resume),
    progress, state, where);
}

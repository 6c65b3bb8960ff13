// Showing an answer: status, time, headers, pretty JSON, images inline (image bodies,
// redirects to images, media variants), a readable line for errors, and job progress.
import { h } from './dom.js';
import { formatBytes } from './forms.js';

const REASONS = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content',
  302: 'Found', 304: 'Not Modified', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 422: 'Unprocessable Content',
  429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
};

/** Replaces the container's content with the answer. `actions.followJob(id)` polls a job. */
export function renderResult(container, result, actions) {
  container.replaceChildren();
  const family = result.opaqueRedirect ? 3 : Math.floor(result.status / 100);
  const requestId = (result.headers.find(([name]) => name === 'x-request-id') || [])[1];
  const statusText = result.opaqueRedirect
    ? `${result.expectedRedirect || '3xx'} ${REASONS[result.expectedRedirect] || 'redirect'}`
    : `${result.status} ${result.statusText || REASONS[result.status] || ''}`;
  container.append(h('p', { class: `status s${family}xx` },
    h('strong', { class: 'status-code' }, statusText),
    h('span', { class: 'muted' }, ` · ${Math.round(result.timeMs)} ms`),
    requestId ? h('span', { class: 'muted' }, ' · request id ', h('code', {}, requestId)) : null));

  const error = result.body && result.body.error;
  if (error && error.code) {
    container.append(h('p', { class: 'error-summary', role: 'alert' },
      h('code', {}, error.code), ' — ', error.message || '',
      error.details ? h('span', { class: 'muted' }, ` (${Object.entries(error.details).map(([k, v]) => `${k}: ${v}`).join(', ')})`) : null));
  }
  if (result.redirected) {
    container.append(h('p', { class: 'redirect' }, 'Redirected (302) to ', h('a', { href: result.finalUrl, rel: 'noreferrer' }, result.finalUrl)));
  }
  if (result.opaqueRedirect) {
    container.append(h('p', { class: 'redirect' },
      'A redirect. Browsers hide its Location header from scripts; the curl command below shows it as it is.'));
  }

  if (result.headers.length) {
    container.append(h('details', { class: 'headers' },
      h('summary', {}, `Headers (${result.headers.length})`),
      h('pre', { class: 'code' }, result.headers.map(([name, value]) => `${name}: ${value}`).join('\n'))));
  }

  if (result.body !== null) {
    container.append(h('pre', { class: 'code json', tabindex: '0', 'aria-label': 'Response body' }, JSON.stringify(result.body, null, 2)));
    container.append(mediaGallery(result.body));
    for (const jobId of findJobIds(result.body)) {
      const button = h('button', { type: 'button', class: 'follow-job' }, `Follow job ${jobId}`);
      const progress = h('div', { class: 'job' });
      button.addEventListener('click', () => {
        button.disabled = true;
        actions.followJob(jobId, progress).finally(() => { button.disabled = false; });
      });
      container.append(h('div', { class: 'actions left' }, button), progress);
    }
  } else if (result.text !== undefined) {
    container.append(h('pre', { class: 'code', tabindex: '0' }, result.text));
  } else if (result.blob) {
    container.append(blobView(result));
  }
  if (result.redirected && /^image\//.test(result.contentType)) {
    container.append(h('figure', { class: 'shot' }, h('img', { src: result.finalUrl, alt: 'The redirect target' }),
      h('figcaption', {}, 'Location')));
  }
}

/** The image a redirect leads to, found by the caller (the browser does not tell). */
export function renderLocation(container, location, note) {
  container.append(location
    ? h('figure', { class: 'shot location' },
      h('img', { src: location, alt: 'The image the redirect leads to' }),
      h('figcaption', {}, 'Location: ', h('a', { href: location, rel: 'noreferrer' }, location), note ? ` (${note})` : ''))
    : h('p', { class: 'note' }, note));
}

export function renderFailure(container, message) {
  container.replaceChildren(h('p', { class: 'error-summary', role: 'alert' }, message));
}

function blobView(result) {
  const url = URL.createObjectURL(result.blob);
  const size = formatBytes(result.blob.size);
  if (/^image\//.test(result.contentType) && !result.redirected) {
    return h('figure', { class: 'shot' }, h('img', { src: url, alt: `The response image (${result.contentType}, ${size})` }),
      h('figcaption', {}, `${result.contentType} · ${size}`));
  }
  if (result.redirected) return null;
  return h('p', {}, `${result.contentType || 'binary'} · ${size} · `, h('a', { href: url, download: 'download' }, 'save it'));
}

/** Thumbnails of every media in the answer (the thumbnail variant, else the original). */
function mediaGallery(body) {
  const media = [];
  const visit = (value) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      if (typeof value.objectKey === 'string' && Array.isArray(value.variants)) media.push(value);
      else Object.values(value).forEach(visit);
    }
  };
  visit(body);
  const figures = media.map((item) => {
    const variants = item.variants.filter((v) => v.url);
    if (!variants.length && !(item.url && /^image\//.test(item.mimeType))) return null;
    const thumbnails = variants.length ? variants : [{ name: 'original', url: item.url, width: item.width, height: item.height }];
    return h('figure', { class: 'media-card' },
      h('div', { class: 'variants' }, thumbnails.map((variant) => h('a', { href: variant.url, rel: 'noreferrer' },
        h('img', {
          src: variant.url, loading: 'lazy', class: `variant variant-${variant.name}`,
          alt: `${item.filename}: ${variant.name} (${variant.width}×${variant.height})`,
        })))),
      h('figcaption', {}, `${item.filename} · ${item.status}${item.isPrivate ? ' · private (no public URLs)' : ''}`));
  }).filter(Boolean);
  return figures.length ? h('div', { class: 'gallery' }, figures) : null;
}

function findJobIds(body) {
  const ids = new Set();
  const visit = (value) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'jobId' && typeof inner === 'string' && inner) ids.add(inner);
        else visit(inner);
      }
    }
  };
  visit(body);
  return [...ids];
}

/** Polls GET /api/v1/media/job/{id} through `fetchJob` until completed or failed. */
export async function pollJob(jobId, container, fetchJob, { intervalMs = 1000, timeoutMs = 300000 } = {}) {
  const bar = h('progress', { max: '100', value: '0', 'aria-label': `Progress of job ${jobId}` });
  const state = h('span', { class: 'job-state', role: 'status' }, 'asking…');
  const details = h('pre', { class: 'code json' });
  container.replaceChildren(h('div', { class: 'job-line' }, bar, state), details);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await fetchJob(jobId);
    if (result.status !== 200 || !result.body) {
      state.textContent = `GET job answered ${result.status}${result.body && result.body.error ? `: ${result.body.error.message}` : ''}`;
      return result;
    }
    const job = result.body;
    bar.value = job.progress ?? 0;
    state.textContent = `${job.state} · ${job.progress ?? 0}% · attempt ${job.attempts ?? '-'}${job.failedReason ? ` · ${job.failedReason}` : ''}`;
    details.textContent = JSON.stringify(job, null, 2);
    if (job.state === 'completed' || job.state === 'failed') {
      container.classList.add(job.state);
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  state.textContent = 'stopped following after 5 minutes';
  return null;
}

// Turning form values into a request, sending it with fetch, and the equivalent curl command.

/** The path with its parameters filled in; wildcard ones keep their slashes. */
export function fillPath(op, pathValues) {
  return op.path.replace(/\{([^}]+)\}/g, (whole, name) => {
    const value = pathValues[name];
    if (value === undefined || value === '') throw new Error(`The path parameter ${name} is required.`);
    const parameter = op.parameters.find((p) => p.in === 'path' && p.name === name);
    if (parameter && parameter['x-wildcard']) return value.split('/').map(encodeURIComponent).join('/');
    return encodeURIComponent(value);
  });
}

/** {method, url, headers, body, description} ready for fetch and for curl. */
export function buildRequest(op, values, apiKey) {
  let url = fillPath(op, values.path);
  const query = new URLSearchParams(Object.entries(values.query));
  if ([...query].length) url += `?${query}`;
  const headers = { ...values.header };
  if (op.needsKey && apiKey) headers.Authorization = `Bearer ${apiKey}`;
  let body = null;
  if (values.body && values.body.type === 'json') {
    headers['Content-Type'] = 'application/json';
    body = values.body.text;
  } else if (values.body && values.body.type === 'multipart') {
    body = new FormData();
    for (const part of values.body.parts) {
      if (part.file) body.append(part.name, part.file, part.file.name);
      else body.append(part.name, part.value);
    }
  }
  return { method: op.method, url, headers, body, parts: values.body && values.body.parts, pathValues: values.path,
    followRedirects: !Object.keys(op.responses).some((status) => status.startsWith('3')) };
}

/**
 * Sends the request and reads the whole answer. Redirects are not followed for operations
 * that answer with one (the variant redirect): the page's CSP keeps connections to its own
 * origin, and a browser hides a redirect's Location from scripts, so such an answer comes
 * back as `opaqueRedirect` and the caller looks the target up another way.
 */
export async function send(request) {
  const started = performance.now();
  let response;
  try {
    response = await fetch(request.url, {
      method: request.method, headers: request.headers, body: request.body, cache: 'no-store',
      redirect: request.followRedirects ? 'follow' : 'manual',
    });
  } catch (error) {
    throw new Error(`The request failed before an answer arrived: ${error.message}`);
  }
  const result = {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers.entries()],
    contentType: response.headers.get('content-type') || '',
    redirected: response.redirected,
    opaqueRedirect: response.type === 'opaqueredirect',
    finalUrl: response.url,
    body: null,
    blob: null,
  };
  if (!result.opaqueRedirect) {
    if (/json/.test(result.contentType)) {
      const text = await response.text();
      try { result.body = JSON.parse(text); } catch { result.text = text; }
    } else if (/^text\//.test(result.contentType)) {
      result.text = await response.text();
    } else if (response.status !== 204 && response.status !== 304) {
      result.blob = await response.blob();
    }
  }
  result.timeMs = performance.now() - started;
  return result;
}

/** Single-quotes a word for POSIX shells. */
export function shellQuote(text) {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${String(text).replace(/'/g, `'\\''`)}'`;
}

/** The same request as a curl command; the key as $MEDIA_API_KEY unless `withKey`. */
export function curlCommand(request, origin, { withKey = false, apiKey = '' } = {}) {
  const lines = [`curl -sS -i -X ${request.method} ${shellQuote(origin + request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) {
    if (name === 'Authorization' && !withKey) lines.push(`-H "Authorization: Bearer $MEDIA_API_KEY"`);
    else if (name === 'Authorization') lines.push(`-H ${shellQuote(`Authorization: Bearer ${apiKey}`)}`);
    else lines.push(`-H ${shellQuote(`${name}: ${value}`)}`);
  }
  if (request.parts) {
    for (const part of request.parts) {
      lines.push(part.file ? `-F ${shellQuote(`${part.name}=@${part.file.name}`)}` : `-F ${shellQuote(`${part.name}=${part.value}`)}`);
    }
  } else if (typeof request.body === 'string') {
    lines.push(`--data-raw ${shellQuote(JSON.stringify(JSON.parse(request.body)))}`);
  }
  return lines.join(' \\\n  ');
}

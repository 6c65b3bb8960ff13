// One form per operation, generated from its OpenAPI description: path, query and header
// parameters as labelled inputs, JSON bodies as a textarea prefilled with an example, and
// multipart bodies as fields with a file drop zone and toggles for booleans.
import { h, prose } from './dom.js';
import { bodyExample, describeSchema, resolve, typeOf } from './spec.js';

const PLACES = { path: 'Path', query: 'Query', header: 'Headers' };

/** Builds the form; `read()` returns the values, or throws an Error a person can act on. */
export function buildForm(spec, op, { onSubmit }) {
  const readers = [];
  const form = h('form', { class: 'op-form', 'data-operation': op.id });
  for (const place of Object.keys(PLACES)) {
    const parameters = op.parameters.filter((p) => p.in === place);
    if (!parameters.length) continue;
    const fieldset = h('fieldset', {}, h('legend', {}, PLACES[place]));
    for (const parameter of parameters) {
      const { field, read } = parameterField(spec, op, parameter);
      fieldset.append(field);
      readers.push((values) => {
        const value = read();
        if (value !== '') values[place][parameter.name] = value;
      });
    }
    // Optional headers (X-Request-Id, Range, ...) are rarely needed: folded away.
    const optional = place === 'header' && parameters.every((p) => !p.required);
    form.append(optional ? h('details', { class: 'more' }, h('summary', {}, `Optional headers (${parameters.length})`), fieldset) : fieldset);
  }
  const body = op.requestBody && op.requestBody.content;
  if (body && body['application/json']) {
    const { fieldset, read } = jsonBody(spec, op, body['application/json']);
    form.append(fieldset);
    readers.push((values) => { values.body = read(); });
  } else if (body && body['multipart/form-data']) {
    const { fieldset, read } = multipartBody(spec, op, body['multipart/form-data']);
    form.append(fieldset);
    readers.push((values) => { values.body = read(); });
  }
  form.append(h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'send' }, 'Send ', h('span', { class: 'method-text' }, op.method))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onSubmit();
  });
  const read = () => {
    const values = { path: {}, query: {}, header: {}, body: null };
    for (const reader of readers) reader(values);
    return values;
  };
  return { form, read };
}

function fieldId(op, ...parts) {
  return [op.id, ...parts].join('-').replace(/[^A-Za-z0-9_-]/g, '_');
}

function labelFor(id, name, required, typeText) {
  return h('label', { for: id },
    h('span', { class: 'name' }, name),
    required ? h('span', { class: 'req', title: 'required' }, ' *', h('span', { class: 'offscreen' }, ' (required)')) : null,
    typeText ? h('span', { class: 'type' }, ` ${typeText}`) : null);
}

function helpText(id, text, extra) {
  if (!text && !extra) return null;
  return h('div', { class: 'help', id }, text ? prose(text) : null, extra || null);
}

function parameterField(spec, op, parameter) {
  const schema = resolve(spec, parameter.schema) || {};
  const id = fieldId(op, parameter.in, parameter.name);
  const helpId = `${id}-help`;
  const required = Boolean(parameter.required);
  const example = parameter.example ?? (schema.examples || [])[0];
  let input;
  if (schema.enum) {
    input = h('select', { id, name: parameter.name, required });
    if (!required) input.append(h('option', { value: '' }, schema.default !== undefined ? `(default: ${schema.default})` : '(none)'));
    for (const value of schema.enum) input.append(h('option', { value: String(value) }, String(value)));
  } else if (typeOf(spec, schema) === 'boolean') {
    input = h('select', { id, name: parameter.name, required },
      h('option', { value: '' }, '(not sent)'), h('option', { value: 'true' }, 'true'), h('option', { value: 'false' }, 'false'));
  } else {
    const numeric = ['integer', 'number'].includes(typeOf(spec, schema));
    input = h('input', {
      id, name: parameter.name, required,
      type: numeric ? 'number' : 'text',
      inputmode: numeric ? 'numeric' : null,
      min: schema.minimum, max: schema.maximum, step: typeOf(spec, schema) === 'integer' ? 1 : null,
      placeholder: example !== undefined ? String(example) : (schema.default !== undefined ? `default ${schema.default}` : null),
      autocomplete: 'off', spellcheck: 'false',
    });
  }
  input.setAttribute('aria-describedby', helpId);
  input.dataset.share = parameter.name;
  const wildcard = parameter['x-wildcard']
    ? h('p', { class: 'note' }, 'Contains slashes; they are sent as they are.') : null;
  const field = h('div', { class: 'field' },
    labelFor(id, parameter.name, required, describeSchema(spec, schema)),
    input,
    helpText(helpId, parameter.description, wildcard));
  return { field, read: () => input.value.trim() };
}

function jsonBody(spec, op, mediaType) {
  const id = fieldId(op, 'body');
  const required = Boolean(op.requestBody.required);
  const example = JSON.stringify(bodyExample(spec, mediaType), null, 2);
  const textarea = h('textarea', {
    id, name: 'body', rows: Math.min(12, Math.max(3, example.split('\n').length)), spellcheck: 'false',
    class: 'code', 'aria-describedby': `${id}-help`, placeholder: required ? null : example,
  });
  if (required) textarea.value = example;
  const insert = h('button', { type: 'button', class: 'small-button' }, 'Insert example');
  insert.addEventListener('click', () => { textarea.value = example; textarea.focus(); });
  const fieldset = h('fieldset', {},
    h('legend', {}, 'Body ', h('span', { class: 'type' }, 'application/json')),
    labelFor(id, 'JSON', required, required ? null : 'optional'),
    textarea,
    h('div', { class: 'actions left' }, insert),
    h('div', { class: 'help', id: `${id}-help` }, propertyTable(spec, mediaType.schema)));
  const read = () => {
    const text = textarea.value.trim();
    if (!text) {
      if (required) throw new Error('The JSON body is required.');
      return null;
    }
    try {
      JSON.parse(text);
    } catch (error) {
      textarea.focus();
      throw new Error(`The JSON body is not valid JSON: ${error.message}`);
    }
    return { type: 'json', text };
  };
  return { fieldset, read };
}

/** name · type · required · description of each property, to teach the body's shape. */
function propertyTable(spec, schemaRef) {
  const schema = resolve(spec, schemaRef) || {};
  const properties = Object.entries(schema.properties || {});
  if (!properties.length) return null;
  const required = new Set(schema.required || []);
  const rows = properties.map(([name, property]) => {
    const resolved = resolve(spec, property) || {};
    return h('tr', {},
      h('th', { scope: 'row' }, h('code', {}, name), required.has(name) ? h('span', { class: 'req' }, ' *') : null),
      h('td', {}, describeSchema(spec, property)),
      h('td', {}, prose(resolved.description || '')));
  });
  return h('details', { class: 'fields' },
    h('summary', {}, `Fields (${properties.length})`),
    schema.description ? prose(schema.description) : null,
    h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'field'), h('th', { scope: 'col' }, 'type'), h('th', { scope: 'col' }, 'what'))),
      h('tbody', {}, rows))));
}

function multipartBody(spec, op, mediaType) {
  const schema = resolve(spec, mediaType.schema) || {};
  const required = new Set(schema.required || []);
  const fieldset = h('fieldset', {}, h('legend', {}, 'Body ', h('span', { class: 'type' }, 'multipart/form-data')));
  const readers = [];
  for (const [name, propertyRef] of Object.entries(schema.properties || {})) {
    const property = resolve(spec, propertyRef) || {};
    const id = fieldId(op, 'form', name);
    const helpId = `${id}-help`;
    const type = typeOf(spec, property);
    if (type === 'string' && (property.format === 'binary' || property.contentMediaType)) {
      const { field, read } = dropZone(id, name, required.has(name), property);
      fieldset.append(field);
      readers.push((parts) => { const file = read(); if (file) parts.push({ name, file }); });
    } else if (type === 'boolean') {
      const input = h('input', { id, name, type: 'checkbox', role: 'switch', 'aria-describedby': helpId });
      input.checked = property.default === true;
      fieldset.append(h('div', { class: 'field toggle' },
        h('label', { for: id, class: 'switch' }, input, h('span', { class: 'track', 'aria-hidden': 'true' }), h('span', { class: 'name' }, name)),
        helpText(helpId, property.description)));
      readers.push((parts) => { if (input.checked !== (property.default === true)) parts.push({ name, value: String(input.checked) }); });
    } else {
      const long = (property.maxLength || 0) > 2000;
      const input = h(long ? 'textarea' : 'input', {
        id, name, required: required.has(name), 'aria-describedby': helpId, autocomplete: 'off',
        type: long ? null : 'text', rows: long ? 3 : null, placeholder: (property.examples || [])[0],
      });
      input.dataset.share = name;
      if (name === 'orgSlug') input.value = localStorage.getItem('playground.orgSlug') || '';
      fieldset.append(h('div', { class: 'field' },
        labelFor(id, name, required.has(name), describeSchema(spec, property)), input, helpText(helpId, property.description)));
      readers.push((parts) => { if (input.value !== '') parts.push({ name, value: input.value }); });
    }
  }
  const read = () => {
    const parts = [];
    for (const reader of readers) reader(parts);
    const orgSlug = parts.find((p) => p.name === 'orgSlug');
    if (orgSlug) localStorage.setItem('playground.orgSlug', orgSlug.value);
    return { type: 'multipart', parts };
  };
  return { fieldset, read };
}

/** A file input inside a label that also takes dropped files; keyboard users tab to the input. */
function dropZone(id, name, required, property) {
  const input = h('input', { id, name, type: 'file', required, class: 'file-input', 'aria-describedby': `${id}-help` });
  const chosen = h('span', { class: 'chosen', 'aria-live': 'polite' });
  const zone = h('label', { for: id, class: 'drop-zone' },
    h('span', {}, h('strong', {}, 'Drop a file here'), ' or choose one'),
    input, chosen);
  const show = () => {
    const file = input.files[0];
    chosen.textContent = file ? `${file.name} · ${formatBytes(file.size)} · ${file.type || 'unknown type'}` : '';
  };
  input.addEventListener('change', show);
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    if (event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      show();
    }
  });
  const field = h('div', { class: 'field' },
    h('span', { class: 'label-like' }, h('span', { class: 'name' }, name), required ? h('span', { class: 'req' }, ' *') : null),
    zone, helpText(`${id}-help`, property.description));
  return { field, read: () => input.files[0] || null };
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

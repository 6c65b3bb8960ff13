// Reading the OpenAPI document: references, operations grouped by tag, parameter
// descriptions and example values generated from schemas.

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'];

export async function loadSpec(url) {
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

/** Follows local `$ref`s (`#/components/...`) until a real object. */
export function resolve(spec, node) {
  let seen = 0;
  while (node && typeof node.$ref === 'string') {
    if (++seen > 20) throw new Error(`reference loop at ${node.$ref}`);
    node = node.$ref.replace(/^#\//, '').split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((parent, key) => (parent ? parent[key] : undefined), spec);
  }
  return node;
}

/** Every operation with its parameters (path-level and own, own winning) resolved. */
export function operations(spec) {
  const list = [];
  for (const [path, item] of Object.entries(spec.paths || {})) {
    const shared = (item.parameters || []).map((p) => resolve(spec, p));
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const own = (op.parameters || []).flatMap((p) => explodeQueryObject(spec, resolve(spec, p)));
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
      const security = op.security ?? spec.security ?? [];
      list.push({
        id: op.operationId || `${method}-${path}`,
        method: method.toUpperCase(),
        path,
        tag: (op.tags || ['Other'])[0],
        summary: op.summary || '',
        description: op.description || '',
        parameters,
        requestBody: op.requestBody ? resolve(spec, op.requestBody) : null,
        responses: op.responses || {},
        needsKey: security.some((requirement) => Object.keys(requirement).length > 0),
      });
    }
  }
  return list;
}

/**
 * A query object sent form-exploded (`?id=…`, the delete's `id` or `objectKey`) is one field
 * per property: its name never appears in the URL. The object's rule (exactly one of them)
 * stays in its description, which each field shows.
 */
function explodeQueryObject(spec, parameter) {
  const schema = resolve(spec, parameter.schema) || {};
  if (parameter.in !== 'query' || schema.type !== 'object' || parameter.explode === false) return [parameter];
  return Object.entries(schema.properties || {}).map(([name, property]) => ({
    name, in: 'query', required: false, schema: property, description: parameter.description,
  }));
}

/** Tags in the document's order, each with its operations; untagged ones last. */
export function groupByTag(spec, list) {
  const tags = [...(spec.tags || [])];
  for (const op of list) if (!tags.some((t) => t.name === op.tag)) tags.push({ name: op.tag });
  return tags
    .map((tag) => ({ ...tag, operations: list.filter((op) => op.tag === tag.name) }))
    .filter((group) => group.operations.length > 0);
}

/** The first non-null type of a schema (`[integer, 'null']` → integer). */
export function typeOf(spec, schema) {
  schema = resolve(spec, schema) || {};
  if (schema.oneOf || schema.anyOf) {
    const first = (schema.oneOf || schema.anyOf).map((s) => resolve(spec, s)).find((s) => s.type !== 'null');
    return first ? typeOf(spec, first) : 'null';
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type) return type;
  if (schema.enum) return typeof schema.enum[0] === 'number' ? 'integer' : 'string';
  if (schema.properties) return 'object';
  return 'string';
}

/** A short human summary of a schema's constraints: "integer, 1–100, default 20". */
export function describeSchema(spec, schema) {
  schema = resolve(spec, schema) || {};
  if (schema.oneOf) return schema.oneOf.map((s) => describeSchema(spec, s)).join(' or ');
  const parts = [];
  const types = Array.isArray(schema.type) ? schema.type : [typeOf(spec, schema)];
  parts.push(types.join(' or '));
  if (schema.enum) parts.push(`one of ${schema.enum.join(', ')}`);
  const low = schema.minimum ?? schema.exclusiveMinimum;
  const high = schema.maximum ?? schema.exclusiveMaximum;
  if (low !== undefined && high !== undefined) parts.push(`${schema.exclusiveMinimum !== undefined ? '>' : ''}${low}–${high}`);
  else if (low !== undefined) parts.push(schema.exclusiveMinimum !== undefined ? `> ${low}` : `≥ ${low}`);
  else if (high !== undefined) parts.push(`≤ ${high}`);
  if (schema.maxLength !== undefined) parts.push(`up to ${schema.maxLength} characters`);
  if (schema.maxItems !== undefined) parts.push(`${schema.minItems ?? 0}–${schema.maxItems} items`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}

/** An example value: the schema's own example, else one built from its type. */
export function exampleFor(spec, schema, depth = 0) {
  schema = resolve(spec, schema) || {};
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.oneOf || schema.anyOf) return exampleFor(spec, (schema.oneOf || schema.anyOf)[0], depth + 1);
  switch (typeOf(spec, schema)) {
    case 'object': {
      if (depth > 4) return {};
      const required = new Set(schema.required || []);
      const result = {};
      for (const [name, property] of Object.entries(schema.properties || {})) {
        if (required.has(name) || depth === 0) result[name] = exampleFor(spec, property, depth + 1);
      }
      return result;
    }
    case 'array': return depth > 4 ? [] : [exampleFor(spec, schema.items, depth + 1)];
    case 'integer': return schema.minimum ?? 0;
    case 'number': return schema.maximum ?? 1;
    case 'boolean': return false;
    case 'null': return null;
    default: return '';
  }
}

/** The example of a request body's media type, else one generated from its schema. */
export function bodyExample(spec, mediaType) {
  if (!mediaType) return undefined;
  if (mediaType.example !== undefined) return mediaType.example;
  const named = Object.values(mediaType.examples || {})[0];
  if (named) return resolve(spec, named).value;
  return exampleFor(spec, mediaType.schema);
}

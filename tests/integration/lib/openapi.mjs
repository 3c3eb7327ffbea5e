// tests/integration/lib/openapi.mjs: validates what the server says against
// docs/openapi.json, so that the document cannot drift from the code.
//
// Owns: loading the (generated) JSON document, finding the operation for a
// method and path, the response for a status, and validating bodies and
// headers with Ajv (OpenAPI 3.1 schemas are JSON Schema 2020-12).
//
//   loadSpec(path)                      -> spec (the parsed openapi.json)
//   validateResponse(spec, method, path, status, contentType, body, headers?)
//                                       -> { operationId, status, mediaType }
//   validateRequestBody(spec, method, path, contentType, body)
//                                       -> { operationId, mediaType }
//   documentedRoutes(spec)              -> [{ method: 'GET', path: '/health' }, ...]
//   findOperation(spec, method, path)   -> { path, method, operation }
//   schemaErrors(spec, name, value)     -> [] or readable error lines
//
// `path` may be the template ("/api/v1/tasks/{task_id}") or a concrete path
// ("/api/v1/tasks/0b7e...?x=1"); literal segments win over parameters, so
// "/api/v1/tasks/search" is the search route.  JSON bodies may be passed
// parsed or as a string.  Every failure throws an Error whose message names
// the operation, the status and what is wrong.
import fs from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
const COMPONENTS_ID = 'urn:acloud:openapi:components';
const SCHEMA_REF_PREFIX = '#/components/schemas/';
const state = new WeakMap(); // spec -> { ajv, cache }

export function loadSpec(path) {
  const text = fs.readFileSync(path, 'utf8');
  let spec;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not JSON (${e.message}); give the generated openapi.json, not the YAML`);
  }
  if (typeof spec.openapi !== 'string' || !spec.openapi.startsWith('3.1')) {
    throw new Error(`${path}: not an OpenAPI 3.1 document (openapi: ${spec.openapi})`);
  }
  return spec;
}

export function documentedRoutes(spec) {
  const routes = [];
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) {
      if (item[method]) routes.push({ method: method.toUpperCase(), path });
    }
  }
  return routes;
}

// ---- locating operations, responses, media types ---------------------------

function splitPath(path) {
  return path.split('?')[0].split('/').filter((s, i) => i === 0 || s !== '');
}

function isParam(segment) {
  return /^\{[^}]+\}$/.test(segment);
}

// How well a template matches a concrete path: null (not at all) or the
// number of literal segments (more is better).
function templateScore(template, path) {
  const t = splitPath(template);
  const p = splitPath(path);
  if (t.length !== p.length) return null;
  let literal = 0;
  for (let i = 0; i < t.length; i++) {
    if (isParam(t[i])) {
      if (p[i] === '') return null;
    } else if (t[i] === p[i]) {
      literal++;
    } else {
      return null;
    }
  }
  return literal;
}

function findPathTemplate(spec, path) {
  const clean = path.split('?')[0];
  if (spec.paths?.[clean]) return clean;
  let best = null;
  let bestScore = -1;
  for (const template of Object.keys(spec.paths ?? {})) {
    const score = templateScore(template, clean);
    if (score !== null && score > bestScore) {
      best = template;
      bestScore = score;
    }
  }
  return best;
}

export function findOperation(spec, method, path) {
  const m = method.toLowerCase();
  const template = findPathTemplate(spec, path);
  const operation = template && spec.paths[template][m];
  if (!operation) {
    throw new Error(`${method.toUpperCase()} ${path}: no such operation in the OpenAPI document`);
  }
  return { path: template, method: m.toUpperCase(), operation };
}

// Follows $ref chains of non-schema objects (responses, parameters, headers).
function deref(spec, obj) {
  const seen = new Set();
  while (obj && typeof obj.$ref === 'string') {
    if (seen.has(obj.$ref)) throw new Error(`$ref cycle at ${obj.$ref}`);
    seen.add(obj.$ref);
    if (!obj.$ref.startsWith('#/')) throw new Error(`external $ref ${obj.$ref} is not supported`);
    let target = spec;
    for (const raw of obj.$ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      target = target?.[key];
    }
    if (target === undefined) throw new Error(`unresolved $ref ${obj.$ref}`);
    obj = target;
  }
  return obj;
}

function opName(op) {
  return `${op.method} ${op.path}${op.operation.operationId ? ` (${op.operation.operationId})` : ''}`;
}

function findResponse(spec, op, status) {
  const responses = op.operation.responses ?? {};
  const code = String(status);
  const key = [code, `${code[0]}XX`, 'default'].find((k) => responses[k]);
  if (!key) {
    const known = Object.keys(responses).join(', ');
    throw new Error(`${opName(op)}: status ${code} is not documented (documented: ${known})`);
  }
  return deref(spec, responses[key]);
}

function baseMediaType(contentType) {
  return String(contentType ?? '').split(';')[0].trim().toLowerCase();
}

function isJsonMediaType(mt) {
  return mt === 'application/json' || mt.endsWith('+json');
}

function findMedia(content, contentType, where) {
  const mt = baseMediaType(contentType);
  const keys = Object.keys(content);
  const key = keys.find((k) => k.toLowerCase() === mt)
    ?? keys.find((k) => k.endsWith('/*') && mt.startsWith(k.slice(0, -1)))
    ?? keys.find((k) => k === '*/*');
  if (!key) {
    throw new Error(`${where}: content type '${contentType}' is not documented (documented: ${keys.join(', ')})`);
  }
  return { mediaType: key, media: content[key] };
}

// ---- Ajv ----------------------------------------------------------------------

// Rewrites "#/components/schemas/X" refs to the registered components schema.
function rewriteRefs(value) {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF_PREFIX)) {
      out[k] = `${COMPONENTS_ID}#/$defs/${v.slice(SCHEMA_REF_PREFIX.length)}`;
    } else {
      out[k] = rewriteRefs(v);
    }
  }
  return out;
}

function ajvFor(spec) {
  let s = state.get(spec);
  if (s) return s;
  const ajv = new Ajv2020({
    strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true, allErrors: true,
  });
  addFormats(ajv);
  ajv.addFormat('binary', true);
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: rewriteRefs(spec.components?.schemas ?? {}) });
  s = { ajv, cache: new Map() };
  state.set(spec, s);
  return s;
}

function compileCached(spec, key, schema) {
  const s = ajvFor(spec);
  let validate = s.cache.get(key);
  if (!validate) {
    validate = s.ajv.compile(rewriteRefs(schema));
    s.cache.set(key, validate);
  }
  return validate;
}

function excerpt(value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 400 ? `${text.slice(0, 400)}...` : text;
}

function formatErrors(errors) {
  return errors.map((e) => {
    const where = e.instancePath || '(root)';
    const extra = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
    return `  ${where} ${e.message}${extra}`;
  }).join('\n');
}

function checkSchema(spec, key, schema, value, where) {
  const validate = compileCached(spec, key, schema);
  if (!validate(value)) {
    throw new Error(`${where}: body does not match the schema\n${formatErrors(validate.errors)}\n  body: ${excerpt(value)}`);
  }
}

function parseJsonBody(body, where) {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new Error(`${where}: body is not JSON (${e.message}): ${excerpt(body)}`);
  }
}

function isEmptyBody(body) {
  return body === undefined || body === null || body === ''
    || (body instanceof Uint8Array && body.length === 0);
}

function checkBody(spec, key, media, mediaType, body, where) {
  if (!media.schema) return;
  if (isJsonMediaType(mediaType)) {
    checkSchema(spec, key, media.schema, parseJsonBody(body, where), where);
  } else if (typeof body === 'string') {
    checkSchema(spec, key, media.schema, body, where);
  } else if (!(body instanceof Uint8Array) && !(body instanceof ArrayBuffer)) {
    throw new Error(`${where}: expected a string or bytes for ${mediaType}, got ${typeof body}`);
  }
}

function headerValue(headers, name) {
  if (!headers) return undefined;
  if (typeof headers.get === 'function') return headers.get(name) ?? undefined;
  const hit = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  return hit === undefined ? undefined : headers[hit];
}

// A header value as the schema's type wants it (headers are strings on the wire).
function coerceHeader(raw, schema) {
  const type = schema?.type;
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(String(raw).trim())) {
    return Number(raw);
  }
  return raw;
}

function checkHeaders(spec, response, headers, where, key) {
  for (const [name, ref] of Object.entries(response.headers ?? {})) {
    const header = deref(spec, ref);
    const raw = headerValue(headers, name);
    if (raw === undefined) {
      if (header.required) throw new Error(`${where}: required header ${name} is missing`);
      continue;
    }
    if (header.schema) {
      checkSchema(spec, `${key} header ${name}`, header.schema, coerceHeader(raw, header.schema),
        `${where}: header ${name}`);
    }
  }
}

// ---- public validation -------------------------------------------------------

export function validateResponse(spec, method, path, status, contentType, body, headers) {
  const op = findOperation(spec, method, path);
  const response = findResponse(spec, op, status);
  const where = `${opName(op)} -> ${status}`;
  if (headers !== undefined) checkHeaders(spec, response, headers, where, `${op.method} ${op.path} ${status}`);
  if (!response.content || Object.keys(response.content).length === 0) {
    if (!isEmptyBody(body)) throw new Error(`${where}: documented without a body, got ${excerpt(body)}`);
    return { operationId: op.operation.operationId, status, mediaType: null };
  }
  const { mediaType, media } = findMedia(response.content, contentType, where);
  checkBody(spec, `${op.method} ${op.path} ${status} ${mediaType}`, media, mediaType, body, where);
  return { operationId: op.operation.operationId, status, mediaType };
}

export function validateRequestBody(spec, method, path, contentType, body) {
  const op = findOperation(spec, method, path);
  const where = `${opName(op)} request`;
  const requestBody = deref(spec, op.operation.requestBody);
  if (!requestBody) throw new Error(`${where}: the operation takes no body`);
  const { mediaType, media } = findMedia(requestBody.content ?? {}, contentType, where);
  checkBody(spec, `${op.method} ${op.path} request ${mediaType}`, media, mediaType, body, where);
  return { operationId: op.operation.operationId, mediaType };
}

// Validates value against components.schemas[name]; returns error lines.
export function schemaErrors(spec, name, value) {
  if (!spec.components?.schemas?.[name]) throw new Error(`no schema named ${name}`);
  const validate = compileCached(spec, `schema ${name}`, { $ref: `${SCHEMA_REF_PREFIX}${name}` });
  return validate(value) ? [] : formatErrors(validate.errors).split('\n');
}

#!/usr/bin/env node
// Validates an OpenAPI 3.1 document strictly; prints every error and exits 1 on any.
//
//   node validate.mjs FILE               validate FILE (ctest: openapi_validate)
//   node validate.mjs --self-test FILE   FILE must pass, and each of a set of deliberately broken
//                                        copies of it must fail (ctest: openapi_validate_self_test)
//
// Checks, in order:
//   1. JSON syntax, and no object with the same key twice (JSON.parse keeps the last silently);
//   2. the official OpenAPI 3.1 JSON Schema, via @seriousme/openapi-schema-validator, which also
//      fails on a $ref that does not resolve;
//   3. every Schema Object against the JSON Schema 2020-12 meta-schema (step 2's schema leaves
//      Schema Objects unchecked), with no keyword outside JSON Schema 2020-12 and the OpenAPI
//      dialect (a typo such as "requried", or 3.0's "nullable", is an error), no format outside
//      JSON Schema's and the OpenAPI registry's, and each one compiling (a `pattern` must be a
//      regular expression);
//   4. rules of the OpenAPI 3.1 specification that JSON Schema cannot express: path template
//      expressions and path parameters match one to one; no two equivalent templated paths;
//      operationIds are unique; no parameter (name, in) twice in one list; security requirements
//      name declared security schemes; a $ref in a response/parameter/header/request-body/schema
//      position points into the matching components map.
// The versions are pinned by package-lock.json; scripts/install-deps installs them.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function die(message) {
  console.error(`openapi-validate: ${message}`);
  process.exit(2);
}

// node_modules must hold exactly what package-lock.json pins: scripts/install-deps writes the
// lockfile's sha256 to node_modules/.lock-hash after `npm ci`.
function checkInstalled() {
  const want = createHash("sha256").update(readFileSync(join(here, "package-lock.json"))).digest("hex");
  const stamp = join(here, "node_modules", ".lock-hash");
  if (!existsSync(stamp)) {
    die("tools/openapi-validate/node_modules is not installed: run scripts/install-deps");
  }
  if (readFileSync(stamp, "utf8").trim() !== want) {
    die("tools/openapi-validate/node_modules does not match package-lock.json: run scripts/install-deps");
  }
}

// ---- 1. duplicate keys -------------------------------------------------------------------------

// Walks JSON text (already known to parse) and reports objects that repeat a key.
function duplicateKeys(text) {
  const errors = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) i++;
  };
  const string = () => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  const value = (path) => {
    ws();
    if (text[i] === "{") {
      i++;
      const seen = new Set();
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        const key = string();
        if (seen.has(key)) errors.push(`${path || "/"}: key "${key}" appears more than once`);
        seen.add(key);
        ws();
        i++;  // ':'
        value(`${path}/${pointerEscape(key)}`);
        ws();
        if (text[i++] === "}") return;
      }
    } else if (text[i] === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (let n = 0; ; n++) {
        value(`${path}/${n}`);
        ws();
        if (text[i++] === "]") return;
      }
    } else if (text[i] === '"') {
      string();
    } else {
      while (i < text.length && !",]} \t\r\n".includes(text[i])) i++;
    }
  };
  value("");
  return errors;
}

const pointerEscape = (s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1");
const pointerUnescape = (s) => s.replace(/~1/g, "/").replace(/~0/g, "~");
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);

// ---- 3. Schema Objects -------------------------------------------------------------------------

const kSchemaKeywords = new Set([
  // JSON Schema 2020-12: core, applicator, unevaluated, validation, format, content, meta-data
  "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$comment",
  "$defs", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas",
  "prefixItems", "items", "contains", "properties", "patternProperties", "additionalProperties",
  "propertyNames", "unevaluatedItems", "unevaluatedProperties", "type", "const", "enum",
  "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
  "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
  "maxProperties", "minProperties", "required", "dependentRequired", "format", "contentEncoding",
  "contentMediaType", "contentSchema", "title", "description", "default", "deprecated",
  "readOnly", "writeOnly", "examples",
  // the OpenAPI 3.1 dialect
  "discriminator", "xml", "externalDocs", "example",
]);
// Formats of the OpenAPI Format Registry that JSON Schema does not define.
const kOpenApiFormats = ["int32", "int64", "float", "double", "password"];
const kSubschema = ["not", "if", "then", "else", "items", "contains", "additionalProperties",
  "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema"];
const kSubschemaArrays = ["allOf", "anyOf", "oneOf", "prefixItems"];
const kSubschemaMaps = ["properties", "patternProperties", "$defs", "dependentSchemas"];

function checkSchemaKeywords(schema, path, errors, formats) {
  if (!isObject(schema)) return;  // booleans are schemas too; the meta-schema checks the rest
  for (const key of Object.keys(schema)) {
    if (!kSchemaKeywords.has(key) && !key.startsWith("x-")) {
      errors.push(`${path}: unknown Schema Object keyword "${key}"`);
    }
  }
  if (typeof schema.format === "string" && !formats.has(schema.format)) {
    errors.push(`${path}: unknown format "${schema.format}"`);
  }
  for (const k of kSubschema) if (k in schema) checkSchemaKeywords(schema[k], `${path}/${k}`, errors, formats);
  for (const k of kSubschemaArrays) {
    if (Array.isArray(schema[k])) schema[k].forEach((s, n) => checkSchemaKeywords(s, `${path}/${k}/${n}`, errors, formats));
  }
  for (const k of kSubschemaMaps) {
    if (isObject(schema[k])) {
      for (const [name, s] of Object.entries(schema[k])) {
        checkSchemaKeywords(s, `${path}/${k}/${pointerEscape(name)}`, errors, formats);
      }
    }
  }
}

// Every Schema Object position of the document outside components.schemas: the `schema` of a
// Parameter, Header or Media Type object. Examples and extensions are not descended into.
function collectSchemas(node, path, out) {
  if (Array.isArray(node)) return node.forEach((v, n) => collectSchemas(v, `${path}/${n}`, out));
  if (!isObject(node)) return;
  for (const [key, v] of Object.entries(node)) {
    if (key === "example" || key === "examples" || key.startsWith("x-")) continue;
    const p = `${path}/${pointerEscape(key)}`;
    if (key === "schema" && isObject(v)) out.push([p, v]);
    else if (p !== "/components/schemas") collectSchemas(v, p, out);
  }
}

// ---- 4. rules of the specification -------------------------------------------------------------

function resolvePointer(doc, ref) {
  if (typeof ref !== "string" || !ref.startsWith("#/")) return undefined;
  let node = doc;
  for (const part of ref.slice(2).split("/").map(pointerUnescape)) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = node[part];
  }
  return node;
}

const deref = (doc, v) => (isObject(v) && typeof v.$ref === "string" ? resolvePointer(doc, v.$ref) ?? v : v);
const kMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function checkRefKind(v, path, component, errors) {
  if (isObject(v) && typeof v.$ref === "string" && v.$ref.startsWith("#/") &&
      !v.$ref.startsWith(`#/components/${component}/`)) {
    errors.push(`${path}: $ref ${v.$ref} must point into #/components/${component}`);
  }
}

function checkRules(doc) {
  const errors = [];
  const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
  const checkSecurity = (security, path) => {
    (Array.isArray(security) ? security : []).forEach((req, n) => {
      for (const name of Object.keys(req ?? {})) {
        if (!schemes.has(name)) {
          errors.push(`${path}/${n}: security scheme "${name}" is not declared in components.securitySchemes`);
        }
      }
    });
  };
  checkSecurity(doc.security, "/security");

  const checkParameters = (list, path) => {
    const seen = new Set();
    (Array.isArray(list) ? list : []).forEach((raw, n) => {
      checkRefKind(raw, `${path}/${n}`, "parameters", errors);
      const p = deref(doc, raw);
      if (!isObject(p)) return;
      const key = `${p.in}:${p.name}`;
      if (seen.has(key)) errors.push(`${path}/${n}: parameter ${p.name} in ${p.in} is listed twice`);
      seen.add(key);
      if (p.in === "header" && ["accept", "content-type", "authorization"].includes(String(p.name).toLowerCase())) {
        errors.push(`${path}/${n}: header parameter ${p.name} is ignored by OpenAPI (use requestBody/responses content or security)`);
      }
    });
  };
  const checkHeaders = (headers, path) => {
    for (const [name, h] of Object.entries(isObject(headers) ? headers : {})) {
      checkRefKind(h, `${path}/${pointerEscape(name)}`, "headers", errors);
    }
  };
  const checkResponses = (responses, path) => {
    for (const [code, r] of Object.entries(isObject(responses) ? responses : {})) {
      const p = `${path}/${code}`;
      checkRefKind(r, p, "responses", errors);
      const resolved = deref(doc, r);
      if (isObject(resolved)) checkHeaders(resolved.headers, `${p}/headers`);
    }
  };

  for (const [name, r] of Object.entries(doc.components?.responses ?? {})) {
    if (isObject(r)) checkHeaders(r.headers, `/components/responses/${pointerEscape(name)}/headers`);
  }

  const operationIds = new Map();
  const shapes = new Map();
  for (const [route, rawItem] of Object.entries(doc.paths ?? {})) {
    const base = `/paths/${pointerEscape(route)}`;
    const item = deref(doc, rawItem);
    if (!isObject(item)) continue;
    const names = [...route.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
    if (new Set(names).size !== names.length) errors.push(`${base}: a template expression appears twice`);
    const shape = route.replace(/\{[^}]*\}/g, "{}");
    if (shapes.has(shape)) errors.push(`${base}: equivalent to ${shapes.get(shape)} (templated paths differ only in names)`);
    shapes.set(shape, route);
    checkParameters(item.parameters, `${base}/parameters`);
    const pathLevel = (item.parameters ?? []).map((p) => deref(doc, p)).filter((p) => isObject(p) && p.in === "path");
    for (const method of kMethods) {
      const op = item[method];
      if (!isObject(op)) continue;
      const at = `${base}/${method}`;
      if (typeof op.operationId === "string") {
        if (operationIds.has(op.operationId)) {
          errors.push(`${at}: operationId "${op.operationId}" is also used by ${operationIds.get(op.operationId)}`);
        }
        operationIds.set(op.operationId, at);
      }
      checkParameters(op.parameters, `${at}/parameters`);
      const own = (op.parameters ?? []).map((p) => deref(doc, p)).filter((p) => isObject(p) && p.in === "path");
      const declared = new Set([...pathLevel, ...own].map((p) => p.name));
      for (const n of names) {
        if (!declared.has(n)) errors.push(`${at}: path parameter {${n}} is not declared (in: path)`);
      }
      for (const n of declared) {
        if (!names.includes(n)) errors.push(`${at}: path parameter "${n}" does not appear in the path template`);
      }
      checkSecurity(op.security, `${at}/security`);
      checkResponses(op.responses, `${at}/responses`);
      if (op.requestBody) checkRefKind(op.requestBody, `${at}/requestBody`, "requestBodies", errors);
    }
  }
  for (const [name, p] of Object.entries(doc.components?.parameters ?? {})) {
    checkRefKind(p, `/components/parameters/${pointerEscape(name)}`, "parameters", errors);
  }
  return errors;
}

// ---- the whole check ---------------------------------------------------------------------------

let modules;
async function loadModules() {
  if (!modules) {
    const { Validator } = await import("@seriousme/openapi-schema-validator");
    const { default: Ajv2020 } = await import("ajv/dist/2020.js");
    const { default: addFormats } = await import("ajv-formats");
    const meta = new Ajv2020({ allErrors: true, strict: false });
    addFormats(meta);
    modules = { validator: new Validator(), meta, Ajv2020, addFormats };
  }
  return modules;
}

function formatAjvErrors(errors, prefix = "") {
  if (!Array.isArray(errors)) return [String(errors)];
  return errors.map((e) => {
    const params = Object.keys(e.params ?? {}).length ? ` ${JSON.stringify(e.params)}` : "";
    return `${prefix}${e.instancePath || "/"}: ${e.message}${params} (schema ${e.schemaPath})`;
  });
}

// Returns the list of errors of a document given as JSON text (empty: valid).
export async function validateText(text) {
  const { validator, meta: ajv, Ajv2020, addFormats } = await loadModules();
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return [`not JSON: ${e.message}`];
  }
  const errors = duplicateKeys(text);
  if (!isObject(doc) || typeof doc.openapi !== "string" || !/^3\.1\.\d+$/.test(doc.openapi)) {
    return [...errors, `/openapi: must be "3.1.x", is ${JSON.stringify(doc?.openapi)}`];
  }

  const result = await validator.validate(structuredClone(doc));
  if (!result.valid) errors.push(...formatAjvErrors(result.errors));

  const schemas = Object.entries(doc.components?.schemas ?? {}).map(
    ([name, s]) => [`/components/schemas/${pointerEscape(name)}`, s]);
  collectSchemas(doc, "", schemas);
  const formats = new Set([...Object.keys(ajv.formats), ...kOpenApiFormats]);
  const before = errors.length;
  for (const [path, schema] of schemas) {
    if (!ajv.validateSchema(schema)) errors.push(...formatAjvErrors(ajv.errors, path));
    checkSchemaKeywords(schema, path, errors, formats);
    checkRefKindsInSchema(schema, path, errors);
  }
  // Compiling each Schema Object finds what the meta-schema cannot: a `pattern` that is no
  // regular expression, a $ref into a schema that does not compile. The document is the root
  // schema, so "#/components/schemas/…" references resolve as they do for OpenAPI tools.
  if (errors.length === before) {
    const compiler = new Ajv2020({ strict: false, validateSchema: false, logger: false });
    addFormats(compiler);
    compiler.addSchema({ ...structuredClone(doc), $id: "urn:openapi:document" });
    for (const [path] of schemas) {
      try {
        compiler.getSchema(`urn:openapi:document#${path}`);
      } catch (e) {
        errors.push(`${path}: does not compile: ${e.message}`);
      }
    }
  }

  errors.push(...checkRules(doc));
  return errors;
}

// A $ref inside a Schema Object must stay inside the document's schemas.
function checkRefKindsInSchema(node, path, errors) {
  if (Array.isArray(node)) return node.forEach((v, n) => checkRefKindsInSchema(v, `${path}/${n}`, errors));
  if (!isObject(node)) return;
  for (const [key, v] of Object.entries(node)) {
    if (key === "$ref" && typeof v === "string" && v.startsWith("#/") && !v.startsWith("#/components/schemas/")) {
      errors.push(`${path}: schema $ref ${v} must point into #/components/schemas`);
    } else if (key !== "examples" && key !== "example" && key !== "default" && key !== "const" && key !== "enum") {
      checkRefKindsInSchema(v, `${path}/${pointerEscape(key)}`, errors);
    }
  }
}

// ---- --self-test -------------------------------------------------------------------------------

// Each mutation breaks a copy of the (valid) document in one way that must be rejected.
function firstOperation(doc, predicate = () => true) {
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of kMethods) {
      if (isObject(item[method]) && predicate(route, item[method])) return [route, item[method]];
    }
  }
  throw new Error("no operation fits this mutation");
}
const templated = (route) => route.includes("{");
const stringSchema = (doc) => {
  for (const s of Object.values(doc.components.schemas)) {
    for (const p of Object.values(s.properties ?? {})) if (p.type === "string") return p;
  }
  throw new Error("no string property in components.schemas");
};

const kMutations = {
  "a response without description": (d) => {
    const [, op] = firstOperation(d, (_, o) => Object.values(o.responses).some((r) => !r.$ref));
    delete Object.values(op.responses).find((r) => !r.$ref).description;
  },
  "a $ref to a missing component": (d) => {
    firstOperation(d)[1].responses["599"] = { $ref: "#/components/responses/NoSuchResponse" };
  },
  "a $ref to a component of the wrong kind": (d) => {
    firstOperation(d)[1].responses["599"] = { $ref: "#/components/schemas/" + Object.keys(d.components.schemas)[0] };
  },
  "a path parameter not declared": (d) => {
    const [route, op] = firstOperation(d, templated);
    const isPath = (p) => (p.$ref ? resolvePointer(d, p.$ref) : p).in === "path";
    op.parameters = (op.parameters ?? []).filter((p) => !isPath(p));
    d.paths[route].parameters = (d.paths[route].parameters ?? []).filter((p) => !isPath(p));
  },
  "a path parameter not in the template": (d) => {
    const [, op] = firstOperation(d, (r) => !templated(r));
    (op.parameters ??= []).push({ name: "nowhere", in: "path", required: true, schema: { type: "string" } });
  },
  "an unknown field on an operation": (d) => {
    firstOperation(d)[1].respones = {};
  },
  "a parameter in: body (OpenAPI 2)": (d) => {
    (firstOperation(d)[1].parameters ??= []).push({ name: "b", in: "body", schema: { type: "string" } });
  },
  "a parameter listed twice": (d) => {
    const [, op] = firstOperation(d, (_, o) => (o.parameters ?? []).length > 0);
    op.parameters.push(op.parameters[0]);
  },
  "a duplicate operationId": (d) => {
    const [, a] = firstOperation(d);
    const [, b] = firstOperation(d, (_, o) => o !== a);
    b.operationId = a.operationId;
  },
  "an undeclared security scheme": (d) => {
    firstOperation(d)[1].security = [{ noSuchScheme: [] }];
  },
  "a Schema Object with a bad type": (d) => {
    stringSchema(d).type = "strin";
  },
  "a Schema Object with a misspelt keyword": (d) => {
    stringSchema(d).requried = true;
  },
  "a Schema Object with OpenAPI 3.0's nullable": (d) => {
    stringSchema(d).nullable = true;
  },
  "a Schema Object whose required is not an array": (d) => {
    Object.values(d.components.schemas).find((s) => Array.isArray(s.required)).required = "id";
  },
  "an invalid regular expression": (d) => {
    stringSchema(d).pattern = "([a-z";
  },
  "a misspelt format": (d) => {
    stringSchema(d).format = "date-tme";
  },
  "two equivalent templated paths": (d) => {
    const route = Object.keys(d.paths).find(templated);
    d.paths[route.replace(/\{([^}]*)\}/, "{$1_again}")] = structuredClone(d.paths[route]);
  },
  "openapi 3.0.3": (d) => {
    d.openapi = "3.0.3";
  },
};

async function selfTest(text) {
  let failed = 0;
  const base = await validateText(text);
  if (base.length) {
    console.log(`FAIL the document itself is invalid:\n  ${base.join("\n  ")}`);
    failed++;
  }
  const broken = { ...Object.fromEntries(Object.entries(kMutations).map(([name, mutate]) => {
    const doc = JSON.parse(text);
    try {
      mutate(doc);
    } catch (e) {
      return [name, new Error(e.message)];
    }
    return [name, JSON.stringify(doc, null, 1)];
  })), "an object with the same key twice": text.replace(/"openapi"\s*:\s*("[^"]*")/, '"openapi": $1, "openapi": $1') };
  for (const [name, variant] of Object.entries(broken)) {
    if (variant instanceof Error) {
      console.log(`FAIL ${name}: could not build the broken copy (${variant.message})`);
      failed++;
      continue;
    }
    const errors = await validateText(variant);
    if (errors.length === 0) {
      console.log(`FAIL ${name}: accepted`);
      failed++;
    } else {
      console.log(`ok   ${name}: rejected (${errors[0].slice(0, 160)})`);
    }
  }
  const total = Object.keys(broken).length + 1;
  console.log(`${total - failed} passed, ${failed} failed`);
  return failed === 0;
}

// ---- main --------------------------------------------------------------------------------------

const args = process.argv.slice(2);
const self = args[0] === "--self-test";
const file = self ? args[1] : args[0];
if (!file || args.length !== (self ? 2 : 1)) {
  die("usage: node validate.mjs [--self-test] openapi.json");
}
checkInstalled();
let text;
try {
  text = readFileSync(file, "utf8");
} catch (e) {
  die(`cannot read ${file}: ${e.message}`);
}
if (self) {
  process.exit((await selfTest(text)) ? 0 : 1);
}
const errors = await validateText(text);
if (errors.length) {
  console.error(`${file}: ${errors.length} error(s)`);
  for (const e of errors) console.error(`  ${e}`);
  process.exit(1);
}
console.log(`${file}: valid OpenAPI ${JSON.parse(text).openapi}`);

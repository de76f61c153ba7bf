// Decoding and validation of worker → engine frames (protocol.md §2.1–§2.3, §8 items 10–14).
// A frame that does not decode is dropped silently by the caller; nothing is ever answered.
import { isObj, type Action, type ErrorBody, type FrameOf, type HttpInvocationRef, type InboundFrame } from './frames.js';
import { MAX_NESTING, nestsDeeperThan, repeatsAnyKey } from './json-scan.js';
import { parseUuid } from './uuid.js';

type Obj = Record<string, unknown>;
type Of<T extends InboundFrame['type']> = FrameOf<T>;

class Bad extends Error {}

function reqString(o: Obj, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw new Bad(`${k}: expected string`);
  return v;
}

/** Optional field: absent and `null` are the same ([serde] §2.1). */
function optString(o: Obj, k: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Bad(`${k}: expected string`);
  return v;
}

function optAny(o: Obj, k: string): unknown {
  const v = o[k];
  return v === null ? undefined : v;
}

/** A required `serde_json::Value` field: the key must be present, `null` allowed. */
function reqPresent(o: Obj, k: string): unknown {
  if (!(k in o)) throw new Bad(`${k}: missing`);
  return o[k];
}

function optErrorBody(o: Obj, k: string): ErrorBody | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new Bad(`${k}: expected object`);
  const body: ErrorBody = { code: reqString(v, 'code'), message: reqString(v, 'message') };
  const st = optString(v, 'stacktrace');
  if (st !== undefined) body.stacktrace = st;
  return body;
}

function reqUuid(o: Obj, k: string): string {
  const u = parseUuid(reqString(o, k));
  if (u === undefined) throw new Bad(`${k}: invalid UUID`);
  return u;
}

function optUuid(o: Obj, k: string): string | undefined {
  const s = optString(o, k);
  if (s === undefined) return undefined;
  const u = parseUuid(s);
  if (u === undefined) throw new Bad(`${k}: invalid UUID`);
  return u;
}

/** §8 item 12: unknown action type, enqueue without a string queue, non-object → undecodable. */
function optAction(o: Obj): Action | undefined {
  const v = o.action;
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new Bad('action: expected object');
  if (v.type === 'void') return { type: 'void' };
  if (v.type === 'enqueue') return { type: 'enqueue', queue: reqString(v, 'queue') };
  throw new Bad('action: unknown type');
}

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

function optInvocation(o: Obj): HttpInvocationRef | undefined {
  const v = o.invocation;
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new Bad('invocation: expected object');
  const ref: HttpInvocationRef = { url: reqString(v, 'url') };
  const method = optString(v, 'method');
  if (method !== undefined) {
    if (!HTTP_METHODS.has(method)) throw new Bad('invocation.method: unknown variant');
    ref.method = method;
  }
  const t = v.timeout_ms;
  if (t !== undefined && t !== null) {
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) throw new Bad('invocation.timeout_ms');
    ref.timeout_ms = t;
  }
  const h = v.headers;
  if (h !== undefined && h !== null) {
    if (!isObj(h) || Object.values(h).some((x) => typeof x !== 'string')) throw new Bad('invocation.headers');
    ref.headers = h as Record<string, string>;
  }
  const a = v.auth;
  if (a !== undefined && a !== null) {
    if (!isObj(a)) throw new Bad('invocation.auth');
    if (a.type === 'hmac') reqString(a, 'secret_key');
    else if (a.type === 'bearer') reqString(a, 'token_key');
    else if (a.type === 'api_key') {
      reqString(a, 'header');
      reqString(a, 'value_key');
    } else throw new Bad('invocation.auth: unknown type');
    ref.auth = a;
  }
  return ref;
}

/**
 * Known fields per variant: a repeated `type` or known field makes the frame undecodable
 * (§8 item 14). A Map, not an object literal: `"constructor"` or `"__proto__"` must be unknown
 * types like any other (§2.1), not names inherited from Object.prototype.
 */
const KNOWN_FIELDS = new Map<string, readonly string[]>(Object.entries({
  registerfunction: ['id', 'description', 'request_format', 'response_format', 'metadata', 'invocation'],
  unregisterfunction: ['id'],
  invokefunction: ['invocation_id', 'function_id', 'data', 'traceparent', 'baggage', 'action', 'metadata', 'namespace'],
  invocationresult: ['invocation_id', 'function_id', 'result', 'error', 'traceparent', 'baggage'],
  registertriggertype: ['id', 'description', 'trigger_request_format', 'call_request_format', 'namespace'],
  registertrigger: ['id', 'trigger_type', 'function_id', 'config', 'metadata', 'namespace', 'trigger_namespace'],
  unregistertrigger: ['id', 'trigger_type'],
  triggerregistrationresult: ['id', 'trigger_type', 'function_id', 'error'],
  registerservice: ['id', 'name', 'description', 'parent_service_id'],
  reattach: ['previous_worker_id', 'reattach_token'],
  ping: [],
  pong: [],
  workerregistered: ['worker_id', 'reattach_token'],
  registrationrejected: ['code', 'namespace', 'worker_name', 'function_id', 'owner_worker_id'],
}));

/** Decodes one worker frame; `undefined` = drop it (§2.1, §3.14). */
export function decodeFrame(text: string): InboundFrame | undefined {
  if (text.trim() === '') return undefined;
  if (nestsDeeperThan(text, MAX_NESTING)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(raw) || typeof raw.type !== 'string') return undefined;
  const type = raw.type;
  if (!KNOWN_FIELDS.has(type)) return undefined; // unknown type, incl. `unregistertriggertype` (§7 item 1)
  try {
    if (repeatsAnyKey(text, ['type', ...(KNOWN_FIELDS.get(type) ?? [])])) return undefined;
    return decodeVariant(type, raw);
  } catch (e) {
    if (e instanceof Bad) return undefined;
    throw e;
  }
}

function decodeVariant(type: string, o: Obj): InboundFrame {
  switch (type) {
    case 'registerfunction': {
      const f: Of<'registerfunction'> = { type: 'registerfunction', id: reqString(o, 'id') };
      const d = optString(o, 'description');
      if (d !== undefined) f.description = d;
      if (optAny(o, 'request_format') !== undefined) f.request_format = o.request_format;
      if (optAny(o, 'response_format') !== undefined) f.response_format = o.response_format;
      if (optAny(o, 'metadata') !== undefined) f.metadata = o.metadata;
      const inv = optInvocation(o);
      if (inv !== undefined) f.invocation = inv;
      return f;
    }
    case 'unregisterfunction':
      return { type: 'unregisterfunction', id: reqString(o, 'id') };
    case 'invokefunction': {
      const f: Of<'invokefunction'> = { type: 'invokefunction', function_id: reqString(o, 'function_id'), data: reqPresent(o, 'data') };
      const id = optUuid(o, 'invocation_id');
      if (id !== undefined) f.invocation_id = id;
      const tp = optString(o, 'traceparent');
      if (tp !== undefined) f.traceparent = tp;
      const bg = optString(o, 'baggage');
      if (bg !== undefined) f.baggage = bg;
      const action = optAction(o);
      if (action !== undefined) f.action = action;
      if (optAny(o, 'metadata') !== undefined) f.metadata = o.metadata;
      const ns = optString(o, 'namespace');
      if (ns !== undefined) f.namespace = ns;
      return f;
    }
    case 'invocationresult': {
      const f: Of<'invocationresult'> = { type: 'invocationresult', invocation_id: reqUuid(o, 'invocation_id'), function_id: reqString(o, 'function_id') };
      optString(o, 'traceparent');
      optString(o, 'baggage');
      if (optAny(o, 'result') !== undefined) f.result = o.result;
      const err = optErrorBody(o, 'error');
      if (err !== undefined) f.error = err;
      return f;
    }
    case 'registertriggertype': {
      const f: Of<'registertriggertype'> = { type: 'registertriggertype', id: reqString(o, 'id'), description: reqString(o, 'description') };
      if (optAny(o, 'trigger_request_format') !== undefined) f.trigger_request_format = o.trigger_request_format;
      if (optAny(o, 'call_request_format') !== undefined) f.call_request_format = o.call_request_format;
      const ns = optString(o, 'namespace');
      if (ns !== undefined) f.namespace = ns;
      return f;
    }
    case 'registertrigger': {
      const f: InboundFrame = {
        type,
        id: reqString(o, 'id'),
        trigger_type: reqString(o, 'trigger_type'),
        function_id: reqString(o, 'function_id'),
        config: reqPresent(o, 'config'),
      };
      if (optAny(o, 'metadata') !== undefined) f.metadata = o.metadata;
      const ns = optString(o, 'namespace');
      if (ns !== undefined) f.namespace = ns;
      const tns = optString(o, 'trigger_namespace');
      if (tns !== undefined) f.trigger_namespace = tns;
      return f;
    }
    case 'unregistertrigger': {
      const f: Of<'unregistertrigger'> = { type: 'unregistertrigger', id: reqString(o, 'id') };
      const tt = optString(o, 'trigger_type');
      if (tt !== undefined) f.trigger_type = tt;
      return f;
    }
    case 'triggerregistrationresult': {
      const f: InboundFrame = {
        type,
        id: reqString(o, 'id'),
        trigger_type: reqString(o, 'trigger_type'),
        function_id: reqString(o, 'function_id'),
      };
      const err = optErrorBody(o, 'error');
      if (err !== undefined) f.error = err;
      return f;
    }
    case 'registerservice': {
      const f: Of<'registerservice'> = { type: 'registerservice', id: reqString(o, 'id') };
      const n = optString(o, 'name');
      if (n !== undefined) f.name = n;
      const d = optString(o, 'description');
      if (d !== undefined) f.description = d;
      const p = optString(o, 'parent_service_id');
      if (p !== undefined) f.parent_service_id = p;
      return f;
    }
    case 'reattach': {
      const f: Of<'reattach'> = { type: 'reattach', previous_worker_id: reqString(o, 'previous_worker_id') };
      const t = optString(o, 'reattach_token');
      if (t !== undefined) f.reattach_token = t;
      return f;
    }
    case 'ping':
      return { type: 'ping' };
    case 'pong':
      return { type: 'pong' };
    case 'workerregistered':
      reqString(o, 'worker_id');
      optString(o, 'reattach_token');
      return { type: 'workerregistered' };
    case 'registrationrejected':
      reqString(o, 'code');
      reqString(o, 'namespace');
      reqString(o, 'owner_worker_id');
      optString(o, 'worker_name');
      optString(o, 'function_id');
      return { type: 'registrationrejected' };
    default:
      throw new Bad('unknown type');
  }
}

const TELEMETRY_PREFIXES = ['OTLP', 'MTRC', 'LOGS'];

/** §2.1: a binary frame starting with a telemetry prefix is ingested (never answered). */
export function isTelemetryFrame(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const p = buf.subarray(0, 4).toString('latin1');
  return TELEMETRY_PREFIXES.includes(p);
}

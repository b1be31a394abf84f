/**
 * An OpenAI-shaped LLM request as govc sees it, exactly as the LiteLLM guardrail reads one
 * (src/backends/litellm/python/govc_guardrail.py): the texts that reach the model (for detection), the tools it
 * offers or carries calls of, a token estimate, and what the caller may add under `metadata.govc`. Reads any JSON
 * value; never throws.
 */
export interface LlmRequest {
  readonly model: string | undefined;
  /** Every text that reaches the model: message contents and parts, tool-call arguments, `prompt`, `input`. */
  readonly texts: readonly string[];
  /** The tools offered or called, distinct, in the order first met, with `metadata.govc.tools[name]`'s scope and approval. */
  readonly tools: ReadonlyArray<Readonly<Record<string, unknown>>>;
  readonly tokens: { readonly input: number; readonly output: number };
  /** `metadata.govc`'s `trace_id`, `prompt`, `corpora`, when sent. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** The output bound of a request that states none (the guardrail's GOVC_DEFAULT_OUTPUT_TOKENS default). */
export const DEFAULT_OUTPUT_TOKENS = 1024;
const MAX_TOKENS = 1_000_000_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);

/** Every text of the request that reaches the model, as (container, key) slots, so a rewrite can replace it. */
type Slot = readonly [Record<string, unknown> | unknown[], string | number];

function textSlots(data: Record<string, unknown>): Slot[] {
  const out: Slot[] = [];
  const msgs = own(data, 'messages');
  if (Array.isArray(msgs)) {
    for (const m of msgs) {
      if (!isRecord(m)) continue;
      const c = own(m, 'content');
      if (typeof c === 'string') out.push([m, 'content']);
      else if (Array.isArray(c)) for (const part of c) if (isRecord(part) && typeof own(part, 'text') === 'string') out.push([part, 'text']);
      const calls = own(m, 'tool_calls');
      if (Array.isArray(calls)) {
        for (const call of calls) {
          const fn = isRecord(call) ? own(call, 'function') : undefined;
          if (isRecord(fn) && typeof own(fn, 'arguments') === 'string') out.push([fn, 'arguments']);
        }
      }
      const fc = own(m, 'function_call');
      if (isRecord(fc) && typeof own(fc, 'arguments') === 'string') out.push([fc, 'arguments']);
    }
  }
  for (const field of ['prompt', 'input']) {
    const v = own(data, field);
    if (typeof v === 'string') out.push([data, field]);
    else if (Array.isArray(v)) v.forEach((x, i) => typeof x === 'string' && out.push([v, i]));
  }
  return out;
}

const slotText = ([c, k]: Slot): string => (c as Record<string | number, unknown>)[k] as string;

function texts(data: Record<string, unknown>): string[] {
  return textSlots(data).map(slotText);
}

/**
 * The request with its texts replaced, in the order `readLlmRequest` lists them (the redacted texts `invoke` gave
 * the call); a copy: the original is not touched. Undefined when the count differs (then nothing is rewritten).
 */
export function withTexts(body: unknown, replaced: readonly string[]): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(body ?? {}));
  if (!isRecord(copy)) return undefined;
  const slots = textSlots(copy);
  if (slots.length !== replaced.length) return undefined;
  slots.forEach(([c, k], i) => {
    (c as Record<string | number, unknown>)[k] = replaced[i];
  });
  return copy;
}

function toolNames(data: Record<string, unknown>): string[] {
  const names: string[] = [];
  const add = (n: unknown): void => {
    if (typeof n === 'string' && !names.includes(n)) names.push(n);
  };
  const tools = own(data, 'tools');
  if (Array.isArray(tools)) {
    for (const t of tools) {
      if (!isRecord(t)) continue;
      const fn = own(t, 'function');
      add(isRecord(fn) ? own(fn, 'name') : own(t, 'name'));
    }
  }
  const functions = own(data, 'functions');
  if (Array.isArray(functions)) for (const f of functions) if (isRecord(f)) add(own(f, 'name'));
  const choice = own(data, 'tool_choice');
  if (isRecord(choice)) {
    const fn = own(choice, 'function');
    add(isRecord(fn) ? own(fn, 'name') : own(choice, 'name'));
  }
  const msgs = own(data, 'messages');
  if (Array.isArray(msgs)) {
    for (const m of msgs) {
      if (!isRecord(m)) continue;
      const calls = own(m, 'tool_calls');
      if (Array.isArray(calls)) {
        for (const call of calls) {
          const fn = isRecord(call) ? own(call, 'function') : undefined;
          if (isRecord(fn)) add(own(fn, 'name'));
        }
      }
      const fc = own(m, 'function_call');
      if (isRecord(fc)) add(own(fc, 'name'));
    }
  }
  return names;
}

/** The guardrail's estimate: 4 characters per input token (rounded up) plus 4 per message; output: the request's own bound. */
function estimate(data: Record<string, unknown>, ts: readonly string[]): { input: number; output: number } {
  let chars = 0;
  for (const t of ts) chars += t.length;
  const msgs = own(data, 'messages');
  const n = Array.isArray(msgs) ? msgs.length : 0;
  let out: number | undefined;
  for (const f of ['max_completion_tokens', 'max_tokens']) {
    const v = own(data, f);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      out = v;
      break;
    }
  }
  return { input: Math.min(MAX_TOKENS, Math.ceil(chars / 4) + 4 * n), output: Math.min(MAX_TOKENS, out ?? DEFAULT_OUTPUT_TOKENS) };
}

export function readLlmRequest(body: unknown): LlmRequest {
  const data = isRecord(body) ? body : {};
  const ts = texts(data);
  const md = own(data, 'metadata');
  const govc = isRecord(md) ? own(md, 'govc') : undefined;
  const asked = isRecord(govc) ? govc : {};
  const extra: Record<string, unknown> = {};
  for (const k of ['trace_id', 'prompt', 'corpora']) if (own(asked, k) !== undefined) extra[k] = own(asked, k);
  const toolMeta = isRecord(own(asked, 'tools')) ? (own(asked, 'tools') as Record<string, unknown>) : {};
  const tools = toolNames(data).map((name) => {
    const t: Record<string, unknown> = { name };
    const meta = own(toolMeta, name);
    if (isRecord(meta)) for (const k of ['scope', 'human_approved_by']) if (own(meta, k) !== undefined) t[k] = own(meta, k);
    return t;
  });
  const model = own(data, 'model');
  return { model: typeof model === 'string' ? model : undefined, texts: ts, tools, tokens: estimate(data, ts), extra };
}

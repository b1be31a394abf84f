/**
 * The decision engine every generated guard module contains: one `decideUnknown` over per-use-case records that are
 * built once, when the module loads, from the program's data tables (MODELS, DATA_CLASSES, TOOLS, USE_CASES) and
 * deeply frozen. The text below is govc's own code and never contains anything from a `.gov` file: the program's
 * names and strings reach the module only as JSON literals in the data tables (generateGuards.ts). It implements
 * docs/semantics.md step by step, like src/eval/evaluate.ts, and tests hold it to the reference's decisions byte for
 * byte.
 *
 * Performance notes (see docs/guards.md "Performance"): the common path (a well-formed request, up to three data
 * classes, allow) reads the use case's record, allocates only the decision object, and reuses the record's frozen
 * fragments (reasons, obligations, limits). No Set or sort for three classes or fewer, no string is built except on
 * denial, and there are no closures: every helper is a top-level function, so the one `decideUnknown` stays hot
 * and monomorphic whatever the number of use cases.
 *
 * Request strings a decision repeats go through \`echoed\` (RULE B of docs/semantics.md), which returns a name of at most
 * 64 UTF-16 units as it is: the bound costs one comparison on the common path.
 *
 * Written without template literals (the text sits in one) and without backslashes: messages are concatenated.
 */
export const ENGINE_TYPES = `
// ---------------------------------------------------------------------------------------------------------------
// The shapes of the data tables above.

/** One approval: \`[approver, on, expires, source]\`; valid from \`on\` through \`expires\`, a null bound is open. */
type ApprovalSpec = readonly [approver: string, on: string | null, expires: string | null, source: string];
type FlowSpec =
    | readonly [dataClass: string, action: "deny", source: string]
    | readonly [dataClass: string, action: "allow", providers: readonly string[], regions: readonly string[], redacted: boolean, source: string];

interface ModelSpec {
    readonly name: ModelName;
    readonly provider: ProviderName;
    readonly status: "approved" | "deprecated" | "revoked";
    readonly regions: readonly string[];
    readonly approvals: readonly ApprovalSpec[];
    readonly price: readonly [input_nanos_per_token: number, output_nanos_per_token: number];
    readonly source: string;
}

interface ClassSpec {
    readonly name: DataClassName;
    readonly default: "allow" | "redact" | "deny";
    readonly residency: readonly string[];
    readonly detectors: readonly (readonly [name: string, regex: string])[];
    readonly source: string;
}

interface ToolSpec {
    readonly name: ToolName;
    readonly approvals: readonly ApprovalSpec[];
}

interface UseCaseSpec {
    readonly name: UseCaseName;
    readonly owner: string;
    readonly source: string;
    readonly required_approvers: number;
    readonly approvals: readonly ApprovalSpec[];
    /** Primary first, then fallbacks. */
    readonly models: readonly ModelName[];
    readonly data: readonly FlowSpec[];
    /** \`[tool, scopes, requires human approval, source]\`. */
    readonly tools: readonly (readonly [tool: string, scopes: readonly string[], human_approval: boolean, source: string])[];
    readonly budgets: readonly (readonly [scope: "use_case" | "tenant", period: "day" | "week" | "month" | "quarter" | "year", amount_micros: number, hard_limit_micros: number, source: string])[];
    readonly rates: readonly (readonly [scope: "use_case" | "tenant", kind: "requests" | "tokens", per_minute: number, source: string])[];
    /** \`[degrade_to, refusal message, source]\` of \`on budget_exhausted\`. */
    readonly on_budget_exhausted: readonly [degrade_to: string | null, message: string, source: string] | null;
    readonly rate_message: string;
    readonly log: LogRules;
    readonly retention_days: number;
    readonly human_oversight: boolean;
    readonly disclosure: string | null;
}
`;

export const ENGINE_CODE = `
// ---------------------------------------------------------------------------------------------------------------
// Records: built once when the module loads, deeply frozen, shared by every decision.

/** An approval's validity as day numbers (\`YYYYMMDD\`, the order of the IR's \`YYYY-MM-DD\` strings); open bounds are -1 and 1e9. */
interface Span {
    readonly on: number;
    readonly expires: number;
}

interface Approval extends Span {
    readonly approver: string;
    readonly source: string;
}

interface ModelRec {
    readonly name: ModelName;
    readonly provider: ProviderName;
    /** The \`model_revoked\` reason, or null when the model is not revoked. */
    readonly revoked: Reason | null;
    readonly windows: readonly Span[];
    readonly approvalSource: string;
    readonly regions: readonly string[];
    readonly inNanos: number;
    readonly outNanos: number;
    readonly source: string;
}

interface ClassRec {
    readonly name: string;
    /** Position in DATA_CLASSES: use-case tables are arrays indexed by it. */
    readonly index: number;
    readonly deny: boolean;
    readonly redact: boolean;
    readonly residency: readonly string[];
    readonly residencyText: string;
    readonly obligation: RedactObligation;
    readonly source: string;
}

interface FlowRec {
    /** The \`data_class_denied\` reason of \`data C deny\`; null for an allowing rule. */
    readonly denied: Reason | null;
    readonly providers: readonly string[];
    readonly regions: readonly string[];
    readonly redacted: boolean;
    readonly source: string;
}

interface GrantRec {
    readonly exact: readonly string[];
    readonly prefixes: readonly string[];
    readonly humanApproval: boolean;
    readonly humanRequired: Reason;
    readonly windows: readonly Span[];
    readonly approvalSource: string;
    readonly source: string;
}

/**
 * The numbers a decision reads, per use case, packed at \`UseCaseRec.at\` in one program-wide Float64Array (NUMS), so
 * that a decision touches a cache line or two instead of a dozen objects:
 *
 *   at:       required approvers, then for each distinct approver: n, then n pairs (on, expires) of day numbers
 *   rateAt:   n, then n pairs (flags: 2 tenant + 1 tokens, per_minute)
 *   budgetAt: n, then n triples (flags: 8 tenant + period 0 day .. 4 year, amount_micros, hard_limit_micros)
 *   flowAt:   for each data class (by ClassRec.index), a pair: flags (1 the use case has a rule, 2 \`deny\`,
 *             4 redacted, 8 limited to regions) and the mask of model candidates (bit k: \`models[k]\`) whose
 *             provider may not receive the class; -1 when the use case has no data rule
 *
 * The reasons that go with a rate limit or budget are in \`rateReasons\` (missing, limited) and \`budgetReasons\`
 * (missing, exhausted), two per entry, read only on denial.
 */
const NUM_LIST: number[] = [];

interface UseCaseRec {
    readonly name: UseCaseName;
    readonly rule: string;
    readonly source: string;
    readonly required: number;
    readonly approvals: readonly Approval[];
    /** Offsets in NUMS of the approvals, the rate limits and the budgets. */
    readonly at: number;
    readonly rateAt: number;
    readonly budgetAt: number;
    readonly models: readonly ModelRec[];
    /** The use case's data rule for each class (by ClassRec.index), or null when it has none at all. */
    readonly flows: readonly (FlowRec | null)[] | null;
    readonly flowAt: number;
    /** Whether the candidates fit the masks at flowAt (31 at most). */
    readonly maskable: boolean;
    /** The granted tools (by position in TOOLS) and their grants, in the same order. */
    readonly toolIds: readonly number[];
    readonly grants: readonly GrantRec[];
    readonly rateReasons: readonly Reason[];
    readonly budgetReasons: readonly Reason[];
    readonly degrade: ModelRec | null;
    /** Reasons of an allow: \`[allowed]\`, and by the chosen fallback's position \`[allowed, fallback_model]\`. */
    readonly allowed: readonly Reason[];
    readonly allowedFallback: readonly (readonly Reason[])[];
    /** Reasons of a degrade, by the chosen model's position; with \`fallback_model\` in the second. */
    readonly degraded: readonly (readonly Reason[])[];
    readonly degradedFallback: readonly (readonly Reason[])[];
    /** Obligations without redaction, without and with a human approval; and (by class index) for one class redacted. */
    readonly obligations: Obligations;
    readonly obligationsHA: Obligations;
    readonly single: readonly (Obligations | null)[];
    readonly singleHA: readonly (Obligations | null)[];
    readonly log: LogRules;
    readonly retention: number;
    readonly oversight: boolean;
    readonly disclosure: string | null;
    readonly limits: Limits;
    readonly budgetMessage: string | null;
    readonly rateMessage: string;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Freezes a record's objects, deeply (Map entries included). Arrays are left as they are: every array a decision
 * returns (reasons, redactions, limits, detectors) is frozen with freezeDeep where it is built, and the others are
 * lookup lists the decision reads, which V8 (Node 20) would read on a slow path once frozen (about 100 ns a
 * decision, measured); no code outside this module can reach them.
 */
function freezeRecord<T>(value: T): T {
    if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
        if (value instanceof Map) for (const v of value.values()) freezeRecord(v);
        for (const v of Object.values(value)) freezeRecord(v);
        if (!Array.isArray(value)) Object.freeze(value);
    }
    return value;
}
const OBJECT_PROTO: object = Object.prototype;
const PERIODS = ["day", "week", "month", "quarter", "year"];

/** \`YYYY-MM-DD\` as the number YYYYMMDD; null (an open bound) as \`open\`. */
function dayNumber(date: string | null, open: number): number {
    return date === null ? open : Number(date.slice(0, 4)) * 10000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));
}

function approvalOf(a: ApprovalSpec): Approval {
    return { approver: a[0], on: dayNumber(a[1], -1), expires: dayNumber(a[2], 1e9), source: a[3] };
}

function modelRec(m: ModelSpec): ModelRec {
    return {
        name: m.name,
        provider: m.provider,
        revoked: m.status === "revoked" ? { code: "model_revoked", rule: "model/" + m.name + "/status", message: "model \`" + m.name + "\` is revoked", source: m.source } : null,
        windows: m.approvals.map(approvalOf),
        approvalSource: m.approvals.length > 0 ? m.approvals[0]![3] : m.source,
        regions: m.regions,
        inNanos: m.price[0],
        outNanos: m.price[1],
        source: m.source,
    };
}

function classRec(c: ClassSpec, index: number): ClassRec {
    return {
        name: c.name,
        index,
        deny: c.default === "deny",
        redact: c.default === "redact",
        residency: c.residency,
        residencyText: c.residency.join(", "),
        obligation: freezeDeep({ data_class: c.name, detectors: c.detectors.map((d) => d[0]) }),
        source: c.source,
    };
}

const MODEL_TABLE: ReadonlyMap<string, ModelRec> = new Map(MODELS.map((m) => [m.name, freezeRecord(modelRec(m))]));
const DATA_CLASS_RECS: readonly ClassRec[] = DATA_CLASSES.map((c, i) => freezeRecord(classRec(c, i)));
const CLASS_TABLE: ReadonlyMap<string, ClassRec> = new Map(DATA_CLASS_RECS.map((c) => [c.name, c]));
const TOOL_TABLE: ReadonlyMap<string, ToolSpec> = new Map(TOOLS.map((t) => [t.name, t]));
const TOOL_INDEX: ReadonlyMap<string, number> = new Map(TOOLS.map((t, i) => [t.name, i]));

function obligationsOf(u: UseCaseSpec, redact: readonly RedactObligation[], humanApproval: boolean): Obligations {
    return freezeDeep({ redact, log: u.log, retention_days: u.retention_days, human_oversight: u.human_oversight, human_approval: humanApproval, disclosure: u.disclosure });
}

function useCaseRec(u: UseCaseSpec): UseCaseRec {
    const rule = "use_case/" + u.name;
    const models = u.models.map((m) => MODEL_TABLE.get(m)!);
    const byApprover = new Map<string, Span[]>();
    for (const a of u.approvals) {
        const list = byApprover.get(a[0]);
        if (list === undefined) byApprover.set(a[0], [approvalOf(a)]);
        else list.push(approvalOf(a));
    }
    const at = NUM_LIST.length;
    NUM_LIST.push(u.required_approvers, byApprover.size);
    for (const spans of byApprover.values()) {
        NUM_LIST.push(spans.length);
        for (const span of spans) NUM_LIST.push(span.on, span.expires);
    }
    const rateAt = NUM_LIST.length;
    NUM_LIST.push(u.rates.length);
    for (const [scope, kind, perMinute] of u.rates) NUM_LIST.push((scope === "tenant" ? 2 : 0) + (kind === "tokens" ? 1 : 0), perMinute);
    const budgetAt = NUM_LIST.length;
    NUM_LIST.push(u.budgets.length);
    for (const [scope, period, amount, hard] of u.budgets) NUM_LIST.push((scope === "tenant" ? 8 : 0) + PERIODS.indexOf(period), amount, hard);
    const flows: (FlowRec | null)[] = DATA_CLASSES.map(() => null);
    for (const f of u.data) {
        // INVARIANT (checked by the generator): data rules name declared classes.
        const index = CLASS_TABLE.get(f[0])!.index;
        if (f[1] === "deny") {
            const denied: Reason = { code: "data_class_denied", rule: rule + "/data/" + f[0], message: "data class \`" + f[0] + "\` may not be sent in use case \`" + u.name + "\`", source: f[2] };
            flows[index] = { denied, providers: EMPTY, regions: EMPTY, redacted: false, source: f[2] };
        } else flows[index] = { denied: null, providers: f[2], regions: f[3], redacted: f[4], source: f[5] };
    }
    const grants: GrantRec[] = [];
    // INVARIANT (checked by the generator): grants name declared tools.
    const toolIds = u.tools.map(([tool]) => TOOL_INDEX.get(tool)!);
    for (const [tool, scopes, humanApproval, source] of u.tools) {
        const approvals = TOOL_TABLE.get(tool)?.approvals ?? EMPTY;
        grants.push(freezeRecord({
            exact: scopes.filter((s) => !s.endsWith("*")),
            prefixes: scopes.filter((s) => s.endsWith("*")).map((s) => s.slice(0, -1)),
            humanApproval,
            humanRequired: { code: "human_approval_required", rule: rule + "/tool/" + tool, message: "tool \`" + tool + "\` needs a human approval before each call", source },
            windows: approvals.map(approvalOf),
            approvalSource: approvals.length > 0 ? approvals[0]![3] : source,
            source,
        }));
    }
    const redactedAlone = (c: ClassSpec, i: number): boolean => {
        const f = flows[i] ?? null;
        return f === null ? c.default === "redact" : f.redacted;
    };
    const single = DATA_CLASSES.map((c, i) => (redactedAlone(c, i) ? obligationsOf(u, freezeDeep([DATA_CLASS_RECS[i]!.obligation]), false) : null));
    const singleHA = DATA_CLASSES.map((c, i) => (redactedAlone(c, i) ? obligationsOf(u, freezeDeep([DATA_CLASS_RECS[i]!.obligation]), true) : null));
    const maskable = models.length <= 31;
    let flowAt = -1;
    if (u.data.length > 0) {
        flowAt = NUM_LIST.length;
        for (const f of flows) {
            let mask = 0;
            if (f !== null && f.denied === null && maskable) models.forEach((m, k) => { if (!f.providers.includes(m.provider)) mask |= 1 << k; });
            NUM_LIST.push(f === null ? 0 : 1 + (f.denied !== null ? 2 : 0) + (f.redacted ? 4 : 0) + (f.regions.length > 0 ? 8 : 0), mask);
        }
    }
    const allowed: Reason = { code: "allowed", rule, message: "allowed by use case \`" + u.name + "\`", source: u.source };
    const fallback = (k: number): Reason => ({ code: "fallback_model", rule: rule + "/models", message: "model \`" + u.models[0] + "\` cannot serve this request; using fallback \`" + u.models[k] + "\`", source: u.source });
    const policy = u.on_budget_exhausted;
    const degrade = policy === null || policy[0] === null ? null : MODEL_TABLE.get(policy[0]) ?? null;
    const degraded = (k: number): Reason => ({ code: "budget_degraded", rule: rule + "/on_budget_exhausted", message: "budget exhausted; degraded from \`" + u.models[k] + "\` to \`" + (policy === null ? "" : policy[0]) + "\`", source: policy === null ? u.source : policy[2] });
    return {
        // Fields a decision reads first, so that they share the record's first cache lines.
        name: u.name,
        required: u.required_approvers,
        at,
        rateAt,
        budgetAt,
        flowAt,
        maskable,
        models,
        toolIds,
        grants,
        degrade,
        allowed: freezeDeep([allowed]),
        obligations: obligationsOf(u, EMPTY, false),
        obligationsHA: obligationsOf(u, EMPTY, true),
        limits: freezeDeep({
            budgets: u.budgets.map(([scope, period, amount_micros]) => ({ scope, period, amount_micros })),
            rate_limits: u.rates.map(([scope, kind, per_minute]) => ({ scope, kind, per_minute })),
        }),
        single,
        singleHA,
        rule,
        source: u.source,
        approvals: u.approvals.map(approvalOf),
        flows: u.data.length > 0 ? flows : null,
        rateReasons: u.rates.flatMap(([scope, kind, perMinute, source]): Reason[] => [
            { code: "counter_missing", rule: rule + "/rate", message: "\`rate." + scope + "." + kind + "\` is required by a rate limit of use case \`" + u.name + "\`", source },
            { code: "rate_limited", rule: rule + "/rate", message: (scope === "tenant" ? "per-tenant " : "") + kind + " per minute would exceed " + perMinute, source },
        ]),
        budgetReasons: u.budgets.flatMap(([scope, period, , , source]): Reason[] => [
            { code: "counter_missing", rule: rule + "/budget", message: "\`spend." + scope + "." + period + "\` is required by a budget of use case \`" + u.name + "\`", source },
            { code: "budget_exhausted", rule: rule + "/budget", message: (scope === "tenant" ? "per-tenant " : "") + "budget per " + period + " is exhausted", source },
        ]),
        allowedFallback: models.map((_, k) => freezeDeep(k === 0 ? [allowed] : [allowed, fallback(k)])),
        degraded: models.map((_, k) => freezeDeep([allowed, degraded(k)])),
        degradedFallback: models.map((_, k) => freezeDeep(k === 0 ? [allowed, degraded(k)] : [allowed, degraded(k), fallback(k)])),
        log: u.log,
        retention: u.retention_days,
        oversight: u.human_oversight,
        disclosure: u.disclosure,
        budgetMessage: policy === null ? null : policy[1],
        rateMessage: u.rate_message,
    };
}

const USE_CASE_TABLE: ReadonlyMap<string, UseCaseRec> = new Map(USE_CASES.map((u) => [u.name, freezeRecord(useCaseRec(u))]));
const NUMS = new Float64Array(NUM_LIST);
NUM_LIST.length = 0;

/**
 * Scratch space of the decision being made (decisions are synchronous, so one buffer serves them all): the request's
 * declared data classes, resolved; and the spend under each budget.
 */
const CLASSES: ClassRec[] = [];
const SPENT = new Float64Array(USE_CASES.reduce((n, u) => Math.max(n, u.budgets.length), 0));

// ---------------------------------------------------------------------------------------------------------------
// Request validation: a fast, conservative check (true only for a well-formed request made of plain objects) in
// front of the runtime's exact one, which alone decides whether and how a request is malformed (first problem,
// reference messages). A request's fields are its own properties (docs/semantics.md): the fast check accepts only
// objects whose prototype is Object.prototype or null while Object.prototype has no property named like a field,
// so that reading \`r.model\` reads an own property; anything else is decided on a copy of its own properties.

const MAX_TOKENS = 1000000000;
const MAX_MICROS = 1000000000000000;
const MAX_COUNTER = 1000000000000;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function nonEmpty(v: unknown): boolean {
    return typeof v === "string" && v.length > 0;
}

function bounded(v: unknown, max: number): boolean {
    return typeof v === "number" && v >= 0 && v <= max && Math.floor(v) === v;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null;
}

/**
 * Whether an object's fields are its own properties (given fieldsInherited() is false): its prototype is
 * Object.prototype or null (so not an array). Called after the object's fields are read, so that V8 knows its maps
 * and folds the prototype to a constant instead of calling into the runtime.
 */
function plain(v: object): boolean {
    const p: unknown = Object.getPrototypeOf(v);
    return p === OBJECT_PROTO || p === null;
}

/** An empty plain object: what it reads for a field's name is what every plain object would inherit. */
const PROBE: Record<string, unknown> = {};

/** Whether Object.prototype has been given a value named like a field. Monomorphic misses: a few ns in all. */
function fieldsInherited(): boolean {
    const o = PROBE;
    return o.trace_id !== undefined || o.use_case !== undefined || o.model !== undefined || o.tenant !== undefined || o.region !== undefined ||
        o.data_classes !== undefined || o.tool !== undefined || o.tokens !== undefined || o.spend !== undefined || o.rate !== undefined ||
        o.time !== undefined || o.name !== undefined || o.scope !== undefined || o.human_approved_by !== undefined || o.input !== undefined ||
        o.output !== undefined || o.requests !== undefined;
}

/** RULE C: a trace id has at most 256 code points; at most 256 UTF-16 units is certain, the rest is counted exactly. */
const MAX_TRACE_UNITS = 256;

/** A digit's value at \`i\`, or 10 for anything else. */
function digitAt(s: string, i: number): number {
    const c = s.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : 10;
}

/**
 * The last timestamp found well-formed, and its day: requests made in the same second (or millisecond) send the same
 * text, and comparing it costs less than checking it again. Same text, same result: the memo cannot change a decision.
 */
let lastTime = "";
let lastDay = 0;

/** The reference's time check: RFC 3339 in UTC with an optional fraction of 1 to 9 digits, and a real instant. */
function timeOk(s: string): boolean {
    const n = s.length;
    if ((n !== 20 && n < 22) || n > 30) return false;
    if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(n - 1) !== 90) return false;
    if (n !== 20) {
        if (s.charCodeAt(19) !== 46) return false;
        for (let i = 20; i < n - 1; i++) if (digitAt(s, i) > 9) return false;
    }
    const y0 = digitAt(s, 0), y1 = digitAt(s, 1), y2 = digitAt(s, 2), y3 = digitAt(s, 3);
    const m0 = digitAt(s, 5), m1 = digitAt(s, 6), d0 = digitAt(s, 8), d1 = digitAt(s, 9);
    const h0 = digitAt(s, 11), h1 = digitAt(s, 12), i0 = digitAt(s, 14), i1 = digitAt(s, 15), s0 = digitAt(s, 17), s1 = digitAt(s, 18);
    if (y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 || h0 > 9 || h1 > 9 || i0 > 9 || i1 > 9 || s0 > 9 || s1 > 9) return false;
    const month = m0 * 10 + m1;
    const day = d0 * 10 + d1;
    if (month < 1 || month > 12 || day < 1 || h0 * 10 + h1 > 23 || i0 > 5 || s0 > 5) return false;
    const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
    if (day > 28 && (month !== 2 ? day > DAYS[month - 1]! : day !== 29 || year % 4 !== 0 || (year % 100 === 0 && year % 400 !== 0))) return false;
    lastTime = s;
    lastDay = year * 10000 + month * 100 + day;
    return true;
}

/**
 * Every enumerable key, own or inherited (a superset of what the exact check reads), holds a bounded integer; no
 * prototype check is needed, as \`spent\` reads a period only when it is an own property.
 */
function spendOk(v: unknown): boolean {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
    for (const k in v) if (!bounded((v as Record<string, unknown>)[k], MAX_MICROS)) return false;
    return true;
}

function rateOk(v: unknown): boolean {
    if (!isObject(v)) return false;
    const a = v.requests;
    if (a !== undefined ? !bounded(a, MAX_COUNTER) : "requests" in v) return false;
    const b = v.tokens;
    if (b !== undefined ? !bounded(b, MAX_COUNTER) : "tokens" in v) return false;
    return plain(v);
}

function wellFormed(r: unknown): boolean {
    if (!isObject(r) || fieldsInherited()) return false;
    if (!nonEmpty(r.use_case) || !nonEmpty(r.tenant) || !nonEmpty(r.region)) return false;
    const time = r.time;
    if (typeof time !== "string" || (time !== lastTime && !timeOk(time))) return false;
    // An absent field must not be an own property set to undefined: \`in\` (cheaper than hasOwnProperty) says so.
    let v = r.trace_id;
    if (v !== undefined ? typeof v !== "string" || v.length > MAX_TRACE_UNITS : "trace_id" in r) return false;
    v = r.model;
    if (v !== undefined ? !nonEmpty(v) : "model" in r) return false;
    v = r.data_classes;
    if (v !== undefined) {
        if (!Array.isArray(v)) return false;
        for (let i = 0; i < v.length; i++) if (!nonEmpty(v[i])) return false;
    } else if ("data_classes" in r) return false;
    v = r.tool;
    if (v !== undefined) {
        if (!isObject(v) || !nonEmpty(v.name) || !nonEmpty(v.scope)) return false;
        const by = v.human_approved_by;
        if ((by !== undefined ? !nonEmpty(by) : "human_approved_by" in v) || !plain(v)) return false;
    } else if ("tool" in r) return false;
    v = r.tokens;
    if (v !== undefined) {
        if (!isObject(v)) return false;
        const a = v.input;
        if (a !== undefined ? !bounded(a, MAX_TOKENS) : "input" in v) return false;
        const b = v.output;
        if ((b !== undefined ? !bounded(b, MAX_TOKENS) : "output" in v) || !plain(v)) return false;
    } else if ("tokens" in r) return false;
    v = r.spend;
    if (v !== undefined) {
        if (!isObject(v)) return false;
        const a = v.use_case;
        if (a !== undefined ? !spendOk(a) : "use_case" in v) return false;
        const b = v.tenant;
        if ((b !== undefined ? !spendOk(b) : "tenant" in v) || !plain(v)) return false;
    } else if ("spend" in r) return false;
    v = r.rate;
    if (v !== undefined) {
        if (!isObject(v)) return false;
        const a = v.use_case;
        if (a !== undefined ? !rateOk(a) : "use_case" in v) return false;
        const b = v.tenant;
        if ((b !== undefined ? !rateOk(b) : "tenant" in v) || !plain(v)) return false;
    } else if ("rate" in r) return false;
    return plain(r);
}

// ---------------------------------------------------------------------------------------------------------------
// The decision (docs/semantics.md "The algorithm"; the step numbers below are that page's, as in every target).

/** Code-point order (UTF-8 byte order), as the reference sorts data classes: the runtime's comparison. */
const cmp = compareCodePoints;

/** The request's data classes, distinct and sorted; for up to three, without a Set or a sort (and usually as sent). */
function classList(list: readonly string[] | undefined): readonly string[] {
    if (list === undefined) return EMPTY;
    const n = list.length;
    if (n < 2) return list;
    if (n === 2) {
        const c = cmp(list[0]!, list[1]!);
        return c < 0 ? list : c === 0 ? [list[0]!] : [list[1]!, list[0]!];
    }
    if (n === 3) {
        let a = list[0]!;
        let b = list[1]!;
        let c = list[2]!;
        if (cmp(a, b) < 0 && cmp(b, c) < 0) return list;
        let t: string;
        if (cmp(a, b) > 0) { t = a; a = b; b = t; }
        if (cmp(b, c) > 0) { t = b; b = c; c = t; }
        if (cmp(a, b) > 0) { t = a; a = b; b = t; }
        if (a === b) return b === c ? [a] : [a, c];
        return b === c ? [a, b] : [a, b, c];
    }
    return distinctSorted(list);
}

const ELLIPSIS = String.fromCharCode(0x2026);

/**
 * RULE B: a request string as a decision repeats it: itself if it has at most 64 code points, else its first 64 and
 * "…" (a pair counts one, a lone surrogate one), so a hostile name never makes a decision as large as the request.
 */
function echoed(s: string): string {
    if (s.length <= 64) return s;
    let i = 0;
    for (let k = 0; k < 64 && i < s.length; k++) {
        const c = s.charCodeAt(i);
        i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    }
    return i >= s.length ? s : s.slice(0, i) + ELLIPSIS;
}

function includes(list: readonly string[], x: string): boolean {
    for (let i = 0; i < list.length; i++) if (list[i] === x) return true;
    return false;
}

function anyValid(spans: readonly Span[], day: number): boolean {
    for (let i = 0; i < spans.length; i++) {
        const s = spans[i]!;
        if (s.on <= day && day <= s.expires) return true;
    }
    return false;
}

/** Step 2: fewer distinct approvers valid on \`day\` than the tier requires. */
function approvalsShort(u: UseCaseRec, day: number): boolean {
    let p = u.at;
    const required = NUMS[p]!;
    const approvers = NUMS[p + 1]!;
    p += 2;
    let valid = 0;
    for (let i = 0; i < approvers; i++) {
        const spans = NUMS[p]!;
        const end = p + 1 + 2 * spans;
        for (let q = p + 1; q < end; q += 2) {
            if (NUMS[q]! <= day && day <= NUMS[q + 1]!) {
                if (++valid >= required) return false;
                break;
            }
        }
        p = end;
    }
    return true;
}

function approvalReason(u: UseCaseRec, day: number, date: string): Reason {
    const valid = new Set<string>();
    let expired: Approval | undefined;
    let pending: Approval | undefined;
    for (const a of u.approvals) {
        if (a.on <= day && day <= a.expires) valid.add(a.approver);
        else pending ??= a;
        if (a.expires < day) expired ??= a;
    }
    const culprit = expired ?? pending;
    return {
        code: expired !== undefined ? "approval_expired" : "approval_not_yet_valid",
        rule: u.rule + "/approved_by",
        message: "use case \`" + u.name + "\` has " + valid.size + " valid approval(s) on " + date + "; its tier requires " + u.required,
        source: culprit !== undefined ? culprit.source : u.source,
    };
}

/**
 * Step 3: the model has no problem on this request (\`n\` resolved classes in CLASSES). \`k\` is the model's position
 * among the candidates (-1 for a degrade model that is not one) and \`blocked\` the OR of the classes' masks.
 */
function modelOk(u: UseCaseRec, m: ModelRec, k: number, region: string, n: number, day: number, blocked: number): boolean {
    if (m.revoked !== null || (m.windows.length > 0 && !anyValid(m.windows, day)) || !includes(m.regions, region)) return false;
    const flows = u.flows;
    if (flows === null || n === 0) return true;
    if (k >= 0 && u.maskable) return ((blocked >>> k) & 1) === 0;
    {
        for (let i = 0; i < n; i++) {
            const f = flows[CLASSES[i]!.index] ?? null;
            if (f !== null && f.denied === null && !includes(f.providers, m.provider)) return false;
        }
    }
    return true;
}

/** Step 3: the model's problems, in the order of docs/semantics.md. */
function modelProblems(u: UseCaseRec, m: ModelRec, region: string, n: number, day: number, date: string, out: Reason[]): void {
    if (m.revoked !== null) out.push(m.revoked);
    else if (m.windows.length > 0 && !anyValid(m.windows, day)) out.push(modelApprovalReason(m.name, date, m.approvalSource));
    if (!includes(m.regions, region)) out.push(modelRegionReason(m.name, region, m.source));
    const flows = u.flows;
    if (flows === null) return;
    for (let i = 0; i < n; i++) {
        const c = CLASSES[i]!.name;
        const f = flows[CLASSES[i]!.index] ?? null;
        if (f !== null && f.denied === null && !includes(f.providers, m.provider)) {
            out.push({ code: "data_flow_not_permitted", rule: u.rule + "/data/" + c, message: "data class \`" + c + "\` may not be sent to provider \`" + m.provider + "\` (model \`" + m.name + "\`)", source: f.source });
        }
    }
}

type Tool = { readonly name: string; readonly scope: string; readonly human_approved_by?: string };

/** Step 5: the tool call's denials; returns whether the grant requires a human approval. */
function toolStep(u: UseCaseRec, tool: Tool, grant: GrantRec | undefined, day: number, date: string, deny: Reason[]): boolean {
    if (grant === undefined) {
        deny.push({ code: "tool_not_allowed", rule: u.rule + "/tools", message: "tool \`" + echoed(tool.name) + "\` is not granted to use case \`" + u.name + "\`", source: u.source });
        return false;
    }
    if (grant.windows.length > 0 && !anyValid(grant.windows, day)) {
        deny.push({ code: "tool_approval_expired", rule: "tool/" + tool.name + "/approved_by", message: "tool \`" + tool.name + "\` has no valid approval on " + date, source: grant.approvalSource });
    }
    if (!scopeGranted(grant, tool.scope)) {
        deny.push({ code: "tool_scope_not_allowed", rule: u.rule + "/tool/" + tool.name, message: "scope \`" + echoed(tool.scope) + "\` is not granted for tool \`" + tool.name + "\`", source: grant.source });
    } else if (grant.humanApproval && tool.human_approved_by === undefined) deny.push(grant.humanRequired);
    return grant.humanApproval;
}

function scopeGranted(g: GrantRec, scope: string): boolean {
    for (let i = 0; i < g.exact.length; i++) if (g.exact[i] === scope) return true;
    for (let i = 0; i < g.prefixes.length; i++) if (scope.startsWith(g.prefixes[i]!)) return true;
    return false;
}

/** Step 4 for one class; pushes its denials. */
function classStep(u: UseCaseRec, dc: ClassRec, f: FlowRec | null, region: string, deny: Reason[]): void {
    const c = dc.name;
    if (f !== null) {
        if (f.denied !== null) deny.push(f.denied);
        else if (f.regions.length > 0 && !includes(f.regions, region)) {
            deny.push({ code: "data_region_not_permitted", rule: u.rule + "/data/" + c, message: "data class \`" + c + "\` may not be sent from region \`" + echoed(region) + "\` in use case \`" + u.name + "\`", source: f.source });
        }
    } else if (dc.deny) {
        deny.push({ code: "data_class_not_permitted", rule: "data_class/" + c + "/default", message: "data class \`" + c + "\` is denied by default and use case \`" + u.name + "\` has no rule for it", source: dc.source });
    }
    if (dc.residency.length > 0 && !includes(dc.residency, region)) {
        deny.push({ code: "residency_violation", rule: "data_class/" + c + "/residency", message: "data class \`" + c + "\` must stay in " + dc.residencyText + ", request region is \`" + echoed(region) + "\`", source: dc.source });
    }
}

type Counters = Readonly<Record<string, number | undefined>> & { readonly day?: number; readonly week?: number; readonly month?: number; readonly quarter?: number; readonly year?: number };

/** \`spend[scope][period]\` if it is an own property (as the reference reads it), else undefined. */
function spent(spend: AnyRequest["spend"], flags: number): number | undefined {
    if (spend === undefined) return undefined;
    const o: Counters | undefined = flags >= 8 ? spend.tenant : spend.use_case;
    const period = flags & 7;
    if (o === undefined) return undefined;
    let v: number | undefined;
    let inherited: boolean;
    // Named loads (fast); then "own" is certain for a plain object when Object.prototype lacks the key.
    switch (period) {
        case 0: v = o.day; inherited = "day" in OBJECT_PROTO; break;
        case 1: v = o.week; inherited = "week" in OBJECT_PROTO; break;
        case 2: v = o.month; inherited = "month" in OBJECT_PROTO; break;
        case 3: v = o.quarter; inherited = "quarter" in OBJECT_PROTO; break;
        default: v = o.year; inherited = "year" in OBJECT_PROTO; break;
    }
    if (v === undefined) return undefined;
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto === null || (proto === OBJECT_PROTO && !inherited)) return v;
    return hasOwn.call(o, PERIODS[period]!) ? v : undefined;
}

function decision(kind: "allow" | "degrade" | "deny", useCase: string | null, model: ModelRec | null, reasons: readonly Reason[], message: string | null, obligations: Obligations | null, limits: Limits | null, trace: string | null): GuardDecision {
    return {
        decision: kind,
        allow: kind !== "deny",
        use_case: useCase,
        model: model === null ? null : model.name,
        provider: model === null ? null : model.provider,
        reasons,
        message,
        obligations,
        limits,
        trace_id: trace,
        policy_revision: POLICY_REVISION,
    };
}

/** The day of a well-formed request's time, as the number YYYYMMDD. */
function dayOf(time: string): number {
    if (time === lastTime) return lastDay;
    return (
        (time.charCodeAt(0) - 48) * 10000000 + (time.charCodeAt(1) - 48) * 1000000 + (time.charCodeAt(2) - 48) * 100000 + (time.charCodeAt(3) - 48) * 10000 +
        (time.charCodeAt(5) - 48) * 1000 + (time.charCodeAt(6) - 48) * 100 + (time.charCodeAt(8) - 48) * 10 + (time.charCodeAt(9) - 48)
    );
}

/** Decides any value (parsed JSON, say): a malformed request is denied with a reason, never thrown. */
export function decideUnknown(input: unknown): GuardDecision {
    // One try around the whole decision (no call of its own): a value whose getters or Proxy traps throw cannot be
    // read, and is no request, as for the reference.
    try {
        let r = input as AnyRequest;
        if (!wellFormed(input)) {
            const problem = requestProblem(input);
            if (problem !== undefined) return decision("deny", null, null, [malformedReason(problem)], null, null, null, malformedTraceId(input));
            // Well-formed, but not plain data (a prototype chain, a long trace id...): decided on its own properties.
            r = ownRequest(input as Record<string, unknown>);
        }
        const trace = r.trace_id ?? null;
        // 1. Use case.
        const u = USE_CASE_TABLE.get(r.use_case);
        if (u === undefined) return decision("deny", echoed(r.use_case), null, [unknownUseCaseReason(r.use_case)], null, null, null, trace);
        const time = r.time;
        const day = dayOf(time);
        const region = r.region;
        const tokens = r.tokens;
        const ti = tokens === undefined ? 0 : tokens.input ?? 0;
        const to = tokens === undefined ? 0 : tokens.output ?? 0;
        let deny: Reason[] | null = null;

        // The request's classes, distinct and sorted, resolved once into CLASSES; undeclared ones are denied (step 4).
        const classes = classList(r.data_classes);
        let n = 0;
        let blocked = 0;
        const flowAt = u.flowAt;
        for (let i = 0; i < classes.length; i++) {
            const dc = CLASS_TABLE.get(classes[i]!);
            if (dc !== undefined) {
                CLASSES[n++] = dc;
                if (flowAt >= 0) blocked |= NUMS[flowAt + 2 * dc.index + 1]!;
            }
            else (deny ??= []).push({ code: "unknown_data_class", rule: "request", message: "data class \`" + echoed(classes[i]!) + "\` is not declared", source: null });
        }

        // 2. The use case's approvals.
        if (u.required > 0 && approvalsShort(u, day)) (deny ??= []).push(approvalReason(u, day, time.slice(0, 10)));

        // 3. Model: the requested one, or the first usable of primary then fallbacks.
        const models = u.models;
        const wanted = r.model;
        let first: ModelRec | null = null;
        let chosen: ModelRec | null = null;
        let at = -1;
        if (wanted !== undefined) {
            for (let i = 0; i < models.length; i++) {
                if (models[i]!.name === wanted) {
                    at = i;
                    break;
                }
            }
            if (at < 0) {
                (deny ??= []).push({ code: "model_not_allowed", rule: u.rule + "/models", message: "model \`" + echoed(wanted) + "\` is not allowed for use case \`" + u.name + "\`", source: u.source });
            } else {
                first = models[at]!;
                if (modelOk(u, first, at, region, n, day, blocked)) chosen = first;
            }
        } else if (models.length > 0) {
            first = models[0]!;
            for (let i = 0; i < models.length; i++) {
                if (modelOk(u, models[i]!, i, region, n, day, blocked)) {
                    chosen = models[i]!;
                    at = i;
                    break;
                }
            }
        }
        if (chosen === null && first !== null) modelProblems(u, first, region, n, day, time.slice(0, 10), (deny ??= []));

        // 4. Data classes; the redaction of one class alone is a precomputed obligation.
        let redactOne = -1;
        let redactMany: RedactObligation[] | null = null;
        for (let i = 0; i < n; i++) {
            const dc = CLASSES[i]!;
            const flags = flowAt >= 0 ? NUMS[flowAt + 2 * dc.index]! : 0;
            if ((flags & 1) !== 0 ? (flags & 2) !== 0 || ((flags & 8) !== 0 && !includes(u.flows![dc.index]!.regions, region)) : dc.deny) {
                classStep(u, dc, u.flows === null ? null : u.flows[dc.index] ?? null, region, (deny ??= []));
            } else if (dc.residency.length > 0 && !includes(dc.residency, region)) classStep(u, dc, u.flows === null ? null : u.flows[dc.index] ?? null, region, (deny ??= []));
            if (!((flags & 1) !== 0 ? (flags & 4) !== 0 : dc.redact)) continue;
            if (redactOne < 0) redactOne = dc.index;
            else (redactMany ??= [DATA_CLASS_RECS[redactOne]!.obligation]).push(dc.obligation);
        }

        // 5. Tool call.
        let humanApproval = false;
        const tool = r.tool;
        if (tool !== undefined) {
            let grant: GrantRec | undefined;
            const id = TOOL_INDEX.get(tool.name);
            if (id !== undefined) {
                const ids = u.toolIds;
                for (let i = 0; i < ids.length; i++) {
                    if (ids[i] === id) {
                        grant = u.grants[i]!;
                        break;
                    }
                }
            }
            if (
                grant !== undefined &&
                (grant.windows.length === 0 || anyValid(grant.windows, day)) &&
                scopeGranted(grant, tool.scope) &&
                (!grant.humanApproval || tool.human_approved_by !== undefined)
            ) humanApproval = grant.humanApproval;
            else humanApproval = toolStep(u, tool, grant, day, time.slice(0, 10), (deny ??= []));
        }

        // 6. Rate limits.
        let rateOut = false;
        let p = u.rateAt;
        const nRates = NUMS[p++]!;
        if (nRates > 0) {
            const rate = r.rate;
            for (let i = 0; i < nRates; i++, p += 2) {
                const flags = NUMS[p]!;
                const byScope = rate === undefined ? undefined : flags >= 2 ? rate.tenant : rate.use_case;
                const used = byScope === undefined ? undefined : (flags & 1) === 1 ? byScope.tokens : byScope.requests;
                if (used === undefined) (deny ??= []).push(u.rateReasons[2 * i]!);
                else if (used + ((flags & 1) === 1 ? ti + to : 1) > NUMS[p + 1]!) {
                    (deny ??= []).push(u.rateReasons[2 * i + 1]!);
                    rateOut = true;
                }
            }
        }

        // 7. Budgets, priced on the chosen model.
        let budgetOut = false;
        let degradeTo: ModelRec | null = null;
        const b0 = u.budgetAt + 1;
        const nBudgets = NUMS[b0 - 1]!;
        if (chosen !== null && nBudgets > 0) {
            const spend = r.spend;
            let missing = false;
            for (let i = 0; i < nBudgets; i++) {
                const v = spent(spend, NUMS[b0 + 3 * i]!);
                if (v === undefined) {
                    missing = true;
                    (deny ??= []).push(u.budgetReasons[2 * i]!);
                } else SPENT[i] = v;
            }
            if (!missing) {
                const cost = Math.ceil((ti * chosen.inNanos + to * chosen.outNanos) / 1000);
                let exceeded = -1;
                for (let i = 0; i < nBudgets; i++) {
                    if (SPENT[i]! + cost > NUMS[b0 + 3 * i + 1]!) {
                        exceeded = i;
                        break;
                    }
                }
                if (exceeded >= 0) {
                    const d = u.degrade;
                    let can = d !== null && d !== chosen && modelOk(u, d, models.indexOf(d), region, n, day, blocked);
                    if (can) {
                        const costD = Math.ceil((ti * d!.inNanos + to * d!.outNanos) / 1000);
                        for (let i = 0; i < nBudgets; i++) {
                            if (SPENT[i]! + costD > NUMS[b0 + 3 * i + 2]!) {
                                can = false;
                                break;
                            }
                        }
                    }
                    if (can) degradeTo = d;
                    else {
                        (deny ??= []).push(u.budgetReasons[2 * exceeded + 1]!);
                        budgetOut = true;
                    }
                }
            }
        }

        // 8. Result.
        let obligations: Obligations;
        if (redactMany !== null) obligations = { redact: redactMany, log: u.log, retention_days: u.retention, human_oversight: u.oversight, human_approval: humanApproval, disclosure: u.disclosure };
        else if (redactOne >= 0) obligations = (humanApproval ? u.singleHA : u.single)[redactOne]!;
        else obligations = humanApproval ? u.obligationsHA : u.obligations;
        if (deny !== null) return decision("deny", u.name, null, sortReasons(deny), budgetOut ? u.budgetMessage : rateOut ? u.rateMessage : null, obligations, u.limits, trace);
        // Without a denial a model was chosen, unless the use case lists none (then the allow names no model).
        const fallback = wanted === undefined && at > 0;
        if (degradeTo !== null) return decision("degrade", u.name, degradeTo, (fallback ? u.degradedFallback : u.degraded)[at]!, null, obligations, u.limits, trace);
        return decision("allow", u.name, chosen, fallback ? u.allowedFallback[at]! : u.allowed, null, obligations, u.limits, trace);
    } catch {
        return decision("deny", null, null, [malformedReason(requestProblem(undefined)!)], null, null, null, null);
    }
}

const REQUEST_FIELDS = ["trace_id", "use_case", "model", "tenant", "region", "data_classes", "tool", "tokens", "spend", "rate", "time"];
const TOOL_FIELDS = ["name", "scope", "human_approved_by"];
const TOKEN_FIELDS = ["input", "output"];
const SCOPE_FIELDS = ["use_case", "tenant"];
const RATE_FIELDS = ["requests", "tokens"];

/** The own properties \`keys\` of \`o\`, in an object without a prototype. */
function ownFields(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>;
    for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        if (hasOwn.call(o, k)) out[k] = o[k];
    }
    return out;
}

/** A well-formed request that is not plain data, as the reference reads it: its own properties only. */
function ownRequest(input: Record<string, unknown>): AnyRequest {
    const r = ownFields(input, REQUEST_FIELDS);
    if (r.tool !== undefined) r.tool = ownFields(r.tool as Record<string, unknown>, TOOL_FIELDS);
    if (r.tokens !== undefined) r.tokens = ownFields(r.tokens as Record<string, unknown>, TOKEN_FIELDS);
    if (r.spend !== undefined) {
        const spend = ownFields(r.spend as Record<string, unknown>, SCOPE_FIELDS);
        for (const k of SCOPE_FIELDS) {
            const byPeriod = spend[k] as Record<string, unknown> | undefined;
            if (byPeriod !== undefined) spend[k] = ownFields(byPeriod, Object.keys(byPeriod));
        }
        r.spend = spend;
    }
    if (r.rate !== undefined) {
        const rate = ownFields(r.rate as Record<string, unknown>, SCOPE_FIELDS);
        for (const k of SCOPE_FIELDS) if (rate[k] !== undefined) rate[k] = ownFields(rate[k] as Record<string, unknown>, RATE_FIELDS);
        r.rate = rate;
    }
    return r as unknown as AnyRequest;
}


/** Decides a request as docs/semantics.md defines; the same decision as every other govc target. */
export function decide(request: GuardRequest): GuardDecision {
    return decideUnknown(request);
}

/** The tables \`invoke\` needs: budgets with their degrade caps, rate limits, messages, prices, detectors. */
export const policy: GuardPolicy<GuardRequest, GuardDecision> = definePolicy<GuardRequest, GuardDecision>({
    revision: POLICY_REVISION,
    org: ORG,
    defaults: ORG_DEFAULTS,
    decide: decideUnknown,
    useCases: USE_CASES.map((u) => ({
        name: u.name,
        owner: u.owner,
        log: u.log,
        retention_days: u.retention_days,
        budgets: u.budgets.map(([scope, period, amount_micros, hard_limit_micros]) => ({ scope, period, amount_micros, hard_limit_micros })),
        rate_limits: u.rates.map(([scope, kind, per_minute]) => ({ scope, kind, per_minute })),
        degrade_to: u.on_budget_exhausted === null ? null : u.on_budget_exhausted[0],
        budget_message: u.on_budget_exhausted === null ? null : u.on_budget_exhausted[1],
        rate_message: u.rate_message,
    })),
    models: MODELS.map((m) => ({ name: m.name, provider: m.provider, input_nanos_per_token: m.price[0], output_nanos_per_token: m.price[1] })),
    dataClasses: DATA_CLASSES.map((c) => ({ name: c.name, detectors: c.detectors.map(([name, regex]) => ({ name, regex })) })),
});

/** A guard for this policy: \`guard.invoke(request, call)\` decides, redacts, meters budgets and rates, and logs. */
export function createGuard(options: GuardOptions = {}): Guard<GuardRequest, GuardDecision> {
    return createRuntimeGuard(policy, options);
}
`;

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { budgetKey } from '../runtime/counterKeys.js';
import type { CounterStore } from '../runtime/store.js';
import type { ProgramSource } from './ServedProgram.js';

/** Every endpoint label value (a bounded set). */
export type Endpoint = 'opa' | 'decide' | 'settle' | 'envoy' | 'portkey' | 'kong' | 'apisix';

/** Reason codes are the decision contract's (a bounded set); anything else is counted as `other`. */
const REASON_LABEL = /^[a-z_]{1,40}$/;

/**
 * The server's Prometheus metrics, in a registry of its own (two servers in one process never share counters).
 * Budget utilisation is read from the store when scraped, for use-case-scope budgets only: one series per budget
 * the program declares, never per tenant.
 */
export class ServeMetrics {
  readonly registry = new Registry();
  readonly decisions: Counter<'endpoint' | 'decision' | 'reason'>;
  readonly duration: Histogram<'endpoint'>;
  readonly reloads: Counter<'result'>;
  readonly storeErrors: Counter;
  readonly pending: Gauge;

  constructor(source: ProgramSource, store: CounterStore | undefined, prefix: string, pendingCount: () => number) {
    const registers = [this.registry];
    this.decisions = new Counter({ name: 'govc_decisions_total', help: 'Decisions by endpoint, outcome and first reason code.', labelNames: ['endpoint', 'decision', 'reason'], registers });
    this.duration = new Histogram({
      name: 'govc_decision_duration_seconds',
      help: 'Time from a request arriving to its answer, by endpoint.',
      labelNames: ['endpoint'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    this.reloads = new Counter({ name: 'govc_reloads_total', help: 'Program reloads by result (swapped, failed).', labelNames: ['result'], registers });
    this.storeErrors = new Counter({ name: 'govc_store_errors_total', help: 'Counter store operations that failed.', registers });
    this.pending = new Gauge({
      name: 'govc_pending_settlements',
      help: 'Admitted calls waiting for their settle call (or timeout).',
      registers,
      collect() {
        this.set(pendingCount());
      },
    });
    new Gauge({
      name: 'govc_policy_info',
      help: 'The program deciding now (value 1), by revision.',
      labelNames: ['revision'],
      registers,
      collect() {
        this.reset();
        this.set({ revision: source.current().revision }, 1);
      },
    });
    new Gauge({
      name: 'govc_budget_utilisation_ratio',
      help: 'Spend over amount of each use-case-scope budget in its current period (1 = exhausted).',
      labelNames: ['use_case', 'period'],
      registers,
      async collect() {
        this.reset();
        if (store === undefined) return;
        const p = source.current();
        const now = Date.now();
        const want: Array<{ use_case: string; period: string; amount: number; key: string }> = [];
        for (const uc of p.guards.policy.useCases.values()) {
          for (const b of uc.budgets) if (b.scope === 'use_case' && b.amount_micros > 0) want.push({ use_case: uc.name, period: b.period, amount: b.amount_micros, key: budgetKey(prefix, uc.name, '', 'use_case', b.period, now) });
        }
        if (want.length === 0) return;
        try {
          const values = await store.get(want.map((w) => w.key));
          want.forEach((w, i) => this.set({ use_case: w.use_case, period: w.period }, (values[i] ?? 0) / w.amount));
        } catch {
          // A scrape while the store is away shows no utilisation rather than failing the whole scrape.
        }
      },
    });
  }

  decided(endpoint: Endpoint, decision: string, reasons: ReadonlyArray<{ readonly code?: unknown }> | undefined, seconds: number): void {
    const code = reasons?.[0]?.code;
    this.decisions.inc({ endpoint, decision: decision === 'allow' || decision === 'degrade' || decision === 'deny' ? decision : 'other', reason: typeof code === 'string' && REASON_LABEL.test(code) ? code : 'other' });
    this.duration.observe({ endpoint }, seconds);
  }
}

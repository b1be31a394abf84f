import type { CallContext, Guard, InvokeOptions, InvokeResult } from '../runtime/guard.js';
import type { AnyRequest, Decision } from '../runtime/types.js';
import type { Settlements } from './settlements.js';

/** The answer to an admission: refused (the decision or the runtime said no) or admitted (reserved, call pending). */
export type Admission =
  | { readonly kind: 'refused'; readonly result: InvokeResult<Decision, unknown> }
  | { readonly kind: 'admitted'; readonly ctx: CallContext<Decision>; readonly deferred: boolean; readonly done: Promise<InvokeResult<Decision, unknown>> };

/**
 * Admission through the runtime's own metering: `guard.invoke(request, call)` reads the counters, decides, reserves;
 * its `call` is where the HTTP answer is given (the call is "admitted"), and what the call returns is the promise the
 * settle call, the timeout or shutdown ends (Settlements). `check` may refuse an admitted call before it is answered
 * (Envoy's redaction rule): the call then fails, so invoke gives the reservation back and logs why.
 */
export function admit(
  guard: Guard<AnyRequest, Decision>,
  request: unknown,
  settlements: Settlements,
  options: InvokeOptions & { readonly defer: boolean; readonly check?: (ctx: CallContext<Decision>) => Error | undefined },
): Promise<Admission> {
  return new Promise<Admission>((answer) => {
    const holder: { done?: Promise<InvokeResult<Decision, unknown>> } = {};
    let admitted = false;
    const call = (ctx: CallContext<Decision>): Promise<unknown> => {
      const refused = options.check?.(ctx);
      if (refused !== undefined) return Promise.reject(refused);
      admitted = true;
      const defer = options.defer && settlements.hasRoom();
      const waiting = defer ? settlements.wait(ctx.decision_id) : Promise.resolve({});
      // invoke runs its call after at least one await, so `holder.done` is set by now; the microtask keeps it so.
      queueMicrotask(() => {
        if (defer) settlements.attach(ctx.decision_id, holder.done!);
        answer({ kind: 'admitted', ctx, deferred: defer, done: holder.done! });
      });
      return waiting;
    };
    holder.done = guard.invoke(request as never, call, options);
    void holder.done.then((result) => {
      if (!admitted) answer({ kind: 'refused', result });
    });
  });
}

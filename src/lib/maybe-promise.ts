// A value now, or a promise of it. Introspection answers from in-process caches, and a promise
// at every step of that measurably cost it throughput (docs/benchmarks.md); more so once
// oidc-provider's AsyncLocalStorage has switched on Node's promise hooks, which then run for
// every promise in the process. Functions on that path return the value itself when they have
// it and a promise only when they must wait (a cache miss), as graphql-js's executor does.
export type MaybePromise<T> = T | Promise<T>;

/** `next(value)`, at once when `value` is already there. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

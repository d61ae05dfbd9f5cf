/**
 * `using` and `await using` look up Symbol.dispose and Symbol.asyncDispose. Current Node 20, Bun and
 * Deno define both (checked: Node 20.20, Bun 1.4, Deno 2.9); an older runtime (an older browser,
 * Node 18) may lack them, and then a class body's `[Symbol.dispose]()` would define a method named
 * "undefined" and `using` (or tsc's downlevelled form of it) would throw. Called at the top of each module whose class has disposers, before the
 * class body runs. It defines only what is missing, as the registry symbol other polyfills agree on,
 * and never replaces a native symbol.
 */
export function ensureDisposeSymbols(): void {
  const s = Symbol as { dispose?: symbol; asyncDispose?: symbol };
  if (typeof s.dispose !== 'symbol') defineSymbol('dispose');
  if (typeof s.asyncDispose !== 'symbol') defineSymbol('asyncDispose');
}

function defineSymbol(name: 'dispose' | 'asyncDispose'): void {
  try {
    Object.defineProperty(Symbol, name, { value: Symbol.for(`Symbol.${name}`), configurable: false, enumerable: false, writable: false });
  } catch {
    // A frozen global Symbol (a hardened realm): `using` is then unavailable, close() still works.
  }
}

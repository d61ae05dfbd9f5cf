// A .wasm imported as an ES module is a compiled WebAssembly.Module in workerd (wrangler's CompiledWasm
// rule) and in Vercel's edge runtime (the `?module` suffix).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
declare module '*.wasm?module' {
  const module: WebAssembly.Module;
  export default module;
}

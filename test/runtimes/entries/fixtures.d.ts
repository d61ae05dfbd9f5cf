// Written by build-fixtures.ts into the scratch project, and bundled into each entry from there.
declare module 'memvec-matrix-fixtures' {
  export const store: string;
  export const storeF16: string;
  export const storeI8: string;
  export const index: string;
  export const indexI8: string;
}

/**
 * memvec/langchain: memvec's HnswIndex as a LangChain.js vector store. Needs @langchain/core (an
 * optional peer dependency of memvec). It imports memvec's classes from 'memvec' itself, so it shares
 * them (and MemvecError) with your code.
 */
export { INDEX_FILE, MemvecVectorStore } from './vector-store.js';
export type { MemvecFilter, MemvecVectorStoreArgs } from './vector-store.js';

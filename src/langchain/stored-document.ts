/**
 * How a LangChain Document lives in an HnswIndex: the key is its id, the entry's metadata holds its
 * text and metadata (JSON, as the index stores every metadata value).
 */
import { Document, type DocumentInterface } from '@langchain/core/documents';
import { MemvecError } from 'memvec';

export interface StoredDocument {
  pageContent: string;
  metadata: Record<string, unknown>;
}

export function toStored(doc: DocumentInterface, i: number): StoredDocument {
  if (doc === null || typeof doc !== 'object' || typeof doc.pageContent !== 'string') {
    throw new MemvecError('INVALID_ARGUMENT', `documents[${i}] must be a Document with a string pageContent`);
  }
  const metadata = doc.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new MemvecError('INVALID_ARGUMENT', `documents[${i}].metadata must be an object`);
  }
  return { pageContent: doc.pageContent, metadata };
}

/** A fresh Document for an entry: a copy, because the index's metadata is frozen and callers may edit theirs. */
export function toDocument(key: string, stored: unknown): Document {
  const s = stored as StoredDocument;
  return new Document({ id: key, pageContent: s.pageContent, metadata: structuredClone(s.metadata) });
}

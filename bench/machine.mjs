// The machine a run happened on, for the report header and the results file name.
import { cpus, hostname, loadavg, totalmem } from 'node:os';

export function machine() {
  const c = cpus();
  const model = (c[0]?.model ?? 'unknown cpu').replace(/\s+/g, ' ').trim();
  return {
    cpu: model,
    cores: c.length,
    memGiB: totalmem() / 2 ** 30,
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    host: hostname(),
    load: loadavg(),
    date: new Date(),
  };
}

/** A short file-name-safe machine tag, e.g. "amd-epyc-2c". */
export function machineTag(m) {
  const cpu = m.cpu.toLowerCase().replace(/\(r\)|\(tm\)|cpu|processor|@.*$/g, '').replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '').split('-').slice(0, 4).join('-');
  return `${cpu || 'cpu'}-${m.cores}c`;
}

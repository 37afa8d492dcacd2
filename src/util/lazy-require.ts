// A CommonJS package loaded on first use rather than at start-up: the broker clients (amqplib,
// @nats-io/*) and the TOML parser are tens of milliseconds and megabytes of heap that a tail of
// HTTP hooks from flags never needs. The package's types come from `import type`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function lazyModule<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}

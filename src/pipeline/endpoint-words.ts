// An endpoint's state in an operator's words, for logs, status and runtime.json: the breaker's
// `closed`/`open`/`probing` (deliver/endpoint-breaker.ts) say the opposite of what they mean to
// someone who is not thinking of a circuit.
import type { BreakerState } from '../deliver/endpoint-breaker.js';

export type EndpointWord = 'healthy' | 'probing' | 'down';

export function endpointWord(state: BreakerState | string): EndpointWord | string {
  // runtime files of older versions hold the breaker's words
  return state === 'closed' ? 'healthy' : state === 'open' ? 'down' : state === 'probing' || state === 'half-open' ? 'probing' : state;
}

/** The worst of several endpoints' words: down, then probing, else healthy. */
export function worstWord(words: readonly string[]): EndpointWord {
  return words.includes('down') ? 'down' : words.includes('probing') ? 'probing' : 'healthy';
}

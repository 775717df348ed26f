import { obj, opt, str, type ObjectSchema } from './schema.js';
import type { VerbDefinition } from './types.js';

interface Entry {
  readonly definition: VerbDefinition;
  /** The verb's schema plus `id`, which every verb accepts (contract §4.1). */
  readonly schema: ObjectSchema;
}

/** Verb name → definition (DESIGN.md §4.6: the interpreter never names a verb). */
export class VerbRegistry {
  readonly #entries = new Map<string, Entry>();

  /** Adds a verb; `aliases` run the same definition under other names. */
  register(definition: VerbDefinition, aliases: readonly string[] = []): this {
    const schema = obj({ ...definition.schema.props, id: opt(str()) }, definition.schema.pattern);
    for (const name of [definition.name, ...aliases]) this.#entries.set(name, { definition, schema });
    return this;
  }

  get(name: string): Entry | undefined {
    return this.#entries.get(name);
  }

  names(): string[] {
    return [...this.#entries.keys()].sort();
  }
}

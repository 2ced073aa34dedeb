/**
 * Jest snapshot serializer: replaces asset hashes (64 hex characters, alone or inside an S3 key / image tag) with a
 * placeholder, so snapshots depend on what is deployed, not on the bytes of a bundle built on a particular machine.
 */
const HASH = /[0-9a-f]{64}/g;
const PLACEHOLDER = '[ASSET-HASH]';

module.exports = {
  test(value: unknown): boolean {
    return typeof value === 'string' && /[0-9a-f]{64}/.test(value);
  },
  serialize(
    value: string,
    _config: unknown,
    _indentation: string,
    _depth: number,
    _refs: unknown,
    printer: (v: unknown, ...rest: unknown[]) => string,
  ): string {
    return printer(value.replace(HASH, PLACEHOLDER), _config, _indentation, _depth, _refs);
  },
};

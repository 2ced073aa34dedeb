import flinkProperties from '../../contracts/flink-properties.json';

/** The property groups the Flink job reads, as defined once in lib/contracts/flink-properties.json. */
export type FlinkPropertyGroups = Record<string, Record<string, string>>;

type Contract = { groups: Record<string, Record<string, { default: string | null; description: string }>> };
const CONTRACT = flinkProperties as Contract;

/**
 * Builds the application's property groups: the contract's non-empty defaults, overlaid with the values the
 * deployment decides. Throws for a group or key the job does not know, and for a required key left unset,
 * so the CDK app and the Java job cannot drift apart silently.
 */
export function flinkPropertyGroups(values: FlinkPropertyGroups): FlinkPropertyGroups {
  for (const [group, keys] of Object.entries(values)) {
    const known = CONTRACT.groups[group];
    if (!known)
      throw new Error(`Flink property group '${group}' is not in lib/contracts/flink-properties.json`);
    for (const key of Object.keys(keys)) {
      if (!(key in known))
        throw new Error(`Flink property '${group}.${key}' is not in lib/contracts/flink-properties.json`);
    }
  }
  const groups: FlinkPropertyGroups = {};
  for (const [group, keys] of Object.entries(CONTRACT.groups)) {
    const resolved: Record<string, string> = {};
    for (const [key, spec] of Object.entries(keys)) {
      const value = values[group]?.[key] ?? spec.default;
      if (value === null) throw new Error(`Flink property '${group}.${key}' is required and was not set`);
      if (value !== '') resolved[key] = value;
    }
    // Managed Flink rejects a property group without properties; the job reads a missing group as its defaults.
    if (Object.keys(resolved).length > 0) groups[group] = resolved;
  }
  return groups;
}

/**
 * Key prefixes inside the zone buckets; the Firehose, Spark, Glue, the Flink replay (`streamlake replay`) and the
 * offline runtime all use these. A plain module (no CDK imports) so the CLI can load it.
 */
export const LakePrefixes = {
  rawEvents: 'raw/events/',
  rawErrors: 'raw/errors/',
  curatedEvents: 'curated/events/',
  quarantine: 'quarantine/',
  analytics: 'analytics/',
  athenaResults: 'athena-results/',
  emrLogs: 'emr-logs/',
  jobs: 'jobs/',
} as const;

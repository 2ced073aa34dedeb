// Two projects: `unit` is the fast inner loop (npm run test:unit); `e2e` starts emulators and real jobs.
// testTimeout is a global option (Jest ignores it inside projects): generous, because synthesis and emulators are slow on
// a loaded 2-core machine; no test relies on timing.
const swc = ['@swc/jest', { jsc: { target: 'es2022' } }];
// hyparquet, hyparquet-writer and hysnappy ship ES modules only: swc turns them into CommonJS like the project's files.
const transform = { '^.+\\.tsx?$': swc, '/node_modules/(hyparquet|hysnappy)[^/]*/.+\\.js$': swc };
const transformIgnorePatterns = ['/node_modules/(?!(hyparquet|hysnappy))'];
module.exports = {
  testTimeout: 600_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      transformIgnorePatterns,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};

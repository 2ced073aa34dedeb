// Two projects: `unit` is the fast inner loop (npm run test:unit); `e2e` starts emulators and real jobs.
// testTimeout is a global option (Jest ignores it inside projects): generous, because synthesis and emulators are slow on
// a loaded 2-core machine; no test relies on timing.
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
module.exports = {
  testTimeout: 600_000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
    },
  ],
};

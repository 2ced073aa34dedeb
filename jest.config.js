// Two projects: `unit` is the fast inner loop (npm run test:unit); `e2e` starts emulators and real jobs.
const transform = { '^.+\\.tsx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
      testTimeout: 120_000,
      snapshotSerializers: ['<rootDir>/test/support/asset-hash-serializer.ts'],
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      testTimeout: 900_000,
    },
  ],
};

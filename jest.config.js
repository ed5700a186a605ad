/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	globalSetup: '<rootDir>/test/support/global-setup.mjs',
	globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
	testTimeout: 60000,
	// the database is shared: keep parallelism modest on small machines
	maxWorkers: 2,
};

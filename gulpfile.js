// Copies what tsc does not: node and credential icons (svg/png) into dist, keeping their paths.
const { src, dest } = require('gulp');

function buildAssets() {
	return src(['icons/**/*.{png,svg}', 'nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], {
		base: '.',
		encoding: false,
	}).pipe(dest('dist'));
}

exports['build:assets'] = buildAssets;
exports.default = buildAssets;

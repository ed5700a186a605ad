// Throughput: completed and failed per hour (stacked bars) and the queue depth (line), as inline SVG.

const CHART = { width: 960, height: 240, left: 48, right: 48, top: 12, bottom: 28 };

function renderThroughput(buckets) {
	const target = byId('throughput');
	if (!buckets) {
		fill(
			target,
			h(
				'p',
				{ className: 'hint' },
				'The hourly chart needs the Job Queue operation "Queue → Get Throughput" (SQL get_throughput), which this version of the package does not have yet. ',
				'The table above shows the current depth of each queue.',
			),
		);
		return;
	}
	const { width, height, left, right, top, bottom } = CHART;
	const plotW = width - left - right;
	const plotH = height - top - bottom;
	const maxDone = Math.max(1, ...buckets.map((b) => Number(b.completed) + Number(b.failed)));
	const maxDepth = Math.max(1, ...buckets.map((b) => Number(b.depth)));
	const slot = plotW / buckets.length;
	const barW = Math.max(2, slot * 0.7);
	const y = (n, max) => top + plotH - (plotH * n) / max;
	const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

	const bars = buckets.flatMap((b, i) => {
		const x = left + i * slot + (slot - barW) / 2;
		const completedTop = y(Number(b.completed), maxDone);
		const failedTop = y(Number(b.completed) + Number(b.failed), maxDone);
		const current = i === buckets.length - 1;
		const label = `${time(b.bucket)}${current ? ' (this hour so far)' : ''}: ${count(b.completed)} completed, ${count(b.failed)} failed, ${count(b.depth)} open${current ? ' now' : ' at its end'}`;
		return [
			svg('rect', { class: 'completed', x, y: completedTop, width: barW, height: top + plotH - completedTop }, svg('title', null, label)),
			svg('rect', { class: 'failed', x, y: failedTop, width: barW, height: completedTop - failedTop }, svg('title', null, label)),
		];
	});
	const depthPoints = buckets
		.map((b, i) => `${(left + i * slot + slot / 2).toFixed(1)},${y(Number(b.depth), maxDepth).toFixed(1)}`)
		.join(' ');
	const ticks = buckets.map((b, i) =>
		i % 3 === 0 || i === buckets.length - 1
			? svg('text', { x: left + i * slot + slot / 2, y: height - 8, 'text-anchor': 'middle' }, hourLabel.format(new Date(b.bucket)))
			: null,
	);
	const total = (key) => buckets.reduce((sum, b) => sum + Number(b[key]), 0);

	fill(
		target,
		h(
			'div',
			{ className: 'chart' },
			svg(
				'svg',
				{
					viewBox: `0 0 ${width} ${height}`,
					role: 'img',
					'aria-label': `Last ${buckets.length} hours: ${total('completed')} completed, ${total('failed')} failed`,
				},
				svg('line', { class: 'axis', x1: left, x2: width - right, y1: top + plotH, y2: top + plotH }),
				svg('text', { x: left - 6, y: top + 10, 'text-anchor': 'end' }, count(maxDone)),
				svg('text', { x: left - 6, y: top + plotH, 'text-anchor': 'end' }, '0'),
				svg('text', { x: width - right + 6, y: top + 10 }, count(maxDepth)),
				bars,
				svg('polyline', { class: 'depth', points: depthPoints }),
				ticks,
			),
		),
		h(
			'div',
			{ className: 'legend' },
			h('span', null, h('i', { className: 'completed' }), `completed per hour (${count(total('completed'))} in ${buckets.length} h)`),
			h('span', null, h('i', { className: 'failed' }), `failed runs per hour (${count(total('failed'))})`),
			h('span', null, h('i', { className: 'depth' }), 'open jobs (waiting, queued, running) at the end of each hour (right scale)'),
		),
	);
}

// DOM building without HTML strings: every value from the queue becomes a text node, never markup.
// Nothing in the page parses a string as markup or code (test/dashboard/dashboard.test.ts checks the source).

const byId = (id) => document.getElementById(id);

/** Appends children to an element: strings and numbers as text nodes, null/false skipped, arrays flattened. */
function append(parent, children) {
	for (const child of children.flat(Infinity)) {
		if (child === null || child === undefined || child === false) continue;
		parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
	}
	return parent;
}

const MARKUP_PROPS = /^(inner|outer)HTML$|^srcdoc$|^on./;

/**
 * h('td', { className: 'num', title: '…' }, 'text', otherNode). Props are set as DOM properties, except
 * `dataset` (an object) and `on` (event listeners); props that would take markup or code are refused.
 */
function h(tag, props, ...children) {
	const el = document.createElement(tag);
	for (const [key, value] of Object.entries(props ?? {})) {
		if (value === undefined || value === null) continue;
		if (MARKUP_PROPS.test(key)) throw new Error(`h(): the prop ${key} is not allowed`);
		if (key === 'dataset') Object.assign(el.dataset, value);
		else if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
		else el[key] = value;
	}
	return append(el, children);
}

/** SVG elements (attributes, not properties). */
function svg(tag, attrs, ...children) {
	const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
	for (const [key, value] of Object.entries(attrs ?? {})) if (value !== undefined && value !== null) el.setAttribute(key, String(value));
	return append(el, children);
}

/** Replaces an element's children. */
function fill(el, ...children) {
	el.replaceChildren();
	return append(el, children);
}

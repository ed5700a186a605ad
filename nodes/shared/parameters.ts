import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INode } from 'n8n-workflow';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads a JSON parameter (string or already an object) and requires an object; the error names the field. */
export function jsonObjectParameter(ctx: IExecuteFunctions, name: string, label: string, itemIndex: number): IDataObject {
	const raw = ctx.getNodeParameter(name, itemIndex, {}) as unknown;
	let value = raw;
	if (typeof raw === 'string') {
		if (raw.trim() === '') return {};
		try {
			value = JSON.parse(raw);
		} catch (error) {
			throw new NodeOperationError(ctx.getNode(), `${label} is not valid JSON: ${error.message}`, {
				itemIndex,
				description: `Enter a JSON object, e.g. {"orderId": 123}, or an expression like {{ $json }}.`,
			});
		}
	}
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		throw new NodeOperationError(ctx.getNode(), `${label} must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`, {
			itemIndex,
			description: 'Wrap the value in an object, e.g. {"items": [...]}.',
		});
	}
	return value as IDataObject;
}

/** A parameter's value as trimmed text ('' when unset). */
function idText(ctx: IExecuteFunctions, name: string, itemIndex: number): string {
	const raw = ctx.getNodeParameter(name, itemIndex, '', { extractValue: true }) as unknown;
	return typeof raw === 'string' ? raw.trim() : raw === undefined || raw === null ? '' : String(raw);
}

/**
 * Reads an optional run id parameter: the run_id a claim returned, so that the call only applies to that run (a
 * worker whose lease expired cannot touch the run that replaced it). Undefined when empty; the error names the field.
 */
export function runIdParameter(ctx: IExecuteFunctions, name: string, itemIndex: number): string | undefined {
	const id = idText(ctx, name, itemIndex);
	if (!id) return undefined;
	if (!UUID.test(id)) {
		throw new NodeOperationError(ctx.getNode(), `Run ID "${id}" is not a run id (a UUID)`, {
			itemIndex,
			description:
				'Map the run_id of the claimed job, e.g. {{ $json.run_id }} right after Claim Job, or {{ $("Claim Job").item.json.run_id }} further down the workflow; leave it empty only for a job this workflow did not claim.',
		});
	}
	return id;
}

/** Reads a job id parameter and checks it is a UUID; the error names the field. */
export function jobIdParameter(ctx: IExecuteFunctions, name: string, itemIndex: number): string {
	const id = idText(ctx, name, itemIndex);
	if (!UUID.test(id)) {
		throw new NodeOperationError(
			ctx.getNode(),
			id ? `Job ID "${id}" is not a job id (a UUID)` : 'Job ID is empty',
			{
				itemIndex,
				description:
					'Map the id of a claimed job, e.g. {{ $json.id }} right after Claim Job, or {{ $("Claim Job").item.json.id }} further down the workflow.',
			},
		);
	}
	return id;
}

/**
 * Reads a list of job ids: an array (an expression like {{ $json.childIds }}) or comma-separated text. Empty: [].
 * Every element must be a UUID; the error names the field (`label`) and the element.
 */
export function jobIdListParameter(ctx: IExecuteFunctions, name: string, label: string, itemIndex: number): string[] {
	const ids = listParameter(ctx.getNodeParameter(name, itemIndex, ''));
	const bad = ids.findIndex((id) => !UUID.test(id));
	if (bad >= 0) {
		throw new NodeOperationError(ctx.getNode(), `${label}: "${ids[bad].slice(0, 100)}" is not a job id (a UUID)`, {
			itemIndex,
			description: `Give job ids as a list, e.g. {{ $json.jobIds }}, or separated by commas; element ${bad} is not one.`,
		});
	}
	return ids;
}

/** Splits a comma-separated list parameter ("a, b") into trimmed non-empty strings. */
export function listParameter(value: unknown): string[] {
	if (Array.isArray(value)) return value.map(String).map((s) => s.trim()).filter(Boolean);
	return String(value ?? '')
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
}

/** Requires `value` to be a whole number within [min, max]; the error names the field (`label`). */
export function wholeNumber(node: INode, label: string, value: unknown, min: number, max: number, itemIndex?: number): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
		const message = `${label} must be a whole number from ${min} to ${max}, got ${String(value)}`;
		throw new NodeOperationError(node, message, { itemIndex });
	}
	return value;
}

/** Reads a number parameter of an item and requires a whole number within [min, max]. */
export function integerParameter(
	ctx: IExecuteFunctions,
	name: string,
	label: string,
	itemIndex: number,
	min: number,
	max: number,
	fallback?: number,
): number {
	return wholeNumber(ctx.getNode(), label, ctx.getNodeParameter(name, itemIndex, fallback), min, max, itemIndex);
}

/** A date given as text (a dateTime parameter, an expression) as an ISO string; the error names the field (`label`). */
export function isoDate(node: INode, label: string, value: string, itemIndex: number, fix: string): string {
	const at = new Date(value);
	if (Number.isNaN(at.getTime())) {
		throw new NodeOperationError(node, `${label} "${value.slice(0, 100)}" is not a date`, {
			itemIndex,
			description: `Use an ISO date like 2026-02-01T00:00:00Z${fix}.`,
		});
	}
	return at.toISOString();
}

/** A trimmed text parameter, or undefined when empty (the SQL default applies). */
export function textParameter(ctx: IExecuteFunctions, name: string, itemIndex: number): string | undefined {
	return String(ctx.getNodeParameter(name, itemIndex, '') ?? '').trim() || undefined;
}

/** A trimmed text parameter that must not be empty; the error names the field, `description` says what to set. */
export function requiredTextParameter(
	ctx: IExecuteFunctions,
	name: string,
	label: string,
	itemIndex: number,
	description: string,
): string {
	const value = textParameter(ctx, name, itemIndex);
	if (!value) throw new NodeOperationError(ctx.getNode(), `${label} is empty`, { itemIndex, description });
	return value;
}

import type { IExecuteFunctions } from 'n8n-workflow';

/** A trimmed text parameter, or undefined when empty (the SQL default applies). */
export const textParameter = (ctx: IExecuteFunctions, name: string, i: number) =>
	String(ctx.getNodeParameter(name, i, '') ?? '').trim() || undefined;
